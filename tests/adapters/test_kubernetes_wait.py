"""When a Kubernetes wait gives up early, and why: the pure rules of ``kubernetes_wait`` on
hand-made objects in the API's JSON shape (uid-linked Deployment -> ReplicaSet -> Pod)."""

from __future__ import annotations

from typing import Any

import pytest
from early_spec import EARLY

from crossdock.adapters.kubernetes import status as ks
from crossdock.adapters.kubernetes.wait import (
    REPORT_GRACE, UNSCHEDULABLE_CONFIRM, Judge, auto_rollback, current_pods, pod_failure,
)

REV = "deployment.kubernetes.io/revision"


def deployment(name: str, revision: str, *, generation: int = 2, observed: int = 2,
               annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {"kind": "Deployment",
            "metadata": {"name": name, "uid": f"d-{name}", "generation": generation,
                         "annotations": {REV: revision, **(annotations or {})},
                         "labels": {"app.kubernetes.io/name": name}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"image": "i:2"}]}}},
            "status": {"observedGeneration": observed, "replicas": 2, "updatedReplicas": 1, "availableReplicas": 1}}


def replicaset(deploy: str, revision: str) -> dict[str, Any]:
    return {"metadata": {"name": f"{deploy}-r{revision}", "uid": f"rs-{deploy}-{revision}",
                         "annotations": {REV: revision}, "ownerReferences": [{"uid": f"d-{deploy}"}]}}


