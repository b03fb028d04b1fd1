"""Kinds are resolved by the API server's discovery, not guessed: the documents' shapes are the
Kubernetes API's (``APIGroupDiscoveryList`` of apidiscovery.k8s.io/v2 for aggregated discovery;
``APIVersions``, ``APIGroupList`` and ``APIResourceList`` of meta/v1 for the older one), the
resolution is checked against the real local cluster, and discovery is read once per process."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from platforms_fixtures import HTTPD_IMAGE, KUBECONFIG
from crossdock.adapters.kubernetes import discovery
from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.adapters.kubernetes.conn import Conn, yaml_body
from crossdock.adapters.kubernetes.discovery import AGGREGATED, Discovery, Kind
from crossdock.errors import PlatformRejected
from crossdock.specs.loader import load
from crossdock.translators.base import get


def resource(plural: str, kind: str, group: str, version: str, scope: str = "Namespaced") -> dict[str, Any]:
    return {"resource": plural, "responseKind": {"group": group, "version": version, "kind": kind},
            "scope": scope, "singularResource": kind.lower(), "verbs": ["get", "list"],
            "subresources": [{"subresource": "status", "responseKind": {"group": group, "version": version,
                                                                         "kind": kind}}]}


AGG_CORE = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": [
    {"metadata": {"creationTimestamp": None}, "versions": [{"version": "v1", "freshness": "Current", "resources": [
        resource("pods", "Pod", "", "v1"), resource("nodes", "Node", "", "v1", "Cluster"),
        resource("endpoints", "Endpoints", "", "v1")]}]}]}
AGG_GROUPS = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": [
    {"metadata": {"name": "policy"}, "versions": [{"version": "v1", "resources": [
        resource("poddisruptionbudgets", "PodDisruptionBudget", "policy", "v1")]}]},
    {"metadata": {"name": "example.com"}, "versions": [
        {"version": "v2", "resources": [resource("gooses", "Goose", "example.com", "v2")]},
        {"version": "v1", "resources": [resource("geese", "Goose", "example.com", "v1", "Cluster")]}]}]}
PLAIN_CORE = {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
PLAIN_GROUPS = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
    {"name": "policy", "versions": [{"groupVersion": "policy/v1", "version": "v1"}],
     "preferredVersion": {"groupVersion": "policy/v1", "version": "v1"}}]}
PLAIN_POLICY = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "policy/v1", "resources": [
    {"name": "poddisruptionbudgets", "singularName": "poddisruptionbudget", "namespaced": True,
     "kind": "PodDisruptionBudget", "verbs": ["get"]},
    {"name": "poddisruptionbudgets/status", "singularName": "", "namespaced": True,
     "kind": "PodDisruptionBudget", "verbs": ["get"]}]}


class Server:
    """Answers discovery paths from a table; records each request (path, Accept)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str]] = []

    def __call__(self, path: str, accept: str, what: str = "") -> Any:
        self.asked.append((path, accept))
        if path not in self.answers:
            raise PlatformRejected(f"reading the API discovery: rejected by the Kubernetes API server: {path} not found")
        return self.answers[path]


def test_discovery_aggregated_reads_the_whole_cluster_in_two_requests() -> None:
    server, found = Server({"/api": AGG_CORE, "/apis": AGG_GROUPS}), Discovery()
    assert found.kind(server, "v1", "Pod") == Kind("v1", "Pod", "pods")
    assert found.kind(server, "v1", "Node") == Kind("v1", "Node", "nodes", namespaced=False)
    assert found.kind(server, "v1", "Endpoints").plural == "endpoints"  # no "endpointses"
    assert found.kind(server, "policy/v1", "PodDisruptionBudget").path("ns") == \
        "/apis/policy/v1/namespaces/ns/poddisruptionbudgets"
    # an irregular plural and a scope per version, as a CRD may declare them
    assert found.kind(server, "example.com/v1", "Goose") == Kind("example.com/v1", "Goose", "geese", False)
    assert found.kind(server, "example.com/v2", "Goose").plural == "gooses"
    assert server.asked == [("/api", AGGREGATED), ("/apis", AGGREGATED)]


def test_discovery_unknown_kind_is_read_again_once_then_refused() -> None:
    server, found = Server({"/api": AGG_CORE, "/apis": AGG_GROUPS}), Discovery()
    found.kind(server, "v1", "Pod")
    # a CRD installed after the first read: found by reading again
    server.answers["/apis"] = {**AGG_GROUPS, "items": AGG_GROUPS["items"] + [  # type: ignore[operator]
        {"metadata": {"name": "example.com"}, "versions": [{"version": "v1", "resources": [
            resource("widgets", "Widget", "example.com", "v1")]}]}]}
    assert found.kind(server, "example.com/v1", "Widget").plural == "widgets"
    assert found.find(server, "v1", "Pod") is not None and len(server.asked) == 4
    with pytest.raises(PlatformRejected, match=r"does not serve kind Gadget in apiVersion example.com/v1 "
                                               r"\(`kubectl api-resources`"):
        found.kind(server, "example.com/v1", "Gadget")
    assert len(server.asked) == 6  # read once more for it
    for _ in range(3):  # then known as missing: a status in a loop does not read discovery each time
        assert found.find(server, "example.com/v1", "Gadget") is None
    assert len(server.asked) == 6


