"""Reaching a service over HTTP from this machine, and the prober that measures availability.

Loopback only.  How a target's service is found is the target's (``CompareHooks.endpoint``,
in adapters/<target>/compare.py): it returns an ``Endpoint`` whose lookup this module calls
while probing, since a rolling update may replace the replicas and their ports.
"""

from __future__ import annotations

import http.client
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from crossdock.adapters.compare.model import Answer
from crossdock.errors import CrossdockError

REFRESH = 0.2  # seconds between two lookups of an endpoint's URLs while probing


class NotReachable(CrossdockError):
    """The service has no HTTP endpoint this machine can call; the message says why."""


@dataclass
class Endpoint:
    """Base URLs of one service, and how they were found (said in the report)."""

    how: str
    lookup: Callable[[], list[str]]
    _cache: list[str] = field(default_factory=list)
    _when: float = 0.0

    def urls(self) -> list[str]:
        now = time.monotonic()
        if now - self._when >= REFRESH:
            try:
                self._cache = self.lookup()
            except Exception:  # noqa: BLE001 - a failed lookup keeps the last list; requests then fail
                pass
            self._when = now
        return list(self._cache)


def http_get(url: str, timeout: float) -> tuple[int, str]:
    """One GET; (status, body). Raises OSError / http.client.HTTPException when nothing answers."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def classify(status: int, body: str, var: str, old: str, new: str) -> Answer:
    """old / new: the answer shows ``var`` with that value; failed: not a 2xx; other: a 2xx that
    shows neither (the probe path does not show the variable)."""
    if not 200 <= status < 300:
        return "failed"
    lines = set(body.splitlines())
    if f"{var}={new}" in lines:
        return "new"
    if f"{var}={old}" in lines:
        return "old"
    return "other"


class Prober:
    """Calls the endpoint at a fixed rate from a pool of threads (a slow answer does not delay
    the next request) and classifies every answer; ``stop`` returns them ordered by the time
    each request was sent, in seconds since ``origin``."""

    def __init__(self, endpoint: Endpoint, path: str, judge: Callable[[int, str], Answer], rate: float,
                 origin: float, timeout: float = 2.0) -> None:
        self.endpoint, self.path, self.judge, self.rate = endpoint, path, judge, rate
        self.origin, self.timeout = origin, timeout
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(4, int(rate * timeout) + 2), thread_name_prefix="prober")
        self._futures: list[Future[tuple[float, Answer]]] = []
        self._thread = threading.Thread(target=self._schedule, name="prober", daemon=True)
        self._next = 0

    def start(self) -> Prober:
        self._thread.start()
        return self

    def _one(self, sent: float) -> tuple[float, Answer]:
        urls = self.endpoint.urls()
        if not urls:
            return sent, "failed"
        url = urls[self._next % len(urls)]
        self._next += 1
        try:
            status, body = http_get(url + self.path, self.timeout)
        except (OSError, http.client.HTTPException):
            return sent, "failed"
        return sent, self.judge(status, body)

    def _schedule(self) -> None:
        start, i = time.monotonic(), 0
        while not self._stop.is_set():
            at = start + i / self.rate
            delay = at - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
            self._futures.append(self._pool.submit(self._one, time.monotonic() - self.origin))
            i += 1

    def stop(self) -> list[tuple[float, Answer]]:
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True)
        return sorted(f.result() for f in self._futures)
