"""Pure parts of the Kubernetes adapter: diffing, bundle reading, selectors, rollback choice,
and the mapping of HTTP statuses and transport failures to crossdock errors (no cluster)."""

from __future__ import annotations

from typing import Any

import pytest
import urllib3

from crossdock.adapters.kubernetes.conn import Kind, owner_selector, raise_for, raise_transport
from crossdock.adapters.kubernetes.diff import (
    MAX_FIELDS,
    changed_paths,
    claim_pattern,
    documents,
    previous_template,
    shorten,
    subset_paths,
)
from crossdock.errors import (
    PlatformError,
    PlatformForbidden,
    PlatformRejected,
    PlatformTimeout,
    PlatformUnauthorized,
    PlatformUnreachable,
)


def deployment(env: dict[str, str], replicas: int = 1, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"a": "b"}, **meta},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [
            {"name": "web", "image": "i:1", "env": [{"name": k, "value": v} for k, v in env.items()],
             "volumeMounts": [{"mountPath": "/etc/x", "name": "files"}]},
            {"name": "side", "image": "i:1"}]}}},
        "status": {"replicas": replicas},
    }


def test_changed_paths_ignore_bookkeeping_and_status() -> None:
    live = deployment({"A": "1"}, resourceVersion="1", generation=1, managedFields=[{"m": 1}], uid="u")
    dry = deployment({"A": "1"}, resourceVersion="2", generation=2, managedFields=[{"m": 2}], uid="u")
    dry["status"] = {"replicas": 5}
    assert changed_paths(live, dry) == []


def test_changed_paths_ignore_the_revision_the_controller_writes_after_create() -> None:
    live = deployment({"A": "1"})
    dry = deployment({"A": "1"}, annotations={"deployment.kubernetes.io/revision": "1"})
    assert changed_paths(live, dry) == []
    ours = deployment({"A": "1"}, annotations={"deployment.kubernetes.io/revision": "1", "team": "x"})
    assert changed_paths(live, ours) == ["metadata.annotations"]


@pytest.mark.parametrize(("wanted", "paths"), [
    (deployment({"A": "2"}), ["spec.template.spec.containers[web].env[A].value"]),
    (deployment({"A": "1", "B": "x"}), ["spec.template.spec.containers[web].env[B]"]),
    (deployment({}), ["spec.template.spec.containers[web].env[A]"]),
    (deployment({"A": "1"}, replicas=3), ["spec.replicas"]),
    (deployment({"A": "1"}, annotations={"n": "1"}), ["metadata.annotations"]),
])
def test_changed_paths_name_keyed_list_items(wanted: dict[str, Any], paths: list[str]) -> None:
    assert changed_paths(deployment({"A": "1"}), wanted) == paths


def test_changed_paths_unkeyed_lists_by_index() -> None:
    a = {"metadata": {}, "spec": {"args": ["a", "b"]}}
    assert changed_paths(a, {"metadata": {}, "spec": {"args": ["a", "c"]}}) == ["spec.args[1]"]
    assert changed_paths(a, {"metadata": {}, "spec": {"args": ["a"]}}) == ["spec.args"]


def test_subset_paths_compare_only_what_is_rendered() -> None:
    live = deployment({"A": "1"})
    live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
    rendered = deployment({"A": "1"})
    del rendered["status"]
    assert subset_paths(live, rendered) == []
    assert subset_paths(live, deployment({"A": "9"})) == ["spec.template.spec.containers[web].env[A].value",
                                                          ]
    # a port rendered as a string and stored as a number is the same value
    assert subset_paths({"port": 8080}, {"port": "8080"}) == []


def test_shorten_caps_the_field_list() -> None:
    assert shorten(["a", "a", "b"]) == ("a", "b")
    many = shorten(f"f{i}" for i in range(MAX_FIELDS + 5))
    assert len(many) == MAX_FIELDS + 1 and many[-1] == "..."


