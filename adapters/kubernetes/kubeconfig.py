"""Which cluster, credentials and namespace: chosen as kubectl chooses them, loaded by the
kubernetes client itself (``kubernetes.config``), which merges a ``KUBECONFIG`` list, runs
exec credential plugins, refreshes expiring tokens and reads a pod's service account.

Order: ``--kubeconfig FILE``; else every file of ``KUBECONFIG`` (``a:b``, merged first one
wins, as kubectl merges them); else ``~/.kube/config``; else, inside a pod
(``KUBERNETES_SERVICE_HOST`` set), the in-cluster service account.  ``--context`` picks a
context of the (merged) configuration.

The client writes certificate and key data embedded in a kubeconfig to temporary files and
removes them at interpreter exit (an ``atexit`` handler), so a command must end the ordinary
way: nothing of it stays in the temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from crossdock.adapters.kubernetes.client import ConfigException, client, config
from crossdock.errors import PlatformError

_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def _files(kubeconfig: str | None) -> str | None:
    """The kubeconfig file(s) to load (a ``KUBECONFIG``-style list), or None for in-cluster."""
    if kubeconfig:
        return kubeconfig
    listed = os.environ.get("KUBECONFIG", "")
    if any(listed.split(os.pathsep)):
        return listed
    default = Path.home() / ".kube" / "config"
    if default.exists() or "KUBERNETES_SERVICE_HOST" not in os.environ:
        return str(default)
    return None


def connect(kubeconfig: str | None, context: str | None) -> tuple[client.ApiClient, str | None, str]:
    """An ApiClient, the namespace the configuration names (or None) and where it came from.
    Raises PlatformError (one line, no traceback, nothing of the file's content) when no
    configuration is usable or ``context`` is not in it."""
    cfg = client.Configuration()
    files = _files(kubeconfig)
    try:
        if files is None and context is None:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            namespace = _SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else None
            source = "in-cluster service account"
        else:
            files = files or str(Path.home() / ".kube" / "config")
            chosen = context or _first_current_context(files)
            config.load_kube_config(config_file=files, context=chosen, client_configuration=cfg,
                                    persist_config=False)  # type: ignore[no-untyped-call]
            namespace = _context_namespace(files, chosen)
            source = f"kubeconfig {files}" + (f" (context {context})" if context else "")
    except (ConfigException, yaml.YAMLError, OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise PlatformError(f"cannot load the Kubernetes configuration: {_first_line(e)} (set KUBECONFIG, "
                            f"--kubeconfig or --context)") from e
    cfg.retries = 1  # one retry on a dropped connection; an unreachable server fails fast
    return client.ApiClient(cfg), namespace, source


def _first_current_context(files: str) -> str | None:
    """The ``current-context`` of a ``KUBECONFIG`` list as kubectl reads it: the first file to
    set one wins.  The client's merger keeps the last file's instead, so with ``a:b`` it would
    use another cluster than kubectl; everything else it merges as kubectl does."""
    paths = [p for p in files.split(os.pathsep) if p]
    if len(paths) < 2:
        return None
    for path in map(os.path.expanduser, paths):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
            if isinstance(doc, dict) and doc.get("current-context"):
                return str(doc["current-context"])
    return None


def _context_namespace(files: str, context: str | None) -> str | None:
    contexts: Any
    contexts, active = config.list_kube_config_contexts(config_file=files)  # type: ignore[no-untyped-call]
    chosen = active if context is None else next((c for c in contexts if c.get("name") == context), None)
    ns = ((chosen or {}).get("context") or {}).get("namespace")
    return str(ns) if ns else None


def _first_line(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]
