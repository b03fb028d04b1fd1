"""The Nomad deploy lock: a Variable ``crossdock/locks/<app>`` (see ``lock`` for the rule).

Writing it with ``cas=0`` creates it only if absent (Nomad answers 409 otherwise): the atomic
"take the lock".  Items: ``holder``, ``since``, ``expires`` (epoch seconds).  Renewal and
takeover write at the read ``ModifyIndex`` (``cas=<index>``); release deletes at it.  The ACL
token needs write and destroy on ``crossdock/locks/*`` in the namespace."""

from __future__ import annotations

from typing import Any

import requests

from crossdock.adapters.lock import Holder, number
from crossdock.adapters.nomad.conn import Connection, not_found
from crossdock.errors import PlatformError


def _conflict(e: PlatformError) -> bool:
    resp = getattr(e.__cause__, "nomad_resp", None)
    return isinstance(resp, requests.Response) and resp.status_code == 409


class VariableLock:
    """The ``lock.LockBackend`` of one app; every method raises PlatformError (a subclass per
    cause: unreachable, unauthorized, forbidden, rejected), never a client exception."""

    def __init__(self, conn: Connection, app: str) -> None:
        self.conn = conn
        self.app = app
        self.path = f"crossdock/locks/{app}"
        self.where = f"Nomad variable {self.path}"

    @staticmethod
    def _holder(var: dict[str, Any]) -> Holder:
        items = var.get("Items") or {}
        return Holder(str(items.get("holder", "?")), number(items.get("since")), number(items.get("expires")),
                      str(var.get("ModifyIndex", 0)))

    def _put(self, h: Holder, cas: int) -> Holder | None:
        body = {"Path": self.path, "Items": {"holder": h.identity, "since": f"{h.since:.3f}",
                                             "expires": f"{h.expires:.3f}", "app": self.app}}
        try:
            out = self.conn.call(f"write the deploy lock ({self.where})", self.conn.client.variable.create_variable,
                                 self.path, body, cas=cas, rejection=True, namespace=self.conn.settings.namespace)
        except PlatformError as e:
            if _conflict(e):
                return None
            raise
        return self._holder(out)

    def create(self, holder: Holder) -> Holder | None:
        return self._put(holder, 0)

    def read(self) -> Holder | None:
        try:
            var = self.conn.call(f"read the deploy lock ({self.where})", self.conn.client.variable.get_variable,
                                 self.path, namespace=self.conn.settings.namespace)
        except PlatformError as e:
            if not_found(e):
                return None
            raise
        return self._holder(var)

    def replace(self, old: Holder, new: Holder) -> Holder | None:
        return self._put(new, int(old.version))

    def delete(self, holder: Holder) -> None:
        try:
            self.conn.call(f"delete the deploy lock ({self.where})", self.conn.client.variable.delete_variable,
                           self.path, cas=int(holder.version), namespace=self.conn.settings.namespace)
        except PlatformError as e:
            if not (_conflict(e) or not_found(e)):
                raise
