"""Names a Kubernetes import derives, made to fit what the targets build from them.

Swarm names a service ``<app>_<workload>`` and a sidecar's ``<app>_<workload>-<sidecar>`` (63
characters), Nomad a port's service ``<app>-<service>-<port>`` (63): a name taken from the
manifests that would make one too long is shortened (``short_name``: a prefix and a hash, so it
stays the same on every import), with a loss line.  A workload renamed keeps the name its Service
had as an alias, so clients that use it still reach it; aliases that another workload's name or
alias already holds are dropped, with a loss line.
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.names import NOMAD_SERVICE_MAX, SWARM_SERVICE_MAX, swarm_sidecar_key
from crossdock.translators.importers.kubernetes_network import Imported
from crossdock.translators.importers.kubernetes_values import Context, short_name

_MIN_PART = 8  # the fewest characters a shortened sidecar or port name keeps (prefix + hash)


def fit_workload(ctx: Context, i: Imported, app: str, limit: int) -> None:
    """Shorten the workload's name to ``limit`` characters at most (when longer)."""
    if len(i.name) <= limit:
        return
    old, i.name = i.name, short_name(i.name, max(limit, 6))
    ctx.lose(i.m, ("metadata", "name"), f"renamed '{i.name}': '<app>_<workload>' and the names built on it must fit "
             f"in {SWARM_SERVICE_MAX} characters (Swarm's service names)", "changed")
    if i.m.main is not None:
        i.m.names[i.m.main] = i.name
    if old in i.service_names and i.section == "services":
        aliases: list[str] = i.w.setdefault("aliases", [])
        if old not in aliases:
            aliases.append(old)


def fit_workload_name(ctx: Context, i: Imported, app: str) -> None:
    fit_workload(ctx, i, app, SWARM_SERVICE_MAX - len(app) - 1)


def fit_ports(ctx: Context, i: Imported, app: str) -> None:
    """Nomad's ``<app>-<service>-<port>`` for every port but the first: port names shortened to fit."""
    ports = i.w.get("ports", [])
    if len(ports) < 2:
        return
    room = NOMAD_SERVICE_MAX - len(app) - len(i.name) - 2
    if room < _MIN_PART and max(len(p["name"]) for p in ports[1:]) > room:
        fit_workload(ctx, i, app, NOMAD_SERVICE_MAX - len(app) - 2 - _MIN_PART)
        room = NOMAD_SERVICE_MAX - len(app) - len(i.name) - 2
    renamed: dict[str, str] = {}
    for p in ports[1:]:
        if len(p["name"]) > room:
            new = short_name(p["name"], max(room, 6))
            ctx.lose(i.m, (), f"port '{p['name']}' renamed '{new}': Nomad names a port's service "
                     f"<app>-<service>-<port>, at most {NOMAD_SERVICE_MAX} characters", "changed",
                     f"services.{i.name}.ports")
            renamed[p["name"]] = p["name"] = new
    if renamed:
        for probe in (i.w.get("health") or {}).values():
            check = probe.get("http") or probe.get("tcp")
            if check is not None and check["port"] in renamed:
                check["port"] = renamed[check["port"]]
        route = i.w.get("route")
        if route is not None and route["port"] in renamed:
            route["port"] = renamed[route["port"]]


def fit_sidecars(ctx: Context, workloads: list[Imported], app: str) -> None:
    """Swarm's ``<app>_<workload>-<sidecar>``: sidecar names (and if need be the workload's) shortened."""
    names = {i.name for i in workloads}
    for i in workloads:
        if i.section != "services":
            continue
        for step in i.w.get("sidecars", []):
            extra = len(swarm_sidecar_key(names, i.name, step["name"])) - len(step["name"])  # "<workload>-"
            room = SWARM_SERVICE_MAX - len(app) - 1 - extra
            if room >= len(step["name"]):
                continue
            if room < _MIN_PART:
                names.discard(i.name)
                fit_workload(ctx, i, app, len(i.name) - (_MIN_PART - room))
                names.add(i.name)
                room = _MIN_PART
            new = short_name(step["name"], room)
            path = i.m.steps.get(id(step))
            ctx.lose(i.m, (*path, "name") if path is not None else (), f"sidecar '{step['name']}' renamed '{new}': Swarm runs it as the service "
                     f"<app>_<workload>-<sidecar>, at most {SWARM_SERVICE_MAX} characters", "changed",
                     f"services.{i.name}.sidecars")
            step["name"] = new
            if path is not None:
                i.m.names[path] = new


def check_aliases(ctx: Context, workloads: list[Imported]) -> None:
    """An alias is a name no other workload has or answers to: the first one keeps it."""
    taken = {i.name for i in workloads}
    for i in workloads:
        kept: list[str] = []
        for alias in i.w.get("aliases", []):
            if alias in taken:
                ctx.lose(i.m, (), f"the Service name '{alias}' is already the name or an alias of another workload: "
                         f"'{i.name}' does not answer to it", "changed", f"services.{i.name}.aliases")
                continue
            taken.add(alias)
            kept.append(alias)
        _set(i.w, "aliases", kept)


def _set(w: dict[str, Any], key: str, value: list[str]) -> None:
    if value:
        w[key] = value
    else:
        w.pop(key, None)
