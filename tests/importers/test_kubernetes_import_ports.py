"""Service ports that differ from the container port (``port`` vs ``targetPort``) keep their
number: the spec port's ``port`` is the Service's, its ``target_port`` the container's.

Written from the Kubernetes Service API: ``port`` is the port the Service exposes (clients call
``<service>:<port>``), ``targetPort`` the number or name of the pods' port it forwards to; a
LoadBalancer Service is also reached inside the cluster on ``port``.  The manifests below are
shaped like Online Boutique's (emailservice called on 5000, listening on 8080; frontend on 80 ->
8080 with a LoadBalancer frontend-external), written for this test.
"""

from __future__ import annotations

import yaml

from crossdock.specs.loader import load
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from test_kubernetes_import import deployment, losses, run
from test_kubernetes_import_names import service

BOUTIQUE = {
    "email.yaml": deployment("emailservice", container="""\
        ports: [{containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}}
        """) + "---\n" + service("emailservice", "{app: emailservice}", "[{name: grpc, port: 5000, targetPort: 8080}]"),
    "front.yaml": deployment("frontend", container="""\
        ports: [{containerPort: 8080}]
        env:
          - {name: EMAIL_SERVICE_ADDR, value: "emailservice:5000"}
        """) + "---\n" + service("frontend", "{app: frontend}", "[{name: http, port: 80, targetPort: 8080}]")
    + "---\n" + service("frontend-external", "{app: frontend}", "[{name: http, port: 80, targetPort: 8080}]",
                        "LoadBalancer"),
}


def test_kubernetes_import_ports_keep_the_service_port() -> None:
    result, app = run(BOUTIQUE)
    email, front = app.services["emailservice"], app.services["frontend"]
    assert [(p.name, p.port, p.target_port, p.publish) for p in email.ports] == [("grpc", 5000, 8080, False)]
    # the readiness probe names the container port, which target_port now holds
    assert email.health is not None and email.health.readiness is not None
    assert email.health.readiness.tcp is not None and email.health.readiness.tcp.port == 8080
    assert [(p.name, p.port, p.target_port, p.publish, p.published_port) for p in front.ports] == [
        ("http", 80, 8080, True, 80)]
    assert front.aliases == ["frontend-external"]
    assert not [m for m in losses(result) if ".port:" in m or "spec.ports" in m]


def test_kubernetes_import_ports_load_balancer_first() -> None:
    """The LoadBalancer Service read before the ClusterIP one: the same spec port."""
    files = {**BOUTIQUE, "front.yaml": deployment("frontend", container="ports: [{containerPort: 8080}]\n")
             + "---\n" + service("frontend-external", "{app: frontend}", "[{port: 80, targetPort: 8080}]",
                                  "LoadBalancer")
             + "---\n" + service("frontend", "{app: frontend}", "[{name: http, port: 80, targetPort: 8080}]")}
    result, app = run(files)
    assert [(p.name, p.port, p.target_port, p.publish, p.published_port) for p in app.services["frontend"].ports] == [
        ("http", 80, 8080, True, 80)]
    assert not [m for m in losses(result) if "spec.ports" in m]


def test_kubernetes_import_ports_render_back_to_the_same_services() -> None:
    """Rendered for Kubernetes, the imported spec gives the Services their numbers back."""
    _, app = run(BOUTIQUE)
    text = yaml.safe_dump(app.model_dump(mode="json", by_alias=True, exclude_defaults=True), sort_keys=False)
    bundle = KubernetesTranslator("single").translate(load("app.yaml", text=text, environ={}))  # type: ignore[arg-type]
    docs = [d for t in bundle.files.values() for d in yaml.safe_load_all(t) if d]
    services = {d["metadata"]["name"]: d["spec"]["ports"] for d in docs if d["kind"] == "Service"}
    assert services["emailservice"] == [{"name": "grpc", "port": 5000, "targetPort": "grpc", "protocol": "TCP"}]
    assert services["frontend"] == services["frontend-external"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    pods = {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0] for d in docs
            if d["kind"] == "Deployment"}
    assert pods["emailservice"]["ports"] == [{"name": "grpc", "containerPort": 8080, "protocol": "TCP"}]
    assert pods["frontend"]["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]


def test_kubernetes_import_service_port_kept_only_once() -> None:
    """Two Services reach the container port 8080 on 5000 and on 6000: the spec port has one
    service port, so the second Service's clients are told which number to use."""
    email = deployment("emailservice", container="ports: [{containerPort: 8080}]\n")
    result, app = run({"a.yaml": email,
                       "s.yaml": service("emailservice", "{app: emailservice}",
                                         "[{name: grpc, port: 5000, targetPort: 8080}]"),
                       "t.yaml": service("mail", "{app: emailservice}", "[{port: 6000, targetPort: 8080}]")})
    assert [(p.port, p.target_port) for p in app.services["emailservice"].ports] == [(5000, 8080)]
    (line,) = [m for m in losses(result) if "Service/mail" in m and "spec.ports[0].port" in m]
    assert "listens on 6000 and forwards to the container port 8080" in line
    assert "clients of mail:6000 must use 5000" in line


def test_kubernetes_import_service_port_taken_by_another_container_port() -> None:
    """The Service maps 5000 -> 8080 while the container also declares 5000: the spec cannot
    have two ports 5000, so the container port stays the spec port, with a loss line."""
    d = deployment("web", container="ports: [{name: a, containerPort: 8080}, {name: b, containerPort: 5000}]\n")
    result, app = run({"a.yaml": d, "s.yaml": service("web", "{app: web}", "[{name: a, port: 5000, targetPort: a}]")})
    assert [(p.name, p.port, p.target_port) for p in app.services["web"].ports] == [
        ("a", 8080, None), ("b", 5000, None)]
    (line,) = [m for m in losses(result) if "spec.ports[0].port" in m]
    assert "the workload's port 'b' is 5000" in line


def test_kubernetes_import_service_port_a_probe_uses_as_container_port() -> None:
    """A probe on 5000 while the Service maps 5000 -> 8080: in the spec a probe's number is a
    container port, so 5000 cannot become the service port of 8080 (the spec would be refused)."""
    d = deployment("web", container="ports: [{name: a, containerPort: 8080}]\n"
                   "livenessProbe: {tcpSocket: {port: 5000}}\n")
    result, app = run({"a.yaml": d, "s.yaml": service("web", "{app: web}", "[{name: a, port: 5000, targetPort: a}]")})
    assert [(p.name, p.port, p.target_port) for p in app.services["web"].ports] == [("a", 8080, None)]
    (line,) = [m for m in losses(result) if "spec.ports[0].port" in m]
    assert "a health check of the container uses 5000" in line and "clients of web:5000 must use 8080" in line
