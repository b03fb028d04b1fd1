"""The one health check a Swarm service has, chosen and built from the spec's three.

Swarm runs a single ``healthcheck`` per container; an unhealthy task is replaced, and during
an update Swarm waits for a new task to become healthy.  From the spec's probes:

- the check run is readiness when there is one (it is what gates updates and routing), else
  liveness, else startup (the only probe: it keeps running after start);
- a startup probe also widens ``start_period`` by the time it allows a container to start
  (its start period plus interval x retries), since failures in ``start_period`` do not count;
- an HTTP check becomes ``wget -q -O /dev/null http://127.0.0.1:<port><path>`` (busybox and
  GNU wget exit non-zero on an HTTP error status);
- a TCP check becomes the shell command ``nc -z 127.0.0.1 <port> 2>/dev/null || nc 127.0.0.1
  <port> </dev/null``: busybox's default nc has no ``-z`` (connect only) and instead connects,
  sends nothing and exits 0 once the server closes (seen with crossdock-test/httpd on a real
  Swarm, where ``nc -z`` alone left the task unhealthy);
- both run inside the container, so the image must contain the tool (and ``sh`` for TCP): the
  report says so.  An exec check stays a ``CMD`` list.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossdock.specs.model import Health, PortSpec, Probe
from crossdock.specs.types import duration_seconds
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report
from crossdock.translators.swarm import units


@dataclass(frozen=True)
class HealthView:
    test: list[str]
    interval: str
    timeout: str
    retries: int
    start_period: str


def resolve_port(ref: int | str, ports: list[PortSpec]) -> int:
    """A check's container port: a number, or the name of one of the workload's ports (the
    loader has already checked that the name exists), whose container port is its target_port."""
    if isinstance(ref, int):
        return ref
    return int(next(p.container_port for p in ports if p.name == ref))


def command(probe: Probe, ports: list[PortSpec]) -> list[str]:
    if probe.http is not None:
        url = f"http://127.0.0.1:{resolve_port(probe.http.port, ports)}{probe.http.path}"
        return ["CMD", "wget", "-q", "-O", "/dev/null", url]
    if probe.tcp is not None:
        port = resolve_port(probe.tcp.port, ports)
        return ["CMD-SHELL", f"nc -z 127.0.0.1 {port} 2>/dev/null || nc 127.0.0.1 {port} </dev/null"]
    assert probe.exec is not None  # the model requires exactly one kind
    return ["CMD", *probe.exec]


def _kind_feature(probe: Probe) -> str:
    return "health_http" if probe.http else "health_tcp" if probe.tcp else "health_exec"


def healthcheck(health: Health | None, ports: list[PortSpec], report: Report, at: Path) -> HealthView | None:
    """The service's healthcheck, or None when the spec has no probe; notes what changes."""
    if health is None:
        return None
    chosen_name, chosen = next(((n, p) for n, p in (("readiness", health.readiness),
                                                   ("liveness", health.liveness),
                                                   ("startup", health.startup)) if p is not None),
                               ("", None))
    if chosen is None:
        return None
    if health.readiness is not None:
        dropped = " (the liveness check is not rendered)" if health.liveness is not None else ""
        report.note("health_readiness", at + ("readiness",),
                    f"the readiness check is the health check{dropped}" if dropped else None)
    start = duration_seconds(chosen.start_period)
    if health.startup is not None:
        if chosen is health.startup:
            report.note("health_startup", at + ("startup",),
                        "no liveness or readiness check: the startup check is the health check and keeps running")
        else:
            startup = health.startup
            start += duration_seconds(startup.start_period) + duration_seconds(startup.interval) * startup.retries
            report.note("health_startup", at + ("startup",))
    report.note(_kind_feature(chosen), at + (chosen_name,))
    return HealthView(
        test=command(chosen, ports),
        interval=units.spec_duration(chosen.interval),
        timeout=units.spec_duration(chosen.timeout),
        retries=chosen.retries,
        start_period=units.duration(start),
    )
