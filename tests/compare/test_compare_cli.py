"""`crossdock compare` as a command: static-only runs, platforms that do not answer listed as not
measured with the reason (exit 0), and bad input (exit 2, one message, no traceback).  No
platform is used: the unreachable ones point at a closed port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.yaml"
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crossdock", "compare", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, check=False)


def test_compare_static_only_json() -> None:
    proc = run([str(SHOP), "--env", "local", "--scenarios", "none", "-o", "json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [s["target"] for s in data["static"]] == ["kubernetes", "swarm", "nomad"]
    assert data["targets"] == []
    assert data["spec"] == SHOP.read_text()


def test_compare_unreachable_platforms_not_measured(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    proc = run([str(SHOP), "--env", "local", "--scenarios", "status", "--repeat", "1", "-o", "json",
                "--report", str(tmp_path / "rep")],
               {"KUBECONFIG": str(kubeconfig), "DOCKER_HOST": "tcp://127.0.0.1:1", "NOMAD_ADDR": "http://127.0.0.1:1"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {t["target"]: t["measured"] for t in data["targets"]} == {"kubernetes": False, "swarm": False, "nomad": False}
    for t in data["targets"]:
        assert t["reason"].startswith(f"not measured: {t['target']} is not reachable"), t["reason"]
        assert t["scenarios"] == []
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "- nomad: not measured: nomad is not reachable" in md


@pytest.mark.parametrize(("args", "message"), [
    (["--repeat", "0"], "--repeat"),
    (["--targets", "kubernetes,mesos"], "--targets 'kubernetes,mesos'"),
    (["--scenarios", "deploy,chaos"], "--scenarios 'deploy,chaos'"),
    (["--service", "nosuch"], "--service nosuch: no such service"),
    (["--set", "novalue"], "--set 'novalue'"),
    (["--timeout", "soon"], "--timeout 'soon'"),
    (["--name", "Bad_Name"], "--name 'Bad_Name'"),
    (["--scale-to", "2", "--targets", "swarm"], "--scale-to 2: web already has 2 replicas"),
    (["--env", "nosuchenv"], "nosuchenv"),
])
def test_compare_bad_input_exit_2(args: list[str], message: str) -> None:
    proc = run([str(SHOP), "--env", "local", *args] if "--env" not in args else [str(SHOP), *args],
               {"DOCKER_HOST": "tcp://127.0.0.1:1", "NOMAD_ADDR": "http://127.0.0.1:1"})
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_compare_missing_file_exit_2(tmp_path: Path) -> None:
    proc = run([str(tmp_path / "absent.yaml")])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
