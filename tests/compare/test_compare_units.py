"""Pieces of the live comparison that need no platform: choosing the service, classifying the
prober's answers, finding the container to kill, and why heal is not measured without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crossdock.adapters.compare import chaos
from crossdock.adapters.compare.engine import pick_service
from crossdock.adapters.compare.reach import NotReachable, classify
from crossdock.errors import InputError
from crossdock.specs.loader import load
from crossdock.targets import Connection, get

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.yaml"
SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: two}
services:
  a-worker: {image: "x:1"}
  b-api:
    image: "x:1"
    ports: [{name: admin, port: 9000}, {name: web, port: 8080, publish: true}]
"""


def test_pick_service_shop_is_web_on_its_route_port() -> None:
    assert pick_service(load(str(SHOP), env="local"), None)[0::2] == ("web", 8080)


def test_pick_service_first_published_port(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SPEC)
    name, _, port, port_name = pick_service(load(str(tmp_path / "a.yaml")), None)
    assert (name, port, port_name) == ("b-api", 8080, "web")


def test_pick_service_named_without_port_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SPEC)
    with pytest.raises(InputError, match="service a-worker has no port"):
        pick_service(load(str(tmp_path / "a.yaml")), "a-worker")


def test_pick_service_none_to_measure(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SPEC.replace(", publish: true", ""))
    with pytest.raises(InputError, match="choose one with --service"):
        pick_service(load(str(tmp_path / "a.yaml")), None)


@pytest.mark.parametrize(("status", "body", "answer"), [
    (200, "HOME=/\nREV=1\nPORT=8080\n", "old"),
    (200, "HOME=/\nREV=2\n", "new"),
    (200, "REV=12\n", "other"),  # a prefix of the value is not the value
    (200, "nothing here", "other"),
    (503, "REV=2\n", "failed"),
    (404, "", "failed"),
])
def test_classify_answer(status: int, body: str, answer: str) -> None:
    assert classify(status, body, "REV", "1", "2") == answer


class FakeDocker:
    """The two calls of the low-level Docker API that kill_instance makes."""

    def __init__(self, containers: list[dict[str, Any]]) -> None:
        self.listed: list[dict[str, Any]] = []
        self.killed: list[tuple[str, str]] = []
        self._containers = containers

    def containers(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        self.listed.append(filters)
        return self._containers

    def kill(self, cid: str, signal: str) -> None:
        self.killed.append((cid, signal))


@pytest.mark.parametrize(("target", "labels"), [
    ("swarm", ["com.docker.swarm.task.id=t1"]),
    ("kubernetes", ["io.kubernetes.pod.name=t1", "io.kubernetes.pod.namespace=ns", "io.kubernetes.container.name=web"]),
])
def test_kill_instance_by_labels(target: str, labels: list[str]) -> None:
    api = FakeDocker([{"Id": "c0ffee"}])
    hooks = get(target).compare(Connection(namespace="ns"))  # type: ignore[misc]
    assert chaos.kill_instance(api, hooks.kill_filters("t1", "web"), "t1") == "c0ffee"
    assert api.killed == [("c0ffee", "SIGKILL")]
    label = api.listed[0]["label"]
    assert (label if isinstance(label, list) else [label]) == labels
    assert api.listed[0]["status"] == "running"


def test_kill_instance_not_on_this_engine_is_not_measured() -> None:
    api = FakeDocker([])
    with pytest.raises(NotReachable, match="not reachable from here"):
        chaos.kill_instance(api, get("kubernetes").compare(Connection(namespace="ns")).kill_filters(  # type: ignore[misc]
            "web-1", "web"), "web-1")
    assert api.killed == []


def test_local_docker_unreachable_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    with pytest.raises(NotReachable, match="no Docker Engine reachable"):
        chaos.local_docker()


def test_pick_service_calls_the_container_port(tmp_path: Path) -> None:
    """The prober reaches a replica, not the Service: a port with target_port is called there."""
    (tmp_path / "a.yaml").write_text(SPEC.replace("{name: web, port: 8080, publish: true}",
                                                  "{name: web, port: 80, target_port: 8080, publish: true}"))
    name, _, port, port_name = pick_service(load(str(tmp_path / "a.yaml")), None)
    assert (name, port, port_name) == ("b-api", 8080, "web")
