"""Platform commands against an endpoint that refuses connections: exit 1 and one message line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

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

