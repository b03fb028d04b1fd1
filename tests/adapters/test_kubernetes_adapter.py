"""The Kubernetes adapter against the real local cluster (v1.37.2, one node, scripts/platforms).

Each test works in its own namespace (the ``k8s_namespace`` fixture deletes it afterwards) and
reaches pods with ``kubectl port-forward``; images are the local test images (never pulled).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from platforms_fixtures import HTTPD_IMAGE, JOB_IMAGE, KUBECONFIG, http_get, wait_for
from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.adapters.model import AppStatus
from crossdock.errors import DeployFailed
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get

pytestmark = pytest.mark.platform

WAIT = 90.0
TOKEN = "s3cret-token-value"
SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
secrets:
  token: {{from_file: token.txt}}
services:
  web:
    image: {httpd}
    env: {{GREETING: "{greeting}", PORT: 8080}}
    replicas: {replicas}
    files:
      - {{path: /etc/app/app.conf, content: "mode = test $HOME\\n"}}
    secrets:
      - {{secret: token, path: /run/secrets/token}}
    ports:
      - {{name: http, port: 8080}}
    health:
      readiness:
        http: {{path: {health}, port: http}}
        interval: 1s
    update: {{auto_rollback: true, deadline: 10m}}
  worker:
    image: {httpd}
    env: {{PORT: 8081}}
    replicas: 1
jobs:
  once:
    image: {job}
    env: {{MESSAGE: "{message}", EXIT_CODE: "{exit_code}"}}
"""


class App:
    """One test app in the test's namespace: writes its spec, renders it, deploys it."""

    def __init__(self, tmp_path: Path, adapter: KubernetesAdapter, namespace: str) -> None:
        self.name = f"cdt{uuid.uuid4().hex[:8]}"
        self.dir = tmp_path
        self.adapter = adapter
        self.namespace = namespace

    def render(self, greeting: str = "hello $USD", replicas: int = 1, health: str = "/healthz",
               message: str = "migrated", exit_code: int = 0, body: str | None = None,
               text: str | None = None) -> tuple[LoadedSpec, Bundle]:
        """The spec ``body`` (default SPEC) filled in, or ``text`` as it is."""
        (self.dir / "token.txt").write_text(TOKEN)
        text = text or (body or SPEC).format(app=self.name, httpd=HTTPD_IMAGE, job=JOB_IMAGE, greeting=greeting,
                                     replicas=replicas, health=health, message=message, exit_code=exit_code)
        (self.dir / "app.yaml").write_text(text)
        spec = load(str(self.dir / "app.yaml"))
        return spec, get("kubernetes").translate(spec)

    def deploy(self, **kw: Any) -> Any:
        return self.adapter.deploy(*self.render(**kw))


@pytest.fixture
def adapter(kubernetes: Any, k8s_namespace: str) -> KubernetesAdapter:
    return KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG), poll_interval=0.5)


@pytest.fixture
def app(tmp_path: Path, adapter: KubernetesAdapter, k8s_namespace: str) -> App:
    return App(tmp_path, adapter, k8s_namespace)


@pytest.fixture
def get_from_web(kubernetes: Any, k8s_port_forward: Callable[..., Any]) -> Callable[[App, str], str]:
    """GET a path from a ready, current pod of the app's web service."""
    core = client.CoreV1Api(kubernetes)

    def fetch(a: App, path: str) -> str:
        sel = f"app.kubernetes.io/part-of={a.name},app.kubernetes.io/name=web"
        pods = [p for p in core.list_namespaced_pod(a.namespace, label_selector=sel).items
                if p.metadata.deletion_timestamp is None and p.status.phase == "Running"]
        assert pods, "no running web pod"
        with k8s_port_forward(a.namespace, f"pod/{pods[0].metadata.name}", 8080) as port:
            status, body = wait_for(lambda: http_get(f"http://127.0.0.1:{port}{path}"), 30, f"GET {path}")
        assert status == 200, body
        return str(body)

    return fetch


def versions(kubernetes: Any, ns: str, app: str) -> dict[str, str]:
    """resourceVersion of every object of the app: any write changes it."""
    sel = f"app.kubernetes.io/part-of={app}"
    core, apps, batch = client.CoreV1Api(kubernetes), client.AppsV1Api(kubernetes), client.BatchV1Api(kubernetes)
    out = {}
    for kind, items in (("cm", core.list_namespaced_config_map(ns, label_selector=sel).items),
                        ("secret", core.list_namespaced_secret(ns, label_selector=sel).items),
                        ("svc", core.list_namespaced_service(ns, label_selector=sel).items),
                        ("deploy", apps.list_namespaced_deployment(ns, label_selector=sel).items),
                        ("job", batch.list_namespaced_job(ns, label_selector=sel).items)):
        out.update({f"{kind}/{o.metadata.name}": o.metadata.resource_version for o in items})
    return out


