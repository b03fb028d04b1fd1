"""The deploy lock: one crossdock deploy of an app at a time, held on the platform itself.

Each adapter wraps ``deploy`` in ``held(app, backend)``; the backend (``kubernetes.lock``,
``swarm.lock``, ``nomad.lock``) stores one lock object per app with create-if-absent
semantics, which the platform makes atomic:

- Kubernetes: a ``coordination.k8s.io/v1`` Lease ``crossdock-<app>`` in the namespace;
- Swarm: a config ``crossdock-lock-<app>`` (config names are unique), holder in its labels;
- Nomad: a Variable ``crossdock/locks/<app>`` written with ``cas=0`` (create only).

The rule shared by all three:

- The holder identity is ``<host>+<pid>+<random>``; the lock records since when it is held and
  until when (``expires``), ``TTL`` seconds after the last renewal.  A thread renews it every
  ``TTL / 4`` seconds while the deploy runs, so a long deploy keeps it.
- A second deploy that finds a live lock fails fast with PlatformRejected "another crossdock
  deploy of <app> is running (holder ..., since ...)"; it does not wait (a person re-runs it;
  a CI job can retry).
- A lock whose ``expires`` has passed was left by a deploy that died (killed, machine gone):
  it is taken over with a compare-and-set on the stale object (two takers cannot both win),
  and ``Lock.note`` says so (the adapter keeps it in ``last_lock_note``, which the command
  prints; the lock logs it at info level only, so that it is shown once).
  Expiry compares the platform object's times with this machine's clock; clocks skewed by
  more than ``TTL`` could take a live lock over.
- The lock is deleted when the deploy ends, also when it raised (a failure to delete it then
  is logged, not raised over the deploy's own error: the lock expires anyway).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterator, Protocol

from crossdock.errors import PlatformError, PlatformRejected

log = logging.getLogger(__name__)

TTL = 120.0  # seconds a lock lives without renewal


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, since when and until when (epoch seconds); ``version`` is the
    platform's compare-and-set token of the stored object (resourceVersion, ModifyIndex...)."""

    identity: str
    since: float
    expires: float
    version: str = ""

    def stale(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires


class LockBackend(Protocol):
    """The per-platform storage of one app's lock. Every method raises PlatformError."""

    where: str  # "Lease crossdock-shop in namespace prod", for messages

    def create(self, holder: Holder) -> Holder | None:
        """Create the lock if absent: the stored holder (with its version), or None when a lock
        already exists."""

    def read(self) -> Holder | None:
        """The current holder, None when there is no lock."""

    def replace(self, old: Holder, new: Holder) -> Holder | None:
        """Overwrite ``old`` (compare-and-set on ``old.version``) with ``new``: the stored
        holder, or None when the lock changed meanwhile (someone else renewed or took it)."""

    def delete(self, holder: Holder) -> None:
        """Delete the lock if it is still ``holder``'s (nothing when it is gone)."""


def number(text: object) -> float:
    """A time stored as text on the platform; 0 (long expired) when it is not a number, so a
    mangled lock is taken over rather than blocking forever."""
    try:
        return float(str(text))
    except ValueError:
        return 0.0


def new_identity() -> str:
    """``<host>+<pid>+<random>``: unique per deploy, and tells a person where it runs."""
    return f"{socket.gethostname()}+{os.getpid()}+{secrets.token_hex(4)}"


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def busy_message(app: str, h: Holder, where: str) -> str:
    return (f"another crossdock deploy of {app} is running (holder {h.identity}, since {iso(h.since)}); "
            f"run again when it has finished. If that deploy was killed, its lock ({where}) expires at "
            f"{iso(h.expires)} and the next deploy takes it over")


def takeover_message(app: str, h: Holder, where: str) -> str:
    return (f"took over the stale deploy lock of {app} ({where}): holder {h.identity}, since {iso(h.since)}, "
            f"expired at {iso(h.expires)} (that deploy was interrupted; this one converges what it left)")


class Lock:
    """One held lock: ``note`` says whether a stale one was taken over; renewed by a thread."""

    def __init__(self, app: str, backend: LockBackend, holder: Holder, ttl: float, note: str | None) -> None:
        self.app = app
        self.backend = backend
        self.holder = holder
        self.ttl = ttl
        self.note = note
        self.lost: str | None = None  # why renewing failed, if it did
        self._stop = threading.Event()
        self._mutex = threading.Lock()
        self._thread = threading.Thread(target=self._renew_loop, name=f"crossdock-lock-{app}", daemon=True)

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 4):
            try:
                self.renew()
            except PlatformError as e:  # the deploy goes on; the lock may expire
                self.lost = str(e)
                log.warning("could not renew the deploy lock of %s: %s", self.app, e)
                if isinstance(e, PlatformRejected):
                    return  # taken over: not ours to renew any more

    def renew(self) -> None:
        """Push ``expires`` to now + ttl. Raises PlatformRejected when the lock is no longer
        ours, PlatformError."""
        with self._mutex:
            if self._stop.is_set():
                return
            new = replace(self.holder, expires=time.time() + self.ttl)
            stored = self.backend.replace(self.holder, new)
            if stored is None:
                raise PlatformRejected(f"the deploy lock of {self.app} ({self.backend.where}) was taken by "
                                       f"someone else while this deploy ran")
            self.holder = stored

    def release(self) -> None:
        """Stop renewing and delete the lock. Raises PlatformError."""
        with self._mutex:
            self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=30)
        self.backend.delete(self.holder)

    def start_renewing(self) -> None:
        """Renew the lock every ``ttl / 4`` seconds in a thread until ``release``."""
        self._thread.start()


def acquire(app: str, backend: LockBackend, ttl: float = TTL) -> Lock:
    """Take the app's lock, taking over a stale one. Raises PlatformRejected (a live lock: the
    busy message), PlatformError."""
    for _ in range(5):
        now = time.time()
        mine = Holder(new_identity(), now, now + ttl)
        stored = backend.create(mine)
        if stored is not None:
            return Lock(app, backend, stored, ttl, None)
        current = backend.read()
        if current is None:
            continue  # released meanwhile: try again
        if not current.stale():
            raise PlatformRejected(busy_message(app, current, backend.where))
        stored = backend.replace(current, mine)
        if stored is not None:
            note = takeover_message(app, current, backend.where)
            log.info("%s", note)  # the command prints it (Adapter.last_lock_note): once
            return Lock(app, backend, stored, ttl, note)
    raise PlatformRejected(f"could not take the deploy lock of {app} ({backend.where}): it kept changing; "
                           f"another crossdock deploy of {app} is probably starting")


@contextmanager
def held(app: str, backend: LockBackend, ttl: float = TTL) -> Iterator[Lock]:
    """``with held(app, backend) as lock:`` the deploy runs holding the lock, renewed, and
    deleted afterwards. Raises what ``acquire`` raises; PlatformError when deleting the lock
    fails after a deploy that succeeded."""
    lock = acquire(app, backend, ttl)
    lock.start_renewing()
    try:
        yield lock
    except BaseException:
        try:
            lock.release()
        except PlatformError as e:
            log.warning("could not delete the deploy lock of %s (it expires by itself): %s", app, e)
        raise
    lock.release()
