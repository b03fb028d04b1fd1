"""The Kubernetes adapter's connection: raw JSON requests, kinds resolved by discovery, watches
through the client's ``Watch``, and the one place where the client's exceptions become
crossdock errors.

Requests go through ``ApiClient.param_serialize`` / ``call_api`` with resource paths and plain
JSON (dicts), not through the generated typed APIs: server-side apply, dry runs and generic
listing by label work the same for every kind, and nothing is deserialized into models only to
be turned back into dicts.  Where each kind is served comes from the API server's discovery
(``kubernetes.discovery``), read once per process.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, Mapping, NoReturn, Sequence, TypeVar

import urllib3
from crossdock.adapters.kubernetes import discovery
from crossdock.adapters.kubernetes.client import ApiException, OpenApiException, client, watch
from crossdock.adapters.kubernetes.discovery import Kind
from crossdock.adapters.kubernetes.kubeconfig import connect
from crossdock.errors import (
    PlatformError,
    PlatformForbidden,
    PlatformRejected,
    PlatformTimeout,
    PlatformUnauthorized,
    PlatformUnreachable,
)

__all__ = ["Conn", "Kind", "connect", "owner_selector", "raise_for", "raise_transport"]

MANAGED_BY = "app.kubernetes.io/managed-by"
PART_OF = "app.kubernetes.io/part-of"
NAME = "app.kubernetes.io/name"
FIELD_MANAGER = "crossdock"
# (connect, read) seconds per request: a local or remote API server answers a list or an
# apply in well under a second; 30 s read leaves room for a loaded control plane.
REQUEST_TIMEOUT = (5.0, 30.0)
# Requests that do not depend on each other (a plan's reads and dry runs, a status's lists) go
# out side by side: each waits mostly on the API server, so 8 in flight turn ~30 sequential
# round trips of a deploy into a handful, without loading a small control plane much.
PARALLEL = 8
T = TypeVar("T")

# What the translator renders (apiVersion, kind), in the order objects are pruned last-to-first
# (workloads go before the config and secrets they mount).
KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
)
PODS = ("v1", "Pod")
EVENTS = ("v1", "Event")
REPLICA_SETS = ("apps/v1", "ReplicaSet")
DEPLOYMENTS = ("apps/v1", "Deployment")
LEASES = ("coordination.k8s.io/v1", "Lease")
APPLY = "application/apply-patch+yaml"
# What a YAML reader does not take raw in a quoted scalar: DEL and the C1 controls (not
# printable), the line breaks it folds into a space (NEL, LINE and PARAGRAPH SEPARATOR), the
# byte order mark, the non-characters U+FFFE/U+FFFF and lone surrogates.  All are in the BMP.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def yaml_body(doc: Any) -> bytes:
    r"""``doc`` as the body of an apply patch, which the API server reads with a YAML reader:
    JSON (valid YAML) in plain UTF-8.  ``json.dumps`` escapes a character outside the Basic
    Multilingual Plane as a surrogate pair (``\ud83d\udea2``), which that reader refuses
    (``found invalid Unicode character escape code``); raw, it reads it.  The characters it
    would fold or refuse raw (``_YAML_UNSAFE``) keep their ``\uXXXX`` escape, JSON's and YAML's."""
    text = json.dumps(doc, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def owner_selector(app: str, workload: str | None = None) -> str:
    """The label selector of everything crossdock created for ``app`` (or one workload of it)."""
    sel = f"{MANAGED_BY}=crossdock,{PART_OF}={app}"
    return sel if workload is None else f"{sel},{NAME}={workload}"


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

    def kind(self, kind: tuple[str, str], what: str = "") -> Kind:
        """Where ``(apiVersion, kind)`` is served, from discovery (read once per process and
        server; a failure to read it is reported as ``what``, the operation that needed it).
        Raises PlatformRejected when the server does not serve it, PlatformError."""
        return discovery.for_server(self.api.configuration.host).kind(self._discovery(what), *kind)

    def find(self, kind: tuple[str, str], what: str = "") -> Kind | None:
        """Like ``kind``, None when the server does not serve it. Raises PlatformError."""
        return discovery.for_server(self.api.configuration.host).find(self._discovery(what), *kind)

    def discover(self, path: str, accept: str, what: str = "") -> Any:
        """One discovery document (``accept`` chooses its form). Raises PlatformError."""
        return self.request(what or "reading the API discovery", "GET", path, accept=accept)

    def _discovery(self, what: str) -> discovery.Fetch:
        return lambda path, accept: self.discover(path, accept, what)

    def request(self, what: str, method: str, path: str, *, query: Mapping[str, Any] | None = None,
                body: Any = None, content_type: str | None = None, missing_ok: bool = False,
                stream: bool = False, accept: str = "application/json") -> Any:
        """Send one request; returns the decoded JSON (None for 404 when ``missing_ok``), or
        the open response when ``stream``.  A YAML body (an apply patch) is sent as
        ``yaml_body``.  Raises PlatformUnreachable, PlatformUnauthorized, PlatformForbidden,
        PlatformRejected (with the API server's message), PlatformTimeout, PlatformError."""
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
            if body is not None and "yaml" in content_type:
                body = yaml_body(body)  # the client would send json.dumps(body): see yaml_body
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
            text = raw.decode(errors="replace")
            # What the generated APIs would raise, kept as the cause for whoever debugs.
            cause = ApiException(status=resp.status, reason=resp.reason, body=text)
            raise_for(what, self.where, resp.status, text, cause)
        return json.loads(raw) if raw else None

    def watch(self, what: str, kind: Kind, namespace: str, selector: str, version: str,
              seconds: int) -> Iterator[dict[str, Any]]:
        """The events (``{"type": "ADDED"|"MODIFIED"|"DELETED", "object": ...}``, objects as
        dicts) on the objects of ``kind`` in ``namespace`` matching ``selector`` after the list
        ``version``, until the API server ends the watch after ``seconds`` or the caller stops
        reading.  One request, as ``kubectl rollout status`` makes, read by the client's
        ``Watch``.  Raises PlatformError, also for the API server's ERROR event (410 Gone when
        ``version`` is too old: list again)."""

        def listing(**kw: Any) -> Any:  # what Watch calls: a list with watch=true, unread
            query = {"labelSelector": kw["label_selector"], "watch": "true", "resourceVersion": kw["resource_version"],
                     "timeoutSeconds": str(kw["timeout_seconds"]), "allowWatchBookmarks": "false"}
            return self.request(what, "GET", kind.path(namespace), query=query, stream=True)

        # No return type on ``listing``: the Watch hands the objects over as dicts, not models.
        events = watch.Watch().stream(  # type: ignore[no-untyped-call]
            listing, label_selector=selector, resource_version=version, timeout_seconds=max(1, seconds))
        try:
            for event in events:
                if isinstance(event, dict):
                    yield {"type": event.get("type"), "object": event.get("raw_object")}
        except ApiException as e:
            raise_for(what, self.where, e.status or 500, e.reason or "", e)
        except urllib3.exceptions.HTTPError as e:
            raise_transport(what, self.where, e)
        finally:
            events.close()  # a caller that stops early: the Watch closes the response now

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
