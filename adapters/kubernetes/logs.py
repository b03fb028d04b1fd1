"""The logs of a workload's pods on Kubernetes: one pod's stream, or several followed at once."""

from __future__ import annotations

import functools
import queue
import threading
from typing import Any, Callable, Iterator

from crossdock.adapters.kubernetes.conn import PODS, Conn, owner_selector
from crossdock.errors import PlatformError, PlatformRejected


def pod_logs(conn: Conn, namespace: str, app: str, workload: str, follow: bool) -> Iterator[str]:
    """The log lines of the workload's pods (its main container), prefixed with the pod name
    when there are several; with ``follow``, until the pods end or the caller stops.
    Raises PlatformRejected (no such workload), PlatformError."""
    where = conn.kind(PODS, "listing pods")
    pods = conn.request("listing pods", "GET", where.path(namespace),
                        query={"labelSelector": owner_selector(app, workload)})["items"]
    if not pods:
        raise PlatformRejected(f"app {app} has no pods of workload {workload} in namespace {namespace}")
    sources: list[tuple[str, Callable[[], Iterator[str]]]] = []
    for p in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        name = str(p["metadata"]["name"])
        query = {"container": p["spec"]["containers"][0]["name"], "follow": "true" if follow else None}
        prefix = f"{name}: " if len(pods) > 1 else ""
        sources.append((prefix, functools.partial(conn.stream_lines, f"reading the log of pod {name}",
                                                  where.path(namespace, name) + "/log", query)))
    if not follow or len(sources) == 1:
        for prefix, lines in sources:
            yield from (prefix + line for line in lines())
        return
    yield from _merged(sources)


def _merged(sources: list[tuple[str, Callable[[], Iterator[str]]]]) -> Iterator[str]:
    """Lines of several followed logs as they come (one reader thread per pod)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue()

    def read(prefix: str, lines: Callable[[], Iterator[str]]) -> None:
        try:
            for line in lines():
                q.put(("line", prefix + line))
        except PlatformError as e:
            q.put(("error", e))
        q.put(("end", None))

    for prefix, lines in sources:
        threading.Thread(target=read, args=(prefix, lines), daemon=True).start()
    ended = 0
    while ended < len(sources):
        what, value = q.get()
        if what == "line":
            yield str(value)
        elif what == "error":
            raise value
        else:
            ended += 1
