"""Hardening and runtime fields, and a per_node service, on the real local platforms (issue 20):
deployed through the translators and adapters, then checked from the platform's own view (the
service or pod spec it stores) and from inside the container (``id``, a write to the root
filesystem and to the scratch space, ``pwd``, ``hostname``, the main process's capability bounding set and
no_new_privs flag in ``/proc/1/status``).

What a target cannot express is checked as not applied, as the portability report says: a
stop signal on Kubernetes (the pod API's ``lifecycle.stopSignal`` is alpha, off by default) and
``no_new_privileges`` on Swarm (``docker stack deploy`` ignores ``security_opt``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from e2e_helpers import E2EApp, app_of_param, container_lines
from platforms_fixtures import HTTPD_IMAGE
from crossdock.errors import DeployFailed
from crossdock.specs.loader import load
from crossdock.translators.base import get

pytestmark = pytest.mark.platform

WAIT = 90.0
SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  hard:
    image: {image}
    working_dir: /etc
    hostname: hard-host
    stop_grace_period: 3s
    stop_signal: SIGUSR1
    security:
      user: 1000
      group: 1000
      read_only_root: true
      capabilities: {{drop: [ALL]}}
      no_new_privileges: true
    volumes:
      - {{scratch: true, path: /scratch}}
  agent:
    image: {image}
    mode: per_node
    stop_grace_period: 2s
"""
# Run in the hardened container; each line of output is checked.  The write to the root
# filesystem goes to /tmp, mode 1777 in the image: user 1000 could not write to / itself even
# with a writable root, so only a read-only root makes this write fail.
PROBE = ("id -u; id -g; pwd; hostname; "
         "if touch /tmp/probe 2>/dev/null; then echo root-writable; else echo root-read-only; fi; "
         "if touch /scratch/probe; then echo scratch-writable; else echo scratch-read-only; fi; "
         "grep -E '^(CapBnd|NoNewPrivs):' /proc/1/status")


