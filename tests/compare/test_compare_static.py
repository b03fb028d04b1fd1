"""The static comparison: features used, their level per target, objects and lines (no platform).

Expected counts come from parsing the rendered files here (YAML documents, stack sections, HCL
blocks) and from the spec written in the test, not from the code under test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from crossdock.adapters.compare.features import features_used
from crossdock.adapters.compare.static import compare_static, config_files
from crossdock.specs.loader import load
from crossdock.translators.base import get

SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: mini}
services:
  web:
    image: crossdock-test/httpd:1.0
    env: {PORT: "8080"}
    replicas: 2
    ports: [{name: http, port: 8080, publish: true}]
    health:
      readiness: {http: {path: /healthz, port: http}}
    depends_on: [db]
  db:
    image: crossdock-test/httpd:1.0
jobs:
  once:
    image: crossdock-test/job:1.0
cron_jobs:
  nightly:
    image: crossdock-test/job:1.0
    schedule: "0 3 * * *"
"""
SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.yaml"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(SPEC)
    return path


def test_features_used_mini(mini: Path) -> None:
    assert features_used(load(str(mini)).app) == {
        "services", "env", "replicas", "ports", "publish", "health_readiness", "health_http", "depends_on",
        "restart", "jobs", "cron_jobs"}


def test_static_levels_mini(mini: Path) -> None:
    by = {r.target: r for r in compare_static(load(str(mini)), ["kubernetes", "swarm", "nomad"], renders=1)}
    # depends_on is not rendered by any target; Swarm has no cron jobs and one health check.
    assert by["kubernetes"].features["depends_on"] == "unsupported"
    assert by["swarm"].features["cron_jobs"] == "unsupported"
    assert by["swarm"].features["health_readiness"] == "approximated"
    assert by["kubernetes"].features["cron_jobs"] == "native"
    for r in by.values():
        assert set(r.features) >= features_used(load(str(mini)).app)
        assert len(r.render_ms.values) == 1 and r.render_ms.values[0] > 0


def _objects_by_parsing(target: str, files: dict[str, str]) -> int:
    if target == "kubernetes":
        return sum(1 for t in files.values() for d in yaml.safe_load_all(t) if d)
    if target == "swarm":
        stack = next(yaml.safe_load(t) for p, t in files.items() if p.endswith(".stack.yml"))
        return sum(len(stack.get(k) or {}) for k in ("services", "configs", "secrets", "volumes", "networks"))
    hcl = "".join(t for p, t in files.items() if p.endswith(".hcl"))
    return len(re.findall(r'^\s*(?:job|group|task) "[^"]+" \{$', hcl, re.MULTILINE))


@pytest.mark.parametrize("target", ["kubernetes", "swarm", "nomad"])
def test_static_objects_and_lines_shop(target: str) -> None:
    spec = load(str(SHOP), env="local")
    result = compare_static(spec, [target], renders=1)[0]  # type: ignore[list-item]
    files = config_files(get(target).translate(spec))
    assert result.objects == _objects_by_parsing(target, files)
    assert result.lines == sum(len(t.splitlines()) for t in files.values())
    assert result.files == len(files)


def test_static_nomad_json_twin_not_counted() -> None:
    bundle = get("nomad").translate(load(str(SHOP), env="local"))
    kept = config_files(bundle)
    assert any(p.endswith(".nomad.json") for p in bundle.files)
    assert not any(p.endswith(".nomad.json") for p in kept)
    assert len(kept) == sum(1 for p in bundle.files if p.endswith(".hcl"))
