"""The Kubernetes deploy lock: a ``coordination.k8s.io/v1`` Lease ``crossdock-<app>`` in the
app's namespace (see ``lock`` for the rule).  ``holderIdentity`` is the holder,
``acquireTime`` since when, ``renewTime + leaseDurationSeconds`` until when; create is a POST
(409 when it exists), replace a PUT carrying the read ``resourceVersion`` (409 when it changed),
delete a DELETE with a resourceVersion precondition.  The Lease carries ``managed-by:
crossdock`` but not ``part-of``: prune and destroy never list Leases anyway."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from crossdock.adapters.kubernetes.conn import LEASES, MANAGED_BY, Conn
from crossdock.adapters.lock import Holder
from crossdock.errors import PlatformRejected

LOCK_APP_LABEL = "crossdock.io/lock-for"


def _micro(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(text: str) -> float:
    """A Lease time as epoch seconds; 0 (long expired) when it does not parse."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).timestamp()


def _conflict(e: PlatformRejected) -> bool:
    return getattr(e.__cause__, "status", None) == 409


class LeaseLock:
    """The ``lock.LockBackend`` of one app; every method raises PlatformError (a subclass per
    cause: unreachable, unauthorized, forbidden, rejected), never a client exception."""

    def __init__(self, conn: Conn, namespace: str, app: str) -> None:
        self.conn = conn
        self.namespace = namespace
        self.app = app
        self.name = f"crossdock-{app}"
        self.where = f"Lease {self.name} in namespace {namespace}"

    def _request(self, what: str, method: str, name: str | None, **kw: Any) -> Any:
        what = f"{what} the deploy lock ({self.where})"
        return self.conn.request(what, method, self.conn.kind(LEASES, what).path(self.namespace, name), **kw)

    def _spec(self, h: Holder, ttl: int) -> dict[str, Any]:
        return {"holderIdentity": h.identity, "acquireTime": _micro(h.since),
                "renewTime": _micro(h.expires - ttl), "leaseDurationSeconds": ttl}

    def _write(self, h: Holder, version: str) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": self.name, "labels": {MANAGED_BY: "crossdock", LOCK_APP_LABEL: self.app}}
        if version:
            meta["resourceVersion"] = version
        ttl = max(1, int(round(h.expires - time.time())))
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": self._spec(h, ttl)}

    @staticmethod
    def _holder(obj: dict[str, Any]) -> Holder:
        spec = obj.get("spec") or {}
        renew = _epoch(str(spec.get("renewTime") or spec.get("acquireTime") or "1970-01-01T00:00:00Z"))
        since = _epoch(str(spec.get("acquireTime") or spec.get("renewTime") or "1970-01-01T00:00:00Z"))
        return Holder(str(spec.get("holderIdentity") or "?"), since, renew + int(spec.get("leaseDurationSeconds") or 0),
                      str(obj["metadata"]["resourceVersion"]))

    def create(self, holder: Holder) -> Holder | None:
        try:
            out = self._request("creating", "POST", None, body=self._write(holder, ""))
        except PlatformRejected as e:
            if _conflict(e):
                return None
            raise
        return self._holder(out)

    def read(self) -> Holder | None:
        out = self._request("reading", "GET", self.name, missing_ok=True)
        return None if out is None else self._holder(out)

    def replace(self, old: Holder, new: Holder) -> Holder | None:
        try:
            out = self._request("writing", "PUT", self.name, body=self._write(new, old.version), missing_ok=True)
        except PlatformRejected as e:
            if _conflict(e):
                return None
            raise
        return None if out is None else self._holder(out)

    def delete(self, holder: Holder) -> None:
        try:
            self._request("deleting", "DELETE", self.name,
                          body={"preconditions": {"resourceVersion": holder.version}}, missing_ok=True)
        except PlatformRejected as e:
            if not _conflict(e):  # 409: someone else holds it now; theirs to delete
                raise