@pytest.fixture(params=["swarm", "kubernetes"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[E2EApp]:
    yield from app_of_param(request, tmp_path)


def probe_lines(app: E2EApp, kubectl: Any) -> list[str]:
    """PROBE's output lines from inside the app's ``hard`` container."""
    return container_lines(app, kubectl, "hard", PROBE)


def test_hardening_and_per_node_as_the_platform_and_the_container_see_them(app: E2EApp, kubectl: Any) -> None:
    (app.dir / "app.yaml").write_text(SPEC.format(app=app.name, image=HTTPD_IMAGE))
    spec = load(str(app.dir / "app.yaml"))
    app.adapter.deploy(spec, get(app.target).translate(spec))
    status = app.adapter.wait(app.name, WAIT)

    nodes = (len(app.platform.api.nodes()) if app.target == "swarm"
             else len(client.CoreV1Api(app.platform).list_node().items))
    agent = app.workload(status, "agent")
    assert (agent.desired, agent.running, len(agent.instances)) == (nodes, nodes, nodes)
    assert len({i.node for i in agent.instances}) == nodes  # one on each node

    lines = probe_lines(app, kubectl)
    assert lines[:6] == ["1000", "1000", "/etc", "hard-host", "root-read-only", "scratch-writable"], lines
    caps = dict(line.split(":\t") for line in lines[6:])
    assert caps["CapBnd"] == "0000000000000000"  # drop ALL: not even the default set is left
    assert caps["NoNewPrivs"] == ("1" if app.target == "kubernetes" else "0")  # swarm: not rendered

    if app.target == "swarm":
        by_name = {s["Spec"]["Name"]: s["Spec"] for s in app.platform.api.services(
            filters={"label": f"com.docker.stack.namespace={app.name}"})}
        hard = by_name[f"{app.name}_hard"]
        cs = hard["TaskTemplate"]["ContainerSpec"]
        assert (cs["User"], cs["Dir"], cs["Hostname"], cs["ReadOnly"], cs["CapabilityDrop"]) == (
            "1000:1000", "/etc", "hard-host", True, ["ALL"])
        assert (cs["StopGracePeriod"], cs["StopSignal"]) == (3_000_000_000, "SIGUSR1")
        assert [(m["Type"], m["Target"]) for m in cs["Mounts"]] == [("tmpfs", "/scratch")]
        assert by_name[f"{app.name}_agent"]["Mode"] == {"Global": {}}
        tasks = app.platform.api.tasks(filters={"service": f"{app.name}_agent", "desired-state": "running"})
        assert len({t["NodeID"] for t in tasks}) == len(tasks) == nodes
    else:
        apps = client.AppsV1Api(app.platform)
        ds = apps.read_namespaced_daemon_set("agent", app.namespace)
        assert (ds.status.desired_number_scheduled, ds.status.number_ready) == (nodes, nodes)
        assert ds.spec.template.spec.termination_grace_period_seconds == 2
        pod = apps.read_namespaced_deployment("hard", app.namespace).spec.template.spec
        sc = pod.containers[0].security_context
        assert (pod.hostname, pod.termination_grace_period_seconds, pod.containers[0].working_dir) == (
            "hard-host", 3, "/etc")
        assert (sc.run_as_user, sc.run_as_group, sc.read_only_root_filesystem, sc.allow_privilege_escalation,
                sc.capabilities.drop) == (1000, 1000, True, False, ["ALL"])
        assert pod.containers[0].lifecycle is None  # no stop signal: the image's STOPSIGNAL stands

    removed = app.adapter.destroy(app.name)
    assert ("DaemonSet/agent" in removed) if app.target == "kubernetes" else (f"service {app.name}_agent" in removed)
    assert app.leftovers() == {}


MODE_SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  agent:
    image: {image}
    stop_grace_period: 1s
{mode}
"""


def test_service_turned_per_node_is_replaced_and_back(app: E2EApp) -> None:
    """Swarm refuses to change a service's mode ("service mode change is not allowed") and a
    Deployment cannot become a DaemonSet: the adapters replace the object, each way."""
    def deploy(mode: str) -> Any:
        (app.dir / "app.yaml").write_text(MODE_SPEC.format(app=app.name, image=HTTPD_IMAGE, mode=mode))
        spec = load(str(app.dir / "app.yaml"))
        plan = app.adapter.deploy(spec, get(app.target).translate(spec))
        return plan, app.workload(app.adapter.wait(app.name, WAIT), "agent")

    def kinds() -> list[str]:
        if app.target == "swarm":
            return [next(iter(s["Spec"]["Mode"])) for s in app.platform.api.services(
                filters={"label": f"com.docker.stack.namespace={app.name}"})]
        apps = client.AppsV1Api(app.platform)
        sel = f"app.kubernetes.io/part-of={app.name}"
        return ([f"Deployment/{d.metadata.name}" for d in apps.list_namespaced_deployment(
                    app.namespace, label_selector=sel).items]
                + [f"DaemonSet/{d.metadata.name}" for d in apps.list_namespaced_daemon_set(
                    app.namespace, label_selector=sel).items])

    swarm = app.target == "swarm"
    _, agent = deploy("    replicas: 2")
    assert (agent.desired, agent.healthy) == (2, 2)
    assert kinds() == (["Replicated"] if swarm else ["Deployment/agent"])
    plan, agent = deploy("    mode: per_node")
    assert agent.desired == agent.running == 1 and len(agent.instances) == 1  # one node
    assert kinds() == (["Global"] if swarm else ["DaemonSet/agent"])
    if swarm:
        assert [c.recreate for c in plan.changes if c.kind == "service"] == [True]
    else:
        assert {(c.action, c.kind) for c in plan.changes} == {("create", "DaemonSet"), ("delete", "Deployment")}
    _, agent = deploy("    replicas: 1")
    assert (agent.desired, agent.healthy) == (1, 1)
    assert kinds() == (["Replicated"] if swarm else ["Deployment/agent"])


def test_per_node_service_with_a_missing_image_fails_the_wait_early(app: E2EApp) -> None:
    (app.dir / "app.yaml").write_text(MODE_SPEC.format(app=app.name, image="crossdock-test/missing:1.0",
                                                       mode="    mode: per_node"))
    spec = load(str(app.dir / "app.yaml"))
    app.adapter.deploy(spec, get(app.target).translate(spec))
    with pytest.raises(DeployFailed) as failed:
        app.adapter.wait(app.name, WAIT)  # fails long before WAIT: the image will not appear
    assert failed.value.failures["agent"].startswith("image missing:")
    agent = app.workload(app.adapter.status(app.name), "agent")
    assert (agent.desired, agent.healthy, agent.ready) == (1, 0, False)
