"""Turn one listing of an app's objects into the neutral status, and judge a rollout.

A ``Snapshot`` is what ``KubernetesAdapter`` lists in a constant number of calls (one per kind,
by the app's ownership labels; Warning events of the namespace in one more).  Everything here is
pure: the same snapshot gives the same status, so the rules are unit-tested without a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crossdock.adapters.kubernetes.conn import NAME
from crossdock.adapters.model import AppStatus, Instance, InstanceState, Run, RunState, WorkloadKind, WorkloadStatus

Obj = dict[str, Any]
MAX_ERRORS = 5  # recent Warning events kept per workload, newest last
_SELF_OWNED = frozenset({"DaemonSet", "StatefulSet"})  # controllers that own their pods directly
_MESSAGE_CHARS = 300  # the platform's messages can be long (a whole probe output); keep the start


@dataclass
class Snapshot:
    deployments: list[Obj] = field(default_factory=list)
    statefulsets: list[Obj] = field(default_factory=list)
    daemonsets: list[Obj] = field(default_factory=list)  # services with mode per_node
    jobs: list[Obj] = field(default_factory=list)
    cronjobs: list[Obj] = field(default_factory=list)
    hpas: list[Obj] = field(default_factory=list)
    pods: list[Obj] = field(default_factory=list)
    events: list[Obj] = field(default_factory=list)  # Warning events of the whole namespace
    api_calls: int = 0


def _name(o: Obj) -> str:
    return str(o["metadata"]["name"])


def _status(o: Obj) -> Obj:
    return o.get("status") or {}


def _cut(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MESSAGE_CHARS else text[:_MESSAGE_CHARS - 3] + "..."


def _owner(o: Obj, kind: str) -> str | None:
    for ref in o["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == kind:
            return str(ref.get("name"))
    return None


def _condition(o: Obj, kind: str) -> Obj | None:
    return next((c for c in _status(o).get("conditions") or [] if c.get("type") == kind), None)


def _true(o: Obj, kind: str) -> bool:
    c = _condition(o, kind)
    return c is not None and c.get("status") == "True"


def _image(template: Obj) -> str | None:
    containers = ((template.get("spec") or {}).get("containers")) or []
    return str(containers[0].get("image")) if containers else None


def _when(e: Obj) -> str:
    return str(e.get("lastTimestamp") or e.get("eventTime") or e.get("firstTimestamp")
               or e["metadata"].get("creationTimestamp") or "")


def pod_message(pod: Obj) -> str | None:
    """Why a pod is not healthy, in the platform's words (waiting reason, exit code,
    scheduling failure); None when nothing is wrong with its containers."""
    st = _status(pod)
    for cs in (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or []):
        state = cs.get("state") or {}
        last = (cs.get("lastState") or {}).get("terminated") or {}
        if "waiting" in state and state["waiting"].get("reason") not in (None, "ContainerCreating", "PodInitializing"):
            w = state["waiting"]
            text = f"{cs['name']}: {w['reason']}"
            if last:
                text += f" (last exit code {last.get('exitCode')})"
            elif w.get("message"):
                text += f": {w['message']}"
            return _cut(text)
        term = state.get("terminated")
        if term and term.get("exitCode", 0) != 0:
            return _cut(f"{cs['name']}: exited with code {term.get('exitCode')} ({term.get('reason', 'Error')})")
    sched = _condition(pod, "PodScheduled")
    if sched is not None and sched.get("status") == "False":
        return _cut(f"{sched.get('reason', 'Unschedulable')}: {sched.get('message', '')}")
    return None


def _pod_state(pod: Obj) -> InstanceState:
    phase = _status(pod).get("phase")
    if phase == "Succeeded":
        return "completed"
    if phase == "Failed":
        return "failed"
    if phase == "Running":
        return "healthy" if _true(pod, "Ready") else "unhealthy"
    return "pending"


def _exit_code(pod: Obj) -> int | None:
    for cs in _status(pod).get("containerStatuses") or []:
        term = (cs.get("state") or {}).get("terminated")
        if term is not None:
            return int(term.get("exitCode", 0))
    return None


class _Index:
    """Pods and Warning events by workload name."""

    def __init__(self, snap: Snapshot, names: set[str]) -> None:
        self.pods: dict[str, list[Obj]] = {}
        by_pod: dict[str, str] = {}
        for p in snap.pods:
            w = (p["metadata"].get("labels") or {}).get(NAME)
            if w in names and not p["metadata"].get("deletionTimestamp"):
                self.pods.setdefault(w, []).append(p)
            if w in names:
                by_pod[_name(p)] = w
        self.events: dict[str, list[Obj]] = {}
        self.pod_events: dict[str, list[Obj]] = {}
        for e in sorted(snap.events, key=_when):
            obj = e.get("involvedObject") or {}
            oname = str(obj.get("name", ""))
            w = by_pod.get(oname) if obj.get("kind") == "Pod" else (oname if oname in names else None)
            if w is None:  # a pod or ReplicaSet already gone: <workload>-<hash>[-<suffix>]
                w = next((n for n in sorted(names, key=len, reverse=True) if oname.startswith(n + "-")), None)
            if w is not None:
                self.events.setdefault(w, []).append(e)
                self.pod_events.setdefault(oname, []).append(e)

    def errors(self, workload: str) -> tuple[str, ...]:
        texts = [_cut(f"{e.get('reason')}: {e.get('message', '')}") for e in self.events.get(workload, [])]
        return tuple(list(dict.fromkeys(reversed(texts)))[:MAX_ERRORS][::-1])

    def of(self, o: Obj) -> list[Obj]:
        """The pods of workload object ``o``.  A DaemonSet or StatefulSet owns its pods itself:
        only those count, not the pods of a Deployment of the same name still stopping after a
        deploy that changed the service's mode (and a Deployment's pods are those no DaemonSet
        or StatefulSet owns)."""
        pods = self.pods.get(_name(o), [])
        uid = o["metadata"].get("uid")
        if o.get("kind") in _SELF_OWNED and uid:
            return [p for p in pods if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])]
        return [p for p in pods if _owner(p, "DaemonSet") is None and _owner(p, "StatefulSet") is None]

    def instances(self, workload: str, pods: list[Obj] | None = None) -> tuple[Instance, ...]:
        out = []
        for p in sorted(self.pods.get(workload, []) if pods is None else pods, key=_name):
            state = _pod_state(p)
            message = pod_message(p)
            if message is None and state in ("unhealthy", "pending"):
                recent = self.pod_events.get(_name(p), [])
                message = _cut(f"{recent[-1].get('reason')}: {recent[-1].get('message', '')}") if recent else None
            restarts = sum(int(cs.get("restartCount", 0)) for cs in _status(p).get("containerStatuses") or [])
            node = (p.get("spec") or {}).get("nodeName")
            out.append(Instance(_name(p), state, node, restarts, message))
        return tuple(out)


def _run(job: Obj, pods: list[Obj]) -> Run:
    st = _status(job)
    state: RunState = "succeeded" if _true(job, "Complete") else "failed" if _true(job, "Failed") else "running"
    uid = job["metadata"].get("uid")
    mine = sorted((p for p in pods if any(o.get("uid") == uid for o in p["metadata"].get("ownerReferences") or [])),
                  key=lambda p: str(p["metadata"].get("creationTimestamp") or ""))
    exit_code = _exit_code(mine[-1]) if mine else None
    cond = _condition(job, "Failed") if state == "failed" else None
    message = _cut(f"{cond.get('reason')}: {cond.get('message', '')}") if cond else (
        pod_message(mine[-1]) if mine and state == "running" else None)
    return Run(_name(job), state, st.get("startTime"), st.get("completionTime"), exit_code, message)


def _hpa_desired(snap: Snapshot) -> dict[tuple[str, str], int]:
    out = {}
    for h in snap.hpas:
        ref = (h.get("spec") or {}).get("scaleTargetRef") or {}
        st = _status(h)
        # An HPA that cannot read metrics (no metrics server) says desiredReplicas: 0 while its
        # target keeps its replicas: only a positive figure is the HPA's decision.
        n = st.get("desiredReplicas") or st.get("currentReplicas")
        if n:
            out[(str(ref.get("kind")), str(ref.get("name")))] = int(n)
    return out


def build(app: str, snap: Snapshot) -> AppStatus:
    """The app's status from one snapshot."""
    plain_jobs = [j for j in snap.jobs if _owner(j, "CronJob") is None]
    services = snap.deployments + snap.statefulsets + snap.daemonsets
    names = {_name(o) for o in services + plain_jobs + snap.cronjobs}
    idx = _Index(snap, names)
    hpa = _hpa_desired(snap)
    out: list[WorkloadStatus] = []
    for o in services:
        pods = idx.of(o)
        desired = hpa.get((str(o["kind"]) if "kind" in o else "Deployment", _name(o)), _replicas(o))
        running = sum(1 for p in pods if _status(p).get("phase") == "Running")
        healthy = sum(1 for p in pods if _status(p).get("phase") == "Running" and _true(p, "Ready"))
        out.append(_workload(o, "service", desired, running, healthy, idx, pods=pods))
    for j in plain_jobs:
        st = _status(j)
        desired = int((j.get("spec") or {}).get("completions") or 1)
        out.append(_workload(j, "job", desired, int(st.get("active", 0)), int(st.get("succeeded", 0)), idx,
                             runs=(_run(j, snap.pods),)))
    for c in snap.cronjobs:
        owned = sorted((j for j in snap.jobs if _owner(j, "CronJob") == _name(c)),
                       key=lambda j: str(j["metadata"].get("creationTimestamp") or ""))
        active = len(_status(c).get("active") or [])
        tmpl = ((c.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
        out.append(WorkloadStatus(_name(c), "cron_job", 0, active, 0, _image(tmpl.get("template") or {}),
                                  idx.instances(_name(c)), tuple(_run(j, snap.pods) for j in owned),
                                  idx.errors(_name(c))))
    return AppStatus(app, "kubernetes", tuple(sorted(out, key=lambda w: (w.kind, w.name))), snap.api_calls)


def _workload(o: Obj, kind: WorkloadKind, desired: int, running: int, healthy: int, idx: _Index,
              runs: tuple[Run, ...] = (), pods: list[Obj] | None = None) -> WorkloadStatus:
    template = (o.get("spec") or {}).get("template") or {}
    return WorkloadStatus(_name(o), kind, desired, running, healthy, _image(template),
                          idx.instances(_name(o), pods), runs, idx.errors(_name(o)))


def _replicas(o: Obj) -> int:
    """How many pods a Deployment or StatefulSet asks for; for a DaemonSet, how many nodes the
    controller found it should run on (``desiredNumberScheduled``; 0 until it has looked)."""
    if o.get("kind") == "DaemonSet":
        return int(_status(o).get("desiredNumberScheduled", 0))
    return int((o.get("spec") or {}).get("replicas", 1))


def rollout_pending(o: Obj) -> bool:
    """True while a Deployment, StatefulSet or DaemonSet has not finished rolling out its
    current spec (for a DaemonSet, as ``kubectl rollout status`` judges it: every node it
    should run on has a pod of the current template, available)."""
    spec, st = o.get("spec") or {}, _status(o)
    want = _replicas(o)
    if int(st.get("observedGeneration", 0)) < int(o["metadata"].get("generation", 0)):
        return True
    if o.get("kind") == "DaemonSet":
        return int(st.get("updatedNumberScheduled", 0)) < want or int(st.get("numberAvailable", 0)) < want
    if int(st.get("updatedReplicas", 0)) < want or int(st.get("replicas", 0)) > want:
        return True
    if "currentRevision" in st or "updateRevision" in st:  # a StatefulSet
        return int(st.get("readyReplicas", 0)) < want or st.get("currentRevision") != st.get("updateRevision")
    return int(st.get("availableReplicas", 0)) < want


def settled(snap: Snapshot) -> bool:
    """Every Deployment, StatefulSet and DaemonSet rolled out, every Job crossdock applied
    completed."""
    return not any(rollout_pending(o) for o in snap.deployments + snap.statefulsets + snap.daemonsets) and all(
        _true(j, "Complete") for j in snap.jobs if _owner(j, "CronJob") is None)


def deadline_exceeded(o: Obj) -> bool:
    """The Deployment controller gave up on the rollout (``progressDeadlineSeconds`` passed)."""
    c = _condition(o, "Progressing")
    return c is not None and c.get("reason") == "ProgressDeadlineExceeded"


def failures(status: AppStatus, snap: Snapshot, final: bool) -> dict[str, str]:
    """Workloads that failed (a Job's Failed condition, a Deployment past its progress
    deadline) or, when ``final`` (the wait timed out), that are not done yet, each with the
    platform's reason."""
    by_name = {w.name: w for w in status.workloads}
    out: dict[str, str] = {}
    for o in snap.deployments + snap.statefulsets + snap.daemonsets:
        if deadline_exceeded(o) or (final and rollout_pending(o)):
            out[_name(o)] = _reason(by_name.get(_name(o)), o)
    for j in snap.jobs:
        if _owner(j, "CronJob") is None and (_true(j, "Failed") or (final and not _true(j, "Complete"))):
            out[_name(j)] = _reason(by_name.get(_name(j)), j)
    return out


def _reason(w: WorkloadStatus | None, o: Obj) -> str:
    parts: list[str] = []
    if o.get("kind") in ("Deployment", "StatefulSet"):
        st, want = _status(o), _replicas(o)
        available = st.get("availableReplicas", st.get("readyReplicas", 0))
        parts.append(f"rollout incomplete: {st.get('updatedReplicas', 0)}/{want} updated, {available}/{want} available")
    elif o.get("kind") == "DaemonSet":
        st, want = _status(o), _replicas(o)
        parts.append(f"rollout incomplete: {st.get('updatedNumberScheduled', 0)}/{want} nodes updated, "
                     f"{st.get('numberAvailable', 0)}/{want} available")
    if w is not None:
        for r in w.runs[-1:]:
            if r.state == "failed":
                parts.append(f"run {r.id} failed" + (f" with exit code {r.exit_code}" if r.exit_code else "")
                             + (f": {r.message}" if r.message else ""))
        parts += list(dict.fromkeys(i.message for i in w.instances if i.message and i.state != "healthy"))
        if w.errors:
            parts.append(w.errors[-1])
    c = _condition(o, "Progressing")
    if c is not None and c.get("reason") == "ProgressDeadlineExceeded":
        parts.append(_cut(str(c.get("message", "progress deadline exceeded"))))
    return "; ".join(dict.fromkeys(parts)) or "not ready yet"
