"""Judging a Kubernetes rollout while waiting: which failures will not heal by waiting longer.

Kubernetes keeps retrying a pod whose image is missing or whose container crashes, so a
rollout that can never finish looks, to ``kubectl rollout status``, like one that is merely
slow until its progress deadline (10 minutes by default).  ``wait`` fails early instead when a
pod of a workload's *current* version says so: an image that cannot be pulled, a crash loop,
a pod the scheduler cannot place.  Only current pods count: the old version's pods may crash
loop while the deploy that fixes them rolls out.  A Deployment's current pods are those of
the ReplicaSet whose revision annotation matches the Deployment's (known once the controller
has observed the Deployment's generation); a StatefulSet's carry its ``updateRevision``; a
DaemonSet's carry its generation in ``pod-template-generation``; a Job's are owned by it.

Everything here is pure (a ``Snapshot`` and the app's ReplicaSets in, reasons out), so the
rules are unit-tested without a cluster.
"""

from __future__ import annotations

from typing import Any

from crossdock.adapters.kubernetes import status as ks
from crossdock.adapters.model import AppStatus

Obj = dict[str, Any]
# The kubelet's waiting reasons for an image it cannot get; none heals without a change.
IMAGE_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"})
REVISION = "deployment.kubernetes.io/revision"
# The DaemonSet controller labels each pod with the generation of the template it was made from.
TEMPLATE_GENERATION = "pod-template-generation"
# Annotation the adapter puts on each Deployment whose spec asks for ``update.auto_rollback``,
# so that any process (a later ``crossdock wait``, another machine) knows to roll it back.
AUTO_ROLLBACK = "crossdock.dev/auto-rollback"
# A pod can be Unschedulable for a moment for reasons that pass (a claim not bound yet, a node
# just joining): it counts once the same workload has stayed unschedulable this long.
UNSCHEDULABLE_CONFIRM = 5.0
# The failures of one broken deploy surface seconds apart (an unschedulable pod at once, a
# crash loop after its first restart): after the first, wait up to this long for the others
# to show, so that one message names them all.  Ends early once every unfinished workload
# has a reason.
REPORT_GRACE = 10.0


def _uid(o: Obj) -> str:
    return str(o["metadata"].get("uid", ""))


def _owned_by(o: Obj, uid: str) -> bool:
    return any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])


def _live(pods: list[Obj]) -> list[Obj]:
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


def current_pods(snap: ks.Snapshot, replicasets: list[Obj]) -> dict[str, list[Obj]]:
    """Workload name -> the pods of its current version (not being deleted).  A Deployment the
    controller has not observed yet has none: its current ReplicaSet may not exist yet."""
    out: dict[str, list[Obj]] = {}
    pods = _live(snap.pods)
    for d in snap.deployments:
        meta, st = d["metadata"], d.get("status") or {}
        if int(st.get("observedGeneration", 0)) < int(meta.get("generation", 0)):
            continue
        revision = (meta.get("annotations") or {}).get(REVISION)
        rs_uids = {_uid(rs) for rs in replicasets if _owned_by(rs, _uid(d))
                   and (rs["metadata"].get("annotations") or {}).get(REVISION) == revision}
        out[str(meta["name"])] = [p for p in pods if any(_owned_by(p, u) for u in rs_uids)]
    for s in snap.statefulsets:
        revision = (s.get("status") or {}).get("updateRevision")
        out[str(s["metadata"]["name"])] = [
            p for p in pods if _owned_by(p, _uid(s))
            and (p["metadata"].get("labels") or {}).get("controller-revision-hash") == revision]
    for s in snap.daemonsets:
        generation = str(s["metadata"].get("generation", ""))
        out[str(s["metadata"]["name"])] = [
            p for p in pods if _owned_by(p, _uid(s))
            and (p["metadata"].get("labels") or {}).get(TEMPLATE_GENERATION) == generation]
    for j in snap.jobs:
        if not any(r.get("kind") == "CronJob" for r in j["metadata"].get("ownerReferences") or []):
            out[str(j["metadata"]["name"])] = [p for p in pods if _owned_by(p, _uid(j))]
    return out