def test_deploy_serves_env_config_secret_and_second_deploy_changes_nothing(
        app: App, kubernetes: Any, get_from_web: Callable[[App, str], str]) -> None:
    plan = app.deploy()
    assert {(c.action, c.kind, c.name) for c in plan.changes} == {
        ("create", "ConfigMap", "web-files"), ("create", "Secret", "token"), ("create", "Service", "web"),
        ("create", "Deployment", "web"), ("create", "Deployment", "worker"), ("create", "Job", "once")}
    status = app.adapter.wait(app.name, WAIT)
    assert status.ready
    assert "GREETING=hello $USD" in get_from_web(app, "/env")
    assert get_from_web(app, "/file?path=/etc/app/app.conf") == "mode = test $HOME\n"
    # the server ends a file without a final newline with one (the same on Swarm)
    assert get_from_web(app, "/file?path=/run/secrets/token") == TOKEN + "\n"

    before = versions(kubernetes, app.namespace, app.name)
    assert app.adapter.plan(*app.render()).empty
    assert app.deploy().empty
    assert versions(kubernetes, app.namespace, app.name) == before


def test_deploy_env_change_planned_and_rolled_out(app: App, get_from_web: Callable[[App, str], str]) -> None:
    app.deploy()
    app.adapter.wait(app.name, WAIT)
    plan = app.adapter.plan(*app.render(greeting="changed"))
    assert [(c.action, c.kind, c.name) for c in plan.changes] == [("update", "Deployment", "web")]
    assert plan.changes[0].fields == ("spec.template.spec.containers[web].env[GREETING].value",)
    assert app.deploy(greeting="changed") == plan
    app.adapter.wait(app.name, WAIT)
    assert "GREETING=changed" in get_from_web(app, "/env")


def test_deploy_scale_1_3_1(app: App) -> None:
    app.deploy()
    app.adapter.wait(app.name, WAIT)
    plan = app.deploy(replicas=3)
    assert [(c.name, c.fields) for c in plan.changes] == [("web", ("spec.replicas",))]
    seen: list[AppStatus] = []
    web = {w.name: w for w in app.adapter.wait(app.name, WAIT, progress=seen.append).workloads}["web"]
    assert (web.desired, web.running, web.healthy, len(web.instances)) == (3, 3, 3, 3)
    assert seen and seen[-1].ready
    app.deploy(replicas=1)
    app.adapter.wait(app.name, WAIT)
    web = wait_for(lambda: next(w for w in app.adapter.status(app.name).workloads
                                if w.name == "web" and len(w.instances) == 1), 60, "web back to 1 pod")
    assert (web.desired, web.running, web.healthy) == (1, 1, 1)


