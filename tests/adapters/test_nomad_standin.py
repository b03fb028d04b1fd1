"""The Nomad STAND-IN itself follows Nomad's published HTTP API: paths, status codes and field
names of documented examples. Each test cites the page of developer.hashicorp.com/nomad/api-docs
it checks against. This shows the stand-in matches the documents, not that it matches Nomad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from nomad_fixtures import settle, standin  # noqa: F401
from nomad_standin import NomadStandIn

GOLDEN = Path(__file__).parent.parent / "golden" / "example-shop" / "expected" / "nomad"


def _call(s: NomadStandIn, method: str, path: str, body: Any = None, token: str | None = "",
          **params: str) -> requests.Response:
    headers = {} if token is None else {"X-Nomad-Token": token or s.token}
    return requests.request(method, s.address + path, json=body, params=params, headers=headers, timeout=5)


def _shop() -> dict[str, Any]:
    request: dict[str, Any] = json.loads((GOLDEN / "shop.nomad.json").read_text())
    return request


def test_nomad_standin_register_answers_like_create_job(standin: NomadStandIn) -> None:
    # api-docs/jobs, "Create Job": POST /v1/jobs with {"Job": ...}; sample response fields
    # EvalID, EvalCreateIndex, JobModifyIndex, Warnings, Index, LastContact, KnownLeader.
    r = _call(standin, "POST", "/v1/jobs", _shop())
    assert r.status_code == 200
    assert set(r.json()) == {"EvalID", "EvalCreateIndex", "JobModifyIndex", "Warnings", "Index", "LastContact",
                             "KnownLeader"}
    ev = _call(standin, "GET", f"/v1/evaluation/{r.json()['EvalID']}").json()
    # api-docs/evaluations, "Read Evaluation": ID, Priority, Type, TriggeredBy, JobID, Status...
    assert ev["TriggeredBy"] == "job-register" and ev["Status"] == "pending" and ev["JobID"] == "shop"


def test_nomad_standin_list_jobs_fields(standin: NomadStandIn) -> None:
    # api-docs/jobs, "List Jobs": prefix and meta parameters; each stub has ID, ParentID, Name,
    # Type, Priority, Status, StatusDescription, JobSummary{JobID, Namespace, Summary{<group>:
    # {Queued, Complete, Failed, Running, Starting, Lost}}, Children{Pending, Running, Dead}},
    # CreateIndex, ModifyIndex, JobModifyIndex; Meta only with meta=true.
    _call(standin, "POST", "/v1/jobs", _shop())
    stubs = _call(standin, "GET", "/v1/jobs", prefix="sh", meta="true").json()
    assert [s["ID"] for s in stubs] == ["shop"] and stubs[0]["Meta"]["managed-by"] == "crossdock"
    assert {"ID", "ParentID", "Name", "Type", "Priority", "Status", "StatusDescription", "JobSummary", "CreateIndex",
            "ModifyIndex", "JobModifyIndex"} <= set(stubs[0])
    assert set(stubs[0]["JobSummary"]["Summary"]["web"]) >= {"Queued", "Complete", "Failed", "Running", "Starting",
                                                             "Lost"}
    assert set(stubs[0]["JobSummary"]["Children"]) == {"Pending", "Running", "Dead"}
    assert "Meta" not in _call(standin, "GET", "/v1/jobs").json()[0]
    assert _call(standin, "GET", "/v1/jobs", prefix="nope").json() == []


def test_nomad_standin_allocations_and_deployment_fields(standin: NomadStandIn) -> None:
    # api-docs/allocations, "List Allocations": ID, EvalID, Name ("example.cache[0]"), NodeID,
    # JobID, TaskGroup, DesiredStatus, ClientStatus, TaskStates{<task>: {State, Failed,
    # Events[{Type, Time, ...}]}}, DeploymentStatus, CreateIndex, ModifyIndex.
    # api-docs/deployments, "List Deployments": ID, JobID, JobVersion, JobModifyIndex,
    # JobSpecModifyIndex, JobCreateIndex, TaskGroups{<group>: {Promoted, DesiredCanaries,
    # DesiredTotal, PlacedAllocs, HealthyAllocs, UnhealthyAllocs}}, Status, StatusDescription.
    _call(standin, "POST", "/v1/jobs", _shop())
    settle(standin)
    allocs = _call(standin, "GET", "/v1/job/shop/allocations").json()
    web = [a for a in allocs if a["TaskGroup"] == "web"]
    assert sorted(a["Name"] for a in web) == ["shop.web[0]", "shop.web[1]"]
    assert {"ID", "EvalID", "Name", "NodeID", "JobID", "TaskGroup", "DesiredStatus", "ClientStatus", "TaskStates",
            "DeploymentStatus", "CreateIndex", "ModifyIndex"} <= set(web[0])
    assert web[0]["ClientStatus"] == "running" and web[0]["DeploymentStatus"]["Healthy"] is True
    assert {"State", "Failed", "Restarts", "Events"} <= set(web[0]["TaskStates"]["web"])
    dep = _call(standin, "GET", "/v1/job/shop/deployment").json()
    assert dep["Status"] == "successful" and dep["JobID"] == "shop"
    assert {"ID", "JobID", "JobVersion", "JobModifyIndex", "JobSpecModifyIndex", "JobCreateIndex", "TaskGroups",
            "Status", "StatusDescription"} <= set(dep)
    assert dep["TaskGroups"]["web"]["DesiredTotal"] == 2 and dep["TaskGroups"]["web"]["HealthyAllocs"] == 2
    filtered = _call(standin, "GET", "/v1/allocations", filter='JobID == "shop"').json()
    assert len(filtered) == len(allocs)
    assert _call(standin, "GET", "/v1/allocations", filter="JobID matches x").status_code == 400


def test_nomad_standin_plan_diff_and_deregister(standin: NomadStandIn) -> None:
    # api-docs/jobs, "Create Job Plan": POST /v1/job/:job_id/plan with Diff -> Diff{Type, Fields,
    # Objects, TaskGroups}, JobModifyIndex, Annotations.DesiredTGUpdates; "Delete Job":
    # DELETE /v1/job/:job_id?purge=true -> EvalID, EvalCreateIndex, JobModifyIndex.
    body = _shop()
    plan = _call(standin, "POST", "/v1/job/shop/plan", dict(body, Diff=True)).json()
    assert plan["Diff"]["Type"] == "Added" and plan["JobModifyIndex"] == 0
    assert "web" in plan["Annotations"]["DesiredTGUpdates"]
    _call(standin, "POST", "/v1/job/shop", body)
    assert _call(standin, "POST", "/v1/job/shop/plan", dict(body, Diff=True)).json()["Diff"]["Type"] == "None"
    out = _call(standin, "DELETE", "/v1/job/shop", purge="true").json()
    assert set(out) >= {"EvalID", "EvalCreateIndex", "JobModifyIndex"}
    assert _call(standin, "GET", "/v1/job/shop").status_code == 404


def test_nomad_standin_variables(standin: NomadStandIn) -> None:
    # api-docs/variables, "Create Variable" (PUT /v1/var/:var_path, cas), "Read Variable"
    # (Namespace, Path, CreateIndex, ModifyIndex, CreateTime, ModifyTime, Items; 404 when
    # absent), "List Variables" (/v1/vars?prefix=, no Items), "Delete Variable"; a cas that does
    # not match answers 409 with the current variable.
    body = {"Path": "nomad/jobs/x", "Items": {"k": "v"}}
    assert _call(standin, "GET", "/v1/var/nomad/jobs/x").status_code == 404
    made = _call(standin, "PUT", "/v1/var/nomad/jobs/x", body, cas="0").json()
    assert set(made) == {"Namespace", "Path", "CreateIndex", "ModifyIndex", "CreateTime", "ModifyTime", "Items"}
    assert _call(standin, "PUT", "/v1/var/nomad/jobs/x", body, cas="0").status_code == 409
    listed = _call(standin, "GET", "/v1/vars", prefix="nomad/jobs/").json()
    assert [v["Path"] for v in listed] == ["nomad/jobs/x"] and "Items" not in listed[0]
    assert _call(standin, "DELETE", "/v1/var/nomad/jobs/x", cas=str(made["ModifyIndex"])).status_code == 200
    assert _call(standin, "GET", "/v1/vars").json() == []


def test_nomad_standin_acl_region_and_namespace(standin: NomadStandIn) -> None:
    # api-docs (overview, "Authentication"): the token goes in X-Nomad-Token; Nomad answers 403
    # "Permission denied" without a valid one and "ACL token not found" for an unknown one.
    assert _call(standin, "GET", "/v1/jobs", token=None).status_code == 403
    r = _call(standin, "GET", "/v1/jobs", token="00000000-0000-0000-0000-000000000000")
    assert (r.status_code, r.text) == (403, "ACL token not found")
    assert _call(standin, "POST", "/v1/jobs", _shop(), token=standin.read_token).text == "Permission denied"
    assert _call(standin, "GET", "/v1/jobs", region="mars").status_code == 500
    assert _call(standin, "GET", "/v1/jobs", namespace="nope").status_code == 400
    assert _call(standin, "GET", "/v1/status/leader", token=None).json() == "127.0.0.1:4647"


def test_nomad_standin_rejects_what_an_agent_rejects(standin: NomadStandIn) -> None:
    # A mistyped field fails to decode (400); a job that decodes but is invalid fails Nomad's
    # validation, which the HTTP API returns as 500 "1 error occurred: ...".
    body = _shop()
    body["Job"]["TaskGroups"][0]["Count"] = "one"
    assert _call(standin, "POST", "/v1/jobs", body).status_code == 400
    body = _shop()
    body["Job"]["Type"] = "daemon"
    r = _call(standin, "POST", "/v1/jobs", body)
    assert r.status_code == 500 and r.text.startswith("1 error occurred:")
