"""Helpers of the end-to-end suite (tests/e2e/test_e2e.py): the test spec, one deployed app per
target (render, deploy, reach over HTTP, list what the platform holds for it) and the prober.

HTTP goes to 127.0.0.1 only.  Swarm has no routing mesh on these machines: the web service
publishes port 8080 in host mode *without* a published port (an ``x-swarm`` block), so each
task gets its own port on 127.0.0.1 (dockerd binds 127.0.0.1) and a start-first rolling
update can run two tasks at once; the test finds the ports from the task containers.
Kubernetes: the Service is patched into a NodePort (an ``x-kubernetes`` patch), which
kube-proxy serves on 127.0.0.1, so traffic follows the Service's ready endpoints.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client

from platforms_fixtures import HTTPD_IMAGE, JOB_IMAGE, KUBECONFIG, http_get
from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.adapters.model import AppStatus, Plan, WorkloadStatus
from crossdock.adapters.swarm.adapter import SwarmAdapter
from crossdock.specs.loader import load
from crossdock.translators.base import get

TOKEN = "e2e-token-7f3a"
CONF = "color = blue\nsize = 3\n"
SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
secrets:
  token: {{from_file: token.txt}}
services:
  web:
    image: {httpd}
    env: {{MESSAGE: "{message}", PORT: 8080}}
    replicas: {replicas}
    files:
      - {{path: /etc/e2e/app.conf, content: "color = blue\\nsize = 3\\n"}}
    secrets:
      - {{secret: token, path: /run/secrets/token}}
    ports:
      - {{name: http, port: 8080}}
    health:
      readiness:
        http: {{path: {health}, port: http}}
        interval: 1s
        timeout: 1s
        retries: 1
    update: {{parallelism: 1, surge: 1, wait_healthy: true, deadline: 20s, auto_rollback: true}}
    x-swarm:
      ports: [{{target: 8080, protocol: tcp, mode: host}}]
      stop_grace_period: 1s
    x-kubernetes:
      spec: {{template: {{spec: {{terminationGracePeriodSeconds: 3}}}}}}
jobs:
  once:
    image: {job}
    env: {{MESSAGE: e2e-job-ran}}
x-kubernetes:
  patches:
    - {{kind: Service, name: web, patch: {{spec: {{type: NodePort, ports: [{{name: http, port: 8080, nodePort: {node_port}}}]}}}}}}
"""
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
STACK_NS = "com.docker.stack.namespace"


