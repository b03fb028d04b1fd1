"""Swarm services, tasks, nodes and containers (raw API dicts) -> the neutral ``AppStatus``.

Pure: the adapter lists everything of the app in four calls and hands the lists here.

Counting, per service: ``desired`` is the replica count (replicated), the number of nodes a
global service or job should run on (``eligible_nodes``) or the total completions (replicated
jobs); ``running`` counts current tasks whose container runs (Swarm states ``starting`` and
``running``); ``healthy`` counts ``running`` tasks (Swarm moves a task with a health check from
``starting`` to ``running`` only once the check passed) whose container, when this engine can see it, is not reported unhealthy.  Only
tasks of the service's current spec count, so an old replica still up during a rolling update
does not make the new version look ready.  For jobs, ``healthy`` counts succeeded runs of the
current iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from crossdock.adapters.model import AppStatus, Instance, InstanceState, Run, RunState, WorkloadStatus

_ACTIVE = frozenset({"new", "pending", "assigned", "accepted", "ready", "preparing", "starting", "running"})
_FAILED = frozenset({"failed", "rejected", "orphaned"})
_RUN_STATES: dict[str, RunState] = {"complete": "succeeded", "failed": "failed", "rejected": "failed",
                                    "orphaned": "failed", "shutdown": "failed", "remove": "failed"}
# Update states after which a rolling update will not go on by itself.
_UPDATE_FAILED = frozenset({"paused", "rollback_started", "rollback_paused", "rollback_completed"})
MAX_ERRORS = 5
# Failed tasks of one spec after which a service counts as crash looping: one failure can be
# bad luck (a port briefly taken, an OOM), three in a row are the container itself.
CRASH_LOOP = 3


@dataclass(frozen=True)
class Snapshot:
    status: AppStatus
    failed: dict[str, str]  # workload -> reason, for failures that will not heal by waiting


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(obj.get("Labels") or {})


def _health(containers: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Container id -> 'healthy' / 'unhealthy' / 'starting', from ``docker ps`` status texts."""
    out = {}
    for c in containers:
        text = str(c.get("Status", ""))
        for word in ("unhealthy", "healthy", "health: starting"):
            if f"({word})" in text:
                out[str(c.get("Id"))] = word.removeprefix("health: ")
                break
    return out


def _reason(task: Mapping[str, Any]) -> str:
    st = task.get("Status") or {}
    return str(st.get("Err") or st.get("Message") or st.get("State") or "")


def _job_kind(mode: Mapping[str, Any]) -> bool:
    return "ReplicatedJob" in mode or "GlobalJob" in mode


def _constraint_holds(constraint: str, node: Mapping[str, Any]) -> bool | None:
    """Whether ``node`` meets one placement constraint (``node.role==manager``,
    ``node.labels.zone!=a``...), as swarmkit matches it: values compare without regard to case,
    a label the node lacks counts as empty.  None for an attribute this code does not know."""
    op = "!=" if "!=" in constraint else "=="
    key, _, want = (part.strip() for part in constraint.partition(op))
    desc, spec = node.get("Description") or {}, node.get("Spec") or {}
    platform = desc.get("Platform") or {}
    simple = {"node.id": node.get("ID"), "node.hostname": desc.get("Hostname"), "node.role": spec.get("Role"),
              "node.platform.os": platform.get("OS"), "node.platform.arch": platform.get("Architecture")}
    if key.lower() in simple:
        have = str(simple[key.lower()] or "")
    elif key.startswith("node.labels."):
        have = str((spec.get("Labels") or {}).get(key.removeprefix("node.labels."), ""))
    elif key.startswith("engine.labels."):
        have = str(((desc.get("Engine") or {}).get("Labels") or {}).get(key.removeprefix("engine.labels."), ""))
    else:
        return None
    return (have.lower() == want.lower()) == (op == "==")


def eligible_nodes(service: Mapping[str, Any], tasks: list[Mapping[str, Any]], nodes: list[Mapping[str, Any]]) -> int:
    """How many tasks a global service should run: one per ready, active node that meets its
    placement constraints.  (The engine's own ``ServiceStatus.DesiredTasks`` counts the tasks it
    wants running, which is 0 while a global service's only task is rejected: a missing image
    would look done.)  A constraint on an attribute not known here: the nodes the orchestrator
    gave a task to that it still wants to run."""
    placement = ((service.get("Spec") or {}).get("TaskTemplate") or {}).get("Placement") or {}
    constraints = [str(c) for c in placement.get("Constraints") or []]
    count = 0
    for n in nodes:
        status, spec = n.get("Status") or {}, n.get("Spec") or {}
        if status.get("State") != "ready" or spec.get("Availability", "active") != "active":
            continue
        held = [_constraint_holds(c, n) for c in constraints]
        if None in held:
            return len({t.get("NodeID") for t in tasks if t.get("DesiredState") in ("running", "ready")})
        count += all(held)
    return count