def pod(name: str, owner_uid: str, workload: str, *, waiting: str | None = None, last_exit: int | None = None,
        restarts: int = 0, unschedulable: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"waiting": {"reason": waiting, "message": "m"}} if waiting else {"running": {}}
    cs = {"name": "c", "state": state, "restartCount": restarts,
          "lastState": {"terminated": {"exitCode": last_exit}} if last_exit is not None else {}}
    conditions = [{"type": "Ready", "status": "False"}]
    if unschedulable:
        conditions.append({"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                           "message": "0/1 nodes are available: 1 Insufficient cpu."})
    return {"metadata": {"name": name, "ownerReferences": [{"uid": owner_uid}],
                         "labels": {"app.kubernetes.io/name": workload}},
            "spec": {}, "status": {"phase": "Pending" if unschedulable else "Running", "conditions": conditions,
                                   "containerStatuses": [] if unschedulable else [cs]}}


@pytest.mark.parametrize("reason", ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"])
def test_pod_failure_image_reasons(reason: str) -> None:
    found = pod_failure(pod("p", "x", "web", waiting=reason))
    assert found is not None and found[0] == "image"
    assert found[1].startswith("image missing: container c: " + reason)


def test_pod_failure_crash_loop_names_the_last_exit_code() -> None:
    assert pod_failure(pod("p", "x", "web", waiting="CrashLoopBackOff", last_exit=3, restarts=2)) == (
        "crash", "crash loop: container c exited with exit code 3 (CrashLoopBackOff, 2 restarts)")


def test_pod_failure_unschedulable_and_healthy_pods() -> None:
    assert pod_failure(pod("p", "x", "web", unschedulable=True)) == (
        "unschedulable", "Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.")
    assert pod_failure(pod("p", "x", "web")) is None
    assert pod_failure(pod("p", "x", "web", waiting="ContainerCreating")) is None


def test_current_pods_only_of_the_current_replicaset() -> None:
    d = deployment("web", "2")
    old = pod("web-old", "rs-web-1", "web", waiting="CrashLoopBackOff", last_exit=1)
    new = pod("web-new", "rs-web-2", "web")
    snap = ks.Snapshot(deployments=[d], pods=[old, new])
    current = current_pods(snap, [replicaset("web", "1"), replicaset("web", "2")])
    assert [p["metadata"]["name"] for p in current["web"]] == ["web-new"]


def test_current_pods_none_before_the_controller_observed_the_deployment() -> None:
    d = deployment("web", "1", generation=3, observed=2)
    snap = ks.Snapshot(deployments=[d], pods=[pod("web-a", "rs-web-1", "web", waiting="ErrImagePull")])
    assert current_pods(snap, [replicaset("web", "1")]) == {}


def snapshot(*pods: dict[str, Any]) -> tuple[ks.Snapshot, Any, list[dict[str, Any]]]:
    d1, d2 = deployment("web", "1"), deployment("api", "1")
    snap = ks.Snapshot(deployments=[d1, d2], pods=list(pods))
    return snap, ks.build("shop", snap), [replicaset("web", "1"), replicaset("api", "1")]


def test_judge_image_missing_fails_at_once_when_nothing_else_is_unfinished() -> None:
    snap, st, rs = snapshot(pod("web-a", "rs-web-1", "web", waiting="ErrImagePull"))
    snap.deployments = snap.deployments[:1]
    st = ks.build("shop", snap)
    failed = Judge().failures(snap, st, rs, now=1.0, final=False)
    assert failed is not None and list(failed) == ["web"]
    assert failed["web"].startswith("image missing: container c: ErrImagePull: m; rollout incomplete")


def test_judge_waits_for_the_other_workloads_reasons_up_to_the_grace() -> None:
    judge = Judge()
    snap, st, rs = snapshot(pod("web-a", "rs-web-1", "web", waiting="ImagePullBackOff"),
                            pod("api-a", "rs-api-1", "api"))
    assert judge.failures(snap, st, rs, now=1.0, final=False) is None  # api has no reason yet
    failed = judge.failures(snap, st, rs, now=1.0 + REPORT_GRACE, final=False)
    assert failed is not None and list(failed) == ["web"]  # api is slow, not failing
    snap, st, rs = snapshot(pod("web-a", "rs-web-1", "web", waiting="ImagePullBackOff"),
                            pod("api-a", "rs-api-1", "api", restarts=1, last_exit=3))
    failed = Judge().failures(snap, st, rs, now=1.0, final=False)
    assert failed is not None and set(failed) == {"web", "api"}
    assert failed["api"].startswith("c: restarted 1 times (last exit code 3)")


def test_judge_unschedulable_counts_once_it_lasted() -> None:
    judge = Judge()
    snap, st, rs = snapshot(pod("web-a", "rs-web-1", "web", unschedulable=True))
    snap.deployments = snap.deployments[:1]
    st = ks.build("shop", snap)
    assert judge.failures(snap, st, rs, now=10.0, final=False) is None
    assert judge.failures(snap, st, rs, now=10.0 + UNSCHEDULABLE_CONFIRM / 2, final=False) is None
    failed = judge.failures(snap, st, rs, now=10.0 + UNSCHEDULABLE_CONFIRM, final=False)
    assert failed is not None and failed["web"].startswith("Unschedulable: 0/1 nodes are available")


def test_judge_at_the_timeout_names_every_unfinished_workload() -> None:
    snap, st, rs = snapshot(pod("web-a", "rs-web-1", "web"), pod("api-a", "rs-api-1", "api"))
    assert Judge().failures(snap, st, rs, now=1.0, final=False) is None
    failed = Judge().failures(snap, st, rs, now=1.0, final=True)
    assert failed is not None and set(failed) == {"web", "api"}


def test_auto_rollback_read_from_the_annotation() -> None:
    assert auto_rollback(deployment("web", "1", annotations={"crossdock.dev/auto-rollback": "true"}))
    assert not auto_rollback(deployment("web", "1"))


# ---- on the real cluster ---------------------------------------------------------------------

# Far above how long an early failure takes: a failure near it would only be the timeout.
LONG = 180.0


def adapter_for(namespace: str) -> Any:
    from platforms_fixtures import KUBECONFIG
    from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
    return KubernetesAdapter(namespace=namespace, kubeconfig=str(KUBECONFIG), poll_interval=0.5)


def deploy(tmp_path: Any, namespace: str, image: str, rollback: bool = False, app: str | None = None) -> str:
    import uuid
    from crossdock.specs.loader import load
    from crossdock.translators.base import get
    app = app or f"cdw{uuid.uuid4().hex[:8]}"
    (tmp_path / "app.yaml").write_text(EARLY.format(app=app, image=image, rollback=str(rollback).lower()))
    spec = load(str(tmp_path / "app.yaml"))
    adapter_for(namespace).deploy(spec, get("kubernetes").translate(spec))
    return app


def timed_failure(namespace: str, app: str) -> tuple[float, Any]:
    import time
    from crossdock.errors import DeployFailed
    t0 = time.monotonic()
    with pytest.raises(DeployFailed) as err:
        adapter_for(namespace).wait(app, LONG)
    return time.monotonic() - t0, err.value


@pytest.mark.platform
def test_wait_missing_image_fails_early_with_the_reason(tmp_path: Any, k8s_namespace: str) -> None:
    app = deploy(tmp_path, k8s_namespace, "crossdock-test/no-such-image:1.0")
    took, err = timed_failure(k8s_namespace, app)
    assert took < 60, took
    assert set(err.failures) == {"web"}
    assert "image missing: container web:" in err.failures["web"]
    assert any(r in err.failures["web"] for r in ("ErrImagePull", "ImagePullBackOff")), err.failures
    assert "within" not in str(err)  # not the timeout's message


@pytest.mark.platform
def test_wait_crash_loop_fails_early_with_the_exit_code(tmp_path: Any, k8s_namespace: str) -> None:
    from platforms_fixtures import JOB_IMAGE
    app = deploy(tmp_path, k8s_namespace, JOB_IMAGE)
    took, err = timed_failure(k8s_namespace, app)
    assert took < 90, took
    assert set(err.failures) == {"web"}
    assert "crash loop: container web exited with exit code 3 (CrashLoopBackOff" in err.failures["web"]


@pytest.mark.platform
def test_wait_of_a_fresh_adapter_rolls_back_by_the_annotation(tmp_path: Any, k8s_namespace: str,
                                                                kubernetes: Any) -> None:
    from kubernetes import client
    from platforms_fixtures import HTTPD_IMAGE, JOB_IMAGE
    app = deploy(tmp_path, k8s_namespace, HTTPD_IMAGE, rollback=True)
    adapter_for(k8s_namespace).wait(app, LONG)
    apps = client.AppsV1Api(kubernetes)
    live = apps.read_namespaced_deployment("web", k8s_namespace)
    assert live.metadata.annotations["crossdock.dev/auto-rollback"] == "true"
    deploy(tmp_path, k8s_namespace, JOB_IMAGE, rollback=True, app=app)  # crash loops
    took, err = timed_failure(k8s_namespace, app)  # another adapter than the one that deployed
    assert took < 90, took
    assert "rolled back to revision 1 (auto_rollback)" in err.failures["web"]
    assert apps.read_namespaced_deployment("web", k8s_namespace).spec.template.spec.containers[0].image == HTTPD_IMAGE
    assert adapter_for(k8s_namespace).wait(app, LONG).ready


@pytest.mark.platform
def test_wait_without_auto_rollback_leaves_the_deployment(tmp_path: Any, k8s_namespace: str, kubernetes: Any) -> None:
    from kubernetes import client
    from platforms_fixtures import JOB_IMAGE
    app = deploy(tmp_path, k8s_namespace, JOB_IMAGE)
    live = client.AppsV1Api(kubernetes).read_namespaced_deployment("web", k8s_namespace)
    assert "crossdock.dev/auto-rollback" not in (live.metadata.annotations or {})
    _, err = timed_failure(k8s_namespace, app)
    assert "rolled back" not in str(err)
