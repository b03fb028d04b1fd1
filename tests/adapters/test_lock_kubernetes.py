"""The deploy lock of the Kubernetes adapter (Lease ``crossdock-<app>``) on the real local
cluster (scripts/platforms): concurrent deploys, a deploy killed with SIGKILL, stale leases."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from platforms_fixtures import HTTPD_IMAGE, KUBECONFIG
from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.adapters.kubernetes.lock import LeaseLock
from crossdock.adapters.lock import Holder
from crossdock.errors import PlatformRejected
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get

pytestmark = pytest.mark.platform
SERVICES = 6


def render(tmp_path: Path, app: str, n: int = SERVICES) -> tuple[LoadedSpec, Bundle]:
    lines = ["apiVersion: crossdock/v1", "kind: App", f"metadata: {{name: {app}}}", "services:"]
    lines += [f"  svc{i}: {{image: '{HTTPD_IMAGE}', replicas: 1, env: {{PORT: '8080'}}}}" for i in range(n)]
    (tmp_path / "app.yaml").write_text("\n".join(lines) + "\n")
    spec = load(str(tmp_path / "app.yaml"))
    return spec, get("kubernetes").translate(spec)


def deployments(kubernetes: Any, ns: str, app: str) -> set[str]:
    items = client.AppsV1Api(kubernetes).list_namespaced_deployment(
        ns, label_selector=f"app.kubernetes.io/part-of={app}").items
    return {d.metadata.name for d in items}


def lease(kubernetes: Any, ns: str, app: str) -> Any:
    leases = client.CoordinationV1Api(kubernetes).list_namespaced_lease(ns).items
    return next((x for x in leases if x.metadata.name == f"crossdock-{app}"), None)


@pytest.fixture
def adapter(kubernetes: Any, k8s_namespace: str) -> KubernetesAdapter:
    return KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG), poll_interval=0.5)


def test_lock_kubernetes_concurrent_deploy_refused(adapter: KubernetesAdapter, kubernetes: Any,
                                                   k8s_namespace: str, tmp_path: Path) -> None:
    app = f"cdt{uuid.uuid4().hex[:8]}"
    spec, bundle = render(tmp_path, app)
    inside, go_on = threading.Event(), threading.Event()
    real = adapter._apply

    def blocking(doc: Any, kind: Any, dry_run: bool) -> Any:
        if not dry_run:
            inside.set()
            assert go_on.wait(60)
        return real(doc, kind, dry_run)

    adapter._apply = blocking  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def first() -> None:
        try:
            adapter.deploy(spec, bundle)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(60)
    held = lease(kubernetes, k8s_namespace, app)
    assert held is not None and held.spec.lease_duration_seconds >= 100
    other = KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG))
    with pytest.raises(PlatformRejected, match=rf"another crossdock deploy of {app} is running \(holder "
                                               rf"{re.escape(held.spec.holder_identity)}, since "):
        other.deploy(spec, bundle)
    go_on.set()
    t.join(120)
    assert not errors
    assert deployments(kubernetes, k8s_namespace, app) == {f"svc{i}" for i in range(SERVICES)}
    assert lease(kubernetes, k8s_namespace, app) is None
    assert other.plan(spec, bundle).empty


def test_lock_kubernetes_gone_after_failed_deploy_and_stale_taken_over(
        adapter: KubernetesAdapter, kubernetes: Any, k8s_namespace: str, tmp_path: Path) -> None:
    app = f"cdt{uuid.uuid4().hex[:8]}"
    spec, bundle = render(tmp_path, app, 2)
    real = adapter._apply

    def broken(doc: Any, kind: Any, dry_run: bool) -> Any:
        if not dry_run:
            raise RuntimeError("boom in the middle of a deploy")
        return real(doc, kind, dry_run)

    adapter._apply = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="boom"):
        adapter.deploy(spec, bundle)
    assert lease(kubernetes, k8s_namespace, app) is None
    adapter._apply = real  # type: ignore[method-assign]
    old = time.time() - 600
    assert LeaseLock(adapter.conn, k8s_namespace, app).create(Holder("deadhost+1+abcd", old, old + 120))
    adapter.deploy(spec, bundle)
    assert adapter.last_lock_note and f"took over the stale deploy lock of {app}" in adapter.last_lock_note
    assert "deadhost+1+abcd" in adapter.last_lock_note
    assert lease(kubernetes, k8s_namespace, app) is None
    assert deployments(kubernetes, k8s_namespace, app) == {"svc0", "svc1"}


CHILD = """
import sys, threading, time
from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.specs.loader import load
from crossdock.translators.base import get
spec = load({spec!r})
a = KubernetesAdapter(namespace={ns!r}, kubeconfig={kubeconfig!r})
a.lock_ttl = 3.0
real = a._apply
# applies go out side by side (Conn.gather): the first three go through, every later one
# blocks before it reaches the server, so the kill lands with half of the app applied
guard = threading.Lock()
started, done = [0], [0]
def slow(doc, kind, dry_run):
    if dry_run:
        return real(doc, kind, dry_run)
    with guard:
        started[0] += 1
        mine = started[0]
    if mine > 3:
        time.sleep(600)
    out = real(doc, kind, dry_run)
    with guard:
        done[0] += 1
        if done[0] == 3:
            print("HALFWAY", flush=True)
    return out
a._apply = slow
a.deploy(spec, get("kubernetes").translate(spec))
"""


def test_lock_kubernetes_killed_deploy_converges(adapter: KubernetesAdapter, kubernetes: Any,
                                                 k8s_namespace: str, tmp_path: Path) -> None:
    app = f"cdt{uuid.uuid4().hex[:8]}"
    spec, bundle = render(tmp_path, app)
    code = CHILD.format(spec=str(tmp_path / "app.yaml"), ns=k8s_namespace, kubeconfig=str(KUBECONFIG))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "HALFWAY"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    half = deployments(kubernetes, k8s_namespace, app)
    assert 0 < len(half) < SERVICES
    assert lease(kubernetes, k8s_namespace, app) is not None
    deadline = time.monotonic() + 30
    while True:
        try:
            adapter.deploy(spec, bundle)
            break
        except PlatformRejected as e:  # the killed deploy's lease is still live: expires in 3 s
            assert "another crossdock deploy" in str(e)
            assert time.monotonic() < deadline
            time.sleep(0.5)
    assert adapter.last_lock_note and f"took over the stale deploy lock of {app}" in adapter.last_lock_note
    assert deployments(kubernetes, k8s_namespace, app) == {f"svc{i}" for i in range(SERVICES)}
    assert lease(kubernetes, k8s_namespace, app) is None
    assert adapter.plan(spec, bundle).empty


def test_lock_kubernetes_renewal_compare_and_set(adapter: KubernetesAdapter, kubernetes: Any,
                                                 k8s_namespace: str) -> None:
    from crossdock.adapters.lock import acquire
    app = f"cdt{uuid.uuid4().hex[:8]}"
    lock = acquire(app, LeaseLock(adapter.conn, k8s_namespace, app), ttl=60)
    before = lock.holder
    time.sleep(1.1)
    lock.renew()
    assert lock.holder.expires > before.expires and lock.holder.version != before.version
    assert LeaseLock(adapter.conn, k8s_namespace, app).replace(before, before) is None  # stale resourceVersion
    lease_now = lease(kubernetes, k8s_namespace, app)
    assert lease_now.spec.holder_identity == before.identity and lease_now.spec.lease_duration_seconds >= 58
    assert lease_now.metadata.labels["app.kubernetes.io/managed-by"] == "crossdock"
    lock.release()
    assert lease(kubernetes, k8s_namespace, app) is None
