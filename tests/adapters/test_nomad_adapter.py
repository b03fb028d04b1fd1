"""The Nomad adapter against the Nomad STAND-IN (tests/adapters/nomad_standin.py), not Nomad.

No real Nomad agent can run here (../shared/PLATFORMS.md): these tests show the adapter speaks
Nomad's published HTTP API as the stand-in serves it; nothing here was run on Nomad.
"""

from __future__ import annotations

import logging

import pytest

from crossdock.adapters.model import AppStatus, Change
from crossdock.adapters.nomad.adapter import NomadAdapter
from crossdock.errors import DeployFailed
from nomad_fixtures import (SHOP_SECRET, adapter, foreign_job, many_services, put_foreign, settle, shop,  # noqa: F401
                            shop_without_cron, standin)
from nomad_standin import NomadStandIn


def _registers(standin: NomadStandIn) -> int:
    return sum(1 for m, p in standin.requests if m in ("POST", "PUT") and p == "/v1/jobs")


def test_nomad_standin_deploy_creates_jobs_and_variables(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    plan = adapter.deploy(*shop())
    assert set(plan.changes) >= {Change("create", "job", "shop"), Change("create", "job", "shop-migrate"),
                                 Change("create", "job", "shop-nightly-report")}
    variables = {c.name: c for c in plan.changes if c.kind == "variable"}
    assert variables["nomad/jobs/shop"] == Change("create", "variable", "nomad/jobs/shop", ("db-password",))
    assert set(variables) == {"nomad/jobs/shop", "nomad/jobs/shop-migrate"}
    items = standin.state.variables[("default", "nomad/jobs/shop")]["Items"]
    assert items == {"db-password": SHOP_SECRET, "crossdock-managed": "db-password"}
    job = standin.state.jobs[("default", "shop")]
    assert job["Meta"]["managed-by"] == "crossdock" and job["Version"] == 0


def test_nomad_standin_deploy_twice_changes_nothing(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    settle(standin)
    registered = _registers(standin)
    writes = sum(1 for m, p in standin.requests if m == "PUT" and p.startswith("/v1/var/nomad/"))
    plan = adapter.deploy(*shop())
    assert plan.empty, plan.changes
    assert _registers(standin) == registered
    assert sum(1 for m, p in standin.requests if m == "PUT" and p.startswith("/v1/var/nomad/")) == writes
    assert adapter.plan(*shop()).empty


def test_nomad_standin_env_change_is_planned_then_applied(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    settle(standin)
    changed = shop(GREETING="hello again")
    plan = adapter.plan(*changed)
    assert plan.changes == (Change("update", "job", "shop", ("TaskGroups[web].Tasks[web].Env[GREETING]",)),)
    assert standin.state.jobs[("default", "shop")]["Version"] == 0  # a plan changes nothing
    assert adapter.deploy(*changed) == plan
    job = standin.state.jobs[("default", "shop")]
    web = next(g for g in job["TaskGroups"] if g["Name"] == "web")
    assert job["Version"] == 1 and web["Tasks"][0]["Env"]["GREETING"] == "hello again"


def test_nomad_standin_status_shape_and_counts(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    settle(standin)
    status = adapter.status("shop")
    assert status.api_calls == 4
    kinds = {w.name: w.kind for w in status.workloads}
    assert kinds == {"api": "service", "cache": "service", "web": "service", "migrate": "job",
                     "nightly-report": "cron_job"}
    web = next(w for w in status.workloads if w.name == "web")
    assert (web.desired, web.running, web.healthy, web.image) == (2, 2, 2, "crossdock-test/httpd:1.0")
    assert all(i.state == "healthy" and i.node == "standin-node-1" for i in web.instances)
    migrate = next(w for w in status.workloads if w.name == "migrate")
    assert [r.state for r in migrate.runs] == ["succeeded"] and migrate.runs[0].exit_code == 0
    assert status.ready
    data = status.to_dict()
    assert data["ready"] is True and data["target"] == "nomad" and data["api_calls"] == 4


def test_nomad_standin_status_of_cron_runs(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    with standin.state.lock:
        standin.state.force_periodic("default", "shop-nightly-report")
    settle(standin)
    cron = next(w for w in adapter.status("shop").workloads if w.name == "nightly-report")
    assert [r.state for r in cron.runs] == ["succeeded"]
    assert cron.runs[0].id.startswith("shop-nightly-report/periodic-")


@pytest.mark.parametrize("count", [5, 50])
def test_nomad_standin_status_calls_constant(standin: NomadStandIn, adapter: NomadAdapter, count: int) -> None:
    adapter.deploy(*many_services(count))
    settle(standin)
    status = adapter.status("many")
    assert len(status.workloads) == count and status.ready
    assert status.api_calls == 4


def test_nomad_standin_wait_succeeds(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    seen: list[AppStatus] = []
    adapter.deploy(*shop())
    standin.run_clock()
    status = adapter.wait("shop", timeout=10, progress=seen.append)
    assert status.ready and seen and seen[-1] == status


def test_nomad_standin_wait_names_driver_failure(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    standin.fail_group("shop", "web", "driver", "Failed to pull `crossdock-test/httpd:1.0`: image not found")
    adapter.deploy(*shop())
    standin.run_clock()
    with pytest.raises(DeployFailed) as info:
        adapter.wait("shop", timeout=10)
    assert set(info.value.failures) == {"web"}
    assert "Driver Failure: Failed to pull" in info.value.failures["web"]
    assert "image not found" in str(info.value)


def test_nomad_standin_wait_names_exit_code_of_job(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    standin.fail_group("shop-migrate", "migrate", "exit", "Exceeded allowed attempts 2", exit_code=3)
    adapter.deploy(*shop())
    standin.run_clock()
    with pytest.raises(DeployFailed) as info:
        adapter.wait("shop", timeout=10)
    assert "migrate: exit code 3 after 2 restarts" in info.value.failures["migrate"]


def test_nomad_standin_wait_reports_auto_revert(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    settle(standin)
    standin.fail_group("shop", "web", "unhealthy", 'check "readiness" failed')
    adapter.deploy(*shop(GREETING="broken"))
    standin.run_clock()
    with pytest.raises(DeployFailed) as info:
        adapter.wait("shop", timeout=10)
    why = info.value.failures["web"]
    assert 'unhealthy: check "readiness" failed' in why and "rolling back to job version 0" in why
    standin.advance(4)
    web = next(g for g in standin.state.jobs[("default", "shop")]["TaskGroups"] if g["Name"] == "web")
    assert web["Tasks"][0]["Env"]["GREETING"] == "hello from crossdock"  # Nomad's revert, as the stand-in does it


def test_nomad_standin_wait_times_out_naming_what_is_pending(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    with pytest.raises(DeployFailed) as info:
        adapter.wait("shop", timeout=0.1)
    assert "not ready after 0.1s" in str(info.value)
    assert info.value.failures["web"] == "no allocation placed yet"


def test_nomad_standin_prune_removes_dropped_job_only(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    put_foreign(standin, foreign_job("shop-legacy", None))
    adapter.deploy(*shop())
    plan = adapter.deploy(*shop_without_cron())
    assert plan.changes == (Change("delete", "job", "shop-nightly-report"),)
    assert ("default", "shop-nightly-report") not in standin.state.jobs
    assert ("default", "shop-legacy") in standin.state.jobs


def test_nomad_standin_destroy_removes_only_the_app(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    put_foreign(standin, foreign_job("shop-legacy", None))
    put_foreign(standin, foreign_job("shopfront", {"managed-by": "crossdock", "app": "shopfront"}))
    adapter.deploy(*shop())
    settle(standin)
    with standin.state.lock:  # the external secret the user put beside crossdock's item
        var = standin.state.variables[("default", "nomad/jobs/shop")]
        var["Items"]["api-token"] = "user-token"
        standin.state.variables[("default", "nomad/foreign")] = dict(var, Path="nomad/foreign")
    removed = adapter.destroy("shop")
    assert "job shop" in removed and "variable nomad/jobs/shop-migrate" in removed
    jobs = {jid for (_, jid) in standin.state.jobs}
    assert jobs == {"shop-legacy", "shopfront"}
    assert standin.state.variables[("default", "nomad/jobs/shop")]["Items"] == {"api-token": "user-token"}
    assert ("default", "nomad/jobs/shop-migrate") not in standin.state.variables
    assert ("default", "nomad/foreign") in standin.state.variables
    assert adapter.status("shop").workloads == ()
    assert adapter.destroy("shop") == []


def test_nomad_standin_namespace_and_region(standin: NomadStandIn) -> None:
    standin.namespaces.add("team")
    adapter = NomadAdapter(address=standin.address, token=standin.token, namespace="team", region="global",
                           environ={}, poll_interval=0.02)
    adapter.deploy(*shop())
    assert ("team", "shop") in standin.state.jobs and ("default", "shop") not in standin.state.jobs
    assert ("team", "nomad/jobs/shop") in standin.state.variables
    settle(standin)
    assert adapter.status("shop").ready


def test_nomad_standin_logs_of_a_service(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    settle(standin)
    lines = list(adapter.logs("shop", "web"))
    assert len(lines) == 4 and lines[0].startswith("stand-in log line 1 of web")
    assert list(adapter.logs("shop", "web", follow=True)) == lines  # the stand-in ends the stream


def test_nomad_standin_secret_values_stay_out_of_logs(standin: NomadStandIn, adapter: NomadAdapter,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    adapter.deploy(*shop())
    settle(standin)
    adapter.wait("shop", timeout=1)
    adapter.destroy("shop")
    assert "registered Nomad job shop" in caplog.text
    assert SHOP_SECRET not in caplog.text and SHOP_SECRET not in "\n".join(standin.log)


def test_nomad_standin_interrupted_deploy_converges(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    jobs = adapter.conn.client.jobs
    original, done = jobs.register_job, []

    def killed_after_one(body: dict[str, object]) -> object:
        if done:
            raise KeyboardInterrupt  # the process is stopped mid-deploy
        done.append(body)
        return original(body)

    jobs.register_job = killed_after_one
    with pytest.raises(KeyboardInterrupt):
        adapter.deploy(*shop())
    again = NomadAdapter(address=standin.address, token=standin.token, environ={}, poll_interval=0.02)
    plan = again.deploy(*shop())
    assert [c.name for c in plan.changes] == ["shop-nightly-report", "shop"]  # the rest, nothing twice
    assert again.deploy(*shop()).empty
