"""The target seam, proved from outside: a target added by another distribution.

tests/fixtures/toy_target is a test-only distribution (package ``crossdock_toy``: a translator
writing one JSON file per workload, a support column, an adapter that reaches nothing, and the
entry point ``toy = "crossdock_toy.target:TARGET"``).  It is pip-installed into a venv of its own
(``--system-site-packages``, so crossdock and its dependencies are the environment's), never
into the main environment: there, every other test's ``--target all`` still means the three
built-in targets.  Nothing in crossdock is edited for it; each command runs as ``python -m
crossdock`` with that venv's interpreter.

The broken registrations at the end need no install: a ``.dist-info`` folder on PYTHONPATH is
a distribution to ``importlib.metadata``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
TOY = ROOT / "tests" / "fixtures" / "toy_target"
SHOP = ROOT / "examples" / "shop" / "app.yaml"
WITH_X_TOY = """apiVersion: crossdock/v1
kind: App
metadata: {name: tiny}
services:
  web:
    image: nginx:1.27
    ports: [{name: http, port: 80}]
    x-toy: {colour: green}
"""


def run(python: str, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-m", "crossdock", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def toy_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv's interpreter that sees the environment's packages plus the toy distribution."""
    where = tmp_path_factory.mktemp("toy-venv")
    venv.create(where, system_site_packages=True, with_pip=False, symlinks=True)
    python = str(where / "bin" / "python")
    # The environment's own pip, installing into the venv (--prefix would also do; --python
    # needs pip 22.3).  Offline: no index, no dependencies, no build isolation.
    pip = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                          "--no-cache-dir", "--quiet", str(TOY)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return python


def test_toy_target_renders(toy_python: str) -> None:
    proc = run(toy_python, "render", str(SHOP), "-t", "toy", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert "# ==> toy/shop/web.json <==" in proc.stdout
    # What the toy's own column says (crossdock_toy/support.py), and what it leaves out.
    assert "toy: services.web.ports: Toy lists the ports; nothing listens on them" in proc.stderr
    assert "toy: services.cache.volumes: not declared by the target" in proc.stderr
    assert "kubernetes:" not in proc.stderr


def test_toy_target_in_render_all(toy_python: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run(toy_python, "render", str(SHOP), "-t", "all", "-o", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["kubernetes", "nomad", "swarm", "toy"]
    web = json.loads((out / "toy" / "shop" / "web.json").read_text())
    assert web["name"] == "web" and web["kind"] == "services" and web["app"] == "shop"


def test_toy_target_in_explain(toy_python: str) -> None:
    proc = run(toy_python, "explain", str(SHOP), "-o", "json")
    assert proc.returncode == 0, proc.stderr
    rows = {(r["path"], r["feature"]): r for r in json.loads(proc.stdout)["rows"]}
    cache_volumes = rows[("services.cache.volumes", "volumes")]
    assert cache_volumes["toy"] == {"level": "unsupported", "message": "not declared by the target"}
    assert cache_volumes["kubernetes"]["level"] == "native"
    table = run(toy_python, "explain", str(SHOP)).stdout
    assert table.splitlines()[0].split() == ["spec", "path", "feature", "kubernetes", "swarm", "nomad", "toy"]


def test_toy_target_in_the_support_matrix(toy_python: str) -> None:
    proc = run(toy_python, "schema", "--matrix")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "| feature | Kubernetes | Docker Swarm | Nomad | Toy |"
    assert lines[1] == "|---|---|---|---|---|"
    row = {line.split(" | ")[0].removeprefix("| "): line.rstrip(" |").split(" | ")[-1] for line in lines[2:]}
    assert row["services (long-running)"] == "native"
    assert row["ports"] == "approximated"
    assert row["cron jobs (schedule)"] == "not supported"
    assert row["named persistent volumes"] == "not supported"  # not in the toy's column


def test_toy_target_in_the_schema(toy_python: str) -> None:
    proc = run(toy_python, "schema")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    for node in (schema, schema["$defs"]["Service"], schema["$defs"]["Job"], schema["$defs"]["CronJob"]):
        assert {"x-kubernetes", "x-swarm", "x-nomad", "x-toy"} <= set(node["properties"])
        assert node["additionalProperties"] is False


def test_toy_target_x_block_accepted_only_where_registered(toy_python: str, tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(WITH_X_TOY)
    proc = run(toy_python, "render", str(spec), "-t", "toy", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert '"colour": "green"' in proc.stdout  # the block reached the toy's translator
    # Without the toy installed, x-toy is an unknown field at its own place (line 8, column 5).
    plain = run(sys.executable, "validate", str(spec))
    assert plain.returncode == 2
    assert f"{spec}:8:5: services.web.x-toy: unknown field 'x-toy'" in plain.stderr
    assert "x-kubernetes" in plain.stderr and "Traceback" not in plain.stderr


def test_toy_target_platform_commands_use_its_adapter(toy_python: str) -> None:
    proc = run(toy_python, "status", "shop", "-t", "toy", "-n", "here")
    assert proc.returncode == 1
    assert proc.stderr == "error: toy platform (namespace here): there is no such platform, Toy only renders for tests\n"
    refused = run(toy_python, "status", "shop", "-t", "toy", "--context", "prod")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: --context is for -t kubernetes and -t swarm (Toy connects to nothing")


def test_toy_target_among_the_choices(toy_python: str) -> None:
    proc = run(toy_python, "render", str(SHOP), "-t", "nope")
    assert proc.returncode == 2
    assert "'kubernetes', 'swarm', 'nomad', 'toy', 'all'" in proc.stderr


# ---- broken registrations -------------------------------------------------------------------

BROKEN = {
    "import": ("broken = crossdock_no_such_package.target:TARGET",
               "error: the entry point broken = crossdock_no_such_package.target:TARGET (group crossdock.targets, "
               "distribution crossdock-broken) failed to load: ModuleNotFoundError: No module named "
               "'crossdock_no_such_package'"),
    "name": ("other = crossdock.adapters.nomad.target:TARGET",
             "error: the entry point other = crossdock.adapters.nomad.target:TARGET (group crossdock.targets, "
             "distribution crossdock-broken) names its target 'nomad': a target's name must equal its entry "
             "point's name and be 1-20 lower-case letters and digits"),
    "type": ("notarget = crossdock.targets:Connection",
             "error: the entry point notarget = crossdock.targets:Connection (group crossdock.targets, distribution "
             "crossdock-broken) is a type, not a crossdock.targets.Target"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_toy_target_broken_registration_is_one_message(case: str, tmp_path: Path) -> None:
    line, message = BROKEN[case]
    dist = tmp_path / "crossdock_broken-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: crossdock-broken\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[crossdock.targets]\n{line}\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = run(sys.executable, "render", str(SHOP), "-t", "all", env=env)
    assert proc.returncode == 1
    assert proc.stdout == "" and proc.stderr == message + "\n"
    # A command that reads no target still works: the registry is read when it is needed.
    assert run(sys.executable, "--help", env=env).returncode == 0
