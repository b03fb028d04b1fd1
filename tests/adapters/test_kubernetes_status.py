"""The Kubernetes status rules on hand-made snapshots (no cluster): counting, the platform's
reasons (image missing, crash loop with exit code, failing probe, unschedulable), job runs,
cron job runs, and when a rollout is done or failed.  The objects follow the API's JSON shape,
as the adapter lists them (with ``kind`` added to each item)."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.adapters.kubernetes.status import Snapshot, build, failures, pod_message, rollout_pending, settled

LABELS = {"app.kubernetes.io/managed-by": "crossdock", "app.kubernetes.io/part-of": "shop"}


def meta(name: str, workload: str | None = None, **extra: Any) -> dict[str, Any]:
    labels = dict(LABELS, **({"app.kubernetes.io/name": workload} if workload else {}))
    return {"name": name, "labels": labels, **extra}


def deployment(name: str, want: int = 2, **status: Any) -> dict[str, Any]:
    st = {"observedGeneration": 1, "replicas": want, "updatedReplicas": want, "availableReplicas": want, **status}
    return {"kind": "Deployment", "metadata": meta(name, name, generation=1),
            "spec": {"replicas": want, "template": {"spec": {"containers": [{"image": "i:1"}]}}},
            "status": st}


def pod(name: str, workload: str, phase: str = "Running", ready: bool = True, *, waiting: str | None = None,
        last_exit: int | None = None, terminated: int | None = None, unschedulable: bool = False,
        owner_uid: str | None = None, restarts: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = {"running": {}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": "details"}}
    if terminated is not None:
        state = {"terminated": {"exitCode": terminated, "reason": "Error" if terminated else "Completed"}}
    cs = {"name": "c", "state": state, "restartCount": restarts,
          "lastState": {"terminated": {"exitCode": last_exit}} if last_exit is not None else {}}
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if unschedulable:
        conditions.append({"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                           "message": "0/1 nodes are available: 1 node(s) didn't match node selector."})
    m = meta(name, workload, creationTimestamp="2026-01-01T00:00:00Z")
    if owner_uid:
        m["ownerReferences"] = [{"kind": "Job", "uid": owner_uid, "name": workload}]
    return {"metadata": m, "spec": {"nodeName": None if unschedulable else "node-1"},
            "status": {"phase": phase, "conditions": conditions,
                       "containerStatuses": [] if unschedulable else [cs]}}


def event(obj: str, reason: str, message: str, when: str = "2026-01-01T00:00:01Z", kind: str = "Pod") -> dict[str, Any]:
    return {"metadata": {"name": f"{obj}.1"}, "involvedObject": {"kind": kind, "name": obj}, "reason": reason,
            "message": message, "type": "Warning", "lastTimestamp": when}


def test_build_counts_and_reasons_of_a_service() -> None:
    snap = Snapshot(
        deployments=[deployment("web", 3, availableReplicas=1)],
        pods=[pod("web-a", "web"), pod("web-b", "web", ready=False),
              pod("web-c", "web", waiting="CrashLoopBackOff", ready=False, last_exit=3, restarts=4)],
        events=[event("web-b", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404"),
                event("other-x", "BackOff", "not ours")],
        api_calls=7)
    status = build("shop", snap)
    (web,) = status.workloads
    assert (web.kind, web.desired, web.running, web.healthy, web.image) == ("service", 3, 3, 1, "i:1")
    assert [(i.id, i.state, i.restarts) for i in web.instances] == [
        ("web-a", "healthy", 0), ("web-b", "unhealthy", 0), ("web-c", "unhealthy", 4)]
    assert web.instances[1].message == "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404"
    assert web.instances[2].message == "c: CrashLoopBackOff (last exit code 3)"
    assert web.errors == ("Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404",)
    assert status.api_calls == 7 and not status.ready


@pytest.mark.parametrize(("p", "message"), [
    (pod("p", "w", "Pending", False, waiting="ErrImageNeverPull"), "c: ErrImageNeverPull: details"),
    (pod("p", "w", "Pending", False, unschedulable=True),
     "Unschedulable: 0/1 nodes are available: 1 node(s) didn't match node selector."),
    (pod("p", "w", "Failed", False, terminated=2), "c: exited with code 2 (Error)"),
    (pod("p", "w", "Pending", False, waiting="ContainerCreating"), None),
    (pod("p", "w"), None),
])
def test_pod_message_in_the_platforms_words(p: dict[str, Any], message: str | None) -> None:
    assert pod_message(p) == message


def test_build_uses_the_autoscalers_replica_count() -> None:
    d = deployment("api", 1)
    hpa = {"kind": "HorizontalPodAutoscaler", "metadata": meta("api"),
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}}, "status": {"desiredReplicas": 4}}
    (api,) = build("shop", Snapshot(deployments=[d], hpas=[hpa])).workloads
    assert api.desired == 4


def test_build_ignores_an_autoscaler_that_cannot_read_metrics() -> None:
    # What kube-controller-manager wrote on the local platform, where no metrics server runs.
    d = deployment("api", 1)
    hpa = {"kind": "HorizontalPodAutoscaler", "metadata": meta("api"),
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}},
           "status": {"currentReplicas": 1, "desiredReplicas": 0, "conditions": [
               {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric"}]}}
    (api,) = build("shop", Snapshot(deployments=[d], hpas=[hpa])).workloads
    assert api.desired == 1


def job(name: str, uid: str, *, complete: bool = False, failed: bool = False, cron: str | None = None,
        created: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    conditions = ([{"type": "Complete", "status": "True"}] if complete else []) + (
        [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
          "message": "Job has reached the specified backoff limit"}] if failed else [])
    m = meta(name, cron or name, uid=uid, creationTimestamp=created)
    if cron:
        m["ownerReferences"] = [{"kind": "CronJob", "name": cron, "controller": True}]
    return {"kind": "Job", "metadata": m, "spec": {"template": {"spec": {"containers": [{"image": "j:1"}]}}},
            "status": {"startTime": "2026-01-01T00:00:01Z", "succeeded": 1 if complete else 0,
                       **({"completionTime": "2026-01-01T00:00:05Z"} if complete else {}),
                       "conditions": conditions}}


def test_build_job_runs_and_cron_job_runs() -> None:
    snap = Snapshot(
        jobs=[job("migrate", "j1", failed=True), job("nightly-1", "j2", complete=True, cron="nightly"),
              job("nightly-2", "j3", cron="nightly", created="2026-01-02T00:00:00Z")],
        cronjobs=[{"kind": "CronJob", "metadata": meta("nightly", "nightly"), "spec": {}, "status": {"active": [{}]}}],
        pods=[pod("migrate-x", "migrate", "Failed", False, terminated=3, owner_uid="j1"),
              pod("nightly-2-x", "nightly", owner_uid="j3")])
    st = build("shop", snap)
    by = {w.name: w for w in st.workloads}
    assert set(by) == {"migrate", "nightly"}
    (run,) = by["migrate"].runs
    assert (run.state, run.exit_code) == ("failed", 3)
    assert run.message == "BackoffLimitExceeded: Job has reached the specified backoff limit"
    assert [(r.id, r.state) for r in by["nightly"].runs] == [("nightly-1", "succeeded"), ("nightly-2", "running")]
    assert by["nightly"].kind == "cron_job" and by["nightly"].running == 1
    assert failures(st, snap, final=False) == {"migrate": "run migrate failed with exit code 3: "
                                               "BackoffLimitExceeded: Job has reached the specified backoff limit; "
                                               "c: exited with code 3 (Error)"}


@pytest.mark.parametrize(("d", "pending"), [
    (deployment("w", 2), False),
    (deployment("w", 2, observedGeneration=0), True),
    (deployment("w", 2, updatedReplicas=1), True),
    (deployment("w", 2, replicas=3), True),  # an old pod still terminating
    (deployment("w", 2, availableReplicas=1), True),
    (deployment("w", 0, updatedReplicas=0, availableReplicas=0), False),
])
def test_rollout_pending(d: dict[str, Any], pending: bool) -> None:
    assert rollout_pending(d) is pending


def test_failures_deadline_exceeded_now_and_pending_only_at_the_end() -> None:
    stuck = deployment("a", 1, availableReplicas=0, updatedReplicas=1,
                       conditions=[{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                    "message": 'ReplicaSet "a-1" has timed out progressing.'}])
    slow = deployment("b", 1, availableReplicas=0)
    snap = Snapshot(deployments=[stuck, slow])
    st = build("shop", snap)
    assert set(failures(st, snap, final=False)) == {"a"}
    final = failures(st, snap, final=True)
    assert set(final) == {"a", "b"}
    assert final["a"] == 'rollout incomplete: 1/1 updated, 0/1 available; ReplicaSet "a-1" has timed out progressing.'


def test_settled_when_rolled_out_and_jobs_complete() -> None:
    done = Snapshot(deployments=[deployment("w", 1)],
                    jobs=[job("m", "j1", complete=True), job("n-1", "j2", cron="n")])  # a cron run may still run
    assert settled(done)
    assert not settled(Snapshot(deployments=[deployment("w", 1)], jobs=[job("m", "j1")]))
    assert not settled(Snapshot(deployments=[deployment("w", 1, availableReplicas=0)]))
