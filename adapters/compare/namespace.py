"""A Kubernetes namespace of the comparison's own, unless the user names one.

Kubernetes object names are not prefixed with the app (a ConfigMap ``web-files``, a Service
``web``), so the test app could collide with the user's app of the same spec in a shared
namespace; the adapter would refuse, and the comparison could not run.  A namespace created
for the run, labelled, and deleted with it touches nothing of the user's.
"""

from __future__ import annotations

import time
from typing import Any

from crossdock.errors import PlatformTimeout

LABEL = "crossdock.dev/compare"


def create(conn: Any, name: str, timeout: float = 60.0) -> None:
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


def delete(conn: Any, name: str) -> None:
    """Delete the namespace (Kubernetes finishes it in the background). Raises PlatformError."""
    conn.request(f"deleting namespace {name}", "DELETE", f"/api/v1/namespaces/{name}",
                 query={"propagationPolicy": "Background"})
