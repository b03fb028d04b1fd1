"""Kubernetes adapter: server-side apply of the rendered bundle, dry-run plans, status, wait
with rollback, destroy and logs, all in one namespace and found by ownership labels.

Deploy applies every document of ``kubernetes/<app>.yaml`` with server-side apply (field
manager ``crossdock``), then prunes the app's objects the bundle no longer has.  Conflicts are
forced (``force=true``): the spec is the source of truth for every field crossdock renders,
and the usual other owners of those fields are a person's ``kubectl edit``/``scale`` or our
own rollback, which a deploy is meant to override, as ``kubectl apply`` does.  Fields crossdock
does not render (replicas of an autoscaled Deployment, left out by the translator, or a
field another controller sets) are not in the applied object, so they are never taken over.

Whether an object changes is decided by a server-side dry run (see ``kubernetes.diff``), so a
second deploy of an unchanged spec writes nothing and returns an empty Plan.  A Job's pod
template is immutable: a changed Job is deleted and created again (``Change.recreate``).
Deployments do not roll back by themselves; ``wait`` does what ``kubectl rollout undo`` does
for the services whose spec asks for ``update.auto_rollback``.
"""

from __future__ import annotations

import base64
import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from crossdock.adapters.kubernetes import status as ks
from crossdock.adapters.kubernetes import wait as kw
from crossdock.adapters import polling
from crossdock.adapters.base import Progress
from crossdock.adapters.kubernetes.client import client
from crossdock.adapters.kubernetes.conn import (
    APPLY, DEPLOYMENTS, EVENTS, FIELD_MANAGER, KINDS, MANAGED_BY, PART_OF, PODS, REPLICA_SETS, Conn, Kind, connect,
    owner_selector,
)
from crossdock.adapters.kubernetes.diff import (
    changed_paths, claim_pattern, documents, previous_template, shorten, subset_paths,
)
from crossdock.adapters.kubernetes.lock import LeaseLock
from crossdock.adapters.kubernetes.logs import pod_logs
from crossdock.adapters.lock import TTL, held
from crossdock.adapters.model import AppStatus, Change, Plan
from crossdock.errors import DeployFailed, PlatformError, PlatformRejected, PlatformTimeout

if TYPE_CHECKING:  # annotations only: status, logs and destroy by app name load no spec model
    from crossdock.specs.loader import LoadedSpec
    from crossdock.translators.base import Bundle
    from crossdock.translators.support import Target

# Pods get their termination grace period (30 s by default) before they are gone; two minutes
# covers that and a slow kubelet.
DESTROY_TIMEOUT = 120.0
# Applied before the rest: what a pod needs in place when it starts (mounted, or its
# service links and DNS name).
_FIRST = frozenset({"ConfigMap", "Secret", "PersistentVolumeClaim", "Service", "ServiceAccount"})
_STATUS_KINDS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "Job": "jobs",
                 "CronJob": "cronjobs", "HorizontalPodAutoscaler": "hpas"}


@dataclass
class _Step:
    doc: dict[str, Any]
    kind: Kind
    change: Change | None  # None: unchanged


