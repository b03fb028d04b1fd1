"""The Kubernetes adapter's connection: kubeconfig or in-cluster config, raw JSON requests, and
the one place where the client's exceptions become crossdock errors.

Requests go through ``ApiClient.param_serialize`` / ``call_api`` with resource paths and plain
JSON (dicts), not through the generated typed APIs: server-side apply, dry runs and generic
listing by label work the same for every kind, and nothing is deserialized into models only to
be turned back into dicts.  The kinds crossdock renders are known (``KINDS``); any other kind
an escape-hatch ``resources`` entry adds is resolved by the same rule the API uses for the
built-in ones (lower-case plural), which the API server confirms or rejects.
"""

from __future__ import annotations

import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NoReturn, Sequence, TypeVar

import urllib3
from crossdock.adapters.kubernetes.client import ApiException, ConfigException, OpenApiException, client, config
from crossdock.errors import (
    PlatformError,
    PlatformForbidden,
    PlatformRejected,
    PlatformTimeout,
    PlatformUnauthorized,
    PlatformUnreachable,
)

MANAGED_BY = "app.kubernetes.io/managed-by"
PART_OF = "app.kubernetes.io/part-of"
NAME = "app.kubernetes.io/name"
FIELD_MANAGER = "crossdock"
# (connect, read) seconds per request: a local or remote API server answers a list or an
# apply in well under a second; 30 s read leaves room for a loaded control plane.
REQUEST_TIMEOUT = (5.0, 30.0)
_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
# Requests that do not depend on each other (a plan's reads and dry runs, a status's lists) go
# out side by side: each waits mostly on the API server, so 8 in flight turn ~30 sequential
# round trips of a deploy into a handful, without loading a small control plane much.
PARALLEL = 8
T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """Where the API serves one kind: ``/<prefix>/namespaces/<ns>/<plural>``."""

    api_version: str
    kind: str
    plural: str

    @property
    def prefix(self) -> str:
        return f"/api/{self.api_version}" if "/" not in self.api_version else f"/apis/{self.api_version}"

    def path(self, namespace: str, name: str | None = None) -> str:
        base = f"{self.prefix}/namespaces/{namespace}/{self.plural}"
        return base if name is None else f"{base}/{name}"


