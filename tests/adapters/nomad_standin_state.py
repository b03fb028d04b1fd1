"""The state and lifecycle behind the Nomad STAND-IN (``nomad_standin.py``). This is not Nomad.

It keeps jobs (with versions), evaluations, allocations, deployments and Variables in memory,
shaped as Nomad's HTTP API documents them (developer.hashicorp.com/nomad/api-docs: jobs,
allocations, evaluations, deployments, variables). Nothing runs: a clock the test drives
(``advance``) moves things along, one step a tick:

- an evaluation is ``pending`` after a register; the next tick completes it, creates the
  version's deployment (service jobs whose groups have an update block) and places
  allocations ``pending``; groups whose spec did not change are updated in place;
- a pending allocation becomes ``running`` (or ``failed`` if the test injected a driver
  failure or an exit code for its group) on the next tick; a running batch allocation
  ``complete``s on the tick after;
- a running allocation in a deployment gets ``DeploymentStatus.Healthy`` true (false for an
  injected "unhealthy" failure) on the next tick; the deployment then counts its groups and
  ends ``successful`` (old allocations are stopped, the version is marked stable) or
  ``failed`` (with ``auto_revert``, the last stable version is registered again).

Simplifications, on purpose: no canaries (all new allocations are placed at once, old ones stop
when the deployment succeeds), no nodes or resources (every placement fits; one node
``standin-node-1``), a deregistered job's allocations stop at once, and periodic jobs launch only
when forced (``POST /v1/job/:id/periodic/force``).  A system job gets one allocation per node,
so one on the stand-in's only node, and no deployment; changing a job's type is refused as
Nomad refuses it.
"""

from __future__ import annotations

import copy
import datetime
import threading
import uuid
from dataclasses import dataclass
from typing import Any

# What the server sets on a job; everything else is the submitted spec.
SERVER_FIELDS = frozenset({"Status", "StatusDescription", "Version", "Stable", "SubmitTime", "CreateIndex",
                           "ModifyIndex", "JobModifyIndex", "Stop", "Namespace", "Region"})
NODE = ("8d1d6d8a-7d2c-4a5e-9a48-0c1f5e0b7a01", "standin-node-1")
_S = 10**9


class StandInError(Exception):
    """An HTTP error the stand-in answers with: status code and plain-text body."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Failure:
    """What goes wrong with a group's next allocations: "driver", "exit" or "unhealthy"."""

    kind: str
    message: str
    exit_code: int = 1


def spec_of(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if k not in SERVER_FIELDS}


