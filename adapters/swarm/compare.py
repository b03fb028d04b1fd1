"""Docker Swarm in `crossdock compare` (``CompareHooks``, see adapters/compare/hooks.py).

A stack is named after the app and the run's app name is unique, so the run needs no
namespace of its own.  The service is reached on its published port through the routing mesh
when that answers; otherwise (no IPVS on these machines, or a host-mode port) on the host ports
of the running task containers, found through the Docker API and called round-robin, refreshed
while the prober runs since a rolling update replaces the tasks and their ports.  A task's
container carries ``com.docker.swarm.task.id``, which is how the heal scenario finds it.
"""

from __future__ import annotations

import http.client
from functools import cached_property
from typing import TYPE_CHECKING, Any

from crossdock.adapters.compare.reach import Endpoint, NotReachable, http_get
from crossdock.errors import CrossdockError
from crossdock.targets import Connection

if TYPE_CHECKING:  # the static comparison uses these hooks without loading docker-py
    from crossdock.adapters.swarm.adapter import SwarmAdapter
    from crossdock.translators.base import Bundle

SWARM_SERVICE = "com.docker.swarm.service.name"
SECTIONS = ("services", "configs", "secrets", "volumes", "networks")  # a stack file's objects
COLOR = "#e8710a"  # an orange, far from the other targets' colours


class SwarmCompare:
    color = COLOR
    namespace = None  # the stack carries the run's unique app name

    def __init__(self, c: Connection) -> None:
        self._c = c

    @cached_property
    def adapter(self) -> SwarmAdapter:
        from crossdock.adapters.swarm.adapter import SwarmAdapter
        return SwarmAdapter(context=self._c.context,
                            poll_interval=1.0 if self._c.poll_interval is None else self._c.poll_interval)

    def versions(self, own_namespace: str) -> dict[str, str]:
        """Engine and Swarm facts from the Docker API; refused when the engine is not in a swarm."""
        from crossdock.adapters.swarm.client import api_errors

        api = self.adapter.api
        with api_errors("reading the engine's version"):
            v = api.version()
            info = api.info()
        sw = info.get("Swarm") or {}
        state = f"{sw.get('LocalNodeState')}, {sw.get('Managers', '?')} manager(s), {sw.get('Nodes', '?')} node(s)"
        if not state.startswith("active"):
            raise CrossdockError(f"this Docker Engine is not part of a swarm ({state})")
        return {"engine": f"Docker Engine {v.get('Version')} (API {v.get('ApiVersion')})", "swarm": state,
                "kernel": str(info.get("KernelVersion")), "cgroup": f"v{info.get('CgroupVersion', '?')}"}

    def cleanup(self) -> list[str]:
        return []

    def endpoint(self, app: str, service: str, port: int, port_name: str | None, probe_path: str) -> Endpoint:
        """The routing mesh's published port when it answers on ``probe_path``, else the tasks'
        host ports."""
        from crossdock.adapters.swarm.client import api_errors

        api = self.adapter.api
        name = f"{app}_{service}"
        with api_errors(f"reading service {name}"):
            found = api.services(filters={"name": name})
        spec_ports = [p for s in found if s["Spec"]["Name"] == name
                      for p in ((s.get("Endpoint") or {}).get("Ports") or [])]
        mesh = next((p for p in spec_ports if p.get("TargetPort") == port
                     and p.get("PublishMode", "ingress") == "ingress" and p.get("PublishedPort")), None)
        why = "the service publishes no ingress port"
        if mesh is not None:
            url = f"http://127.0.0.1:{mesh['PublishedPort']}"
            try:
                http_get(url + probe_path, timeout=2.0)
                return Endpoint(f"Swarm: published port {mesh['PublishedPort']} through the routing mesh",
                                lambda: [url])
            except (OSError, http.client.HTTPException):
                why = f"the routing mesh does not answer on port {mesh['PublishedPort']} (no IPVS?)"
        with api_errors(f"listing the tasks of {name}"):
            tasks = _task_ports(api, name, port)
        if tasks:
            return Endpoint(f"Swarm: host-mode ports of the running tasks of {name} on 127.0.0.1, found through "
                            f"the Docker API and called round-robin ({why})", lambda: _task_ports(api, name, port))
        raise NotReachable(f"{why}, and no running task of {name} publishes port {port} on this machine")

    def kill_filters(self, instance: str, container: str) -> list[dict[str, Any]]:
        return [{"label": f"com.docker.swarm.task.id={instance}", "status": "running"}]

    def config_files(self, bundle: Bundle) -> dict[str, str]:
        return dict(bundle.files)

    def count_objects(self, bundle: Bundle) -> int:
        """The stack file's services, configs, secrets, volumes and networks."""
        from crossdock.specs.yamlsrc import load_yaml

        total = 0
        for p, t in bundle.files.items():
            if p.endswith((".stack.yml", ".stack.yaml")):
                doc = load_yaml(t) or {}
                total += sum(len(doc.get(s) or {}) for s in SECTIONS)
        return total


def _task_ports(api: Any, swarm_service: str, port: int) -> list[str]:
    """Host ports of the containers of the service's tasks that Swarm wants running: a task
    being shut down (an old version, a scaled-away replica) still runs through its stop grace
    period, but the routing mesh would no longer send it traffic, so neither does the prober.
    Raises docker-py's exceptions (the callers convert or ignore them)."""
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

