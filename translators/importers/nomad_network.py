"""A task group's network and service registrations -> the spec's ports, health checks, route
and aliases.

Checks: a check with ``check_restart`` restarts the task when it fails, which is a liveness
check; any other check gates deployments and routing, which is readiness (crossdock's Nomad
translator writes them so, named after the probe).  Ports: the order of the service
registrations is the spec's port order (one registration per port).
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs.names import nomad_service
from crossdock.translators.importers.nomad_ctx import Ctx, as_int, duration, object_name

# specs.types.Alias
_ALIAS = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_ROUTE = re.compile(r"^traefik\.http\.routers\.[^.]+\.rule=Host\(`([^`]+)`\)(?: && PathPrefix\(`([^`]+)`\))?$")


def ports(group: dict[str, Any], main: dict[str, Any], regs: list[dict[str, Any]], path: str,
           ctx: Ctx) -> dict[str, dict[str, Any]]:
    nets, legacy = group.get("Networks") or [], legacy_port_map(main)
    if legacy is not None and not nets:
        # Nomad before 0.12: the task's resources hold the network, the docker driver's port_map
        # the container's port of each label (what bridge mode's 'to' says today).
        nets = [{**n, "Mode": "bridge", "ReservedPorts": _mapped(n.get("ReservedPorts"), legacy),
                 "DynamicPorts": _mapped(n.get("DynamicPorts"), legacy)}
                for n in (main.get("Resources") or {}).get("Networks") or []]
    elif legacy is not None:
        ctx.loss(main["Resources"], f"{path}.task.{main.get('Name')}.resources.network", "a task network beside the "
                 "group's: not carried over", spec=".ports")
    if len(nets) > 1:
        ctx.loss(nets[1], f"{path}.network[1]", "one network per group in the spec: not carried over")
    net = nets[0] if nets else {}
    if net and net.get("Mode", "host") != "bridge":
        ctx.loss(net, f"{path}.network: mode", f"network mode '{net.get('Mode', 'host')}': the spec gives each "
                 "workload its own network namespace (as bridge mode does)", "changed", ".ports")
    found: dict[str, dict[str, Any]] = {}
    for p in [*(net.get("ReservedPorts") or []), *(net.get("DynamicPorts") or [])]:
        label, static, to = str(p.get("Label", "")), as_int(p.get("Value")), as_int(p.get("To"))
        name = object_name(label)[:15].strip("-") or "port"
        port = to if to and to > 0 else static
        if not port:
            ctx.loss(p, f"{path}.network.port.{label}", "a dynamic port with no 'to': the app would listen on "
                     "whatever port Nomad picks; not carried over", spec=".ports")
            continue
        if not name[0].isalpha():
            name = "p-" + name
        taken = {f["name"] for f in found.values()}
        for n in range(2, 100):
            if name not in taken:
                break
            name = f"{name[:12].rstrip('-')}-{n}"
        if name != label:
            ctx.loss(p, f"{path}.network.port.{label}", f"port name becomes '{name}'", "changed", ".ports")
        spec: dict[str, Any] = {"name": name, "port": port}
        if static:
            spec |= {"publish": True, "published_port": static}
        found[label] = spec
    order = [str(r.get("PortLabel")) for r in regs if r.get("PortLabel") in found]
    order += [label for label in found if label not in order]
    return {label: found[label] for label in dict.fromkeys(order)}


def legacy_port_map(task: dict[str, Any]) -> dict[str, int] | None:
    """The docker driver's port_map (label -> container port) of a task whose resources hold a
    network (Nomad before 0.12), or None for a task without one."""
    if not (task.get("Resources") or {}).get("Networks"):
        return None
    found: dict[str, int] = {}
    raw = (task.get("Config") or {}).get("port_map")
    for block in raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []:
        if isinstance(block, dict):
            found |= {str(k): v for k, v in block.items() if not str(k).startswith("__") and as_int(v)}
    return found


def _mapped(ports: Any, port_map: dict[str, int]) -> list[dict[str, Any]]:
    return [{**p, "To": p.get("To") or port_map.get(str(p.get("Label")), 0)} for p in ports or []
            if isinstance(p, dict)]


def port_ref(label: Any, ports: list[dict[str, Any]], by_label: dict[str, str]) -> int | str | None:
    text = str(label or "")
    if text in by_label:
        return by_label[text]
    if text.isdigit():
        return int(text)
    return ports[0]["name"] if ports and not text else None


def health(regs: list[dict[str, Any]], ports: list[dict[str, Any]], by_label: dict[str, str], path: str,
            ctx: Ctx) -> dict[str, Any]:
    health: dict[str, Any] = {}
    for r in regs:
        for i, check in enumerate(r.get("Checks") or []):
            cpath = f"{path}.service.{r.get('Name')}.check[{i}]"
            kind = "liveness" if check.get("CheckRestart") else "readiness"
            if kind in health:
                ctx.loss(check, cpath, f"a second {kind} check: the spec has one; not carried over",
                         spec=f".health.{kind}")
                continue
            probe: dict[str, Any] = {}
            ctype = check.get("Type")
            port = port_ref(check.get("PortLabel") or r.get("PortLabel"), ports, by_label)
            if ctype in ("http", "tcp") and port is None:
                ctx.loss(check, cpath, "a check on a port the group does not declare: not carried over",
                         spec=f".health.{kind}")
                continue
            if ctype == "http":
                probe["http"] = {"port": port} | ({"path": check["Path"]} if check.get("Path", "/") != "/" else {})
            elif ctype == "tcp":
                probe["tcp"] = {"port": port}
            elif ctype == "script" and check.get("Command"):
                probe["exec"] = [str(check["Command"]), *[str(a) for a in check.get("Args") or []]]
            else:
                ctx.loss(check, cpath, f"a {ctype} check: no equivalent in the spec; not carried over",
                         spec=f".health.{kind}")
                continue
            for field, default in (("Interval", "10s"), ("Timeout", "1s")):
                value = duration(check.get(field))
                if value is not None and value != default:
                    probe[field.lower()] = value
            restart = check.get("CheckRestart") or {}
            if kind == "readiness":
                ctx.loss(check, cpath, "a readiness check has no failure count in Nomad: the spec's default "
                         "retries (3) apply", "changed", ".health.readiness.retries")
            limit = as_int(restart.get("Limit"))
            if limit and limit != 3:
                probe["retries"] = limit
            grace = duration(restart.get("Grace"))
            if grace and grace != "0s":
                probe["start_period"] = grace
            ctx.rest(check, {"Name", "Type", "Path", "PortLabel", "AddressMode", "Command", "Args", "Interval",
                             "Timeout", "CheckRestart"}, cpath, {"Method": "GET", "Protocol": "http"})
            health[kind] = probe
    return health


def route(regs: list[dict[str, Any]], by_label: dict[str, str]) -> dict[str, Any] | None:
    for r in regs:
        for tag in r.get("Tags") or []:
            m = _ROUTE.match(str(tag))
            if m and r.get("PortLabel") in by_label:
                route: dict[str, Any] = {"host": m.group(1), "port": by_label[r["PortLabel"]]}
                if m.group(2):
                    route["path"] = m.group(2)
                return route
    return None


def registrations(regs: list[dict[str, Any]], job_id: str, group: str, routed: bool, path: str, ctx: Ctx) -> None:
    """What a registration says beyond its port, checks and name (see _aliases): its tags."""
    for i, r in enumerate(regs):
        rpath = f"{path}.service[{i}]"
        tags = [str(t) for t in r.get("Tags") or []
                if not (routed and (t == "traefik.enable=true" or _ROUTE.match(str(t))))]
        if tags:
            ctx.loss(r, f"{rpath}: tags", f"tags {', '.join(tags)[:120]}: not carried over")
        ctx.rest(r, {"Name", "Provider", "PortLabel", "Tags", "Checks", "TaskName", "AddressMode"}, rpath)


def aliases(regs: list[dict[str, Any]], job_id: str, group: str, ports: list[dict[str, Any]],
             by_label: dict[str, str], path: str, ctx: Ctx) -> list[str]:
    """The names other jobs find this group by (its registrations) that the Nomad translator would
    not give it (``<app>-<service>[-<port>]``, specs.names.nomad_service) become aliases, which it
    registers as they are: a registration ``traefik-api`` comes back as it was."""
    own = {nomad_service(job_id, group, str(p["name"]), i == 0) for i, p in enumerate(ports)}
    out: list[str] = []
    for i, r in enumerate(regs):
        rpath, name = f"{path}.service[{i}]", str(r.get("Name") or "")
        if not name or name in own or "${" in name:
            if "${" in name:
                ctx.loss(r, f"{rpath}: name", f"registered as '{name}', interpolated by Nomad: other workloads "
                         "reach it by the workload's name in the spec", "changed")
            continue
        alias = name
        if not _ALIAS.fullmatch(alias) or alias in out or alias == group:
            continue
        out.append(alias)
        label = by_label.get(str(r.get("PortLabel") or ""))
        if ports and label is not None and label != ports[0]["name"]:
            ctx.loss(r, f"{rpath}: port", f"the alias '{alias}' reaches the service's ports by their numbers; on Nomad "
                     f"its registration advertises the first port ({ports[0]['name']}), not {label}", "changed")
    return out
