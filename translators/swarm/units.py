"""Conversions from the spec's Kubernetes-style units and names to what a stack file takes.

The docker CLI's compose v3 loader reads ``cpus`` as a decimal string (NanoCPUs = value x 1e9),
``memory`` as a string it parses with go-units ``RAMInBytes`` (where ``M`` means MiB, unlike
Kubernetes), tmpfs ``size`` as an integer number of bytes, and durations with Go's
``time.ParseDuration``.  Memory is therefore written as a plain byte count: no unit letter
whose meaning differs between Kubernetes and docker can slip in.
"""

from __future__ import annotations

import hashlib
import re

from crossdock.specs.types import cpu_millicores, duration_seconds, memory_bytes

# Swarm config and secret names: at most 64 characters (swarmkit's validation).
SWARM_OBJECT_NAME_MAX = 64


def cpus(text: str) -> str:
    """'250m' -> '0.25', '2' -> '2': the decimal number of CPUs the loader expects."""
    millis = cpu_millicores(text)
    whole, frac = divmod(millis, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".")


def memory(text: str) -> str:
    """'64Mi' -> '67108864': bytes, as a string (the v3 schema types memory as a string)."""
    return str(memory_bytes(text))


def size_bytes(text: str) -> int:
    """A tmpfs size: the v3 schema wants an integer number of bytes."""
    return memory_bytes(text)


def duration(seconds: float) -> str:
    """A Go duration for a computed number of seconds: 90 -> '1m30s', 0.5 -> '500ms'."""
    millis = int(round(seconds * 1000))
    if millis == 0:
        return "0s"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    out = "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return out + (f"{ms}ms" if ms else "")


def spec_duration(text: str) -> str:
    """A spec duration written the same way whichever way the spec spelt it ('90s' -> '1m30s')."""
    return duration(duration_seconds(text))


def content_hash(text: str) -> str:
    """First 8 hex digits of the SHA-256 of ``text``: part of a config's name, so that a
    changed file becomes a new config (Swarm configs are immutable)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def file_basename(path: str) -> str:
    """A container path's last part, safe as a file name in the bundle ('space name.txt' ->
    'space_name.txt'); the name in the bundle only has to be unique, which the index makes it."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    return _UNSAFE_FILE_CHARS.sub("_", base) or "file"


def config_name(app: str, workload: str, index: int, digest: str) -> str:
    """``<app>_<workload>-<index>-<hash8>``, shortened from the left part if it passes the
    64 characters Swarm allows, keeping the index and the hash that make it unique."""
    suffix = f"-{index}-{digest}"
    base = f"{app}_{workload}"[: SWARM_OBJECT_NAME_MAX - len(suffix)].rstrip("-_.")
    return base + suffix
