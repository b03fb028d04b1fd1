"""Published ports, as compose means them (Compose Specification, services.ports): a short
"6379" publishes the container port on a host port the engine picks (ephemeral); "8080:80" on
host port 8080 of every interface; "127.0.0.1:8080:80" (or host_ip in long syntax) on that host
address only, so only the Docker host itself reaches a loopback-bound port."""

from __future__ import annotations

import pytest

from compose_helpers import import_compose, losses
from crossdock.errors import SpecError
from crossdock.translators.importers import base


def test_compose_ports_two_services_publish_the_same_container_port_ephemerally() -> None:
    # Both are valid compose (each gets its own ephemeral host port): the import must not refuse it.
    app, result, _ = import_compose("""\
services:
  prometheus:
    image: prom/prometheus:v2.53.0
    ports: ["9090"]
  prometheus-replica:
    image: prom/prometheus:v2.53.0
    ports: ["9090"]
""")
    for name in ("prometheus", "prometheus-replica"):
        assert [(p.port, p.publish, p.published_port) for p in app.services[name].ports] == [(9090, True, None)]
        loss = losses(result)[f"services.{name}.ports[0]"]
        assert loss.kind == "changed" and "a port the platform picks" in loss.message


def test_compose_ports_a_fixed_host_port_stays_and_is_not_reported() -> None:
    app, result, _ = import_compose("services:\n  redis:\n    image: redis:7\n    ports: ['6379:6379']\n")
    assert [(p.port, p.publish, p.published_port) for p in app.services["redis"].ports] == [(6379, True, 6379)]
    assert result.losses == []


@pytest.mark.parametrize("port", ["'127.0.0.1:8080:80'", "'[::1]:8080:80'", "'127.0.0.1::80'",
                                  "{target: 80, published: 8080, host_ip: 127.0.0.1}"])
def test_compose_ports_loopback_binding_stays_inside_the_app(port: str) -> None:
    app, result, _ = import_compose(f"services:\n  admin:\n    image: x\n    ports: [{port}]\n")
    assert [(p.port, p.publish, p.published_port) for p in app.services["admin"].ports] == [(80, False, None)]
    loss = losses(result)["services.admin.ports[0]"]
    assert loss.kind == "changed" and "not published" in loss.message and "only inside the app" in loss.message


@pytest.mark.parametrize("port", ["'0.0.0.0:8080:80'", "{target: 80, published: 8080, host_ip: '0.0.0.0'}"])
def test_compose_ports_every_interface_is_public(port: str) -> None:
    app, result, _ = import_compose(f"services:\n  web:\n    image: x\n    ports: [{port}]\n")
    assert [(p.port, p.publish, p.published_port) for p in app.services["web"].ports] == [(80, True, 8080)]
    assert result.losses == []


def test_compose_ports_another_host_address_is_public_with_a_line() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    ports: ['192.168.1.10:8080:80']\n")
    assert [(p.port, p.publish, p.published_port) for p in app.services["web"].ports] == [(80, True, 8080)]
    assert "192.168.1.10" in losses(result)["services.web.ports[0]"].message


def test_compose_ports_loopback_and_public_mapping_of_one_port() -> None:
    # dockprom's pattern: the same container port on loopback for the host and public elsewhere
    app, _, _ = import_compose("services:\n  grafana:\n    image: x\n    ports: ['127.0.0.1:3000:3000', '3001:3000']\n")
    assert [(p.port, p.publish, p.published_port) for p in app.services["grafana"].ports] == [(3000, True, 3001)]


def test_compose_ports_long_syntax_without_published_is_ephemeral() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    ports: [{target: 80, protocol: udp}]\n")
    assert [(p.port, p.protocol, p.publish, p.published_port) for p in app.services["web"].ports] == \
        [(80, "udp", True, None)]
    assert losses(result)["services.web.ports[0]"].kind == "changed"


def test_compose_ports_spec_check_lets_two_services_publish_a_port_without_a_number() -> None:
    # The spec's meaning of publish without published_port: the platform picks the host port
    # (Swarm and Nomad a free one), so two such ports never clash; two fixed ones still do.
    def spec(second: str) -> str:
        return ("apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\nservices:\n"
                "  a: {image: x, ports: [{name: m, port: 9090, publish: true}]}\n"
                f"  b: {{image: x, ports: [{{name: m, port: 9090, publish: true{second}}}]}}\n")

    assert set(base.check_spec(spec("")).app.services) == {"a", "b"}
    assert set(base.check_spec(spec(", published_port: 9091")).app.services) == {"a", "b"}
    with pytest.raises(SpecError, match="published port 9090/tcp is also published"):
        base.check_spec(spec(", published_port: 9090").replace("publish: true}]}\n  b", "publish: true, "
                                                                "published_port: 9090}]}\n  b"))
