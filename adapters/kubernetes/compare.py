"""Kubernetes in `crossdock compare` (``CompareHooks``, see adapters/compare/hooks.py).

A namespace of the run's own, unless the user names one: Kubernetes object names are not
prefixed with the app (a ConfigMap ``web-files``, a Service ``web``), so the test app could
collide with the user's app of the same spec in a shared namespace; the adapter would refuse,
and the comparison could not run.  A namespace created for the run, labelled, and deleted with
it touches nothing of the user's.

The service is reached on the nodePort of a NodePort or LoadBalancer Service of the workload
(``<svc>-public`` for a published port), which kube-proxy serves on 127.0.0.1 here.  Its
containers are killed through the local Docker Engine, where cri-dockerd labels them with the
pod's name and namespace and the container's name.
"""

from __future__ import annotations

import re
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from crossdock.adapters.compare.reach import Endpoint, NotReachable
from crossdock.errors import CrossdockError, PlatformTimeout
from crossdock.targets import Connection

if TYPE_CHECKING:  # the static comparison uses these hooks without loading the Kubernetes client
    from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
    from crossdock.adapters.kubernetes.conn import Conn
    from crossdock.translators.base import Bundle

LABEL = "crossdock.dev/compare"  # marks a namespace created by a comparison
_KIND = re.compile(r"^kind:", re.MULTILINE)
COLOR = "#326ce5"  # the Kubernetes logo's blue


class KubernetesCompare:
    color = COLOR

    def __init__(self, c: Connection) -> None:
        self._c = c
        self._own: str | None = None  # the run's own namespace, once versions chose it
        self._asked = False  # its creation was requested (it may exist even if the request failed)

    @cached_property
    def adapter(self) -> KubernetesAdapter:
        from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
        return KubernetesAdapter(namespace=self._c.namespace or self._own, context=self._c.context,
                                 kubeconfig=self._c.kubeconfig,
                                 poll_interval=1.0 if self._c.poll_interval is None else self._c.poll_interval)

    @property
    def namespace(self) -> str | None:
        return self._c.namespace or self._own or self.adapter.namespace

    def versions(self, own_namespace: str) -> dict[str, str]:
        if self._c.namespace is None:
            self._own = own_namespace
        conn = self.adapter.conn
        info = _versions(conn)
        if self._own is not None:
            self._asked = True
            create_namespace(conn, self._own)
        else:
            conn.request("reading the namespace", "GET", f"/api/v1/namespaces/{self.adapter.namespace}")
        return info

    def cleanup(self) -> list[str]:
        if not self._asked or self._own is None:
            return []
        try:
            conn = self.adapter.conn
            if conn.request("reading the namespace", "GET", f"/api/v1/namespaces/{self._own}",
                            missing_ok=True) is not None:
                conn.request(f"deleting namespace {self._own}", "DELETE", f"/api/v1/namespaces/{self._own}",
                             query={"propagationPolicy": "Background"})  # Kubernetes finishes it in the background
        except CrossdockError as e:
            return [f"namespace {self._own}: {e}"]
        return []

    def endpoint(self, app: str, service: str, port: int, port_name: str | None, probe_path: str) -> Endpoint:
        """The nodePort of a Service of ``service`` that exposes ``port``."""
        from crossdock.adapters.kubernetes.conn import owner_selector

        listed = self.adapter.conn.request("listing services", "GET", f"/api/v1/namespaces/{self.adapter.namespace}/services",
                                           query={"labelSelector": owner_selector(app, service)})
        for svc in sorted(listed.get("items", []), key=lambda s: not s["metadata"]["name"].endswith("-public")):
            for p in svc["spec"].get("ports") or []:
                target = p.get("targetPort")
                if p.get("nodePort") and (target == port or (port_name and target == port_name) or p.get("port") == port):
                    name = svc["metadata"]["name"]
                    url = f"http://127.0.0.1:{p['nodePort']}"
                    return Endpoint(f"Kubernetes: nodePort {p['nodePort']} of Service {name} ({svc['spec']['type']}) "
                                    "on 127.0.0.1, served by kube-proxy", lambda: [url])
        raise NotReachable(f"no NodePort or LoadBalancer Service of {service} exposes port {port}: this machine "
                           "cannot call it (publish the port in the spec)")

    def kill_filters(self, instance: str, container: str) -> list[dict[str, Any]]:
        return [{"label": [f"io.kubernetes.pod.name={instance}", f"io.kubernetes.pod.namespace={self.namespace}",
                           f"io.kubernetes.container.name={container}"], "status": "running"}]

    def config_files(self, bundle: Bundle) -> dict[str, str]:
        return dict(bundle.files)

    def count_objects(self, bundle: Bundle) -> int:
        """The manifests' documents (one ``kind:`` each)."""
        return sum(len(_KIND.findall(t)) for p, t in bundle.files.items() if p.endswith((".yaml", ".yml")))


def _versions(conn: Conn) -> dict[str, str]:
    """API server and node facts. Raises PlatformError."""
    v = conn.request("reading the server version", "GET", "/version")
    nodes = conn.request("listing nodes", "GET", "/api/v1/nodes").get("items", [])
    out = {"server": f"Kubernetes {v.get('gitVersion')}", "nodes": str(len(nodes))}
    for n in nodes[:3]:
        ni = (n.get("status") or {}).get("nodeInfo") or {}
        out[f"node {n['metadata']['name']}"] = (f"kubelet {ni.get('kubeletVersion')}, "
                                                f"{ni.get('containerRuntimeVersion')}, {ni.get('osImage')}")
    return out


def create_namespace(conn: Conn, name: str, timeout: float = 60.0) -> None:
    """Create ``name`` and wait for its default ServiceAccount (pods are refused before it
    exists). Raises PlatformError."""
    conn.request(f"creating namespace {name}", "POST", "/api/v1/namespaces", body={
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": {LABEL: "true", "app.kubernetes.io/managed-by": "crossdock"}}})
    deadline = time.monotonic() + timeout
    while True:
        found = conn.request("listing service accounts", "GET", f"/api/v1/namespaces/{name}/serviceaccounts")
        if any(sa["metadata"]["name"] == "default" for sa in found.get("items", [])):
            return
        if time.monotonic() > deadline:
            raise PlatformTimeout(f"namespace {name} got no default ServiceAccount within {timeout:.0f}s")
        time.sleep(0.2)

