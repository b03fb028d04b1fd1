"""deploy / diff / status / destroy through the CLI: on the Nomad STAND-IN (not Nomad) and on
the real local Swarm."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from crossdock.cli.main import main
from platforms_fixtures import unreachable_env  # tests/ is on the path (conftest)

sys.path.insert(0, str(Path(__file__).parent.parent / "adapters"))
from nomad_fixtures import SHOP, job_validator  # noqa: E402
from nomad_standin import NomadStandIn  # noqa: E402


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def nomad_standin_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[NomadStandIn]:
    server = NomadStandIn(validate=job_validator()).start()
    for var in ("NOMAD_NAMESPACE", "NOMAD_REGION", "NOMAD_CACERT", "NOMAD_SKIP_VERIFY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NOMAD_ADDR", server.address)
    monkeypatch.setenv("NOMAD_TOKEN", server.token)
    try:
        yield server
    finally:
        server.stop()


def test_cli_nomad_standin_deploy_diff_status_destroy(nomad_standin_env: NomadStandIn,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", str(SHOP), "-t", "nomad", "--detailed-exitcode")
    assert code == 2 and "+ job shop" in out, out + err
    code, out, err = run(capsys, "deploy", str(SHOP), "-t", "nomad", "--no-wait")
    assert code == 0, err
    assert "changed" in out
    code, out, _ = run(capsys, "diff", str(SHOP), "-t", "nomad", "--detailed-exitcode")
    assert code == 0 and "no changes" in out
    code, out, _ = run(capsys, "deploy", str(SHOP), "-t", "nomad", "--no-wait")
    assert code == 0 and "shop on nomad: no changes" in out
    code, out, _ = run(capsys, "status", "shop", "-t", "nomad", "-o", "json")
    status: dict[str, Any] = json.loads(out)
    assert code == 0 and status["app"] == "shop" and status["target"] == "nomad"
    assert {w["name"] for w in status["workloads"]} >= {"web", "api", "cache", "migrate", "nightly-report"}
    assert set(status["workloads"][0]) >= {"name", "kind", "desired", "running", "healthy", "image",
                                           "instances", "runs", "errors", "ready"}
    code, out, _ = run(capsys, "destroy", "shop", "-t", "nomad", "--yes")
    assert code == 0 and "removed" in out
    code, out, _ = run(capsys, "status", "shop", "-t", "nomad", "-o", "json")
    assert json.loads(out)["workloads"] == []


def test_cli_destroy_needs_yes_without_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "destroy", "shop", "-t", "nomad")
    assert code == 2 and "--yes" in err


def test_cli_deploy_bad_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "deploy", str(SHOP), "-t", "nomad", "--timeout", "soon")
    assert code == 2 and "--timeout" in err


SMALL = """apiVersion: crossdock/v1
kind: App
metadata: {{name: {name}}}
services:
  web:
    image: crossdock-test/httpd:1.0
    env: {{GREETING: "{greeting}"}}
    ports: [{{name: http, port: 8080}}]
    health:
      readiness: {{http: {{path: /healthz, port: http}}, interval: 1s, timeout: 1s, retries: 2}}
