"""The Swarm deploy lock: a config ``crossdock-lock-<app>`` (see ``lock`` for the rule).

Swarm refuses a second config of the same name (409), which makes creating it the atomic
"take the lock".  The holder, since and expires are its labels; renewing updates the labels
(the only field of a config Swarm lets change) at the config's version, so a renewal that
races a takeover fails.  A stale lock is taken over by removing that config (by ID: a config
made by someone else meanwhile has another ID) and creating a new one; of two takers only one
create succeeds.  The config carries ``managed-by: crossdock`` but not the app's
``part-of``/stack labels, so a deploy's config pruning and destroy never see it."""

from __future__ import annotations

from typing import Any

import docker.errors  # type: ignore[import-untyped]

from crossdock.adapters.swarm import client as sc
from crossdock.adapters.lock import Holder, number
from crossdock.adapters.swarm.stack import MANAGED_BY_LABEL, MANAGER
from crossdock.errors import PlatformRejected

LOCK_APP = "crossdock.lock.app"
LOCK_HOLDER = "crossdock.lock.holder"
LOCK_SINCE = "crossdock.lock.since"
LOCK_EXPIRES = "crossdock.lock.expires"


def _status(e: Exception) -> int:
    cause = e.__cause__
    return int(cause.status_code or 0) if isinstance(cause, docker.errors.APIError) else 0


class ConfigLock:
    """The ``lock.LockBackend`` of one app; every method raises PlatformError (a subclass per
    cause: unreachable, unauthorized, forbidden, rejected), never a client exception."""

    def __init__(self, api: Any, app: str) -> None:
        self.api = api
        self.app = app
        self.name = f"crossdock-lock-{app}"
        self.where = f"swarm config {self.name}"

    def _labels(self, h: Holder) -> dict[str, str]:
        return {MANAGED_BY_LABEL: MANAGER, LOCK_APP: self.app, LOCK_HOLDER: h.identity,
                LOCK_SINCE: f"{h.since:.3f}", LOCK_EXPIRES: f"{h.expires:.3f}"}

    def _holder(self, cfg: dict[str, Any]) -> Holder:
        labels = cfg["Spec"].get("Labels") or {}
        return Holder(str(labels.get(LOCK_HOLDER, "?")), number(labels.get(LOCK_SINCE)),
                      number(labels.get(LOCK_EXPIRES)), f"{cfg['ID']}@{cfg['Version']['Index']}")

    def _inspect(self, ref: str) -> dict[str, Any] | None:
        try:
            cfg: dict[str, Any] = sc.call(f"reading the deploy lock ({self.where})", self.api.inspect_config, ref)
        except PlatformRejected as e:
            if _status(e) == 404:
                return None
            raise
        return cfg

    def create(self, holder: Holder) -> Holder | None:
        try:
            out = sc.call(f"creating the deploy lock ({self.where})", self.api.create_config, self.name,
                          holder.identity.encode(), labels=self._labels(holder))
        except PlatformRejected as e:
            if _status(e) == 409:
                return None
            raise
        cfg = self._inspect(str(out["ID"]))
        return None if cfg is None else self._holder(cfg)

    def read(self) -> Holder | None:
        cfg = self._inspect(self.name)
        return None if cfg is None else self._holder(cfg)

    def replace(self, old: Holder, new: Holder) -> Holder | None:
        cid, version = old.version.split("@")
        if old.identity == new.identity:  # renewal: update the labels at the read version
            cfg = self._inspect(cid)
            if cfg is None:
                return None
            spec = dict(cfg["Spec"], Labels=self._labels(new))
            try:
                with sc.api_errors(f"renewing the deploy lock ({self.where})"):
                    # docker-py has no config update; its generic request helpers do it.
                    res = self.api._post_json(self.api._url("/configs/{0}/update", cid), data=spec,
                                              params={"version": int(version)})
                    self.api._raise_for_status(res)
            except PlatformRejected:
                return None  # the version moved on or the config is gone: not ours any more
            cfg = self._inspect(cid)
            return None if cfg is None else self._holder(cfg)
        self.delete(old)
        return self.create(new)

    def delete(self, holder: Holder) -> None:
        cid = holder.version.split("@")[0]
        try:
            sc.call(f"deleting the deploy lock ({self.where})", self.api.remove_config, cid)
        except PlatformRejected as e:
            if _status(e) != 404:
                raise