def pod_failure(pod: Obj) -> tuple[str, str] | None:
    """(kind, reason) when the pod says its workload cannot come up as it is: ``image`` (the
    kubelet cannot get the image), ``crash`` (CrashLoopBackOff, with the last exit code) or
    ``unschedulable`` (with the scheduler's message); None otherwise."""
    st = pod.get("status") or {}
    for cs in (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or []):
        waiting = (cs.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason")
        if reason in IMAGE_REASONS:
            detail = f": {waiting['message']}" if waiting.get("message") else ""
            return "image", ks._cut(f"image missing: container {cs.get('name')}: {reason}{detail}")
        if reason == "CrashLoopBackOff":
            last = (cs.get("lastState") or {}).get("terminated") or {}
            code = f" with exit code {last['exitCode']}" if "exitCode" in last else ""
            return "crash", (f"crash loop: container {cs.get('name')} exited{code} "
                             f"(CrashLoopBackOff, {cs.get('restartCount', 0)} restarts)")
    for c in st.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable":
            return "unschedulable", ks._cut(f"Unschedulable: {c.get('message', '')}")
    return None


def pod_problem(pod: Obj) -> str | None:
    """Anything wrong with a pod, even what may still heal (a first crash, a pull in progress
    that failed once): used to name the other unfinished workloads in an early failure."""
    found = pod_failure(pod)
    if found is not None:
        return found[1]
    message = ks.pod_message(pod)
    if message is not None:
        return message
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        last = (cs.get("lastState") or {}).get("terminated") or {}
        if int(cs.get("restartCount", 0)) > 0 and "exitCode" in last:
            return f"{cs.get('name')}: restarted {cs['restartCount']} times (last exit code {last['exitCode']})"
    return None


def definitive(current: dict[str, list[Obj]]) -> dict[str, tuple[str, str]]:
    """Workload -> (kind, reason) of the first of its current pods (by name) that cannot come up."""
    out: dict[str, tuple[str, str]] = {}
    for name, pods in current.items():
        for p in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
            found = pod_failure(p)
            if found is not None:
                out[name] = found
                break
    return out


def problems(current: dict[str, list[Obj]]) -> dict[str, str]:
    """Workload -> what is wrong with its current pods (distinct problems joined), when anything is."""
    out = {}
    for name, pods in current.items():
        found = [m for p in sorted(pods, key=lambda p: str(p["metadata"]["name"])) if (m := pod_problem(p))]
        if found:
            out[name] = "; ".join(dict.fromkeys(found))
    return out


def auto_rollback(deployment: Obj) -> bool:
    """Whether the Deployment was applied from a spec asking for ``update.auto_rollback``."""
    return (deployment["metadata"].get("annotations") or {}).get(AUTO_ROLLBACK) == "true"


class Judge:
    """Decides, poll after poll, when a wait has failed and why.

    ``failures(snap, status, replicasets, now, final)`` returns None to keep waiting, or the
    failing workloads with their reasons: at once when the timeout has passed (``final``: every
    unfinished workload), else once a workload has failed for good (a Job failed, a progress
    deadline passed, a current pod cannot come up), after ``REPORT_GRACE`` at most for the
    others to show their reasons."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}  # (workload, kind) -> first seen
        self._first: float | None = None

    def failures(self, snap: ks.Snapshot, status: AppStatus, replicasets: list[Obj], now: float,
                 final: bool) -> dict[str, str] | None:
        current = current_pods(snap, replicasets)
        found = definitive(current)
        self._seen = {(w, k): self._seen.get((w, k), now) for w, (k, _) in found.items()}
        confirmed = {w: r for w, (k, r) in found.items()
                     if k != "unschedulable" or now - self._seen[(w, k)] >= UNSCHEDULABLE_CONFIRM}
        hard = ks.failures(status, snap, False)
        if (hard or confirmed) and self._first is None:
            self._first = now
        unfinished = ks.failures(status, snap, True)  # every workload not done, with its reason
        bad = problems(current)
        if final:
            return _prefixed(unfinished, confirmed, bad)
        if self._first is None:
            return None
        report = {w: r for w, r in unfinished.items() if w in hard or w in confirmed or w in bad}
        if now - self._first < REPORT_GRACE and set(report) != set(unfinished):
            return None
        return _prefixed(report, confirmed, bad)


def _prefixed(report: dict[str, str], confirmed: dict[str, str], bad: dict[str, str]) -> dict[str, str]:
    """Each workload's reason, led by why it cannot come up (or what is wrong with its pods)."""
    out = {}
    for w, r in report.items():
        lead = confirmed.get(w) or bad.get(w)
        out[w] = "; ".join(dict.fromkeys(p for p in (lead, r) if p))
    return out
