"""Compose's units and short syntaxes, read into the spec's: durations, memory, CPUs, ports, names.

Docker reads memory with go-units ``RAMInBytes`` (``512m`` and ``512M`` are both MiB), CPUs as a
decimal number, durations as Go durations (``1m30s``, ``1.5s``, ``500ms``).  The spec writes
Kubernetes units (``512Mi``, ``500m``) and durations of whole milliseconds.  Every function
returns None for text it cannot read; the caller reports the loss with its place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crossdock.translators.swarm import units

_GO_DURATION = re.compile(r"(?:([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h))")
_GO_UNITS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_RAM = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)(i?b)?", re.I)
_RAM_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
_NAME_BAD = re.compile(r"[^a-z0-9-]+")


def duration(value: object) -> str | None:
    """'1m30s' -> '1m30s', '1.5s' -> '1s500ms', 10 (seconds, as compose v2 allowed) -> '10s'."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        millis = float(value) * 1000
    else:
        text = str(value).strip()
        if not text or _GO_DURATION.sub("", text) != "":
            return None
        millis = sum(float(n) * _GO_UNITS[u] for n, u in _GO_DURATION.findall(text))
    return format_millis(int(round(millis)))


def format_millis(millis: int) -> str:
    return units.duration(millis / 1000)


def memory(value: object) -> str | None:
    """'512m' / '512M' / '512MiB' -> '512Mi'; 67108864 -> '64Mi'; bytes that are no whole KiB stay bytes."""
    if isinstance(value, bool):
        return None
    m = _RAM.fullmatch(str(value).strip())
    if not m:
        return None
    total = int(float(m.group(1)) * _RAM_UNITS[m.group(2).lower()])
    for suffix, size in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if total and total % size == 0:
            return f"{total // size}{suffix}"
    return str(total)


def cpus(value: object) -> str | None:
    """'0.25' -> '250m', 2 -> '2', '1.5' -> '1500m'."""
    if isinstance(value, bool):
        return None
    try:
        millis = round(float(str(value)) * 1000)
    except ValueError:
        return None
    if millis <= 0:
        return None
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def workload_name(name: str) -> str:
    """A service name as a spec workload name: lowercase, '-' for other characters, a letter first."""
    out = _NAME_BAD.sub("-", name.lower()).strip("-")
    if not out or not out[0].isalpha():
        out = "svc-" + out
    return out[:52].rstrip("-")


def object_name(name: str) -> str:
    """A volume/secret name as a spec object name (lowercase letters, digits, '-')."""
    out = _NAME_BAD.sub("-", name.lower()).strip("-")
    return (out or "x")[:63].rstrip("-")


def app_name(name: str) -> str:
    out = _NAME_BAD.sub("-", name.lower()).strip("-")[:40].strip("-")
    return out or "app"


@dataclass(frozen=True)
class PortMapping:
    target: int
    published: int | None
    protocol: str
    host_ip: str | None = None
    name: str | None = None
    mode: str | None = None


def short_ports(text: str) -> list[PortMapping] | None:
    """'[ip:][published[-range]:]target[-range][/proto]' -> one mapping per port; None if unreadable."""
    body, _, proto = text.partition("/")
    proto = proto or "tcp"
    host_ip = None
    if body.startswith("["):  # an IPv6 host address: [::1]:8080:80
        end = body.find("]")
        host_ip, body = body[1:end], body[end + 2:]
    parts = body.split(":")
    if len(parts) == 3:
        host_ip, published, target = parts
    elif len(parts) == 2:
        published, target = parts
    elif len(parts) == 1:
        published, target = "", parts[0]
    else:
        return None
    targets = _port_range(target)
    publisheds = _port_range(published) if published else None
    if targets is None or (published and publisheds is None) or proto not in ("tcp", "udp", "sctp"):
        return None
    if publisheds is not None and len(publisheds) not in (1, len(targets)):
        return None
    out = []
    for i, t in enumerate(targets):
        pub = None if publisheds is None else (publisheds[i] if len(publisheds) > 1 else publisheds[0])
        out.append(PortMapping(t, pub, proto, host_ip or None))
    return out


def _port_range(text: str) -> list[int] | None:
    lo, sep, hi = text.partition("-")
    if not lo.isdigit() or (sep and not hi.isdigit()):
        return None
    first, last = int(lo), int(hi) if sep else int(lo)
    if not 1 <= first <= last <= 65535 or last - first >= 100:
        return None
    return list(range(first, last + 1))
