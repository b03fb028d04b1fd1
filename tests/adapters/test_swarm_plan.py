"""The pure parts of the Swarm adapter, without a platform: naming, versioned secrets, the
stack handed to the docker CLI, the plan, status counting from task lists, error mapping.

The task and service dicts below have the shape the Docker Engine 20.10 API returns (copied
from real answers of the local swarm, trimmed); what the platform really does is claimed only
by tests/adapters/test_swarm_adapter.py, which runs against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docker.errors
import pytest
import requests
import yaml

from crossdock.adapters.swarm import client as swarm_client
from crossdock.adapters.swarm.adapter import SwarmAdapter
from crossdock.adapters.swarm.stack import (
    LAST_APPLIED_LABEL,
    Observed,
    applied_json,
    changed_paths,
    compute_plan,
    desired_stack,
    secret_name,
)
from crossdock.adapters.swarm.status import build, not_ready_reasons
from crossdock.errors import (
    PlatformError,
    PlatformForbidden,
    PlatformRejected,
    PlatformTimeout,
    PlatformUnauthorized,
    PlatformUnreachable,
)
from crossdock.specs.loader import load
from crossdock.translators.base import get

SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: shop}
secrets:
  token: {from_file: token.txt}
  outside: {external: true}
services:
  web:
    image: crossdock-test/httpd:1.0
    env: {GREETING: "costs $5"}
    files: [{path: /etc/web.conf, content: "a = 1\\n"}]
    secrets:
      - {secret: token, path: /run/secrets/token}
      - {secret: outside, path: /run/secrets/outside}
    replicas: 2
jobs:
  once:
    image: crossdock-test/job:1.0
"""


def stack(tmp_path: Path, token: str = "s3cret", spec: str = SPEC) -> Any:
    (tmp_path / "token.txt").write_text(token)
    (tmp_path / "app.yaml").write_text(spec)
    loaded = load(str(tmp_path / "app.yaml"))
    bundle = get("swarm").translate(loaded)
    values = {k: v.reveal() for k, v in loaded.secret_values.items()}
    return desired_stack("shop", bundle.files, bundle.primary, values)


def running_service(desired: Any, key: str, **spec: Any) -> dict[str, Any]:
    """What the engine returns for service ``key`` after a deploy of ``desired`` (the fields
    the plan reads)."""
    entry = desired.resolved(key)
    labels = dict(entry["deploy"]["labels"]) | {"com.docker.stack.namespace": "shop",
                                                LAST_APPLIED_LABEL: applied_json(entry)}
    container = {"Image": entry["image"] + "@sha256:0123",
                 "Env": [f"{k}={v.replace('$$', '$')}" for k, v in (entry.get("environment") or {}).items()],
                 "Configs": [{"ConfigName": r["source"]} for r in entry.get("configs") or []],
                 "Secrets": [{"SecretName": r["source"]} for r in entry.get("secrets") or []]}
    mode = ({"ReplicatedJob": {"TotalCompletions": 1}} if entry["deploy"]["mode"] == "replicated-job"
            else {"Replicated": {"Replicas": entry["deploy"].get("replicas", 1)}})
    out = {"ID": f"id-{key}", "Spec": {"Name": f"shop_{key}", "Labels": labels, "Mode": mode,
                                        "TaskTemplate": {"ContainerSpec": container}}}
    out["Spec"].update(spec)
    return out


def observed_after(desired: Any) -> Observed:
    return Observed(
        services=[running_service(desired, k) for k in desired.services],
        configs={n: {} for n in desired.config_names()},
        secrets={n: {} for n in desired.owned_secrets},
        networks=desired.network_names(),
    )


# ---- naming and the stack handed to the CLI --------------------------------------------------


def test_secret_name_versioned_by_value_and_within_swarm_limit() -> None:
    a, b = secret_name("shop", "token", "one"), secret_name("shop", "token", "two")
    assert a.startswith("shop_token-") and len(a) == len("shop_token-") + 8
    assert a != b and a == secret_name("shop", "token", "one")
    assert secret_name("other", "token", "one") != a  # the digest covers the app
    long = secret_name("a" * 40, "s" * 40, "v")
    assert len(long) == 64 and long.endswith(long[-9:]) and "-" in long[-9:]


