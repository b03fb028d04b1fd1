"""A container's probes -> the spec's health checks (http, tcp or a command, on a port by name
or number); a probe the spec cannot say is reported and left out."""

from __future__ import annotations

from typing import Any, Protocol

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_read import Manifest
from crossdock.translators.importers.kubernetes_values import dns_name, duration, valid

_PROBE_DEFAULTS = {"periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3, "initialDelaySeconds": 0,
                   "successThreshold": 1}
_PROBE_FIELDS = (("periodSeconds", "interval"), ("timeoutSeconds", "timeout"), ("initialDelaySeconds", "start_period"))


class _Reader(Protocol):
    m: Manifest

    def lose(self, path: Path, message: str, kind: str = "dropped", spec_field: str = "") -> None: ...


def read_probe(r: _Reader, path: Path, kind: str) -> dict[str, Any] | None:
    """The health check of the probe at ``path`` (``kind``: liveness, readiness, startup), or None."""
    m = r.m
    raw = m.data_at(*path)
    if not isinstance(raw, dict):
        return None
    spec_field = f"health.{kind}"
    probe: dict[str, Any] = {}
    http, tcp, command = raw.get("httpGet"), raw.get("tcpSocket"), m.data_at(*path, "exec", "command")
    if isinstance(http, dict) and _port_ref(http.get("port")) is not None and valid(
            "http_path", http.get("path", "/")):
        m.use(*path, "httpGet", "path")
        m.use(*path, "httpGet", "port")
        if http.get("scheme") in (None, "HTTP"):
            m.use(*path, "httpGet", "scheme")
        probe["http"] = {"port": _port_ref(http.get("port"))}
        if http.get("path", "/") != "/":
            probe["http"]["path"] = http["path"]
    elif isinstance(tcp, dict) and _port_ref(tcp.get("port")) is not None:
        m.use(*path, "tcpSocket", "port")
        probe["tcp"] = {"port": _port_ref(tcp.get("port"))}
    elif isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        m.use(*path, "exec", "command")
        probe["exec"] = list(command)
    else:
        r.lose(path, "the spec's checks are http, tcp or a command, on a port by name or number: this probe "
               "is not imported", "dropped", spec_field)
        m.use(*path)
        return None
    for key, value in _PROBE_DEFAULTS.items():
        if raw.get(key, value) == value:
            m.use(*path, key)
    for key, spec_key in _PROBE_FIELDS:
        seconds = raw.get(key, _PROBE_DEFAULTS[key])
        if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds != _PROBE_DEFAULTS[key]:
            m.use(*path, key)
            probe[spec_key] = duration(seconds)
    retries = raw.get("failureThreshold", 3)
    if isinstance(retries, int) and not isinstance(retries, bool) and retries != 3 and retries >= 1:
        m.use(*path, "failureThreshold")
        probe["retries"] = retries
    return probe


def _port_ref(value: Any) -> int | str | None:
    """A probe's port as the spec names it (a port name or number), None if it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= 65535 else None
    if isinstance(value, str) and value:
        return dns_name(value, 15, True)
    return None