def _desired(mode: Mapping[str, Any], eligible: int) -> int:
    if "Replicated" in mode:
        return int(mode["Replicated"].get("Replicas", 1))
    if "ReplicatedJob" in mode:
        return int(mode["ReplicatedJob"].get("TotalCompletions") or 1)
    return eligible


def _instance(task: Mapping[str, Any], health: Mapping[str, str], has_check: bool, nodes: Mapping[str, str],
              restarts: int) -> Instance:
    st = task.get("Status") or {}
    swarm_state = str(st.get("State", ""))
    cid = str((st.get("ContainerStatus") or {}).get("ContainerID") or "")
    seen = health.get(cid)
    state: InstanceState
    if swarm_state == "running":
        state = "unhealthy" if seen == "unhealthy" else ("healthy" if has_check else "running")
    elif swarm_state == "starting":
        state = "running"
    elif swarm_state == "complete":
        state = "completed"
    elif swarm_state in _FAILED:
        state = "failed"
    else:
        state = "pending"
    message = None if state in ("healthy", "running", "completed") else (_reason(task) or None)
    return Instance(str(task["ID"]), state, nodes.get(str(task.get("NodeID") or "")), restarts, message)


def _run(task: Mapping[str, Any]) -> Run:
    st = task.get("Status") or {}
    swarm_state = str(st.get("State", ""))
    state: RunState = _RUN_STATES.get(swarm_state, "running")
    cs = st.get("ContainerStatus") or {}
    finished = str(st.get("Timestamp")) if state != "running" else None
    exit_code = int(cs["ExitCode"]) if state != "running" and "ExitCode" in cs and cs.get("ContainerID") else None
    message = str(st.get("Err")) if st.get("Err") else None
    return Run(str(task["ID"]), state, str(task.get("CreatedAt") or "") or None, finished, exit_code, message)


def _current(task: Mapping[str, Any], service: Mapping[str, Any]) -> bool:
    """Whether a task runs the service's current container spec."""
    want = ((service.get("Spec") or {}).get("TaskTemplate") or {}).get("ContainerSpec")
    return bool(((task.get("Spec") or {}).get("ContainerSpec")) == want)


def _cannot_run(tasks: list[Mapping[str, Any]], service: Mapping[str, Any], update: Mapping[str, Any]) -> str | None:
    """Why the service's current spec cannot run, when its tasks say so: the image is not on the
    node (rejected, ``No such image``; ``--resolve-image never`` means no pull will fix it) or
    ``CRASH_LOOP`` tasks failed one after the other (Swarm restarts them for ever).  While a
    rolling update runs, its own failure action (pause or rollback) decides instead."""
    if update.get("State") in ("updating", "rollback_started"):
        return None
    mine = [t for t in tasks if _current(t, service)]
    for t in reversed(mine):
        st = t.get("Status") or {}
        if st.get("State") == "rejected" and "No such image" in str(st.get("Err", "")):
            return f"image missing: {st['Err']}"
    failed = [t for t in mine if (t.get("Status") or {}).get("State") == "failed"]
    if len(failed) >= CRASH_LOOP:
        st = failed[-1].get("Status") or {}
        code = (st.get("ContainerStatus") or {}).get("ExitCode")
        return (f"crash loop: {len(failed)} tasks failed, the last with exit code {code}: {_reason(failed[-1])}"
                if code is not None else f"crash loop: {len(failed)} tasks failed, the last: {_reason(failed[-1])}")
    return None