@dataclass
class E2EApp:
    """One app on one target, kept across the steps of the module."""

    target: str
    adapter: Any
    dir: Path
    platform: Any  # docker.DockerClient or kubernetes ApiClient
    namespace: str | None = None
    name: str = field(default_factory=lambda: f"cde{uuid.uuid4().hex[:8]}")
    node_port: int = field(default_factory=lambda: random.randint(30100, 32700))
    foreign: str = ""  # "kind:name" of the foreign object beside the app
    failed: list[str] = field(default_factory=list)  # steps that failed, for later steps to skip

    def deploy(self, message: str = "v1", replicas: int = 1, health: str = "/healthz") -> Plan:
        (self.dir / "token.txt").write_text(TOKEN)
        (self.dir / "app.yaml").write_text(SPEC.format(
            app=self.name, httpd=HTTPD_IMAGE, job=JOB_IMAGE, message=message, replicas=replicas,
            health=health, node_port=self.node_port))
        spec = load(str(self.dir / "app.yaml"))
        return self.adapter.deploy(spec, get(self.target).translate(spec))  # type: ignore[no-any-return]

    def workload(self, status: AppStatus, name: str) -> WorkloadStatus:
        found = [w for w in status.workloads if w.name == name]
        assert found, f"no workload {name} in {status}"
        return found[0]

    # ------------------------------------------------------------------ reaching the service

    def endpoints(self) -> list[str]:
        """Base URLs on 127.0.0.1 that reach the web service: the NodePort on Kubernetes,
        each running task's own host port on Swarm."""
        if self.target == "kubernetes":
            return [f"http://127.0.0.1:{self.node_port}"]
        out = []
        for c in self.platform.api.containers(filters={"label": f"com.docker.swarm.service.name={self.name}_web"}):
            for p in c.get("Ports") or []:
                # IPv4 bindings only: the engine may also bind [::] on another port
                if p.get("PrivatePort") == 8080 and p.get("PublicPort") and p.get("IP") in ("0.0.0.0", "127.0.0.1"):
                    out.append(f"http://127.0.0.1:{p['PublicPort']}")
        return sorted(set(out))

    def get_all(self, path: str) -> list[tuple[int, str]]:
        """GET ``path`` from every endpoint (raises OSError if one does not answer)."""
        return [http_get(base + path, timeout=3.0) for base in self.endpoints()]

    # ------------------------------------------------------------------ what the platform holds

    def leftovers(self) -> dict[str, list[str]]:
        """Every platform object carrying the app's part-of label (or, on Swarm, its stack
        namespace label), by kind."""
        if self.target == "swarm":
            api = self.platform.api
            out: dict[str, list[str]] = {}
            for flt in ({"label": f"{STACK_NS}={self.name}"}, {"label": f"{PART_OF}={self.name}"}):
                found = {
                    "services": [s["Spec"]["Name"] for s in api.services(filters=flt)],
                    "configs": [c["Spec"]["Name"] for c in api.configs(filters=flt)],
                    "secrets": [s["Spec"]["Name"] for s in api.secrets(filters=flt)],
                    "networks": [n["Name"] for n in api.networks(filters=flt)],
                    "containers": [c["Names"][0] for c in api.containers(all=True, filters=flt)],
                    "volumes": [v["Name"] for v in api.volumes(filters=flt).get("Volumes") or []],
                }
                for k, v in found.items():
                    out[k] = sorted(set(out.get(k, [])) | set(v))
            return {k: v for k, v in out.items() if v}
        assert self.namespace
        sel, ns = f"{PART_OF}={self.name}", self.namespace
        core = client.CoreV1Api(self.platform)
        apps = client.AppsV1Api(self.platform)
        batch = client.BatchV1Api(self.platform)
        disc = client.DiscoveryV1Api(self.platform)
        found = {
            "configmaps": core.list_namespaced_config_map(ns, label_selector=sel).items,
            "secrets": core.list_namespaced_secret(ns, label_selector=sel).items,
            "services": core.list_namespaced_service(ns, label_selector=sel).items,
            "pods": core.list_namespaced_pod(ns, label_selector=sel).items,
            "deployments": apps.list_namespaced_deployment(ns, label_selector=sel).items,
            "replicasets": apps.list_namespaced_replica_set(ns, label_selector=sel).items,
            "daemonsets": apps.list_namespaced_daemon_set(ns, label_selector=sel).items,
            "jobs": batch.list_namespaced_job(ns, label_selector=sel).items,
            "endpointslices": disc.list_namespaced_endpoint_slice(ns, label_selector=sel).items,
        }
        return {k: sorted(o.metadata.name for o in v) for k, v in found.items() if v}

    def add_foreign(self) -> str:
        """A foreign object beside the app, close enough to be mistaken for it: it carries the
        app's part-of label (and on Swarm its stack namespace) but is not managed by crossdock."""
        labels = {PART_OF: self.name, MANAGED_BY: "someone-else"}
        if self.target == "swarm":
            name = f"{self.name}_foreign"
            self.platform.api.create_config(name, b"not crossdock's", labels=labels | {STACK_NS: self.name})
            return f"configs:{name}"
        client.CoreV1Api(self.platform).create_namespaced_config_map(self.namespace, client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="foreign", labels=labels), data={"k": "not crossdock's"}))
        return "configmaps:foreign"

    def cleanup(self) -> None:
        """Best effort, after the steps (also when they failed)."""
        try:
            self.adapter.destroy(self.name)
        except Exception:  # noqa: BLE001 - cleanup goes on regardless
            pass
        if self.target == "swarm":
            subprocess.run(["docker", "stack", "rm", self.name], capture_output=True, check=False)
            for c in self.platform.api.configs(filters={"label": f"{STACK_NS}={self.name}"}):
                try:
                    self.platform.api.remove_config(c["ID"])
                except Exception:  # noqa: BLE001
                    pass
        else:
            assert self.namespace
            client.CoreV1Api(self.platform).delete_namespace(self.namespace, propagation_policy="Background",
                                                            grace_period_seconds=0)


