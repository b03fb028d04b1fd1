"""Deploying per_node services where no real platform is needed: the Swarm plan when a service's
mode changes (swarmkit refuses that update), and the Nomad adapter with a system job against the
Nomad STAND-IN (tests/adapters/nomad_standin.py), which is not Nomad: nothing here ran on Nomad.

The Nomad translator gives a per_node service a system job ``<app>-<service>`` of its own
(Nomad gives a job one type)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from crossdock.adapters.compare import scenarios
from crossdock.adapters.compare.model import ScenarioResult
from crossdock.adapters.model import Change
from crossdock.adapters.nomad.adapter import NomadAdapter
from crossdock.adapters.swarm.stack import Observed, compute_plan
from crossdock.errors import DeployFailed
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get
from nomad_fixtures import ROOT, adapter, settle, standin  # noqa: F401
from nomad_standin import NomadStandIn
from test_swarm_plan import observed_after, running_service, stack


# ---- Swarm: a mode change is a removal and a creation ---------------------------------------


def test_swarm_plan_recreates_a_service_whose_mode_changes(tmp_path: Path) -> None:
    before = stack(tmp_path)  # web is replicated (2 replicas)
    observed = observed_after(before)
    after = stack(tmp_path)
    deploy = after.services["web"]["deploy"]  # the spec now says per_node: the translator's global mode
    deploy["mode"] = "global"
    deploy.pop("replicas")
    dp = compute_plan(after, observed)
    web = next(c for c in dp.plan.changes if c.name == "shop_web")
    assert (web.action, web.recreate) == ("update", True) and "deploy.mode" in web.fields
    assert dp.recreate_services == ["shop_web"] and "web" in dp.cli_services
    redeployed = observed_after(after)  # once global, nothing to do
    redeployed.services = [running_service(after, k, Mode={"Global": {}}) if k == "web" else
                           running_service(after, k) for k in after.services]
    assert compute_plan(after, redeployed).plan.empty


def test_swarm_plan_sees_a_live_mode_other_than_the_last_applied(tmp_path: Path) -> None:
    desired = stack(tmp_path)
    observed = observed_after(desired)
    observed.services = [running_service(desired, k, Mode={"Global": {}}) if k == "web" else
                         running_service(desired, k) for k in desired.services]
    web = next(c for c in compute_plan(desired, observed).plan.changes if c.name == "shop_web")
    assert web.fields == ("deploy.mode",) and web.recreate


def test_swarm_plan_first_deploy_recreates_nothing(tmp_path: Path) -> None:
    dp = compute_plan(stack(tmp_path), Observed([], {}, {}, set()))
    assert dp.recreate_services == [] and not any(c.recreate for c in dp.plan.changes)


# ---- Nomad: a system job (stand-in) ----------------------------------------------------------


PER_NODE = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: pn}
services:
  svc0: {image: crossdock-test/httpd:1.0, replicas: 1}
  svc1: {image: crossdock-test/httpd:1.0, mode: per_node}
"""


def per_node() -> tuple[LoadedSpec, Bundle]:
    """svc0 replicated in the service job ``pn``; svc1 per_node, the system job ``pn-svc1``."""
    spec = load(str(ROOT / "examples" / "pn.yaml"), text=PER_NODE, environ={})
    return spec, get("nomad").translate(spec)


def test_nomad_standin_system_job_status_and_wait(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    plan = adapter.deploy(*per_node())
    assert {c for c in plan.changes if c.kind == "job"} == {Change("create", "job", "pn"),
                                                            Change("create", "job", "pn-svc1")}
    before = adapter.status("pn")
    agent = next(w for w in before.workloads if w.name == "svc1")
    assert (agent.kind, agent.desired, agent.instances) == ("service", 0, ())  # nothing placed yet
    with pytest.raises(DeployFailed, match=r"svc1: no allocation placed yet \(a per_node service"):
        adapter.wait("pn", timeout=0.05)  # the clock does not run: a 0-desired system job is not ready
    standin.run_clock()
    st = adapter.wait("pn", timeout=10)
    agent = next(w for w in st.workloads if w.name == "svc1")
    assert (agent.desired, agent.running, agent.healthy, agent.ready) == (1, 1, 1, True)
    assert [i.node for i in agent.instances] == ["standin-node-1"]
    assert st.api_calls <= 4
    assert adapter.destroy("pn") == ["job pn", "job pn-svc1"]


def test_nomad_standin_service_turned_per_node_is_purged_and_registered_again(
        standin: NomadStandIn, adapter: NomadAdapter) -> None:
    spec, bundle = per_node()
    adapter.deploy(spec, bundle)
    settle(standin)
    # The same job id changes type (a translator keeping the id would hit Nomad's refusal):
    flipped = json.loads(bundle.files["nomad/pn-svc1.nomad.json"])
    flipped["Job"]["Type"] = "service"
    files = dict(bundle.files, **{"nomad/pn-svc1.nomad.json": json.dumps(flipped)})
    changed = Bundle("nomad", files, [], bundle.primary)
    expected = Change("update", "job", "pn-svc1", ("Type",), recreate=True)
    assert expected in adapter.plan(spec, changed).changes
    assert expected in adapter.deploy(spec, changed).changes
    assert standin.state.jobs[("default", "pn-svc1")]["Type"] == "service"


# ---- compare: a per_node service is not scaled -------------------------------------------------


def test_compare_scale_is_not_measured_on_a_per_node_service() -> None:
    session: Any = SimpleNamespace(per_node=True, service="agent", replicas=None)
    res = ScenarioResult("scale")
    scenarios.scale(session, res, repeat=1, to=None)  # a real session would deploy: this one has nothing to deploy
    assert res.state == "not measured" and "one replica on each node (mode per_node)" in res.reason
    assert not res.timelines