def workload(app: str, service: Mapping[str, Any], tasks: list[Mapping[str, Any]], health: Mapping[str, str],
             nodes: list[Mapping[str, Any]]) -> tuple[WorkloadStatus, str | None]:
    """One service's status, and a reason when it failed for good (job out of retries, rolling
    update paused or rolled back)."""
    hostnames = {str(n["ID"]): str((n.get("Description") or {}).get("Hostname") or n["ID"]) for n in nodes}
    eligible = eligible_nodes(service, tasks, nodes)
    spec = service.get("Spec") or {}
    name = str(spec.get("Name", "")).removeprefix(f"{app}_")
    mode = spec.get("Mode") or {}
    cs = (spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    check = cs.get("Healthcheck") or {}
    has_check = bool(check.get("Test")) and check.get("Test") != ["NONE"]
    image = str(cs.get("Image", "")).split("@", 1)[0] or None
    tasks = sorted(tasks, key=lambda t: str(t.get("CreatedAt", "")))
    errors = [f"{_reason(t)}" for t in tasks if str((t.get("Status") or {}).get("State")) in _FAILED]
    failed_for_good: str | None = None
    update = service.get("UpdateStatus") or {}
    if update.get("State") in _UPDATE_FAILED:
        msg = f"update {str(update['State']).replace('_', ' ')}: {update.get('Message', '')}".rstrip(": ")
        errors.append(msg)
        failed_for_good = msg
    errors = list(dict.fromkeys(reversed(errors)))[:MAX_ERRORS][::-1]  # newest last, no repeats

    if _job_kind(mode):
        iteration = ((service.get("JobStatus") or {}).get("JobIteration") or {}).get("Index") or 0
        current = [t for t in tasks if ((t.get("JobIteration") or {}).get("Index") or 0) == iteration]
        runs = tuple(_run(t) for t in current)
        active = [t for t in current if str(t.get("DesiredState")) in ("running", "ready", "complete")
                  and str((t.get("Status") or {}).get("State")) in _ACTIVE]
        succeeded = sum(r.state == "succeeded" for r in runs)
        if runs and not active and succeeded < _desired(mode, eligible) and runs[-1].state == "failed":
            failed_for_good = failed_for_good or runs[-1].message or "job failed"
        instances = tuple(_instance(t, health, has_check, hostnames, 0) for t in active)
        running = sum(str((t.get("Status") or {}).get("State")) in ("starting", "running") for t in active)
        status = WorkloadStatus(name, "job", _desired(mode, eligible), running, succeeded, image,
                                instances, runs, tuple(errors))
        return status, failed_for_good

    failed_for_good = failed_for_good or _cannot_run(tasks, service, update)
    current = [t for t in tasks if str(t.get("DesiredState")) == "running" and _current(t, service)]
    slot_of = {str(t["ID"]): (t.get("Slot") or t.get("NodeID")) for t in tasks}
    instances = tuple(
        _instance(t, health, has_check, hostnames,
                  sum(1 for o in tasks if o is not t and slot_of[str(o["ID"])] == slot_of[str(t["ID"])]
                      and str((o.get("Status") or {}).get("State")) in _FAILED))
        for t in current)
    states = [(str((t.get("Status") or {}).get("State")),
               health.get(str(((t.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID") or "")))
              for t in current]
    running = sum(st in ("starting", "running") for st, _ in states)
    healthy = sum(st == "running" and seen != "unhealthy" for st, seen in states)
    return WorkloadStatus(name, "service", _desired(mode, eligible), running, healthy, image, instances, (),
                          tuple(errors)), failed_for_good


def build(app: str, services: list[Mapping[str, Any]], tasks: list[Mapping[str, Any]],
          nodes: list[Mapping[str, Any]], containers: list[Mapping[str, Any]], api_calls: int) -> Snapshot:
    """The app's status from the raw lists; workloads sorted by name."""
    health = _health(containers)
    by_service: dict[str, list[Mapping[str, Any]]] = {}
    for t in tasks:
        by_service.setdefault(str(t.get("ServiceID")), []).append(t)
    out, failed = [], {}
    for s in services:
        ws, reason = workload(app, s, by_service.get(str(s["ID"]), []), health, nodes)
        out.append(ws)
        if reason:
            failed[ws.name] = reason
    out.sort(key=lambda w: w.name)
    return Snapshot(AppStatus(app, "swarm", tuple(out), api_calls), failed)


def not_ready_reasons(snapshot: Snapshot) -> dict[str, str]:
    """Each workload that is not ready, with Swarm's reason (the last error of its tasks, or
    what its current tasks wait for)."""
    out = dict(snapshot.failed)
    for w in snapshot.status.workloads:
        if w.ready or w.name in out:
            continue
        waiting = [i.message for i in w.instances if i.message]
        reason = waiting[-1] if waiting else (w.errors[-1] if w.errors else None)
        if reason is None:
            reason = (f"{w.healthy}/{w.desired} completed" if w.kind == "job"
                      else f"{w.healthy}/{w.desired} healthy, {w.running} running")
        elif w.errors and w.errors[-1] != reason:
            reason = f"{reason}; last error: {w.errors[-1]}"
        out[w.name] = reason
    return out
