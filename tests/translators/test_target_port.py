"""A port whose service port differs from its container port (``target_port``) on each target.

Expected values come from the platforms' documentation, not from the translators:
- Kubernetes Service API: ``port`` is "the port that will be exposed by this service",
  ``targetPort`` the "number or name of the port to access on the pods targeted by the
  service" (a name is looked up in the pod's named ``containerPort``s); a probe's ``port``
  is a container port (number or name); an Ingress backend's ``service.port.number`` is a
  port of the Service.
- Compose / Swarm ``ports``: ``target`` is the container port, ``published`` the port on the
  swarm's routing mesh; other services reach a service's tasks on the container port (the
  virtual IP does not remap ports).
- Nomad ``network.port``: ``to`` is the port inside the allocation's network namespace,
  ``static`` the host port; a service check's ``port`` is a port label.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from crossdock.specs.loader import load
from crossdock.translators.base import Bundle
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from crossdock.translators.nomad.translator import NomadTranslator
from crossdock.translators.swarm.translator import SwarmTranslator

SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: shop}
services:
  email:
    image: example/email:1.0
    ports:
      - {name: grpc, port: 5000, target_port: 8080}
      - {name: admin, port: 9000, target_port: 9901, publish: true, published_port: 9443}
    route: {host: mail.example.com, port: 5000}
    health:
      readiness: {http: {path: /ready, port: admin}}
      liveness: {tcp: {port: 8080}}
"""


def _spec() -> Any:
    return load("app.yaml", text=SPEC, environ={})


def _kubernetes() -> list[dict[str, Any]]:
    bundle = KubernetesTranslator("single").translate(_spec())  # type: ignore[arg-type]
    return [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d is not None]


def _find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (doc,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def _warning(bundle: Bundle, path: str) -> str:
    (message,) = [w.message for w in bundle.warnings if w.path == path]
    return message


def test_kubernetes_service_port_is_port_and_container_port_is_target_port() -> None:
    docs = _kubernetes()
    assert _find(docs, "Service", "email")["spec"]["ports"] == [
        {"name": "grpc", "port": 5000, "targetPort": "grpc", "protocol": "TCP"},
        {"name": "admin", "port": 9000, "targetPort": "admin", "protocol": "TCP"}]
    # published: the LoadBalancer listens on the published port and reaches the container port
    assert _find(docs, "Service", "email-public")["spec"]["ports"] == [
        {"name": "admin", "port": 9443, "targetPort": "admin", "protocol": "TCP"}]
    (main,) = _find(docs, "Deployment", "email")["spec"]["template"]["spec"]["containers"]
    assert [(p["name"], p["containerPort"]) for p in main["ports"]] == [("grpc", 8080), ("admin", 9901)]
    assert main["livenessProbe"]["tcpSocket"] == {"port": 8080}
    assert main["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "admin"}
    backend = _find(docs, "Ingress", "email")["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": "email", "port": {"number": 5000}}}


def test_kubernetes_target_port_is_native() -> None:
    bundle = KubernetesTranslator("single").translate(_spec())  # type: ignore[arg-type]
    assert not [w for w in bundle.warnings if w.feature == "target_port"]


def test_swarm_publishes_the_container_port_and_reports_the_service_port() -> None:
    bundle = SwarmTranslator().translate(_spec())
    stack = yaml.safe_load(bundle.files[bundle.primary])
    email = stack["services"]["email"]
    assert email["ports"] == [{"target": 9901, "published": 9443, "protocol": "tcp", "mode": "ingress"}]
    assert "http://127.0.0.1:9901/ready" in " ".join(email["healthcheck"]["test"])
    assert "callers use email:8080 instead of email:5000" in _warning(bundle, "services.email.ports[0].target_port")
    assert "callers use email:9901 instead of email:9000" in _warning(bundle, "services.email.ports[1].target_port")


def test_nomad_maps_host_ports_to_the_container_port() -> None:
    bundle = NomadTranslator().translate(_spec())
    (job,) = [json.loads(t)["Job"] for p, t in bundle.files.items() if p.endswith(".json")]
    (group,) = job["TaskGroups"]
    (net,) = group["Networks"]
    assert net["ReservedPorts"] == [{"Label": "admin", "Value": 9443, "To": 9901}]
    assert net["DynamicPorts"] == [{"Label": "grpc", "To": 8080}]
    first = group["Services"][0]
    # the liveness check names 8080, the container port of 'grpc'; the route names 5000, its service port
    assert {c["Name"]: c["PortLabel"] for c in first["Checks"]} == {"readiness": "admin", "liveness": "grpc"}
    assert first["PortLabel"] == "grpc" and any("Host(`mail.example.com`)" in t for t in first["Tags"])
    assert "service registration" in _warning(bundle, "services.email.ports[0].target_port")