class KubernetesAdapter:
    """Deploys into ``namespace`` (default: the kubeconfig context's namespace, else
    ``default``) of the cluster named by ``kubeconfig``/``context`` (default KUBECONFIG or
    ~/.kube/config, in-cluster config inside a pod); ``api_client`` overrides them (tests).
    Raises nothing on construction: the configuration is read on first use."""

    target: Target = "kubernetes"

    def __init__(self, namespace: str | None = None, context: str | None = None, kubeconfig: str | None = None,
                 *, api_client: client.ApiClient | None = None, poll_interval: float = 1.0) -> None:
        self._namespace = namespace
        self._context = context
        self._kubeconfig = kubeconfig
        self._api_client = api_client
        self._conn: Conn | None = None
        self._ns: str | None = None
        self._poll = poll_interval
        self._deployments_version = ""  # resourceVersion of the last list of Deployments (for a watch)
        self.lock_ttl = TTL  # seconds the deploy lock lives without renewal (see adapters.lock)
        self.last_lock_note: str | None = None  # set when the last deploy took over a stale lock

    @property
    def conn(self) -> Conn:
        """The connection, made on first use. Raises PlatformError (unusable configuration)."""
        if self._conn is None:
            if self._api_client is not None:
                api, ns, where = self._api_client, None, "the given ApiClient"
            else:
                api, ns, where = connect(self._kubeconfig, self._context)
            self._conn = Conn(api, f"{api.configuration.host} from {where}")
            self._ns = self._namespace or ns or "default"
        return self._conn

    @property
    def namespace(self) -> str:
        """The namespace everything happens in. Raises PlatformError."""
        _ = self.conn
        assert self._ns is not None
        return self._ns

    # ------------------------------------------------------------------ plan and deploy

    def _apply(self, doc: dict[str, Any], kind: Kind, dry_run: bool) -> Any:
        name = doc["metadata"]["name"]
        return self.conn.request(
            f"applying {kind.kind} {name}" + (" (dry run)" if dry_run else ""), "PATCH",
            kind.path(self.namespace, name), body=doc, content_type=APPLY,
            query={"fieldManager": FIELD_MANAGER, "force": "true", "dryRun": "All" if dry_run else None})

    def _steps(self, spec: LoadedSpec, bundle: Bundle) -> tuple[list[_Step], list[Change]]:
        app = spec.app.name
        rollback = {n for n, s in spec.app.services.items() if s.update.auto_rollback}
        docs = documents(bundle.files, bundle.primary, app)
        for doc in docs:
            if doc["kind"] == "Deployment" and doc["metadata"]["name"] in rollback:
                # wait() of any process reads it from the live object (kubernetes.wait)
                doc["metadata"].setdefault("annotations", {})[kw.AUTO_ROLLBACK] = "true"
        kinds = [self.conn.kind((d["apiVersion"], d["kind"]), f"reading {d['kind']} {d['metadata']['name']}")
                 for d in docs]
        listed = list(dict.fromkeys(self._served(KINDS) + kinds))
        # Every read and dry run is independent of the others: all go out at once, with the
        # listings that find what to prune (see Conn.gather).
        calls: list[Callable[[], Any]] = [functools.partial(self._examine, app, d, k) for d, k in zip(docs, kinds)]
        calls += [functools.partial(self._owned, app, [k]) for k in listed]
        results = self.conn.gather(calls)
        steps: list[_Step] = results[:len(docs)]
        owned = [o for r in results[len(docs):] for o in r]
        wanted = {(s.kind.kind, str(s.doc["metadata"]["name"])) for s in steps}
        claims = claim_pattern(docs)
        deletes = [Change("delete", kind.kind, name) for kind, name in owned
                   if (kind.kind, name) not in wanted
                   and not (kind.kind == "PersistentVolumeClaim" and claims.fullmatch(name))]
        return steps, deletes

    def _examine(self, app: str, doc: dict[str, Any], kind: Kind) -> _Step:
        """One object of the bundle: refused if someone else owns it, else what applying it
        would change (server-side dry run against the live object)."""
        name = str(doc["metadata"]["name"])
        live = self.conn.request(f"reading {kind.kind} {name}", "GET", kind.path(self.namespace, name),
                                 missing_ok=True)
        if live is not None:
            labels = live["metadata"].get("labels") or {}
            if labels.get(MANAGED_BY) != "crossdock" or labels.get(PART_OF) != app:
                raise PlatformRejected(
                    f"{kind.kind} {name} already exists in namespace {self.namespace} and is not managed by "
                    f"crossdock for app {app}; crossdock will not take it over (rename or remove it)")
        try:
            dry = self._apply(doc, kind, dry_run=True)
        except PlatformRejected as e:
            if live is None or kind.kind != "Job" or "field is immutable" not in str(e):
                raise
            # The pod template of a Job is immutable: name what changed, recreate it.
            return _Step(doc, kind, Change("update", kind.kind, name, shorten(subset_paths(live, doc)), recreate=True))
        if live is None:
            return _Step(doc, kind, Change("create", kind.kind, name))
        fields = changed_paths(live, dry)
        return _Step(doc, kind, Change("update", kind.kind, name, shorten(fields)) if fields else None)

    def _served(self, kinds: tuple[tuple[str, str], ...], what: str = "") -> list[Kind]:
        """Those of ``kinds`` the cluster serves (an app owns no object of another); ``what``
        names the operation should reading discovery fail."""
        return [k for k in (self.conn.find(pair, what) for pair in kinds) if k is not None]

    def _owned(self, app: str, kinds: list[Kind]) -> list[tuple[Kind, str]]:
        """The app's objects of ``kinds`` that crossdock applied (not those a controller made
        from them, like a CronJob's Jobs, which carry the same labels)."""
        out = []
        for kind in dict.fromkeys(kinds):
            listed = self.conn.request(f"listing {kind.plural}", "GET", kind.path(self.namespace),
                                       query={"labelSelector": owner_selector(app)})
            for o in listed["items"]:
                if not any(r.get("controller") for r in o["metadata"].get("ownerReferences") or []):
                    out.append((kind, str(o["metadata"]["name"])))
        return out

    def plan(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """What ``deploy`` would change, by server-side dry run: objects created, updated (with
        the changed field paths; ``recreate`` for a Job) and pruned. Raises PlatformRejected
        (with the API server's message), PlatformUnreachable, PlatformUnauthorized,
        PlatformForbidden, PlatformError."""
        with _redacting(spec, bundle):
            steps, deletes = self._steps(spec, bundle)
        return Plan("kubernetes", spec.app.name, tuple([s.change for s in steps if s.change] + deletes))

    def deploy(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """Apply what changed, prune what the spec dropped; returns what changed (empty: nothing
        was written).  Holds the app's deploy lock, the Lease ``crossdock-<app>``, meanwhile
        (see ``adapters.lock``).  Raises the errors of ``plan``, PlatformRejected when another
        deploy of the app holds the lock, and PlatformTimeout when a Job being recreated does
        not go away."""
        with held(spec.app.name, LeaseLock(self.conn, self.namespace, spec.app.name), self.lock_ttl) as lock:
            self.last_lock_note = lock.note
            return self._deploy(spec, bundle)

    def _deploy(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        with _redacting(spec, bundle):
            steps, deletes = self._steps(spec, bundle)
            changed = [s for s in steps if s.change is not None]
            # What pods mount or resolve goes first, so they start without waiting on it; the
            # objects of one wave do not depend on each other and are applied side by side.
            for wave in ([s for s in changed if s.kind.kind in _FIRST],
                         [s for s in changed if s.kind.kind not in _FIRST]):
                self.conn.gather([functools.partial(self._write, s) for s in wave])
            by_kind = {k.kind: k for k in self._served(KINDS) + [s.kind for s in steps]}
            for d in reversed(deletes):
                self._delete(by_kind[d.kind], d.name)
        return Plan("kubernetes", spec.app.name, tuple([s.change for s in steps if s.change] + deletes))

    def _write(self, step: _Step) -> None:
        assert step.change is not None
        if step.change.recreate:
            kind, name = step.kind, step.change.name
            self._delete(kind, name)
            self._gone(lambda: self._exists(kind, name), 60.0, f"Job {name} to be deleted before it is recreated")
        self._apply(step.doc, step.kind, dry_run=False)

    def _delete(self, kind: Kind, name: str) -> None:
        self.conn.request(f"deleting {kind.kind} {name}", "DELETE", kind.path(self.namespace, name),
                          body={"propagationPolicy": "Background"}, missing_ok=True)

    def _exists(self, kind: Kind, name: str) -> bool:
        return self.conn.request(f"reading {kind.kind} {name}", "GET", kind.path(self.namespace, name),
                                 missing_ok=True) is not None

    def _gone(self, still_there: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while still_there():
            if time.monotonic() > deadline:
                raise PlatformTimeout(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(self._poll)

    # ------------------------------------------------------------------ status and wait

    def _snapshot(self, app: str) -> ks.Snapshot:
        snap = ks.Snapshot()
        before = self.conn.calls
        sel = {"labelSelector": owner_selector(app)}
        # discovery is read for the first listing of a status, the Deployments'
        kinds = self._served(tuple(k for k in KINDS if k[1] in _STATUS_KINDS) + (PODS,), "listing deployments")
        pods, events = self.conn.kind(PODS), self.conn.kind(EVENTS)

        def listing(kind: Kind) -> Any:
            return self.conn.request(f"listing {kind.plural}", "GET", kind.path(self.namespace), query=sel)

        calls: list[Callable[[], Any]] = [functools.partial(listing, k) for k in kinds]
        calls.append(lambda: self.conn.request("listing events", "GET", events.path(self.namespace),
                                               query={"fieldSelector": "type=Warning"}))
        *lists, warnings = self.conn.gather(calls)
        for kind, listed in zip(kinds, lists):
            items = listed["items"]
            if kind.kind == "Deployment":
                self._deployments_version = str(listed["metadata"].get("resourceVersion", ""))
            if kind == pods:
                snap.pods = items
                continue
            for o in items:
                o["kind"] = kind.kind  # items of a list carry no kind
            setattr(snap, _STATUS_KINDS[kind.kind], items)
        snap.events = warnings["items"]
        snap.api_calls = self.conn.calls - before
        return snap

    def status(self, app: str) -> AppStatus:
        """The app's workloads, pods, runs and recent Warning events, in 8 API calls whatever
        the app's size (and 2 for the API server's discovery, once per process). Raises PlatformUnreachable, PlatformUnauthorized, PlatformForbidden,
        PlatformError."""
        return ks.build(app, self._snapshot(app))

    def wait(self, app: str, timeout: float, progress: Progress | None = None) -> AppStatus:
        """Poll until every Deployment and StatefulSet has rolled out and every Job completed.

        Raises DeployFailed naming each failing workload and the platform's reason: early when
        a Job fails, a Deployment passes its progress deadline or a pod of a workload's current
        version cannot come up (image missing, crash loop, unschedulable; see
        ``kubernetes.wait``), else when ``timeout`` seconds pass (a failing health check is
        then the reason).  Deployments applied with ``auto_rollback`` (their annotation, so any
        process knows) are rolled back to their previous template first, and the message says
        so.  Raises PlatformError when the API fails."""
        deadline = time.monotonic() + timeout
        judge = kw.Judge()
        while True:
            snap = self._snapshot(app)
            st = ks.build(app, snap)
            if progress is not None:
                progress(st)
            if ks.settled(snap):
                return st
            now = time.monotonic()
            final = now >= deadline
            failed = judge.failures(snap, st, self._replicasets(app) if snap.deployments else [], now, final)
            if failed:
                self._fail(app, snap, failed, timeout if final else None)
            self._pause(app, snap, timeout - (deadline - now), deadline - now)

    def _pause(self, app: str, snap: ks.Snapshot, elapsed: float, left: float) -> None:
        """Until the next look at the whole app.  With Deployments rolling out: a watch of them
        (as ``kubectl rollout status`` makes) that returns as soon as the events show every one
        rolled out (the snapshot after it confirms that, with StatefulSets, Jobs and pods),
        else when the API server ends it after ``poll_interval`` (at least 1 s, the API's
        unit).  So the app is listed once a second however busy the rollout, not after every
        change of a Deployment: eight lists per change competed for the CPU with the pods
        starting.  Without Deployments to watch, or near the deadline, ``polling``."""
        version = self._deployments_version
        live = {str(d["metadata"]["name"]): d for d in snap.deployments}
        if version and left >= 1.0 and any(ks.rollout_pending(d) for d in live.values()):
            try:
                for event in self.conn.watch("watching deployments", self.conn.kind(DEPLOYMENTS), self.namespace,
                                             owner_selector(app), version, max(1, round(self._poll))):
                    obj = event.get("object") or {}
                    name = str((obj.get("metadata") or {}).get("name", ""))
                    if event.get("type") == "DELETED":
                        live.pop(name, None)
                    elif name:
                        live[name] = obj
                    if not any(ks.rollout_pending(d) for d in live.values()):
                        return
                return
            except PlatformError:
                pass  # the version expired (410) or the watch broke: poll as usual
        time.sleep(polling.interval(elapsed, self._poll, left))

    def _replicasets(self, app: str) -> list[dict[str, Any]]:
        return list(self.conn.request("listing replicasets", "GET", self.conn.kind(REPLICA_SETS).path(self.namespace),
                                      query={"labelSelector": owner_selector(app)})["items"])

    def _fail(self, app: str, snap: ks.Snapshot, failed: dict[str, str], timeout: float | None) -> None:
        for d in snap.deployments:
            name = str(d["metadata"]["name"])
            if name in failed and kw.auto_rollback(d):
                failed[name] += "; " + self._rollback(app, d)
        head = f"app {app} did not become healthy" + (f" within {timeout:.0f}s" if timeout is not None else "")
        raise DeployFailed(head + ": " + "; ".join(f"{n}: {r}" for n, r in sorted(failed.items())), failed)

    def _rollback(self, app: str, deployment: dict[str, Any]) -> str:
        """Patch the Deployment's template back to its previous ReplicaSet's, as ``kubectl
        rollout undo`` does; returns what was done, for the DeployFailed message."""
        name = str(deployment["metadata"]["name"])
        listed = self.conn.request("listing replicasets", "GET", self.conn.kind(REPLICA_SETS).path(self.namespace),
                                   query={"labelSelector": owner_selector(app, name)})
        prev = previous_template(deployment, listed["items"])
        if prev is None:
            return "auto_rollback: no previous version to roll back to"
        rev, template = prev
        patch = [{"op": "test", "path": "/metadata/resourceVersion",
                  "value": deployment["metadata"]["resourceVersion"]},
                 {"op": "replace", "path": "/spec/template", "value": template}]
        try:
            self.conn.request(f"rolling back Deployment {name}", "PATCH",
                              self.conn.kind(DEPLOYMENTS).path(self.namespace, name), body=patch,
                              content_type="application/json-patch+json", query={"fieldManager": "crossdock-rollback"})
        except PlatformError as e:
            return f"auto_rollback failed: {e}"
        return f"rolled back to revision {rev} (auto_rollback)"

    # ------------------------------------------------------------------ destroy and logs

    def destroy(self, app: str) -> list[str]:
        """Delete every object carrying the app's ownership labels in the namespace (pods go
        with their controllers) and wait until they and the pods are gone; returns
        ``Kind/name`` of what was deleted. Raises PlatformTimeout, PlatformError."""
        owned = self._owned(app, self._served(KINDS, "listing configmaps"))
        for kind, name in reversed(owned):
            self._delete(kind, name)
        sel = {"labelSelector": owner_selector(app)}

        def left() -> bool:
            pods = self.conn.request("listing pods", "GET", self.conn.kind(PODS).path(self.namespace),
                                     query=sel)["items"]
            return bool(pods) or any(self._exists(k, n) for k, n in owned)

        self._gone(left, DESTROY_TIMEOUT, f"the objects and pods of app {app} to be deleted")
        return [f"{k.kind}/{n}" for k, n in owned]

    def logs(self, app: str, workload: str, follow: bool = False) -> Iterator[str]:
        """The log lines of the workload's pods (its main container), prefixed with the pod name
        when there are several; with ``follow``, until the pods end or the caller stops.
        Raises PlatformRejected (no such workload), PlatformError."""
        return pod_logs(self.conn, self.namespace, app, workload, follow)


class _redacting:
    """Re-raise a PlatformError of an apply with the spec's secret values (plain and base64, as
    a Secret carries them) replaced by ``***``: the API server quotes invalid values."""

    def __init__(self, spec: LoadedSpec, bundle: Bundle) -> None:
        values = [v.reveal() for v in spec.secret_values.values()]
        values += [base64.b64encode(v.encode()).decode() for v in values]
        self._values = sorted((v for v in values if len(v) >= 3), key=len, reverse=True)

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, PlatformError) and not isinstance(exc, DeployFailed):
            text = str(exc)
            clean = text
            for v in self._values:
                clean = clean.replace(v, "***")
            if clean != text:
                raise type(exc)(clean) from exc.__cause__