MANY = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
{services}
"""


def test_status_shape_and_constant_api_calls(app: App, kubernetes: Any) -> None:
    app.deploy()
    status = app.adapter.wait(app.name, WAIT)
    by_name = {w.name: w for w in status.workloads}
    assert set(by_name) == {"web", "worker", "once"}
    web, once = by_name["web"], by_name["once"]
    assert (web.kind, web.desired, web.running, web.healthy, web.image) == ("service", 1, 1, 1, HTTPD_IMAGE)
    assert web.instances[0].node == "crossdock-node" and web.instances[0].state == "healthy"
    assert once.kind == "job" and once.runs[0].state == "succeeded" and once.runs[0].exit_code == 0
    assert once.runs[0].started and once.runs[0].finished
    d = status.to_dict()
    assert d["ready"] is True and d["target"] == "kubernetes"
    assert set(d["workloads"][0]) >= {"name", "kind", "desired", "running", "healthy", "instances", "runs", "errors"}

    calls = []
    api = app.adapter.conn.api
    real = api.call_api

    def counting(*a: Any, **kw: Any) -> Any:
        calls.append(a[1])
        return real(*a, **kw)

    api.call_api = counting  # type: ignore[method-assign]
    try:
        small = app.adapter.status(app.name)
        big_app = App(app.dir, app.adapter, app.namespace)
        services = "\n".join(f"  s{i}:\n    image: {HTTPD_IMAGE}\n    replicas: 0" for i in range(10))
        spec, bundle = big_app.render(text=MANY.format(app=big_app.name, services=services))
        app.adapter.deploy(spec, bundle)
        calls.clear()
        big = app.adapter.status(big_app.name)
    finally:
        api.call_api = real  # type: ignore[method-assign]
    assert len(big.workloads) == 10 and len(small.workloads) == 3
    assert big.api_calls == small.api_calls == len(calls) == 8  # 6 workload kinds, pods, events


def test_wait_broken_probe_fails_and_rolls_back(app: App, kubernetes: Any) -> None:
    app.deploy()
    app.adapter.wait(app.name, WAIT)
    plan = app.deploy(health="/broken")
    assert [c.fields for c in plan.changes] == [("spec.template.spec.containers[web].readinessProbe.httpGet.path",)]
    with pytest.raises(DeployFailed) as err:
        app.adapter.wait(app.name, 20)
    assert set(err.value.failures) == {"web"}
    assert "Readiness probe failed" in err.value.failures["web"] and "404" in err.value.failures["web"]
    assert "rolled back to revision 1" in str(err.value)
    deployment = client.AppsV1Api(kubernetes).read_namespaced_deployment("web", app.namespace)
    assert deployment.spec.template.spec.containers[0].readiness_probe.http_get.path == "/healthz"
    assert app.adapter.wait(app.name, WAIT).ready
    # The spec still says /broken: the next plan offers it again, nothing was forgotten.
    assert [c.name for c in app.adapter.plan(*app.render(health="/broken")).changes] == ["web"]


def test_wait_job_runs_to_completion_and_change_recreates_it(app: App) -> None:
    app.deploy()
    once = {w.name: w for w in app.adapter.wait(app.name, WAIT).workloads}["once"]
    assert [(r.state, r.exit_code) for r in once.runs] == [("succeeded", 0)]
    assert any("migrated" in line for line in app.adapter.logs(app.name, "once"))
    plan = app.deploy(message="again")
    assert [(c.kind, c.name, c.recreate) for c in plan.changes] == [("Job", "once", True)]
    assert "spec.template.spec.containers[once].env[MESSAGE].value" in plan.changes[0].fields
    app.adapter.wait(app.name, WAIT)
    assert any("again" in line for line in app.adapter.logs(app.name, "once"))


def test_wait_failing_job_names_its_exit_code(app: App) -> None:
    app.deploy(exit_code=3)
    with pytest.raises(DeployFailed) as err:
        app.adapter.wait(app.name, WAIT)
    assert set(err.value.failures) == {"once"}
    assert "exit code 3" in err.value.failures["once"]


FOREIGN = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: foreign
  labels: {{"app.kubernetes.io/part-of": "{app}"}}
data: {{a: b}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: foreign
  labels: {{"app.kubernetes.io/managed-by": crossdock, "app.kubernetes.io/part-of": other}}
spec:
  replicas: 1
  selector: {{matchLabels: {{x: foreign}}}}
  template:
    metadata: {{labels: {{x: foreign, "app.kubernetes.io/part-of": "{app}"}}}}
    spec:
      containers: [{{name: c, image: "{httpd}"}}]
"""


def test_destroy_removes_app_and_keeps_foreign_objects(app: App, kubectl: Any, kubernetes: Any) -> None:
    kubectl("apply", "-n", app.namespace, "-f", "-", input=FOREIGN.format(app=app.name, httpd=HTTPD_IMAGE))
    app.deploy()
    removed = app.adapter.destroy(app.name)
    assert sorted(removed) == ["ConfigMap/web-files", "Deployment/web", "Deployment/worker", "Job/once",
                               "Secret/token", "Service/web"]
    assert set(versions(kubernetes, app.namespace, app.name)) == {"cm/foreign"}
    core = client.CoreV1Api(kubernetes)
    left = core.list_namespaced_pod(app.namespace, label_selector="app.kubernetes.io/name in (web,worker,once)")
    assert not left.items
    assert client.AppsV1Api(kubernetes).read_namespaced_deployment("foreign", app.namespace)
    assert app.adapter.status(app.name).workloads == ()


def test_deploy_prunes_what_the_spec_dropped(app: App, kubernetes: Any) -> None:
    app.deploy()
    body = SPEC.replace("  worker:\n    image: {httpd}\n    env: {{PORT: 8081}}\n    replicas: 1\n", "")
    plan = app.deploy(body=body)
    assert [(c.action, c.kind, c.name) for c in plan.changes] == [("delete", "Deployment", "worker")]
    assert "deploy/worker" not in versions(kubernetes, app.namespace, app.name)
    assert app.deploy(body=body).empty


def test_deploy_env_change_keeps_a_replica_answering(app: App, kubernetes: Any) -> None:
    """Through the Service's ClusterIP (reachable from the host through kube-proxy), requests
    made all through a rolling update of 2 replicas are all answered."""
    app.deploy(replicas=2)
    app.adapter.wait(app.name, WAIT)
    ip = client.CoreV1Api(kubernetes).read_namespaced_service("web", app.namespace).spec.cluster_ip
    url = f"http://{ip}:8080/env"
    wait_for(lambda: http_get(url)[0] == 200, 30, "the web Service")
    answers: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                status, body = http_get(url, timeout=2)
                answers.append("new" if "GREETING=changed" in body else "old" if status == 200 else str(status))
            except OSError as e:
                answers.append(f"error {e}")
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        app.deploy(replicas=2, greeting="changed")
        app.adapter.wait(app.name, WAIT)
        time.sleep(3)  # the old pods' endpoints go after they are told to stop
    finally:
        stop.set()
        poller.join()
    assert [a for a in answers if a not in ("old", "new")] == []
    assert answers[-1] == "new" and "old" in answers


