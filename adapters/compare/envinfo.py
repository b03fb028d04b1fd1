"""The environment a comparison ran in: the machine, and each platform's versions as the
platform itself reports them."""

from __future__ import annotations

import os
import platform
import re
import sys
from typing import Any

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


def swarm_versions(api: Any) -> dict[str, str]:
    """Engine and Swarm facts from the Docker API. Raises docker.errors.* (the caller converts)."""
    v = api.version()
    info = api.info()
    sw = info.get("Swarm") or {}
    return {"engine": f"Docker Engine {v.get('Version')} (API {v.get('ApiVersion')})",
            "swarm": f"{sw.get('LocalNodeState')}, {sw.get('Managers', '?')} manager(s), {sw.get('Nodes', '?')} node(s)",
            "kernel": str(info.get("KernelVersion")), "cgroup": f"v{info.get('CgroupVersion', '?')}"}


def kubernetes_versions(conn: Any) -> dict[str, str]:
    """API server and node facts. Raises PlatformError (through the adapter's connection)."""
    v = conn.request("reading the server version", "GET", "/version")
    nodes = conn.request("listing nodes", "GET", "/api/v1/nodes").get("items", [])
    out = {"server": f"Kubernetes {v.get('gitVersion')}", "nodes": str(len(nodes))}
    for n in nodes[:3]:
        ni = (n.get("status") or {}).get("nodeInfo") or {}
        out[f"node {n['metadata']['name']}"] = (f"kubelet {ni.get('kubeletVersion')}, "
                                                f"{ni.get('containerRuntimeVersion')}, {ni.get('osImage')}")
    return out


def nomad_version(agent_self: Any) -> str | None:
    """The agent's release version from ``/v1/agent/self``, or None when the answer is not a
    Nomad agent's: a real agent reports a release number (1.9.3), and anything else, such as a
    stand-in of the tests, must never be measured as Nomad."""
    config = agent_self.get("config") if isinstance(agent_self, dict) else None
    version = ((config or {}).get("Version") or {}).get("Version") if isinstance(config, dict) else None
    return str(version) if isinstance(version, str) and re.fullmatch(r"\d+\.\d+\.\d+", version) else None
