"""Read models of the Nomad STAND-IN (not Nomad): the list stubs and full objects its HTTP API
returns, computed from ``nomad_standin_state.State`` (job status and summary are derived from
the allocations, as Nomad derives them)."""

from __future__ import annotations

import copy
from typing import Any

from nomad_standin_state import State


def job_stub(st: State, job: dict[str, Any], meta: bool) -> dict[str, Any]:
    mine = [a for a in st.allocs.values() if a["Namespace"] == job["Namespace"] and a["JobID"] == job["ID"]]
    summary = {g["Name"]: {"Queued": 0, "Starting": sum(1 for a in mine if a["TaskGroup"] == g["Name"]
                                                           and a["ClientStatus"] == "pending"),
                           **{k.capitalize(): sum(1 for a in mine if a["TaskGroup"] == g["Name"]
                                                  and a["ClientStatus"] == k)
                              for k in ("complete", "failed", "running", "lost", "unknown")}}
               for g in job.get("TaskGroups") or []}
    children = [j for j in st.jobs.values() if j.get("ParentID") == job["ID"]
                and j["Namespace"] == job["Namespace"]]
    stub = {k: job.get(k) for k in ("ID", "ParentID", "Name", "Namespace", "Datacenters", "Type", "Priority",
                                    "Stop", "StatusDescription", "CreateIndex", "ModifyIndex",
                                    "JobModifyIndex", "SubmitTime", "Version")}
    stub.update(Periodic=bool(job.get("Periodic")), ParameterizedJob=bool(job.get("ParameterizedJob")),
                Status=job_status(st, job), JobSummary={
                    "JobID": job["ID"], "Namespace": job["Namespace"], "Summary": summary,
                    "Children": {"Pending": sum(1 for c in children if job_status(st, c) == "pending"),
                                 "Running": sum(1 for c in children if job_status(st, c) == "running"),
                                 "Dead": sum(1 for c in children if job_status(st, c) == "dead")},
                    "CreateIndex": job["CreateIndex"], "ModifyIndex": job["ModifyIndex"]})
    if meta:
        stub["Meta"] = job.get("Meta")
    return stub

def job_status(st: State, job: dict[str, Any]) -> str:
    if job["Stop"]:
        return "dead"
    if job.get("Periodic"):
        return "running"
    mine = [a for a in st.allocs.values() if a["Namespace"] == job["Namespace"] and a["JobID"] == job["ID"]]
    if any(a["ClientStatus"] in ("pending", "running") for a in mine):
        return "running"
    if job["Type"] == "batch" and mine:
        return "dead"
    return "pending"

def alloc_stub(a: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in a.items() if not k.startswith("_")})

def alloc_full(st: State, a: dict[str, Any]) -> dict[str, Any]:
    out = alloc_stub(a)
    key = (a["Namespace"], a["JobID"])
    out["Job"] = copy.deepcopy(st.version(key, a["JobVersion"])) if key in st.versions else None
    return out

