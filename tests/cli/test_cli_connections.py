"""Platform commands against an endpoint that refuses connections: exit 1 and one message line;
and --kubeconfig, which only Kubernetes takes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from crossdock.cli.main import main

SHOP = str(Path(__file__).parent.parent.parent / "examples" / "shop" / "app.yaml")
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "https://127.0.0.1:{port}"}}}}]
users: [{{name: u, user: {{token: t}}}}]
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
"""


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound (so nothing else takes it), never listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def kubeconfig(tmp_path: Path, port: int, name: str = "kubeconfig") -> Path:
    path = tmp_path / name
    path.write_text(KUBECONFIG.format(port=port))
    return path


def clean_env(home: Path) -> dict[str, str]:
    """The environment without any platform's connection settings, and a HOME of its own (no
    ~/.kube/config, no docker contexts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NOMAD_", "KUBE"))}
    return {**env, "HOME": str(home)}


@pytest.mark.parametrize("command", [["status", "shop"], ["deploy", SHOP, "--no-wait"]], ids=["status", "deploy"])
@pytest.mark.parametrize("target", ["kubernetes", "swarm", "nomad"])
def test_cli_unreachable_platform_is_exit_1(tmp_path: Path, closed_port: int, target: str, command: list[str]) -> None:
    endpoint = {"kubernetes": ("KUBECONFIG", str(kubeconfig(tmp_path, closed_port))),
                "swarm": ("DOCKER_HOST", f"tcp://127.0.0.1:{closed_port}"),
                "nomad": ("NOMAD_ADDR", f"http://127.0.0.1:{closed_port}")}[target]
    env = {**clean_env(tmp_path), endpoint[0]: endpoint[1]}
    proc = subprocess.run([sys.executable, "-m", "crossdock", *command, "-t", target], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and "cannot reach" in proc.stderr
    assert "127.0.0.1" in proc.stderr and str(closed_port) in proc.stderr  # the endpoint it tried


def test_cli_kubeconfig_flag_wins_over_kubeconfig_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str], closed_port: int) -> None:
    for key, value in clean_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path, 1, "from-env")))
    flag = kubeconfig(tmp_path, closed_port, "from-flag")
    code = main(["status", "shop", "-t", "kubernetes", "--kubeconfig", str(flag)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("error: listing deployments: cannot reach the Kubernetes API server "
                          f"(https://127.0.0.1:{closed_port} from kubeconfig {flag}): "), err
    assert "from-env" not in err


def test_cli_kubeconfig_flag_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["status", "shop", "-t", "kubernetes", "--kubeconfig", str(tmp_path / "nope")])
    assert code == 2 and f"Invalid value for '--kubeconfig': File '{tmp_path / 'nope'}' does not exist." in \
        capsys.readouterr().err


@pytest.mark.parametrize("target, hint", [("swarm", "Swarm connects through DOCKER_HOST or a docker context"),
                                          ("nomad", "Nomad connects through NOMAD_ADDR")])
@pytest.mark.parametrize("command", [["status", "shop"], ["deploy", SHOP], ["diff", SHOP], ["destroy", "shop", "--yes"],
                                     ["logs", "shop", "web"]], ids=lambda c: str(c[0]))
def test_cli_kubeconfig_flag_refused_for_other_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       target: str, hint: str, command: list[str]) -> None:
    code = main([*command, "-t", target, "--kubeconfig", str(kubeconfig(tmp_path, 1))])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: --kubeconfig is for -t kubernetes only (") and hint in err, err


@pytest.mark.parametrize("target, option, message", [
    ("swarm", ["--namespace", "shop"], "--namespace is for -t kubernetes and -t nomad"),
    ("nomad", ["--context", "prod"], "--context is for -t kubernetes and -t swarm (Nomad connects through NOMAD_ADDR"),
])
def test_cli_connection_option_the_target_cannot_use_is_refused(capsys: pytest.CaptureFixture[str], target: str,
                                                                option: list[str], message: str) -> None:
    code = main(["status", "shop", "-t", target, *option])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.startswith("error: " + message), err
