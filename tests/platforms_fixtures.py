"""Fixtures for tests that run against the real local platforms of scripts/platforms.

The platforms are real: a Docker Engine with a single-node Swarm manager, and a Kubernetes
control plane with a kubelet that runs containers through cri-dockerd on the same engine.
`scripts/platforms up` starts them (building Kubernetes on a cold machine, tens of minutes)
or, when they already run, returns in seconds; the session fixtures call it once.

Tests that use these fixtures are marked `@pytest.mark.platform`, so
`pytest -m "not platform"` is the quick loop. The test images (crossdock-test/httpd:1.0,
crossdock-test/job:1.0) are described in scripts/platforms.d/IMAGES.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PLATFORMS_SCRIPT = REPO / "scripts" / "platforms"
STATE = Path(os.environ.get("CROSSDOCK_PLATFORMS_STATE", "/var/lib/crossdock-platforms"))
KUBECONFIG = STATE / "kubernetes" / "kubeconfig"
KUBECTL = STATE / "kubernetes" / "kubectl"
DOCKER_SOCKET = "unix:///var/run/docker.sock"
NODE_NAME = "crossdock-node"
HTTPD_IMAGE = "crossdock-test/httpd:1.0"
JOB_IMAGE = "crossdock-test/job:1.0"
FIXTURE_LABEL = "crossdock.test/fixture"

__all__ = [
    "HTTPD_IMAGE",
    "JOB_IMAGE",
    "KUBECONFIG",
    "NODE_NAME",
    "http_get",
    "k8s_namespace",
    "k8s_port_forward",
    "kubectl",
    "kubernetes",
    "platforms_up",
    "stack_name",
    "swarm",
    "wait_for",
]


def unreachable_env(**extra: str) -> dict[str, str]:
    """The process environment with every platform's connection pointed at nothing (no engine,
    an empty kubeconfig, a closed port), for a command that must get past its imports and then
    fail with exit code 1; ``extra`` is added on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "KUBE", "NOMAD_"))}
    env.update(DOCKER_HOST="tcp://127.0.0.1:9", KUBECONFIG=os.devnull, NOMAD_ADDR="http://127.0.0.1:9")
    return env | extra


def platforms_up(target: str) -> None:
    """Run `scripts/platforms up TARGET`; fail the test session with its output if it fails."""
    proc = subprocess.run(
        [str(PLATFORMS_SCRIPT), "up", target],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/platforms up {target} failed:\n{proc.stdout[-6000:]}", pytrace=False)


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Poll `predicate` until it returns a truthy value, which is returned; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as e:  # noqa: BLE001 - polling tolerates transient errors, reported below
            last_error = e
            value = None
        if value:
            return value
        time.sleep(interval)
    detail = f" (last error: {last_error!r})" if last_error else ""
    pytest.fail(f"timed out after {timeout}s waiting for {what}{detail}", pytrace=False)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """GET `url`; return (status, body) for any HTTP status, raise OSError if nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local test URLs
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# ----------------------------------------------------------------------------- Docker Swarm


@pytest.fixture(scope="session")
def swarm() -> Iterator[Any]:
    """A docker.DockerClient on the local engine, which is a single-node Swarm manager."""
    import docker

    platforms_up("swarm")
    client = docker.DockerClient(base_url=DOCKER_SOCKET)
    try:
        yield client
    finally:
        client.close()


def _stack_gone(client: Any, name: str) -> bool:
    label = {"label": f"com.docker.stack.namespace={name}"}
    return not (
        client.services.list(filters=label)
        or client.networks.list(filters=label)
        or client.containers.list(all=True, filters=label)
    )


@pytest.fixture
def stack_name(swarm: Any) -> Iterator[str]:
    """A unique stack name; the stack is removed afterwards and waited for (rm is asynchronous)."""
    name = f"cdt{uuid.uuid4().hex[:10]}"
    yield name
    subprocess.run(["docker", "stack", "rm", name], capture_output=True, check=False)
    wait_for(lambda: _stack_gone(swarm, name), 90, f"stack {name} to be removed")


# ----------------------------------------------------------------------------- Kubernetes


@pytest.fixture(scope="session")
def kubernetes() -> Iterator[Any]:
    """A kubernetes.client.ApiClient for the local cluster (admin token from the kubeconfig)."""
    from kubernetes import config

    platforms_up("kubernetes")
    client = config.new_client_from_config(config_file=str(KUBECONFIG))  # type: ignore[no-untyped-call]
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def kubectl(kubernetes: Any) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the cluster's own kubectl: `kubectl("get", "pods", "-n", ns, input=None, check=True)`."""

    def run(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(KUBECONFIG), *args],
            input=input,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if check and proc.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}", pytrace=False)
        return proc

    return run


@pytest.fixture
def k8s_namespace(kubernetes: Any) -> Iterator[str]:
    """A fresh namespace, usable at once (its `default` ServiceAccount exists); deleted afterwards."""
    from kubernetes import client

    core = client.CoreV1Api(kubernetes)
    name = f"cdt-{uuid.uuid4().hex[:10]}"
    core.create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels={FIXTURE_LABEL: "true"}))
    )
    # Pods are refused until the controller-manager has made the namespace's ServiceAccount.
    wait_for(lambda: core.read_namespaced_service_account("default", name), 30, f"serviceaccount {name}/default")
    yield name
    core.delete_namespace(name, propagation_policy="Background", grace_period_seconds=0)


@pytest.fixture
def k8s_port_forward(kubectl: Any) -> Callable[..., Any]:
    """`with k8s_port_forward(ns, "pod/NAME", 8080) as port:` HTTP on 127.0.0.1:port reaches it."""

    @contextmanager
    def forward(namespace: str, target: str, remote_port: int) -> Iterator[int]:
        proc = subprocess.Popen(
            [str(KUBECTL), "--kubeconfig", str(KUBECONFIG), "-n", namespace, "port-forward",
             "--address", "127.0.0.1", target, f":{remote_port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.search(r"127\.0\.0\.1:(\d+) ->", line)
            if not match:
                proc.kill()
                rest = proc.stdout.read()
                pytest.fail(f"kubectl port-forward {target} failed: {line}{rest}", pytrace=False)
            yield int(match.group(1))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    return forward
