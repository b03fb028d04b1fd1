"""Nomad's jobs, allocations and deployments read as crossdock's status model (pure functions).

What maps to what (translators/nomad: one service job ``<app>`` with a task group per service,
one batch job ``<app>-<name>`` per job and cron job):

- a service is a task group of the service job: desired = the group's Count (0 once the job is
  stopped); its instances are the allocations Nomad still wants running (DesiredStatus "run");
  running and healthy count only allocations of the job's current version, so a rollout is not
  ready while old allocations carry it.  Healthy is Nomad's deployment health
  (``DeploymentStatus.Healthy``); an allocation no deployment watches (DeploymentID empty)
  counts as healthy once running, since Nomad tracks health only in deployments.
- a per_node service is a system job ``<app>-<name>`` (Nomad places one allocation on each
  eligible node): desired = the number of nodes Nomad placed it on (allocations it wants
  running; Nomad decides which nodes are eligible, from the job's datacenters, constraints and
  the nodes' drivers, and the list of its allocations is the only place that says so);
  running and healthy count allocations of the job's current version, as for a service.
- a job's runs are its allocations grouped by job version (one run per version submitted);
  desired is the number of slots (``<job>.<group>[i]``) of the latest run.
- a cron job's runs are its periodic children (``<id>/periodic-<time>``), one run each.

The reason an instance is not well comes from its task events, most telling first: a driver
failure ("Driver Failure: <message>"), a non-zero exit ("exit code N"), an unhealthy mark
("unhealthy: <message>"), a setup or hook failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from crossdock.adapters.model import AppStatus, Instance, InstanceState, Run, RunState, WorkloadKind, WorkloadStatus

Obj = dict[str, Any]
_SLOT = re.compile(r"\[(\d+)\]$")
_FAILURE_EVENTS = ("Setup Failure", "Failed Validation", "Task hook failed", "Failed Artifact Download",
                   "Failed Restoring Task", "Disk Resources Exceeded")


@dataclass
class Snapshot:
    """What one status read fetched."""

    app: str
    jobs: list[Obj]  # list stubs with Meta, owned by the app (top-level jobs and periodic children)
    service_job: Obj | None  # the full service job, when the app has one
    allocs: list[Obj]
    deployments: list[Obj]  # newest first
    failed_deployments: dict[str, str] = field(default_factory=dict)  # workload -> description


def owned(stubs: Iterable[Obj], app: str) -> list[Obj]:
    """The stubs whose Meta say crossdock made them for ``app``."""
    return [j for j in stubs if (j.get("Meta") or {}).get("managed-by") == "crossdock"
            and (j.get("Meta") or {}).get("app") == app]


def main_task(group: Obj) -> Obj | None:
    tasks = group.get("Tasks") or []
    named = [t for t in tasks if t.get("Name") == group.get("Name")]
    plain = [t for t in tasks if not t.get("Lifecycle")]
    found: Obj | None = (named or plain or tasks or [None])[0]
    return found


def reason(alloc: Obj) -> str | None:
    """Why an allocation is not well, from its task events, or None."""
    states: dict[str, Obj] = alloc.get("TaskStates") or {}
    found: list[tuple[int, str]] = []
    for task, ts in sorted(states.items()):
        restarts = int(ts.get("Restarts") or 0)
        after = f" after {restarts} restart{'s' if restarts != 1 else ''}" if restarts else ""
        for ev in reversed(ts.get("Events") or []):
            kind = ev.get("Type", "")
            msg = ev.get("DisplayMessage") or ev.get("Message") or ev.get("DriverError") or ""
            if kind == "Driver Failure":
                found.append((0, f"{task}: Driver Failure: {msg}"))
            elif kind == "Terminated" and int(ev.get("ExitCode") or 0) != 0:
                found.append((1, f"{task}: exit code {ev['ExitCode']}{after}"))
            elif kind == "Alloc Unhealthy" or (kind == "Restart Signaled" and "check" in msg.lower()):
                found.append((2, f"{task}: unhealthy: {msg}"))
            elif kind in _FAILURE_EVENTS:
                found.append((3, f"{task}: {kind}: {msg}"))
            else:
                continue
            break
    if found:
        return min(found)[1]
    health = (alloc.get("DeploymentStatus") or {}).get("Healthy")
    if health is False:
        return "unhealthy: " + (alloc.get("ClientDescription") or "failed its deployment's health checks")
    if alloc.get("ClientStatus") == "lost":
        return "lost: its node stopped answering"
    return None


def instance_state(alloc: Obj) -> InstanceState:
    status = alloc.get("ClientStatus")
    if status == "pending":
        return "pending"
    if status == "running":
        if alloc.get("JobType") == "batch":
            return "running"
        health = (alloc.get("DeploymentStatus") or {}).get("Healthy")
        if health is True or (health is None and not alloc.get("DeploymentID")):
            return "healthy"
        return "unhealthy" if health is False else "running"
    if status == "complete":
        return "completed"
    if status in ("failed", "lost"):
        return "failed"
    return "unhealthy"  # "unknown": the client is disconnected


def _instance(alloc: Obj) -> Instance:
    states: dict[str, Obj] = alloc.get("TaskStates") or {}
    restarts = sum(int(ts.get("Restarts") or 0) for ts in states.values())
    state = instance_state(alloc)
    message = reason(alloc) if state not in ("healthy", "completed") else None
    return Instance(alloc["ID"], state, alloc.get("NodeName") or None, restarts, message)


def _by_create(allocs: Iterable[Obj]) -> list[Obj]:
    return sorted(allocs, key=lambda a: int(a.get("CreateIndex") or 0))


def services(snap: Snapshot) -> list[WorkloadStatus]:
    job = snap.service_job
    if job is None:
        return []
    version = job.get("Version")
    out = []
    for group in job.get("TaskGroups") or []:
        name = group["Name"]
        allocs = _by_create(a for a in snap.allocs if a.get("JobID") == job["ID"] and a.get("TaskGroup") == name
                            and a.get("DesiredStatus") == "run")
        instances = tuple(_instance(a) for a in allocs)
        current = [i for a, i in zip(allocs, instances) if a.get("JobVersion") == version]
        running = sum(1 for i in current if i.state in ("running", "healthy", "unhealthy"))
        healthy = sum(1 for i in current if i.state == "healthy")
        errors = [i.message for i in instances if i.message]
        if name in snap.failed_deployments:
            errors.append(snap.failed_deployments[name])
        task = main_task(group)
        image = ((task or {}).get("Config") or {}).get("image")
        desired = 0 if job.get("Stop") else int(group.get("Count", 1))
        out.append(WorkloadStatus(name, "service", desired, running, healthy, image, instances, (),
                                  tuple(dict.fromkeys(errors))))
    return out


def system_service(snap: Snapshot, stub: Obj) -> WorkloadStatus:
    """A per_node service: a system job and the allocations Nomad placed, one per node."""
    jid = stub["ID"]
    name = (stub.get("Meta") or {}).get("workload") or jid.removeprefix(f"{snap.app}-")
    allocs = _by_create(a for a in snap.allocs if a.get("JobID") == jid and a.get("DesiredStatus") == "run")
    instances = tuple(_instance(a) for a in allocs)
    current = [i for a, i in zip(allocs, instances) if a.get("JobVersion") == stub.get("Version")]
    running = sum(1 for i in current if i.state in ("running", "healthy", "unhealthy"))
    healthy = sum(1 for i in current if i.state == "healthy")
    desired = 0 if stub.get("Stop") else len({a.get("NodeID") for a in allocs})
    errors = tuple(dict.fromkeys(i.message for i in instances if i.message))
    return WorkloadStatus(name, "service", desired, running, healthy, None, instances, (), errors)


def unplaced_system_services(snap: Snapshot, status: AppStatus) -> list[str]:
    """Per_node services Nomad has placed on no node yet (0 desired, which alone would read as
    ready): a wait goes on while they are so, and names them if it times out."""
    names = {(j.get("Meta") or {}).get("workload") or j["ID"].removeprefix(f"{snap.app}-")
             for j in snap.jobs if j.get("Type") == "system" and not j.get("ParentID") and not j.get("Stop")}
    return sorted(w.name for w in status.workloads if w.name in names and not w.instances)


def _run(run_id: str, allocs: list[Obj]) -> Run:
    latest: dict[str, Obj] = {}
    for a in _by_create(allocs):
        latest[str(a.get("Name") or a["ID"])] = a  # a rescheduled slot is replaced by its newest allocation
    finals = list(latest.values())
    state: RunState
    if any(a.get("ClientStatus") in ("pending", "running") or (a.get("ClientStatus") == "failed" and
           (a.get("NextAllocation") or a.get("FollowupEvalID"))) for a in finals):
        state = "running"
    elif finals and all(a.get("ClientStatus") == "complete" for a in finals):
        state = "succeeded"
    else:
        state = "failed"
    started = [ts.get("StartedAt") for a in finals for ts in (a.get("TaskStates") or {}).values()
               if ts.get("StartedAt")]
    ended = [ts.get("FinishedAt") for a in finals for ts in (a.get("TaskStates") or {}).values()
             if ts.get("FinishedAt")]
    codes = [int(ev.get("ExitCode") or 0) for a in finals for ts in (a.get("TaskStates") or {}).values()
             for ev in ts.get("Events") or [] if ev.get("Type") == "Terminated"]
    message = next((m for m in (reason(a) for a in finals) if m), None) if state == "failed" else None
    return Run(run_id, state, min(started) if started else None,
               max(ended) if ended and state != "running" else None,
               (max(codes, key=abs) if codes else None) if state != "running" else None, message)


def batch(snap: Snapshot, stub: Obj) -> WorkloadStatus:
    """A job (one batch job) or a cron job (a periodic batch job and its children)."""
    jid = stub["ID"]
    kind: WorkloadKind
    name = (stub.get("Meta") or {}).get("workload") or jid.removeprefix(f"{snap.app}-")
    mine = [a for a in snap.allocs if a.get("JobID") == jid]
    if stub.get("Periodic"):
        children = sorted((j for j in snap.jobs if j.get("ParentID") == jid),
                          key=lambda j: (int(j.get("SubmitTime") or 0), j["ID"]))
        runs = tuple(_run(c["ID"], [a for a in snap.allocs if a.get("JobID") == c["ID"]]) for c in children)
        active = [a for c in children for a in snap.allocs if a.get("JobID") == c["ID"]
                  and a.get("ClientStatus") in ("pending", "running")]
        instances = tuple(_instance(a) for a in _by_create(active))
        kind = "cron_job"
        desired = 0
    else:
        versions = sorted({int(a.get("JobVersion") or 0) for a in mine})
        runs = tuple(_run(f"{jid}@v{v}", [a for a in mine if int(a.get("JobVersion") or 0) == v]) for v in versions)
        last = [a for a in mine if versions and int(a.get("JobVersion") or 0) == versions[-1]]
        slots = {int(m.group(1)) for a in last if (m := _SLOT.search(a.get("Name", "")))}
        desired = max(slots) + 1 if slots else 1
        instances = tuple(_instance(a) for a in _by_create(last))
        kind = "job"
    running = sum(1 for i in instances if i.state in ("running", "healthy"))
    errors = tuple(dict.fromkeys(r.message for r in runs[-3:] if r.message))
    return WorkloadStatus(name, kind, desired, running, running, None, instances, runs, errors)


def app_status(snap: Snapshot, api_calls: int) -> AppStatus:
    workloads = services(snap)
    for stub in snap.jobs:
        if stub.get("Type") == "batch" and not stub.get("ParentID"):
            workloads.append(batch(snap, stub))
        elif stub.get("Type") == "system" and not stub.get("ParentID"):
            workloads.append(system_service(snap, stub))
    return AppStatus(snap.app, "nomad", tuple(sorted(workloads, key=lambda w: w.name)), api_calls)
