"""Port checks with ``target_port``: a port's ``port`` is the number other workloads and a
route use, its ``target_port`` the container's.  Two ports may share neither; a health check
runs against the container, so a number there is a container port."""

from __future__ import annotations

import pytest

from crossdock.errors import SpecError
from crossdock.specs.loader import load

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\nservices:\n  web:\n    image: x\n"


def _problems(body: str) -> list[tuple[str, str, str | None]]:
    try:
        load("app.yaml", text=HEAD + body, environ={})
    except SpecError as e:
        return [(p.path, p.message, p.hint) for p in e.problems]
    return []


@pytest.mark.parametrize("body", [
    # the service port and the container port differ; route by service port, probe by container port
    "    ports: [{name: grpc, port: 5000, target_port: 8080}]\n    route: {host: a.example.com, port: 5000}\n"
    "    health: {readiness: {tcp: {port: 8080}}, liveness: {http: {port: grpc}}}\n",
    # a container port a second port's service number reuses: each container port is still one port
    "    ports: [{name: a, port: 80, target_port: 8080}, {name: b, port: 8080, target_port: 9090}]\n",
    # target_port equal to port is the same as none
    "    ports: [{name: a, port: 80, target_port: 80}]\n",
    # the same number over tcp and udp
    "    ports: [{name: a, port: 53, target_port: 5353}, {name: b, port: 54, target_port: 5353, protocol: udp}]\n",
])
def test_ports_target_port_valid(body: str) -> None:
    assert _problems(body) == []


@pytest.mark.parametrize(("body", "path", "message"), [
    ("    ports: [{name: a, port: 80, target_port: 8080}, {name: b, port: 81, target_port: 8080}]\n",
     "services.web.ports[1].target_port", "container port 8080/tcp is also the container port of ports[0]"),
    ("    ports: [{name: a, port: 80, target_port: 8080}, {name: b, port: 8080}]\n",
     "services.web.ports[0].target_port", "container port 8080/tcp is also the container port of ports[1]"),
    ("    ports: [{name: a, port: 80, target_port: 8080}, {name: b, port: 80, target_port: 9090}]\n",
     "services.web.ports[1].port", "port 80/tcp is declared twice (also ports[0])"),
    ("    ports: [{name: a, port: 5000, target_port: 8080}]\n    health: {liveness: {tcp: {port: 5000}}}\n",
     "services.web.health.liveness.tcp.port", "port 5000 is the service port of 'a', whose container listens on 8080"),
    ("    ports: [{name: a, port: 5000, target_port: 8080}]\n    route: {host: a.example.com, port: 8080}\n",
     "services.web.route.port", "port 8080 is not declared under ports"),
])
def test_ports_target_port_problems(body: str, path: str, message: str) -> None:
    assert [(p, m) for p, m, _ in _problems(body)] == [(path, message)]


def test_ports_hints_name_the_number_to_use() -> None:
    (probe,) = _problems("    ports: [{name: a, port: 5000, target_port: 8080}]\n"
                         "    health: {readiness: {http: {port: 5000}}}\n")
    assert probe[2] == "a health check reaches the container: use 8080 or the name 'a'"
    (route,) = _problems("    ports: [{name: a, port: 5000, target_port: 8080}]\n"
                         "    route: {host: a.example.com, port: 8080}\n")
    assert route[2] == "a route reaches the service port: 5000 (ports 'a'), whose container port is 8080"