def container_lines(app: E2EApp, kubectl: Any, service: str, script: str) -> list[str]:
    """The output lines of ``sh -c script`` run inside the (one) container of ``service``: a
    docker exec on Swarm, ``kubectl exec`` on Kubernetes."""
    if app.target == "swarm":
        (c,) = app.platform.api.containers(filters={"label": f"com.docker.swarm.service.name={app.name}_{service}"})
        code, out = app.platform.containers.get(c["Id"]).exec_run(["sh", "-c", script])
        assert code == 0, out
        return str(out.decode()).split("\n")[:-1]
    (pod,) = client.CoreV1Api(app.platform).list_namespaced_pod(
        app.namespace, label_selector=f"{PART_OF}={app.name},app.kubernetes.io/name={service}").items
    return str(kubectl("-n", app.namespace, "exec", pod.metadata.name, "--", "sh", "-c", script).stdout).split("\n")[:-1]


def app_of_param(request: Any, tmp: Path) -> Iterator[E2EApp]:
    """The body of a fixture parametrized by target name: its app, cleaned up afterwards."""
    target = str(request.param)
    a = make_app(target, request.getfixturevalue(target), tmp)
    try:
        yield a
    finally:
        a.cleanup()


def make_app(target: str, platform: Any, tmp: Path) -> E2EApp:
    if target == "swarm":
        return E2EApp(target, SwarmAdapter(client=platform, poll_interval=0.5), tmp, platform)
    ns = f"cde-{uuid.uuid4().hex[:10]}"
    core = client.CoreV1Api(platform)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
        name=ns, labels={"crossdock.test/fixture": "true"})))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # pods are refused until the default ServiceAccount exists
        try:
            core.read_namespaced_service_account("default", ns)
            break
        except client.exceptions.ApiException:
            time.sleep(0.5)
    adapter = KubernetesAdapter(namespace=ns, kubeconfig=str(KUBECONFIG), poll_interval=0.5)
    return E2EApp(target, adapter, tmp, platform, namespace=ns)


class Prober(threading.Thread):
    """Calls ``/`` on the app's endpoints at a fixed rate (every ``period`` s) until stopped, at
    most ``max_rounds`` rounds and ``max_seconds`` s.  A round succeeds when some endpoint
    answers 200; when none does, the endpoints are looked up again (a replica may just have
    moved to a new port) and tried once more before the round counts as an outage."""

    def __init__(self, app: E2EApp, period: float = 0.1, max_rounds: int = 1500, max_seconds: float = 150.0) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.period = period
        self.max_rounds = max_rounds
        self.max_seconds = max_seconds
        self.stop = threading.Event()
        self.rounds = 0
        self.outages: list[str] = []
        self.bodies: list[str] = []  # what answered, in order

    def _round(self, bases: list[str]) -> str | None:
        for base in bases:
            try:
                status, body = http_get(base + "/", timeout=2.0)
            except OSError:
                continue
            if status == 200:
                return body
        return None

    def run(self) -> None:
        start = time.monotonic()
        bases = self.app.endpoints()
        while not self.stop.is_set() and self.rounds < self.max_rounds and time.monotonic() - start < self.max_seconds:
            t0 = time.monotonic()
            body = self._round(bases)
            if body is None:
                bases = self.app.endpoints()
                body = self._round(bases)
            self.rounds += 1
            if body is None:
                self.outages.append(f"round {self.rounds} at {t0 - start:.1f}s: no replica answered on {bases}")
            else:
                self.bodies.append(body)
            self.stop.wait(max(0.0, self.period - (time.monotonic() - t0)))
