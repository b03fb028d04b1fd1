"""Smoke tests proving the local Docker Swarm is real: a stack deployed with the docker CLI
answers HTTP on a published port and its task's container reaches `healthy`."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from platforms_fixtures import HTTPD_IMAGE, http_get, wait_for

pytestmark = pytest.mark.platform

# Host-mode publishing: the kernel has no IPVS, so the routing mesh (ingress mode) is absent.
STACK_FILE = """\
version: "3.8"
services:
  web:
    image: {image}
    environment:
      MESSAGE: hello from {stack}
      UNHEALTHY: "{unhealthy}"
    ports:
      - target: 8080
        published: {port}
        protocol: tcp
        mode: host
    healthcheck:
      test: ["CMD", "/bin/healthcheck"]
      interval: 2s
      timeout: 2s
      retries: 2
      start_period: 1s
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deploy(tmp_path: Path, stack: str, port: int, unhealthy: str = "0") -> None:
    compose = tmp_path / "stack.yml"
    compose.write_text(STACK_FILE.format(image=HTTPD_IMAGE, stack=stack, port=port, unhealthy=unhealthy))
    subprocess.run(
        ["docker", "stack", "deploy", "--resolve-image", "never", "-c", str(compose), stack],
        check=True, capture_output=True, text=True,
    )


def stack_containers(swarm: Any, stack: str) -> list[Any]:
    return list(swarm.containers.list(filters={"label": f"com.docker.stack.namespace={stack}"}))


def health(container: Any) -> str:
    container.reload()
    return str(container.attrs["State"].get("Health", {}).get("Status", "none"))


def test_swarm_stack_answers_http_and_is_healthy(swarm: Any, stack_name: str, tmp_path: Path) -> None:
    port = free_port()
    deploy(tmp_path, stack_name, port)

    service = wait_for(lambda: swarm.services.list(filters={"name": f"{stack_name}_web"}), 30, "service")[0]
    assert service.attrs["Spec"]["Labels"]["com.docker.stack.namespace"] == stack_name

    container = wait_for(lambda: stack_containers(swarm, stack_name), 60, "a running task container")[0]
    wait_for(lambda: health(container) == "healthy", 60, "the task's container to be healthy")
    # Swarm keeps a task in `starting` until its first health check passes.
    wait_for(lambda: [t["Status"]["State"] for t in service.tasks(filters={"desired-state": "running"})]
             == ["running"], 30, "the task to be running")

    status, body = wait_for(lambda: http_get(f"http://127.0.0.1:{port}/"), 30, "HTTP on the published port")
    assert status == 200
    assert f"hello from {stack_name}" in body
    status, env = http_get(f"http://127.0.0.1:{port}/env")
    assert status == 200 and f"MESSAGE=hello from {stack_name}" in env


def test_swarm_unhealthy_task_is_reported_unhealthy(swarm: Any, stack_name: str, tmp_path: Path) -> None:
    deploy(tmp_path, stack_name, free_port(), unhealthy="1")
    container = wait_for(lambda: stack_containers(swarm, stack_name), 60, "a running task container")[0]
    wait_for(lambda: health(container) == "unhealthy", 60, "the task's container to be unhealthy")