DOC = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: {{"app.kubernetes.io/managed-by": crossdock, "app.kubernetes.io/part-of": {app}}}
---
"""


def test_documents_reads_every_object() -> None:
    docs = documents({"kubernetes/shop.yaml": DOC.format(app="shop")}, "kubernetes/shop.yaml", "shop")
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [("ConfigMap", "c")]


@pytest.mark.parametrize(("text", "message"), [
    (DOC.format(app="other"), "lacks the labels"),
    ("kind: ConfigMap\n", "not a Kubernetes object"),
    ("a: [\n", "not valid YAML"),
])
def test_documents_rejects_what_crossdock_could_not_find_again(text: str, message: str) -> None:
    with pytest.raises(PlatformRejected, match=message):
        documents({"k.yaml": text}, "k.yaml", "shop")


def test_owner_selector_and_kind_paths() -> None:
    assert owner_selector("shop") == "app.kubernetes.io/managed-by=crossdock,app.kubernetes.io/part-of=shop"
    assert owner_selector("shop", "web").endswith(",app.kubernetes.io/name=web")
    assert Kind("apps/v1", "Deployment", "deployments").path("ns", "web") == "/apis/apps/v1/namespaces/ns/deployments/web"
    assert Kind("v1", "ConfigMap", "configmaps").path("ns") == "/api/v1/namespaces/ns/configmaps"
    cluster_role = Kind("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", namespaced=False)
    assert cluster_role.path("ns", "r") == "/apis/rbac.authorization.k8s.io/v1/clusterroles/r"


def rs(rev: int, owner: str, path: str) -> dict[str, Any]:
    return {"metadata": {"annotations": {"deployment.kubernetes.io/revision": str(rev)},
                         "ownerReferences": [{"uid": owner}]},
            "spec": {"template": {"metadata": {"labels": {"x": "y", "pod-template-hash": "h"}},
                                  "spec": {"path": path}}}}


def test_previous_template_is_the_highest_earlier_revision_of_this_deployment() -> None:
    d = {"metadata": {"uid": "u", "annotations": {"deployment.kubernetes.io/revision": "3"}}}
    found = previous_template(d, [rs(1, "u", "/one"), rs(3, "u", "/three"), rs(2, "u", "/two"), rs(2, "o", "/x")])
    assert found == (2, {"metadata": {"labels": {"x": "y"}}, "spec": {"path": "/two"}})
    assert previous_template(d, [rs(3, "u", "/three")]) is None


@pytest.mark.parametrize(("status", "error", "text"), [
    (0, PlatformUnreachable, "cannot reach"),
    (401, PlatformUnauthorized, "refused our credentials"),
    (403, PlatformForbidden, "forbidden: no"),
    (422, PlatformRejected, "rejected by the Kubernetes API server: no"),
    (409, PlatformRejected, "rejected"),
    (504, PlatformTimeout, "timed out"),
    (500, PlatformError, "answered 500: no"),
])
def test_raise_for_maps_http_status(status: int, error: type[PlatformError], text: str) -> None:
    with pytest.raises(PlatformError) as err:
        raise_for("doing", "https://h", status, '{"kind": "Status", "message": "no"}', None)
    assert type(err.value) is error and text in str(err.value)


def test_raise_transport_maps_timeouts_and_refusals() -> None:
    pool: Any = None
    with pytest.raises(PlatformTimeout):
        raise_transport("x", "h", urllib3.exceptions.ReadTimeoutError(pool, "/", "read timed out"))
    refused = urllib3.exceptions.MaxRetryError(pool, "/", urllib3.exceptions.NewConnectionError(pool, "refused"))
    with pytest.raises(PlatformUnreachable) as err:
        raise_transport("x", "h", refused)
    assert err.value.__cause__ is refused


def test_claim_pattern_matches_the_claims_of_statefulsets_in_the_bundle() -> None:
    sts = {"kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}
    pattern = claim_pattern([sts, {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {}}])
    assert pattern.fullmatch("data-db-0") and pattern.fullmatch("data-db-12")
    assert not pattern.fullmatch("data-db") and not pattern.fullmatch("data-dbx-0") and not pattern.fullmatch("cache")
    assert not claim_pattern([]).fullmatch("data-db-0")


def test_raise_for_a_missing_namespace_says_how_to_create_it() -> None:
    body = '{"kind": "Status", "message": "namespaces \\"shop-prod\\" not found", "code": 404}'
    with pytest.raises(PlatformRejected, match=r"kubectl create namespace shop-prod; or choose another"):
        raise_for("creating the deploy lock", "https://h", 404, body, None)