def _group(job: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((g for g in job.get("TaskGroups") or [] if g.get("Name") == name), None)


def _main_task(group: dict[str, Any]) -> str:
    tasks = group.get("Tasks") or []
    names = [t["Name"] for t in tasks]
    if group["Name"] in names:
        return str(group["Name"])
    plain = [t["Name"] for t in tasks if not t.get("Lifecycle")]
    return str((plain or names)[0])


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.index = 10
        self.now = 1_767_225_600 * _S  # 2026-01-01T00:00:00Z, in ns; advance() adds a second
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self.versions: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.evals: dict[str, dict[str, Any]] = {}
        self.allocs: dict[str, dict[str, Any]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.variables: dict[tuple[str, str], dict[str, Any]] = {}
        self.failures: dict[tuple[str, str, str], Failure] = {}

    def next_index(self) -> int:
        self.index += 1
        return self.index

    # ---- jobs ---------------------------------------------------------------------------

    def register(self, ns: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        job = copy.deepcopy(body["Job"])
        key = (ns, job["ID"])
        old = self.jobs.get(key)
        if body.get("EnforceIndex"):
            jmi = int(body.get("JobModifyIndex") or 0)
            prefix = f"Enforcing job modify index {jmi}"
            if old is not None and jmi == 0:
                raise StandInError(500, f"{prefix}: job already exists")
            if old is not None and jmi != old["JobModifyIndex"]:
                raise StandInError(500, f"{prefix}: job exists with conflicting job modify index: "
                                        f"{old['JobModifyIndex']}")
            if old is None and jmi != 0:
                raise StandInError(500, f"{prefix}: job does not exist")
        job.setdefault("Type", "service")
        if old is not None and old["Type"] != job["Type"]:
            was, now = old["Type"], job["Type"]
            raise StandInError(500, f'cannot update job from type "{was}" to "{now}"')
        idx = self.next_index()
        job.setdefault("Priority", 50)
        job.setdefault("ParentID", "")
        changed = old is None or old["Stop"] or spec_of(old) != spec_of(job)
        job.update(Namespace=ns, Region=region, Stop=False, Status="pending", StatusDescription="",
                   SubmitTime=self.now, ModifyIndex=idx)
        if old is None:
            job.update(CreateIndex=idx, Version=0, JobModifyIndex=idx, Stable=False)
        else:
            job.update(CreateIndex=old["CreateIndex"], Version=old["Version"] + int(changed),
                       JobModifyIndex=idx if changed else old["JobModifyIndex"],
                       Stable=False if changed else old["Stable"])
        self.jobs[key] = job
        if changed:
            self.versions.setdefault(key, []).append(copy.deepcopy(job))
        eval_id = "" if job.get("Periodic") else self._new_eval(job, "job-register", idx)
        return {"EvalID": eval_id, "EvalCreateIndex": idx if eval_id else 0,
                "JobModifyIndex": job["JobModifyIndex"], "Warnings": "", "Index": idx,
                "LastContact": 0, "KnownLeader": False}

    def deregister(self, ns: str, job_id: str, purge: bool) -> dict[str, Any]:
        job = self.jobs.get((ns, job_id))
        if job is None:
            raise StandInError(404, "job not found")
        idx = self.next_index()
        job.update(Stop=True, Status="dead", ModifyIndex=idx, JobModifyIndex=idx)
        eval_id = self._new_eval(job, "job-deregister", idx)
        for a in self.allocs.values():
            if a["Namespace"] == ns and a["JobID"] == job_id and a["DesiredStatus"] == "run":
                a.update(DesiredStatus="stop", DesiredDescription="alloc is not needed since job was stopped")
                if a["ClientStatus"] in ("pending", "running"):
                    self._finish(a, "complete", None)
        if purge:
            del self.jobs[(ns, job_id)]
            self.versions.pop((ns, job_id), None)
        return {"EvalID": eval_id, "EvalCreateIndex": idx, "JobModifyIndex": idx, "Index": idx}

    def force_periodic(self, ns: str, job_id: str) -> dict[str, Any]:
        parent = self.jobs.get((ns, job_id))
        if parent is None:
            raise StandInError(404, "job not found")
        if not parent.get("Periodic"):
            raise StandInError(500, "can't force launch non-periodic job")
        child = copy.deepcopy(spec_of(parent))
        child.update(ID=f"{job_id}/periodic-{self.now // _S}", ParentID=job_id, Periodic=None)
        child["Name"] = child["ID"]
        out = self.register(ns, parent["Region"], {"Job": child})
        return {"EvalID": out["EvalID"], "EvalCreateIndex": out["EvalCreateIndex"], "Index": out["Index"]}

    def _new_eval(self, job: dict[str, Any], trigger: str, idx: int) -> str:
        eid = str(uuid.uuid4())
        self.evals[eid] = {
            "ID": eid, "Namespace": job["Namespace"], "Priority": job.get("Priority", 50), "Type": job["Type"],
            "TriggeredBy": trigger, "JobID": job["ID"], "JobModifyIndex": job["JobModifyIndex"],
            "Status": "pending", "StatusDescription": "", "DeploymentID": "", "CreateIndex": idx,
            "ModifyIndex": idx, "CreateTime": self.now, "ModifyTime": self.now,
        }
        return eid

    # ---- the clock ------------------------------------------------------------------------

    def advance(self) -> None:
        self.now += _S
        self._progress_allocs()
        self._update_deployments()
        for ev in sorted(self.evals.values(), key=lambda e: int(e["CreateIndex"])):
            if ev["Status"] == "pending":
                self._process_eval(ev)

    def _process_eval(self, ev: dict[str, Any]) -> None:
        idx = self.next_index()
        ev.update(Status="complete", ModifyIndex=idx, ModifyTime=self.now)
        job = self.jobs.get((ev["Namespace"], ev["JobID"]))
        if job is None or job["Stop"] or job.get("Periodic"):
            return
        key = (job["Namespace"], job["ID"])
        dep = self._deployment_for(job)
        if dep is not None:
            ev["DeploymentID"] = dep["ID"]
        for group in job.get("TaskGroups") or []:
            # a system job: one allocation on each node, and the stand-in has one node
            name, count = group["Name"], 1 if job["Type"] == "system" else int(group.get("Count", 1))
            mine = [a for a in self.allocs.values() if a["Namespace"] == key[0] and a["JobID"] == key[1]
                    and a["TaskGroup"] == name]
            if job["Type"] == "batch":
                if not any(a["JobVersion"] == job["Version"] for a in mine):
                    for i in range(count):
                        self._place(job, group, i, ev, None)
                continue
            live = [a for a in mine if a["DesiredStatus"] == "run" and a["ClientStatus"] in ("pending", "running")]
            same = [a for a in live if _group(self.version(key, a["JobVersion"]), name) == group]
            stale = [a for a in live if a not in same]
            for a in same:
                a.update(JobVersion=job["Version"], ModifyIndex=idx)
                if dep is not None and a["DeploymentID"] != dep["ID"]:
                    a.update(DeploymentID=dep["ID"])
            for a in same[count:]:
                self._stop(a, "alloc not needed due to job update")
            for i in range(len(same), count):
                self._place(job, group, i, ev, dep)
            if dep is None:
                for a in stale:
                    self._stop(a, "alloc is being updated due to job update")

    def version(self, key: tuple[str, str], version: int) -> dict[str, Any]:
        return next(v for v in self.versions[key] if v["Version"] == version)

    def _deployment_for(self, job: dict[str, Any]) -> dict[str, Any] | None:
        if job["Type"] != "service":
            return None
        groups = {g["Name"]: g for g in job.get("TaskGroups") or []
                  if int((g.get("Update") or {}).get("MaxParallel", 0)) > 0}
        if not groups:
            return None
        for d in self.deployments.values():
            if d["JobID"] == job["ID"] and d["Namespace"] == job["Namespace"]:
                if d["JobVersion"] == job["Version"]:
                    return d
                if d["Status"] == "running":
                    d.update(Status="cancelled", StatusDescription="Cancelled due to newer version of job")
        idx = self.next_index()
        did = str(uuid.uuid4())
        self.deployments[did] = {
            "ID": did, "Namespace": job["Namespace"], "JobID": job["ID"], "JobVersion": job["Version"],
            "JobModifyIndex": job["JobModifyIndex"], "JobSpecModifyIndex": job["JobModifyIndex"],
            "JobCreateIndex": job["CreateIndex"], "IsMultiregion": False, "Status": "running",
            "StatusDescription": "Deployment is running", "CreateIndex": idx, "ModifyIndex": idx,
            "TaskGroups": {name: {
                "AutoRevert": bool(g["Update"].get("AutoRevert")), "AutoPromote": bool(g["Update"].get("AutoPromote")),
                "ProgressDeadline": g["Update"].get("ProgressDeadline", 600 * _S), "Promoted": False,
                "PlacedCanaries": None, "DesiredCanaries": 0, "DesiredTotal": int(g.get("Count", 1)),
                "PlacedAllocs": 0, "HealthyAllocs": 0, "UnhealthyAllocs": 0,
                "RequireProgressBy": self.now + int(g["Update"].get("ProgressDeadline", 600 * _S)),
            } for name, g in sorted(groups.items())},
        }
        return self.deployments[did]

    def _place(self, job: dict[str, Any], group: dict[str, Any], i: int, ev: dict[str, Any],
               dep: dict[str, Any] | None) -> None:
        idx = self.next_index()
        aid = str(uuid.uuid4())
        self.allocs[aid] = {
            "ID": aid, "EvalID": ev["ID"], "Name": f"{job['ID']}.{group['Name']}[{i}]",
            "Namespace": job["Namespace"], "NodeID": NODE[0], "NodeName": NODE[1], "JobID": job["ID"],
            "JobType": job["Type"], "JobVersion": job["Version"], "TaskGroup": group["Name"],
            "DesiredStatus": "run", "DesiredDescription": "", "ClientStatus": "pending",
            "ClientDescription": "No tasks have started", "DeploymentID": dep["ID"] if dep else "",
            "DeploymentStatus": None, "FollowupEvalID": "", "NextAllocation": "", "RescheduleTracker": None,
            "PreemptedAllocations": None, "PreemptedByAllocation": "",
            "TaskStates": {t["Name"]: self._task_state("pending", [self._event("Received", "Task received by client")])
                           for t in group.get("Tasks") or []},
            "CreateIndex": idx, "ModifyIndex": idx, "CreateTime": self.now, "ModifyTime": self.now,
            "_main": _main_task(group), "_parent": job.get("ParentID") or job["ID"],
        }

    def _event(self, kind: str, message: str, **extra: Any) -> dict[str, Any]:
        return {"Type": kind, "Time": self.now, "Message": message, "DisplayMessage": message, "Details": {},
                "ExitCode": 0, "Signal": 0, "DriverError": "", "FailsTask": False, **extra}

    def _task_state(self, state: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return {"State": state, "Failed": False, "Restarts": 0, "LastRestart": None, "StartedAt": None,
                "FinishedAt": None, "Events": events}

    def _stop(self, a: dict[str, Any], why: str) -> None:
        a.update(DesiredStatus="stop", DesiredDescription=why)
        if a["ClientStatus"] in ("pending", "running"):
            self._finish(a, "complete", None)

    def _finish(self, a: dict[str, Any], status: str, exit_code: int | None) -> None:
        a.update(ClientStatus=status, ModifyIndex=self.next_index(), ModifyTime=self.now,
                 ClientDescription="All tasks have completed" if status == "complete" else "Failed tasks")
        for ts in a["TaskStates"].values():
            if ts["State"] != "dead":
                ts.update(State="dead", FinishedAt=_rfc3339(self.now))
                code = 0 if exit_code is None else exit_code
                ts["Events"].append(self._event("Terminated", f"Exit Code: {code}", ExitCode=code))

    def _progress_allocs(self) -> None:
        for a in sorted(self.allocs.values(), key=lambda x: int(x["CreateIndex"])):
            if a["DesiredStatus"] != "run":
                continue
            failure = self.failures.get((a["Namespace"], a["_parent"], a["TaskGroup"]))
            main = a["TaskStates"][a["_main"]]
            if a["ClientStatus"] == "pending":
                if failure is not None and failure.kind == "driver":
                    main.update(State="dead", Failed=True, FinishedAt=_rfc3339(self.now))
                    main["Events"].append(self._event("Driver Failure", failure.message, DriverError=failure.message,
                                                      FailsTask=True))
                    self._fail(a)
                elif failure is not None and failure.kind == "exit":
                    main.update(State="dead", Failed=True, Restarts=2, StartedAt=_rfc3339(self.now),
                                FinishedAt=_rfc3339(self.now))
                    main["Events"] += [self._event("Started", "Task started by client"),
                                       self._event("Terminated", f"Exit Code: {failure.exit_code}",
                                                   ExitCode=failure.exit_code),
                                       self._event("Not Restarting", failure.message, FailsTask=True)]
                    self._fail(a)
                else:
                    for ts in a["TaskStates"].values():
                        ts.update(State="running", StartedAt=_rfc3339(self.now))
                        ts["Events"].append(self._event("Started", "Task started by client"))
                    a.update(ClientStatus="running", ClientDescription="Tasks are running",
                             ModifyIndex=self.next_index())
            elif a["ClientStatus"] == "running":
                if a["JobType"] == "batch":
                    self._finish(a, "complete", 0)
                elif a["DeploymentID"] and a["DeploymentStatus"] is None:
                    healthy = not (failure is not None and failure.kind == "unhealthy")
                    if not healthy:
                        main["Events"].append(self._event("Alloc Unhealthy", failure.message if failure else ""))
                    a.update(DeploymentStatus={"Healthy": healthy, "Timestamp": _rfc3339(self.now), "Canary": False,
                                               "ModifyIndex": self.next_index()})

    def _fail(self, a: dict[str, Any]) -> None:
        for name, ts in a["TaskStates"].items():
            if name != a["_main"] and ts["State"] != "dead":
                ts.update(State="dead", FinishedAt=_rfc3339(self.now))
                ts["Events"].append(self._event("Sibling Task Failed", f"Task's sibling {a['_main']!r} failed"))
        a.update(ClientStatus="failed", ClientDescription="Failed tasks", ModifyIndex=self.next_index())
        if a["DeploymentID"]:
            a["DeploymentStatus"] = {"Healthy": False, "Timestamp": _rfc3339(self.now), "Canary": False,
                                     "ModifyIndex": a["ModifyIndex"]}

    def _update_deployments(self) -> None:
        for d in list(self.deployments.values()):
            if d["Status"] != "running":
                continue
            for g, st in d["TaskGroups"].items():
                mine = [a for a in self.allocs.values() if a["DeploymentID"] == d["ID"] and a["TaskGroup"] == g
                        and a["DesiredStatus"] == "run"]
                health = [(a["DeploymentStatus"] or {}).get("Healthy") for a in mine]
                st.update(PlacedAllocs=len(mine), HealthyAllocs=health.count(True), UnhealthyAllocs=health.count(False))
            groups = d["TaskGroups"]
            key = (d["Namespace"], d["JobID"])
            job = self.jobs.get(key)
            if any(st["UnhealthyAllocs"] for st in groups.values()):
                d.update(Status="failed", StatusDescription="Failed due to unhealthy allocations",
                         ModifyIndex=self.next_index())
                revert = any(st["AutoRevert"] and st["UnhealthyAllocs"] for st in groups.values())
                stable = [v for v in self.versions.get(key, []) if v["Stable"] and v["Version"] < d["JobVersion"]]
                if revert and stable and job is not None:
                    d["StatusDescription"] += f" - rolling back to job version {stable[-1]['Version']}"
                    self.register(d["Namespace"], job["Region"], {"Job": spec_of(stable[-1])})
            elif all(st["HealthyAllocs"] >= st["DesiredTotal"] for st in groups.values()):
                d.update(Status="successful", StatusDescription="Deployment completed successfully",
                         ModifyIndex=self.next_index())
                if job is not None and job["Version"] == d["JobVersion"]:
                    job["Stable"] = True
                    self.version(key, job["Version"])["Stable"] = True
                    for a in self.allocs.values():
                        if (a["Namespace"], a["JobID"]) == key and a["DesiredStatus"] == "run" \
                                and a["JobVersion"] != job["Version"]:
                            self._stop(a, "alloc is being updated due to job update")


def _rfc3339(ns: int) -> str:
    return datetime.datetime.fromtimestamp(ns / _S, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")
