"""Nomad in `crossdock compare` (``CompareHooks``, see adapters/compare/hooks.py).

The run works in the namespace the user's settings name (NOMAD_NAMESPACE or --namespace):
its jobs carry the run's unique app name.  No way to call an allocation's port from this
machine is implemented, so the update is measured without the prober.  An allocation's
container (docker driver) carries ``com.hashicorp.nomad.alloc_id`` and ``task_name``.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Any

from crossdock.adapters.compare.reach import Endpoint, NotReachable
from crossdock.errors import CrossdockError
from crossdock.targets import Connection

if TYPE_CHECKING:  # the static comparison uses these hooks without loading python-nomad
    from crossdock.adapters.nomad.adapter import NomadAdapter
    from crossdock.translators.base import Bundle

_BLOCK = re.compile(r'^\s*(job|group|task)\s+"', re.MULTILINE)
COLOR = "#00a37a"  # a green, far from the other targets' colours


class NomadCompare:
    color = COLOR
    namespace = None  # as the report has always said: the run's jobs carry its unique app name

    def __init__(self, c: Connection) -> None:
        self._c = c

    @cached_property
    def adapter(self) -> NomadAdapter:
        from crossdock.adapters.nomad.adapter import NomadAdapter
        return NomadAdapter(namespace=self._c.namespace,
                            poll_interval=1.0 if self._c.poll_interval is None else self._c.poll_interval)

    def versions(self, own_namespace: str) -> dict[str, str]:
        """The agent's release; refused when the API does not identify itself as a Nomad agent."""
        adapter = self.adapter
        version = nomad_version(adapter.conn.call("reading the agent", adapter.conn.client.agent.get_agent))
        if version is None:
            raise CrossdockError(f"the API at {adapter.settings.address} did not identify itself as a Nomad agent "
                                 "(/v1/agent/self reports no Nomad release version)")
        return {"nomad": f"Nomad {version}"}

    def cleanup(self) -> list[str]:
        return []

    def endpoint(self, app: str, service: str, port: int, port_name: str | None, probe_path: str) -> Endpoint:
        raise NotReachable("no way to reach a Nomad allocation's port from here is implemented")

    def kill_filters(self, instance: str, container: str) -> list[dict[str, Any]]:
        return [{"label": [f"com.hashicorp.nomad.alloc_id={instance}", f"com.hashicorp.nomad.task_name={container}"],
                 "status": "running"}]

    def config_files(self, bundle: Bundle) -> dict[str, str]:
        """Without a job's JSON twin of its HCL file (``<job>.nomad.json`` next to ``<job>.nomad.hcl``)."""
        files = bundle.files
        return {p: t for p, t in files.items()
                if not (p.endswith(".nomad.json") and p[: -len(".json")] + ".hcl" in files)}

    def count_objects(self, bundle: Bundle) -> int:
        """The jobs, groups and tasks of the HCL files."""
        return sum(len(_BLOCK.findall(t)) for p, t in bundle.files.items() if p.endswith(".hcl"))


def nomad_version(agent_self: Any) -> str | None:
    """The agent's release version from ``/v1/agent/self``, or None when the answer is not a
    Nomad agent's: a real agent reports a release number (1.9.3), and anything else, such as a
    stand-in of the tests, must never be measured as Nomad."""
    config = agent_self.get("config") if isinstance(agent_self, dict) else None
    version = ((config or {}).get("Version") or {}).get("Version") if isinstance(config, dict) else None
    return str(version) if isinstance(version, str) and re.fullmatch(r"\d+\.\d+\.\d+", version) else None