def test_desired_stack_versions_owned_secrets_only(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    secrets = desired.doc["secrets"]
    assert secrets["token"]["name"] == secret_name("shop", "token", "s3cret")
    assert secrets["outside"]["name"] == "shop_outside"
    assert desired.owned_secrets == {secret_name("shop", "token", "s3cret"): "token"}
    assert desired.external_secrets == ["shop_outside"]
    assert "s3cret" not in desired.stack_file()


def test_desired_stack_last_applied_survives_cli_interpolation(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    doc = yaml.safe_load(desired.stack_file())
    label = doc["services"]["web"]["deploy"]["labels"][LAST_APPLIED_LABEL]
    # The CLI turns `$$` into `$`: what it stores is the canonical JSON of the resolved entry.
    assert json.loads(label.replace("$$", "$")) == json.loads(applied_json(desired.resolved("web")))
    assert desired.resolved("web")["configs"][0]["source"].startswith("shop_web-0-")


def test_desired_stack_file_only_named_services(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    doc = yaml.safe_load(desired.stack_file(only=["web"]))
    assert list(doc["services"]) == ["web"] and doc["configs"] and doc["secrets"]


@pytest.mark.parametrize("old, new, paths", [
    ({"a": 1}, {"a": 1}, []),
    ({"image": "x:1"}, {"image": "x:2"}, ["image"]),
    ({"environment": {"A": "1", "B": "2"}}, {"environment": {"A": "1", "C": "2"}},
     ["environment.B", "environment.C"]),
    ({"deploy": {"replicas": 1, "mode": "replicated"}}, {"deploy": {"replicas": 3, "mode": "replicated"}},
     ["deploy.replicas"]),
    ({"configs": [{"source": "a"}]}, {"configs": [{"source": "b"}]}, ["configs"]),
])
def test_changed_paths_cases(old: Any, new: Any, paths: list[str]) -> None:
    assert changed_paths(old, new) == paths


# ---- the plan ----------------------------------------------------------------------------------


def test_plan_first_deploy_creates_everything(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    plan = compute_plan(desired, Observed([], {}, {}, set())).plan
    assert {(c.action, c.kind) for c in plan.changes} == {
        ("create", "service"), ("create", "network"), ("create", "config"), ("create", "secret")}
    assert {c.name for c in plan.changes if c.kind == "service"} == {"shop_web", "shop_once"}


def test_plan_unchanged_is_empty(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    dp = compute_plan(desired, observed_after(desired))
    assert dp.plan.empty and dp.cli_services == []


def test_plan_env_change_updates_only_that_service(tmp_path: Path) -> None:
    before = stack(tmp_path)
    after = stack(tmp_path, spec=SPEC.replace("costs $5", "costs $6"))
    dp = compute_plan(after, observed_after(before))
    assert [(c.action, c.name, c.fields) for c in dp.plan.changes] == [
        ("update", "shop_web", ("environment.GREETING",))]
    assert dp.cli_services == ["web"]


def test_plan_secret_change_rolls_new_version_and_keeps_previous(tmp_path: Path) -> None:
    before = stack(tmp_path, token="one")
    after = stack(tmp_path, token="two")
    dp = compute_plan(after, observed_after(before))
    changes = {(c.action, c.kind, c.name): c.fields for c in dp.plan.changes}
    assert changes == {("update", "service", "shop_web"): ("secrets",),
                       ("create", "secret", secret_name("shop", "token", "two")): ()}
    # The old version stays while it is the service's previous spec (Swarm's rollback needs it)...
    assert dp.delete_secrets == []
    # ...and goes one deploy later, when nothing mounts it any more.
    observed = observed_after(after)
    observed.secrets[secret_name("shop", "token", "one")] = {}
    assert compute_plan(after, observed).delete_secrets == [secret_name("shop", "token", "one")]


def test_plan_drift_by_hand_is_seen(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    observed = observed_after(desired)
    web = next(s for s in observed.services if s["Spec"]["Name"] == "shop_web")
    web["Spec"]["Mode"]["Replicated"]["Replicas"] = 5  # docker service scale shop_web=5
    plan = compute_plan(desired, observed).plan
    assert [(c.name, c.fields) for c in plan.changes] == [("shop_web", ("deploy.replicas",))]


def test_plan_dropped_service_deleted_foreign_one_kept(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    observed = observed_after(desired)
    gone = running_service(desired, "web")
    gone["Spec"]["Name"] = "shop_old"
    foreign = {"ID": "f", "Spec": {"Name": "shop_theirs", "Labels": {"com.docker.stack.namespace": "shop"}}}
    observed.services += [gone, foreign]
    plan = compute_plan(desired, observed).plan
    assert [(c.action, c.name) for c in plan.changes] == [("delete", "shop_old")]


# ---- status from task lists ----------------------------------------------------------------------

def task(tid: str, service: str, state: str, *, desired: str = "running", err: str | None = None,
         exit_code: int = 0, slot: int | None = 1, spec: Any = None, iteration: int | None = None,
         created: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    status: dict[str, Any] = {"State": state, "Message": state, "Timestamp": created,
                              "ContainerStatus": {"ContainerID": f"c-{tid}", "ExitCode": exit_code}}
    if err:
        status["Err"] = err
    out: dict[str, Any] = {"ID": tid, "ServiceID": service, "NodeID": "n1", "DesiredState": desired,
                           "Status": status, "CreatedAt": created, "Spec": {"ContainerSpec": spec or {"Image": "i"}}}
    if slot is not None:
        out["Slot"] = slot
    if iteration is not None:
        out["JobIteration"] = {"Index": iteration}
    return out


NODES = [{"ID": "n1", "Description": {"Hostname": "node-1"}, "Status": {"State": "ready"}, "Spec": {}}]


def svc(sid: str, name: str, mode: dict[str, Any], check: bool = True, **extra: Any) -> dict[str, Any]:
    cs: dict[str, Any] = {"Image": "i"}
    if check:
        cs["Healthcheck"] = {"Test": ["CMD", "/bin/healthcheck"]}
    return {"ID": sid, "Spec": {"Name": f"shop_{name}", "Mode": mode, "TaskTemplate": {"ContainerSpec": cs}}} | extra


def test_status_service_counts_health_and_restarts() -> None:
    cs = {"Image": "i", "Healthcheck": {"Test": ["CMD", "/bin/healthcheck"]}}
    tasks = [task("t1", "s", "running", spec=cs), task("t2", "s", "starting", slot=2, spec=cs),
             task("t3", "s", "running", slot=3, spec=cs),
             task("old", "s", "failed", desired="shutdown", err="task: non-zero exit (1)", exit_code=1, spec=cs),
             task("stale", "s", "running", slot=4, spec={"Image": "older"})]  # previous version
    containers = [{"Id": "c-t1", "Status": "Up 3 seconds (healthy)"}, {"Id": "c-t3", "Status": "Up (unhealthy)"}]
    snap = build("shop", [svc("s", "web", {"Replicated": {"Replicas": 3}})], tasks, NODES, containers, 4)
    (web,) = snap.status.workloads
    assert (web.name, web.kind, web.desired, web.running, web.healthy) == ("web", "service", 3, 3, 1)
    assert [(i.id, i.state, i.node, i.restarts) for i in web.instances] == [
        ("t1", "healthy", "node-1", 1), ("t2", "running", "node-1", 0), ("t3", "unhealthy", "node-1", 0)]
    assert web.errors == ("task: non-zero exit (1)",) and not snap.status.ready
    assert snap.status.api_calls == 4 and snap.failed == {}


def test_status_service_without_check_running_counts_healthy() -> None:
    snap = build("shop", [svc("s", "web", {"Replicated": {"Replicas": 1}}, check=False)],
                 [task("t1", "s", "running")], NODES, [], 4)
    assert snap.status.workloads[0].healthy == 1 and snap.status.ready


def test_status_job_runs_of_current_iteration() -> None:
    service = svc("j", "once", {"ReplicatedJob": {"TotalCompletions": 1}}, check=False,
                  JobStatus={"JobIteration": {"Index": 7}})
    tasks = [task("a", "j", "complete", desired="complete", iteration=6, slot=None),
             task("b", "j", "failed", desired="shutdown", err="task: non-zero exit (1)", exit_code=1,
                  iteration=7, slot=None, created="2026-01-01T00:00:01Z")]
    snap = build("shop", [service], tasks, NODES, [], 4)
    (job,) = snap.status.workloads
    assert job.kind == "job" and [(r.id, r.state, r.exit_code) for r in job.runs] == [("b", "failed", 1)]
    assert snap.failed == {"once": "task: non-zero exit (1)"}


def test_status_rolled_back_update_fails_for_good() -> None:
    service = svc("s", "web", {"Replicated": {"Replicas": 1}}, check=False,
                  UpdateStatus={"State": "rollback_completed", "Message": "rollback completed"})
    snap = build("shop", [service], [task("t1", "s", "running")], NODES, [], 4)
    assert snap.failed["web"].startswith("update rollback completed")


def test_not_ready_reasons_name_swarm_reason() -> None:
    tasks = [task("p", "s", "pending", err="no suitable node (scheduling constraints not satisfied on 1 node)",
                  spec={"Image": "i"})]
    snap = build("shop", [svc("s", "cache", {"Replicated": {"Replicas": 1}}, check=False)], tasks, NODES, [], 4)
    assert not_ready_reasons(snap) == {"cache": "no suitable node (scheduling constraints not satisfied on 1 node)"}


# ---- errors --------------------------------------------------------------------------------------

def api_error(code: int, text: str) -> docker.errors.APIError:
    response = requests.Response()
    response.status_code = code
    return docker.errors.APIError(f"{code} error", response=response, explanation=text)


@pytest.mark.parametrize("error, kind", [
    (api_error(401, "unauthorized"), PlatformUnauthorized),
    (api_error(403, "forbidden"), PlatformForbidden),
    (api_error(400, "rpc error: name conflicts"), PlatformRejected),
    (api_error(503, "This node is not a swarm manager."), PlatformRejected),
    (requests.exceptions.ReadTimeout("read timed out"), PlatformTimeout),
    (requests.exceptions.ConnectionError("refused"), PlatformUnreachable),
    (docker.errors.DockerException("Error while fetching server API version: refused"), PlatformUnreachable),
    (docker.errors.TLSParameterError("bad cert"), PlatformUnreachable),
])
def test_translate_client_errors(error: Exception, kind: type[PlatformError]) -> None:
    with pytest.raises(kind) as info:
        with swarm_client.api_errors("doing it"):
            raise error
    assert info.value.__cause__ is error and str(info.value).startswith("doing it: ")


def test_adapter_unreachable_docker_host_raises_platform_unreachable() -> None:
    adapter = SwarmAdapter(environ={"DOCKER_HOST": "tcp://127.0.0.1:9"})
    for call in (lambda: adapter.status("shop"), lambda: adapter.destroy("shop"),
                 lambda: list(adapter.logs("shop", "web")), lambda: adapter.wait("shop", 1)):
        with pytest.raises(PlatformUnreachable, match="cannot reach the Docker engine") as info:
            call()
        assert not isinstance(info.value, (docker.errors.DockerException, requests.RequestException))


def test_adapter_unknown_context_raises_platform_unreachable() -> None:
    with pytest.raises(PlatformUnreachable, match="docker context 'no-such-context' does not exist"):
        SwarmAdapter(context="no-such-context").status("shop")


@pytest.mark.parametrize("context, environ, expected", [
    ("mine", {"DOCKER_HOST": "tcp://h:2376"}, "mine"),
    (None, {"DOCKER_HOST": "tcp://h:2376", "DOCKER_CONTEXT": "other"}, None),
    (None, {"DOCKER_CONTEXT": "other"}, "other"),
    (None, {"DOCKER_CONTEXT": "default"}, None),
])
def test_resolve_context_as_the_cli_does(context: str | None, environ: dict[str, str], expected: str | None) -> None:
    assert swarm_client.resolve_context(context, environ) == expected