# What the translator renders, in the order objects are pruned last-to-first (workloads go
# before the config and secrets they mount).
KINDS: tuple[Kind, ...] = (
    Kind("v1", "ConfigMap", "configmaps"),
    Kind("v1", "Secret", "secrets"),
    Kind("v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
    Kind("v1", "Service", "services"),
    Kind("apps/v1", "Deployment", "deployments"),
    Kind("apps/v1", "StatefulSet", "statefulsets"),
    Kind("apps/v1", "DaemonSet", "daemonsets"),
    Kind("batch/v1", "Job", "jobs"),
    Kind("batch/v1", "CronJob", "cronjobs"),
    Kind("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    Kind("networking.k8s.io/v1", "Ingress", "ingresses"),
)
_BY_KIND = {(k.api_version, k.kind): k for k in KINDS}
PODS = Kind("v1", "Pod", "pods")
EVENTS = Kind("v1", "Event", "events")
REPLICA_SETS = Kind("apps/v1", "ReplicaSet", "replicasets")


def kind_of(api_version: str, kind: str) -> Kind:
    """The API location of a kind; kinds crossdock does not render get the API's plural rule."""
    known = _BY_KIND.get((api_version, kind))
    if known is not None:
        return known
    lower = kind.lower()
    plural = lower + "es" if lower.endswith(("s", "x", "ch")) else (
        lower[:-1] + "ies" if lower.endswith("y") else lower + "s")
    return Kind(api_version, kind, plural)


def owner_selector(app: str, workload: str | None = None) -> str:
    """The label selector of everything crossdock created for ``app`` (or one workload of it)."""
    sel = f"{MANAGED_BY}=crossdock,{PART_OF}={app}"
    return sel if workload is None else f"{sel},{NAME}={workload}"


def connect(kubeconfig: str | None, context: str | None) -> tuple[client.ApiClient, str | None, str]:
    """An ApiClient, the namespace the configuration names (or None) and where it came from.

    Order: an explicit ``kubeconfig``; else KUBECONFIG / ~/.kube/config when it exists; else the
    in-cluster service account (inside a pod).  Raises PlatformError when none is usable."""
    cfg = client.Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or None
    default = Path.home() / ".kube" / "config"
    try:
        if path or default.exists() or context or "KUBERNETES_SERVICE_HOST" not in os.environ:
            file = path or str(default)
            config.load_kube_config(config_file=file, context=context, client_configuration=cfg,
                                    persist_config=False)  # type: ignore[no-untyped-call]
            namespace = _context_namespace(file, context)
            source = f"kubeconfig {file}" + (f" (context {context})" if context else "")
        else:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            namespace = _SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else None
            source = "in-cluster service account"
    except (ConfigException, OSError, ValueError, TypeError, KeyError) as e:
        raise PlatformError(f"cannot load the Kubernetes configuration: {e} (set KUBECONFIG, "
                            f"--kubeconfig or --context)") from e
    cfg.retries = 1  # one retry on a dropped connection; an unreachable server fails fast
    return client.ApiClient(cfg), namespace, source


def _context_namespace(file: str, context: str | None) -> str | None:
    contexts, active = config.list_kube_config_contexts(config_file=file)  # type: ignore[no-untyped-call]
    chosen = active if context is None else next((c for c in contexts if c.get("name") == context), None)
    ns = ((chosen or {}).get("context") or {}).get("namespace")
    return str(ns) if ns else None


class Conn:
    """Raw JSON requests to one API server, every failure a crossdock error; counts calls."""

    def __init__(self, api: client.ApiClient, where: str) -> None:
        self.api = api
        self.where = where
        self.calls = 0
        self._count = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def gather(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """Run independent requests side by side; their results in order.  Every call finishes
        before this returns; then the first failure, in the order given, is raised (so the
        error a person sees does not depend on timing)."""
        if len(calls) <= 1:
            return [c() for c in calls]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="crossdock-k8s")
        futures = [self._pool.submit(c) for c in calls]
        errors = [f.exception() for f in futures]
        for e in errors:
            if e is not None:
                raise e
        return [f.result() for f in futures]

    def request(self, what: str, method: str, path: str, *, query: Mapping[str, Any] | None = None,
                body: Any = None, content_type: str | None = None, missing_ok: bool = False,
                stream: bool = False) -> Any:
        """Send one request; returns the decoded JSON (None for 404 when ``missing_ok``), or
        the open response when ``stream``.  Raises PlatformUnreachable, PlatformUnauthorized,
        PlatformForbidden, PlatformRejected (with the API server's message), PlatformTimeout,
        PlatformError."""
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        params = [(k, v) for k, v in (query or {}).items() if v is not None]
        with self._count:
            self.calls += 1
        try:
            m, url, hdrs, data, post = self.api.param_serialize(
                method=method, resource_path=path, query_params=params, header_params=headers,
                body=body, auth_settings=["BearerToken"])
            resp = self.api.call_api(m, url, hdrs, data, post,
                                     _request_timeout=None if stream else REQUEST_TIMEOUT)
            if stream and 200 <= resp.status < 300:
                return resp.response
            raw: bytes = resp.read()  # type: ignore[no-untyped-call]
        except ApiException as e:
            raise_for(what, self.where, e.status or 0, e.body or e.reason or "", e)
        except urllib3.exceptions.HTTPError as e:
            raise_transport(what, self.where, e)
        except OpenApiException as e:
            raise PlatformError(f"{what}: the Kubernetes client refused the request: {e}") from e
        if resp.status == 404 and missing_ok:
            return None
        if not 200 <= resp.status < 300:
            body = raw.decode(errors="replace")
            # What the generated APIs would raise, kept as the cause for whoever debugs.
            cause = ApiException(status=resp.status, reason=resp.reason, body=body)
            raise_for(what, self.where, resp.status, body, cause)
        return json.loads(raw) if raw else None

    def watch(self, what: str, path: str, selector: str, version: str, seconds: int) -> Iterator[dict[str, Any]]:
        """The events (``{"type": "ADDED"|"MODIFIED"|"DELETED", "object": ...}``) on the
        objects listed at ``path`` (by ``selector``) after the list ``version``, until the API
        server ends the watch after ``seconds`` or the caller stops reading.  One request, as
        ``kubectl rollout status`` makes.  Raises PlatformError, also for the API server's
        ERROR event (410 Gone when ``version`` is too old: list again)."""
        query = {"labelSelector": selector, "watch": "true", "resourceVersion": version,
                 "timeoutSeconds": str(max(1, seconds)), "allowWatchBookmarks": "false"}
        for line in self.stream_lines(what, path, query):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise PlatformError(f"{what}: the API server sent a watch event that is not JSON ({self.where})") from None
            if not isinstance(event, dict):
                raise PlatformError(f"{what}: the API server sent a watch event that is not an object ({self.where})")
            if event.get("type") == "ERROR":
                status = event.get("object") or {}
                raise_for(what, self.where, int(status.get("code") or 500), json.dumps(status), None)
            yield event

    def stream_lines(self, what: str, path: str, query: Mapping[str, Any]) -> Iterator[str]:
        """The lines of a streamed response (pod logs with follow). Raises PlatformError."""
        resp = self.request(what, "GET", path, query=query, stream=True)
        buf = b""
        try:
            for chunk in resp.stream(4096, decode_content=True):
                buf += chunk
                *lines, buf = buf.split(b"\n")
                yield from (line.decode(errors="replace") for line in lines)
        except urllib3.exceptions.HTTPError as e:
            raise_transport(what, self.where, e)
        finally:
            resp.close()  # a followed log never ends by itself: drop the connection, not reuse it
        if buf:
            yield buf.decode(errors="replace")


def _server_message(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:500]
    return str(data.get("message") or body).strip() if isinstance(data, dict) else body.strip()[:500]


def raise_for(what: str, where: str, status: int, body: str, cause: BaseException | None) -> NoReturn:
    """Raise the crossdock error for an HTTP status from the API server."""
    msg = _server_message(body)
    if status == 0:
        raise PlatformUnreachable(f"{what}: cannot reach the Kubernetes API server ({where}): {msg}") from cause
    if status == 401:
        raise PlatformUnauthorized(f"{what}: the Kubernetes API server refused our credentials ({where}); "
                                   f"renew the token or certificate in the kubeconfig") from cause
    if status == 403:
        raise PlatformForbidden(f"{what}: forbidden: {msg} (ask for RBAC permissions on this namespace)") from cause
    if status in (400, 404, 409, 410, 415, 422):
        hint = ""
        missing_ns = re.fullmatch(r'namespaces "([^"]+)" not found', msg)
        if status == 404 and missing_ns:
            # as kubectl apply, crossdock does not create namespaces: that takes cluster rights
            hint = (f" (create it first: kubectl create namespace {missing_ns.group(1)};"
                    f" or choose another with --namespace)")
        raise PlatformRejected(f"{what}: rejected by the Kubernetes API server: {msg}{hint}") from cause
    if status in (408, 504):
        raise PlatformTimeout(f"{what}: the Kubernetes API server timed out: {msg}") from cause
    raise PlatformError(f"{what}: the Kubernetes API server answered {status}: {msg}") from cause


def raise_transport(what: str, where: str, e: urllib3.exceptions.HTTPError) -> NoReturn:
    """Raise the crossdock error for a connection-level failure."""
    reason = getattr(e, "reason", None) or e
    if isinstance(e, (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.TimeoutError)) or \
            isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        raise PlatformTimeout(f"{what}: the Kubernetes API server ({where}) did not answer in time") from e
    raise PlatformUnreachable(f"{what}: cannot reach the Kubernetes API server ({where}): {reason} "
                              f"(is the cluster up, and the kubeconfig's server address right?)") from e
