"""The machine a comparison ran on.  Each platform's versions, as the platform itself reports
them, are its target's (``CompareHooks.versions``)."""

from __future__ import annotations

import os
import platform
import sys
from crossdock import __version__


def machine() -> dict[str, str]:
    out = {"os": f"{platform.system()} {platform.release()}", "machine": platform.machine(),
           "cpus": str(os.cpu_count() or "?"), "python": sys.version.split()[0], "crossdock": __version__}
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
        out["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            out["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return out
