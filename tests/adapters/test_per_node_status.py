"""Status of per_node services (one replica on each node), from objects recorded on the real
local platforms (tests/adapters/recorded/, see its README): a Kubernetes DaemonSet and a Swarm
global service.  The Nomad system job is tested against the stand-in (test_nomad_system_job.py).

Kubernetes (recorded with kubectl on v1.37.2): a DaemonSet of crossdock-test/httpd:1.0 with a
readiness probe, rolled out ("ready"), then its image set to one that does not exist
("broken": the controller replaced the pod, whose image cannot be pulled).  Swarm (recorded
with docker-py on Engine 20.10.24, ``services(status=True)``): three global services of the
app ``rec`` on the one-node swarm: ``rec_agent`` (running, health check passing),
``rec_workers`` (constraint ``node.role==worker``: the only node is a manager) and
``rec_missing`` (image not on the node: every task rejected).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from crossdock.adapters.kubernetes import status as ks
from crossdock.adapters.kubernetes import wait as kw
from crossdock.adapters.swarm.status import build as swarm_build
from crossdock.adapters.swarm.status import eligible_nodes

RECORDED = Path(__file__).parent / "recorded"
K8S: dict[str, Any] = json.loads((RECORDED / "kubernetes_daemonset.json").read_text())
SWARM: dict[str, Any] = json.loads((RECORDED / "swarm_global.json").read_text())


def k8s_snapshot(ds: dict[str, Any], pods: list[dict[str, Any]]) -> ks.Snapshot:
    ds = copy.deepcopy(ds)
    ds["kind"] = "DaemonSet"  # what the adapter adds to each listed item (a list's items carry no kind)
    return ks.Snapshot(daemonsets=[ds], pods=copy.deepcopy(pods))


# ---- Kubernetes DaemonSet --------------------------------------------------------------------


def test_daemonset_rolled_out_is_one_healthy_instance_per_node() -> None:
    rec = K8S["ready"]
    snap = k8s_snapshot(rec["daemonset"], rec["pods"])
    st = ks.build("rec", snap)
    (w,) = st.workloads
    assert (w.name, w.kind, w.desired, w.running, w.healthy) == ("agent", "service", 1, 1, 1)
    assert w.ready and w.image == "crossdock-test/httpd:1.0"
    assert [(i.state, i.node) for i in w.instances] == [("healthy", "crossdock-node")]
    assert ks.settled(snap) and not ks.rollout_pending(snap.daemonsets[0])


def test_daemonset_with_a_missing_image_is_pending_and_names_the_pull_failure() -> None:
    rec = K8S["broken"]
    snap = k8s_snapshot(rec["daemonset"], rec["pods"])
    (w,) = ks.build("rec", snap).workloads
    assert (w.desired, w.running, w.healthy, w.ready) == (1, 0, 0, False)
    assert not ks.settled(snap)
    current = kw.current_pods(snap, [])
    assert [p["metadata"]["name"] for p in current["agent"]] == ["agent-2chw9"]
    kind, reason = kw.definitive(current)["agent"]
    assert kind == "image" and "ErrImagePull" in reason
    final = ks.failures(ks.build("rec", snap), snap, final=True)
    assert final["agent"].startswith("rollout incomplete: 1/1 nodes updated, 0/1 available")


def test_daemonset_pods_of_the_previous_template_are_not_current() -> None:
    # The broken DaemonSet (generation 2) beside the pod of the rolled-out one (generation 1):
    # the old pod is healthy, but it is not what the deploy asked for.
    snap = k8s_snapshot(K8S["broken"]["daemonset"], K8S["ready"]["pods"])
    old = snap.pods[0]
    old["metadata"]["ownerReferences"][0]["uid"] = snap.daemonsets[0]["metadata"]["uid"]
    assert kw.current_pods(snap, []) == {"agent": []}
    assert ks.rollout_pending(snap.daemonsets[0])


def test_daemonset_not_yet_observed_by_its_controller_is_pending() -> None:
    rec = K8S["ready"]
    snap = k8s_snapshot(rec["daemonset"], rec["pods"])
    snap.daemonsets[0]["metadata"]["generation"] = 2  # a deploy just changed the template
    assert ks.rollout_pending(snap.daemonsets[0]) and not ks.settled(snap)


# ---- Swarm global services -------------------------------------------------------------------


def swarm_status() -> dict[str, Any]:
    snap = swarm_build("rec", SWARM["services"], SWARM["tasks"], SWARM["nodes"], SWARM["containers"], api_calls=4)
    return {"workloads": {w.name: w for w in snap.status.workloads}, "failed": snap.failed}


def test_swarm_global_service_desired_is_its_eligible_nodes() -> None:
    got = swarm_status()
    w = got["workloads"]
    engine = {s["Spec"]["Name"].removeprefix("rec_"): s["ServiceStatus"]["DesiredTasks"] for s in SWARM["services"]}
    # Where the service can run, the engine's own figure (docker service ls) agrees...
    assert (w["agent"].desired, w["workers"].desired) == (engine["agent"], engine["workers"]) == (1, 0)
    assert (w["agent"].running, w["agent"].healthy, w["agent"].ready) == (1, 1, True)
    assert [(i.state, i.node) for i in w["agent"].instances] == [("healthy", "vm")]
    # ...where its only task is rejected, the engine says 0 desired; crossdock says 1, not ready.
    assert engine["missing"] == 0
    assert (w["missing"].desired, w["missing"].running, w["missing"].ready) == (1, 0, False)
    assert got["failed"]["missing"].startswith("image missing: No such image: crossdock-test/missing:1.0")


@pytest.mark.parametrize(("constraints", "expected"), [
    ([], 1),
    (["node.role==manager"], 1),
    (["node.role == worker"], 0),
    (["node.hostname==VM"], 1),  # swarmkit compares values without regard to case
    (["node.platform.os==linux", "node.platform.arch!=x86_64"], 0),
    (["node.labels.zone==a"], 0),  # the node has no such label
    (["node.labels.zone!=a"], 1),
    (["engine.labels.disk==ssd"], 0),
])
def test_swarm_eligible_nodes_follow_the_placement_constraints(constraints: list[str], expected: int) -> None:
    service = {"Spec": {"TaskTemplate": {"Placement": {"Constraints": constraints}}}}
    assert eligible_nodes(service, [], SWARM["nodes"]) == expected


def test_swarm_eligible_nodes_skip_a_drained_node_and_fall_back_on_an_unknown_attribute() -> None:
    drained = copy.deepcopy(SWARM["nodes"])
    drained[0]["Spec"]["Availability"] = "drain"
    assert eligible_nodes({"Spec": {}}, [], drained) == 0
    agent = next(s for s in SWARM["services"] if s["Spec"]["Name"] == "rec_agent")
    tasks = [t for t in SWARM["tasks"] if t["ServiceID"] == agent["ID"]]
    unknown = {"Spec": {"TaskTemplate": {"Placement": {"Constraints": ["node.ip==10.0.0.1"]}}}}
    assert eligible_nodes(unknown, tasks, SWARM["nodes"]) == 1  # the node the orchestrator chose


def test_daemonset_does_not_count_the_pods_of_the_deployment_it_replaced() -> None:
    # A service turned per_node: the Deployment of the same name is gone, its pod still stops.
    rec = K8S["ready"]
    snap = k8s_snapshot(rec["daemonset"], rec["pods"])
    left = copy.deepcopy(snap.pods[0])
    left["metadata"]["name"] = "agent-7d4b9c-x2x2x"
    left["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "agent-7d4b9c",
                                            "uid": "0b8e1c9e-0000-4000-8000-000000000001", "controller": True}]
    snap.pods.append(left)
    (w,) = ks.build("rec", snap).workloads
    assert (w.desired, w.running, w.healthy) == (1, 1, 1)
    assert [i.id for i in w.instances] == [rec["pods"][0]["metadata"]["name"]]
