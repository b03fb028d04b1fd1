"""Reaching a service over HTTP from this machine, and the prober that measures availability.

Loopback only.  Kubernetes: the nodePort of a NodePort or LoadBalancer Service of the
workload (``<svc>-public`` for a published port), which kube-proxy serves on 127.0.0.1 here.
Swarm: the published port through the routing mesh when it answers; otherwise (no IPVS on
these machines, or a host-mode port) the host ports of the running task containers, found
through the Docker API and called round-robin, refreshed while the prober runs since a rolling
update replaces the tasks and their ports.
"""

from __future__ import annotations

import http.client
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from crossdock.adapters.compare.model import Answer
from crossdock.errors import CrossdockError

SWARM_SERVICE = "com.docker.swarm.service.name"
REFRESH = 0.2  # seconds between two lookups of the Swarm task ports while probing


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


def kubernetes_endpoint(conn: Any, namespace: str, app: str, service: str, port: int, port_name: str | None) -> Endpoint:
    """The nodePort of a Service of ``service`` that exposes ``port``. Raises NotReachable."""
    from crossdock.adapters.kubernetes.conn import owner_selector

    listed = conn.request("listing services", "GET", f"/api/v1/namespaces/{namespace}/services",
                          query={"labelSelector": owner_selector(app, service)})
    for svc in sorted(listed.get("items", []), key=lambda s: not s["metadata"]["name"].endswith("-public")):
        for p in svc["spec"].get("ports") or []:
            target = p.get("targetPort")
            if p.get("nodePort") and (target == port or (port_name and target == port_name) or p.get("port") == port):
                name = svc["metadata"]["name"]
                url = f"http://127.0.0.1:{p['nodePort']}"
                return Endpoint(f"Kubernetes: nodePort {p['nodePort']} of Service {name} ({svc['spec']['type']}) "
                                "on 127.0.0.1, served by kube-proxy", lambda: [url])
    raise NotReachable(f"no NodePort or LoadBalancer Service of {service} exposes port {port}: this machine "
                       "cannot call it (publish the port in the spec)")


def _task_ports(api: Any, swarm_service: str, port: int) -> list[str]:
    """Host ports of the containers of the service's tasks that Swarm wants running: a task
    being shut down (an old version, a scaled-away replica) still runs through its stop grace
    period, but the routing mesh would no longer send it traffic, so neither does the prober."""
    wanted = {str(((t.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID") or "")
              for t in api.tasks(filters={"service": swarm_service, "desired-state": "running"})}
    out = set()
    for c in api.containers(filters={"label": f"{SWARM_SERVICE}={swarm_service}", "status": "running"}):
        if c.get("Id") not in wanted:
            continue
        for p in c.get("Ports") or []:
            # IPv4 bindings only: the engine may also bind [::] on another port
            if p.get("PrivatePort") == port and p.get("PublicPort") and p.get("IP") in ("0.0.0.0", "127.0.0.1"):
                out.add(f"http://127.0.0.1:{p['PublicPort']}")
    return sorted(out)


def swarm_endpoint(api: Any, app: str, service: str, port: int, path: str) -> Endpoint:
    """The routing mesh's published port when it answers, else the tasks' host ports.
    Raises NotReachable."""
    name = f"{app}_{service}"
    found = api.services(filters={"name": name})
    spec_ports = [p for s in found if s["Spec"]["Name"] == name
                  for p in ((s.get("Endpoint") or {}).get("Ports") or [])]
    mesh = next((p for p in spec_ports if p.get("TargetPort") == port and p.get("PublishMode", "ingress") == "ingress"
                 and p.get("PublishedPort")), None)
    why = "the service publishes no ingress port"
    if mesh is not None:
        url = f"http://127.0.0.1:{mesh['PublishedPort']}"
        try:
            http_get(url + path, timeout=2.0)
            return Endpoint(f"Swarm: published port {mesh['PublishedPort']} through the routing mesh", lambda: [url])
        except (OSError, http.client.HTTPException):
            why = f"the routing mesh does not answer on port {mesh['PublishedPort']} (no IPVS?)"
    if _task_ports(api, name, port):
        return Endpoint(f"Swarm: host-mode ports of the running tasks of {name} on 127.0.0.1, found through "
                        f"the Docker API and called round-robin ({why})", lambda: _task_ports(api, name, port))
    raise NotReachable(f"{why}, and no running task of {name} publishes port {port} on this machine")


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