BROKEN = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  missing:
    image: crossdock-test/missing:1.0
  crash:
    image: {job}
    env: {{EXIT_CODE: "3"}}
  pinned:
    image: {httpd}
    placement: {{constraints: {{disk: ssd}}}}
  fine:
    image: {httpd}
"""


def test_wait_names_each_failing_service_with_the_platforms_reason(app: App) -> None:
    app.adapter.deploy(*app.render(text=BROKEN.format(app=app.name, job=JOB_IMAGE, httpd=HTTPD_IMAGE)))
    with pytest.raises(DeployFailed) as err:
        app.adapter.wait(app.name, 25)
    f = err.value.failures
    assert set(f) == {"missing", "crash", "pinned"}, f
    assert "ErrImagePull" in f["missing"] or "ImagePullBackOff" in f["missing"], f["missing"]
    assert "code 3" in f["crash"], f["crash"]
    assert "Unschedulable" in f["pinned"] and "node affinity/selector" in f["pinned"], f["pinned"]
    assert "rolled back" not in str(err.value)  # auto_rollback is off by default
    # wait() fails at the first crash; the kubelet's restart that status counts can come a moment
    # later on a loaded machine (a fresh-clone CI run saw restarts=0 once): poll the platform's view.
    def restarted() -> dict[str, Any] | None:
        workloads = {w.name: w for w in app.adapter.status(app.name).workloads}
        return workloads if workloads["crash"].instances[0].restarts >= 1 else None

    by_name = wait_for(restarted, 30, "the crashing container's restart counted")
    assert by_name["pinned"].instances[0].node is None


def test_logs_of_each_pod_and_followed(app: App, get_from_web: Callable[[App, str], str]) -> None:
    app.deploy(replicas=2)
    app.adapter.wait(app.name, WAIT)
    lines = list(app.adapter.logs(app.name, "web"))
    assert {line.split(": ", 1)[0] for line in lines} == {
        i.id for w in app.adapter.status(app.name).workloads if w.name == "web" for i in w.instances}
    assert any("GET /healthz -> 200" in line for line in lines)
    app.deploy(replicas=1)
    app.adapter.wait(app.name, WAIT)
    wait_for(lambda: len([w for w in app.adapter.status(app.name).workloads
                          if w.name == "web" and len(w.instances) == 1]), 60, "one web pod")
    followed = app.adapter.logs(app.name, "web", follow=True)
    next(followed)  # the log is open from here on
    marker = uuid.uuid4().hex
    get_from_web(app, f"/hostname?m={marker}")
    assert any(marker in line for line, _ in zip(followed, range(500)))
    followed.close()


STATEFUL = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
volumes:
  data: {{size: 10Mi, per_replica: true}}
services:
  db:
    image: {httpd}
    replicas: 1
    volumes:
      - {{path: /data, volume: data}}
"""


def test_statefulset_rolls_out_keeps_its_claim_and_destroy_removes_it(app: App, kubernetes: Any) -> None:
    """The claim is provisioned by the local cluster's default StorageClass (scripts/platforms:
    the controller-manager's hostPath provisioner, reclaim policy Delete)."""
    render = lambda: app.render(text=STATEFUL.format(app=app.name, httpd=HTTPD_IMAGE))  # noqa: E731
    plan = app.adapter.deploy(*render())
    assert ("create", "StatefulSet", "db") in {(c.action, c.kind, c.name) for c in plan.changes}
    (db,) = app.adapter.wait(app.name, WAIT).workloads
    assert (db.kind, db.desired, db.healthy, db.instances[0].id) == ("service", 1, 1, "db-0")
    core = client.CoreV1Api(kubernetes)
    claim = core.read_namespaced_persistent_volume_claim("data-db-0", app.namespace)
    assert claim.status.phase == "Bound" and claim.spec.storage_class_name == "crossdock-hostpath"
    assert claim.status.capacity["storage"] == "10Mi"
    volume = claim.spec.volume_name
    # The claim carries the app's labels but is not in the bundle: a deploy must not prune it.
    assert app.adapter.plan(*render()).empty
    assert app.adapter.deploy(*render()).empty
    assert "PersistentVolumeClaim/data-db-0" in app.adapter.destroy(app.name)
    assert not core.list_namespaced_persistent_volume_claim(app.namespace).items
    wait_for(lambda: volume not in {v.metadata.name for v in core.list_persistent_volume().items}, 60,
             f"the provisioned volume {volume} to be deleted with its claim")
