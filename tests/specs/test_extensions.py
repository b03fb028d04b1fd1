"""The x-<target> blocks: one per registered target (crossdock.targets), read with extension().

The main environment registers the three built-in targets only (tests/test_toy_target.py adds
one in a venv of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossdock.errors import SpecError
from crossdock.specs.loader import load

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\n"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "app.yaml"
    path.write_text(HEAD + text)
    return str(path)


def test_extension_blocks_read_by_target(tmp_path: Path) -> None:
    spec = load(_write(tmp_path, "x-nomad: {Datacenters: [dc1]}\nservices:\n  web:\n    image: nginx\n"
                                 "    x-swarm: {stop_grace_period: 1m}\n    x-kubernetes:\n"), environ={})
    web = spec.app.services["web"]
    assert spec.app.extension("nomad") == {"Datacenters": ["dc1"]}
    assert spec.app.extension("kubernetes") is None and spec.app.extensions() == {"nomad": {"Datacenters": ["dc1"]}}
    assert web.extension("swarm") == {"stop_grace_period": "1m"}
    assert web.extension("kubernetes") is None  # written, but empty
    assert web.extensions() == {"swarm": {"stop_grace_period": "1m"}}


def test_extension_unknown_target_is_an_unknown_field_where_it_stands(tmp_path: Path) -> None:
    # Lines: HEAD is 4, so `services:` is 5, `web:` 6, image 7, replicas 8, x-foo 9.
    path = _write(tmp_path, "services:\n  web:\n    image: nginx\n    replicas: lots\n    x-foo: {a: 1}\n"
                            "x-kubernetes: [not, a, mapping]\n")
    with pytest.raises(SpecError) as info:
        load(path, environ={})
    problems = sorted(str(p) for p in info.value.problems)
    assert len(problems) == 3, problems  # every problem of the mapping in one run
    assert any(p.startswith(f"{path}:8:15: services.web.replicas: ") for p in problems), problems
    unknown = next(p for p in problems if "x-foo" in p)
    assert unknown.startswith(f"{path}:9:5: services.web.x-foo: unknown field 'x-foo'"), unknown
    assert "x-kubernetes" in unknown and "x-nomad" in unknown and "x-swarm" in unknown  # the hint lists them
    assert any(p.startswith(f"{path}:10:15: x-kubernetes: expected a mapping, got a list") for p in problems), problems