"""


@pytest.mark.platform
def test_cli_swarm_deploy_wait_status_diff_destroy(swarm: Any, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    name = f"cli{uuid.uuid4().hex[:8]}"
    spec = tmp_path / "app.yaml"
    spec.write_text(SMALL.format(name=name, greeting="one"))
    try:
        code, out, err = run(capsys, "deploy", str(spec), "-t", "swarm", "--timeout", "3m")
        assert code == 0, out + err
        assert f"{name} on swarm: healthy" in out
        code, out, _ = run(capsys, "status", name, "-t", "swarm", "-o", "json")
        web = next(w for w in json.loads(out)["workloads"] if w["name"] == "web")
        assert (web["desired"], web["running"], web["healthy"]) == (1, 1, 1)
        assert run(capsys, "diff", str(spec), "-t", "swarm", "--detailed-exitcode")[0] == 0
        spec.write_text(SMALL.format(name=name, greeting="two"))
        code, out, _ = run(capsys, "diff", str(spec), "-t", "swarm", "--detailed-exitcode")
        assert code == 2 and "GREETING" in out
    finally:
        code, out, err = run(capsys, "destroy", name, "-t", "swarm", "--yes")
    assert code == 0, err
    assert not swarm.services.list(filters={"label": f"com.docker.stack.namespace={name}"})


def test_cli_deploy_prints_a_stale_lock_takeover(nomad_standin_env: NomadStandIn,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from crossdock.adapters.lock import Holder
    from crossdock.adapters.nomad.adapter import NomadAdapter
    from crossdock.adapters.nomad.lock import VariableLock
    old = time.time() - 600
    assert VariableLock(NomadAdapter().conn, "shop").create(Holder("deadhost+7+beef", old, old + 120))
    code, out, err = run(capsys, "deploy", str(SHOP), "-t", "nomad", "--no-wait")
    assert code == 0, err
    note = [line for line in err.splitlines() if line.startswith("note: ")]
    assert len(note) == 1 and "took over the stale deploy lock of shop" in note[0], err
    assert "deadhost+7+beef" in note[0]
    code, out, err = run(capsys, "deploy", str(SHOP), "-t", "nomad", "--no-wait")
    assert code == 0 and "note:" not in err  # an ordinary deploy says nothing about locks


def test_cli_status_and_destroy_read_the_app_name_through_env(nomad_standin_env: NomadStandIn, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text("apiVersion: crossdock/v1\nkind: App\nmetadata: {name: plain}\n"
                    "services: {web: {image: 'crossdock-test/httpd:1.0'}}\n"
                    "environments: {staging: {metadata: {name: plain-staging}}}\n")
    code, out, err = run(capsys, "deploy", str(spec), "-t", "nomad", "--env", "staging", "--no-wait")
    assert code == 0 and "plain-staging on nomad" in out, out + err
    code, out, err = run(capsys, "status", str(spec), "-t", "nomad", "--env", "staging", "-o", "json")
    assert code == 0 and json.loads(out)["app"] == "plain-staging"
    assert [w["name"] for w in json.loads(out)["workloads"]] == ["web"]
    code, out, err = run(capsys, "destroy", str(spec), "-t", "nomad", "--env", "staging", "--yes")
    assert code == 0 and "plain-staging on nomad: removed" in out, out + err


# Nomad's jobspec is written in Python (translators/nomad/hcl.py): it has no template to cache.
@pytest.mark.parametrize("target, templates", [("swarm", True), ("kubernetes", True), ("nomad", False)])
def test_cli_platform_commands_use_the_compiled_template_cache(target: str, templates: bool, tmp_path: Path) -> None:
    """deploy and diff render as `render` does, with the per-user cache of compiled templates
    (a new process otherwise compiles them all again); the platform is unreachable here, which
    comes after rendering."""
    import subprocess
    env = unreachable_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-c", "import sys; from crossdock.cli.main import main; sys.exit(main())",
                           "diff", str(SHOP), "-t", target], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    cached = list((tmp_path / "cache" / "crossdock").glob("templates-*/*.cache"))
    assert bool(cached) == templates, proc.stderr


@pytest.mark.platform
def test_cli_kubernetes_command_leaves_no_temporary_files(kubernetes: Any, tmp_path: Path) -> None:
    """The kubernetes client writes a kubeconfig's embedded certificate data (the CA's here; a
    client key's for other clusters) to temporary files and deletes them at exit: the command
    must end the ordinary way, so that nothing of it stays behind in the temporary folder."""
    import os
    import subprocess

    from platforms_fixtures import KUBECONFIG

    assert "certificate-authority-data:" in KUBECONFIG.read_text()  # what makes the client write one
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "KUBECONFIG": str(KUBECONFIG)}
    proc = subprocess.run([sys.executable, "-m", "crossdock", "status", f"gone-{uuid.uuid4().hex[:6]}",
                           "-t", "kubernetes", "--namespace", "default", "-o", "json"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["workloads"] == []
    assert sorted(p.name for p in temp.iterdir()) == []