def test_discovery_older_server_reads_one_group_version_when_needed() -> None:
    server = Server({"/api": PLAIN_CORE, "/apis": PLAIN_GROUPS, "/apis/policy/v1": PLAIN_POLICY})
    found = Discovery()
    assert found.kind(server, "policy/v1", "PodDisruptionBudget") == \
        Kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets")
    assert found.kind(server, "policy/v1", "PodDisruptionBudget").plural == "poddisruptionbudgets"
    assert [p for p, _ in server.asked] == ["/api", "/apis/policy/v1"]  # /api answered plain JSON
    assert found.find(server, "batch/v1", "CronJob") is None  # 404: not served
    assert [p for p, _ in server.asked][-1] == "/apis/batch/v1"


def test_yaml_body_is_utf8_json_that_a_yaml_reader_reads_back() -> None:
    import json

    import yaml

    doc = {"env": ["🚢 ship", "𠀀", "next\x85line", "a\u2028b\u2029c", "bom\ufeff", "del\x7f c1\x9f", "tab\t\"q\" \\"]}
    body = yaml_body(doc)
    assert "🚢 ship".encode() in body and b"\\ud83d" not in body  # plain UTF-8, no surrogate pair
    assert json.loads(body) == doc
    assert yaml.safe_load(body.decode("utf-8")) == doc  # raw NEL or LS would come back as a space


def test_conn_resolves_through_the_process_cache_of_its_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes import client

    monkeypatch.setattr(discovery, "_CACHE", {})
    server = Server({"/api": AGG_CORE, "/apis": AGG_GROUPS})
    conns = [Conn(client.ApiClient(client.Configuration(host="https://cluster.test")), "there") for _ in range(2)]
    for c in conns:
        monkeypatch.setattr(c, "discover", server)
    assert conns[0].kind(("v1", "Pod")).plural == "pods"
    assert conns[1].kind(("policy/v1", "PodDisruptionBudget")).plural == "poddisruptionbudgets"
    assert len(server.asked) == 2  # the second connection to the same server read nothing


# ----------------------------------------------------------------------------- the real cluster

@pytest.mark.platform
@pytest.mark.parametrize(("kind", "plural", "namespaced"), [  # plurals as the API reference names them
    (("policy/v1", "PodDisruptionBudget"), "poddisruptionbudgets", True),
    (("networking.k8s.io/v1", "NetworkPolicy"), "networkpolicies", True),
    (("networking.k8s.io/v1", "Ingress"), "ingresses", True),
    (("v1", "Endpoints"), "endpoints", True),
    (("coordination.k8s.io/v1", "Lease"), "leases", True),
    (("rbac.authorization.k8s.io/v1", "ClusterRole"), "clusterroles", False),
    (("storage.k8s.io/v1", "StorageClass"), "storageclasses", False),
])
def test_discovery_of_the_local_cluster(kubernetes: Any, kind: tuple[str, str], plural: str,
                                        namespaced: bool) -> None:
    conn = KubernetesAdapter(namespace="default", kubeconfig=str(KUBECONFIG)).conn
    found = Discovery()
    before = conn.calls
    assert found.kind(conn.discover, *kind) == Kind(*kind, plural, namespaced)
    assert conn.calls - before == 2  # aggregated: /api and /apis
    with pytest.raises(PlatformRejected, match="does not serve kind Nope"):
        found.kind(conn.discover, "v1", "Nope")


@pytest.mark.platform
def test_deploy_of_extra_kinds_found_by_discovery(tmp_path: Path, k8s_namespace: str) -> None:
    """A NetworkPolicy and a PodDisruptionBudget from the spec's ``resources`` escape hatch are
    applied where discovery says, and a second deploy plans nothing."""
    app = f"cdd{uuid.uuid4().hex[:8]}"
    labels = f"{{app.kubernetes.io/managed-by: crossdock, app.kubernetes.io/part-of: {app}}}"
    (tmp_path / "app.yaml").write_text(f"""\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  web: {{image: {HTTPD_IMAGE}}}
x-kubernetes:
  resources:
    - {{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {{name: web-in, labels: {labels}}},
       spec: {{podSelector: {{}}, policyTypes: [Ingress]}}}}
    - {{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {{name: web, labels: {labels}}},
       spec: {{maxUnavailable: 1, selector: {{matchLabels: {{app.kubernetes.io/name: web}}}}}}}}
""")
    spec = load(str(tmp_path / "app.yaml"))
    bundle = get("kubernetes").translate(spec)
    adapter = KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG))
    plan = adapter.deploy(spec, bundle)
    assert {(c.action, c.kind, c.name) for c in plan.changes} >= {
        ("create", "NetworkPolicy", "web-in"), ("create", "PodDisruptionBudget", "web")}
    assert adapter.conn.request("reading", "GET", f"/apis/policy/v1/namespaces/{k8s_namespace}/poddisruptionbudgets/web")
    assert KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG)).plan(spec, bundle).empty
