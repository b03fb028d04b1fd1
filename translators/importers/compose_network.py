"""How compose services reach each other, as the spec's names, aliases and sidecars.

The spec has one network per app, on which a service answers to its name and its ``aliases``.
So every name compose lets another service use stays usable:

- a service renamed to fit the spec's names (``my_db`` -> ``my-db``) keeps its compose name as
  an alias;
- network aliases (``networks: {back: {aliases: [database]}}``) and the v2 format's link
  aliases (``links: ["db:database"]``) become aliases of the service;
- a ``container_name`` becomes an alias when another service uses it as a host name: a simple
  textual check, the name as a whole word (not inside a longer name or before a domain) in the
  other services' values (environment, command, health check, config file contents...) or in
  the values of the variables those use (``.env``, ``${VAR:-default}``).
  An unused one stays a cosmetic name, not carried.

``network_mode: service:X`` (or ``container:<X's container_name>``) puts a container in X's
network namespace: in the spec, a sidecar of X (a Step: image, command, args, env, resources,
working_dir, security; what a Step cannot hold is reported).  Its exposed ports are X's;
workloads that depended on it depend on X.  Other network modes (host, none, bridge) have no
place in the spec: the service joins the app's network, and the loss report says so.
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs import names
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.compose_context import Context
from crossdock.translators.importers.compose_interp import references

HANDLED = {"network_mode", "networks", "container_name"}
STEP_KEYS = ("image", "command", "args", "env", "resources", "working_dir", "security")
_ALIAS = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")  # specs.types.Alias
_NETWORK_OPTIONS = {"aliases"}
# Where a service names another as a host: its compose values (secret values included, which the
# spec no longer holds in clear) and what the spec carries (env files, config file contents).
_RAW_USES = ("environment", "command", "entrypoint", "healthcheck", "depends_on", "links", "external_links")
_SPEC_USES = ("env", "command", "args", "health", "files", "sidecars", "init")


def joins(ctx: Context, services: dict[str, Any]) -> dict[str, str]:
    """compose service -> the service whose network namespace it shares (followed to the end of a
    chain); other network modes are reported here."""
    by_container = {str(s["container_name"]): n for n, s in services.items() if s.get("container_name")}
    direct: dict[str, str] = {}
    for cname, svc in services.items():
        mode = svc.get("network_mode")
        if mode is None:
            continue
        at: Path = ("services", cname, "network_mode")
        kind, _, target = str(mode).partition(":")
        host = target if kind == "service" else by_container.get(target) if kind == "container" else None
        if host in services and host != cname:
            direct[cname] = host
        elif kind in ("service", "container"):
            ctx.loss(at, f"'{target}' is not a service of this project (or left out by profiles): the service "
                     "joins the app's network instead", "changed")
        elif str(mode) == "host":
            ctx.loss(at, "the host's network has no equivalent in the spec: the service joins the app's network, "
                     "reachable on its declared ports only", "changed")
        elif str(mode) != "default":
            ctx.loss(at, f"network mode '{mode}' has no equivalent in the spec: the service joins the app's "
                     "network, on which every workload reaches the others", "changed")
    out: dict[str, str] = {}
    for cname in direct:
        seen, host = [cname], direct[cname]
        while host in direct and host not in seen:
            seen.append(host)
            host = direct[host]
        if host in seen:  # a loop of network_mode: docker cannot start it either
            ctx.loss(("services", cname, "network_mode"), "a loop of network_mode services: the service joins "
                     "the app's network instead", "changed")
        else:
            out[cname] = host
    return out


def make_sidecars(ctx: Context, sections: dict[str, dict[str, Any]], joined: dict[str, str]) -> None:
    """Move each joined service into its host's ``sidecars``; redirect what depended on it."""
    moved: dict[str, str] = {}  # workload name -> the host's workload name
    for cname, host in joined.items():
        at: Path = ("services", cname, "network_mode")
        wname, hname = ctx.names[cname], ctx.names[host]
        w = sections[ctx.sections[cname]].pop(wname)
        ctx.comments.pop((ctx.sections[cname], wname), None)
        hw = sections[ctx.sections[host]][hname]
        step = {k: w[k] for k in STEP_KEYS if k in w}
        step["name"] = wname
        hw.setdefault("sidecars", []).append(step)
        moved[wname] = hname
        ctx.loss(at, f"shares the network of '{host}': it becomes a sidecar of {host} (a container beside it, "
                 "started and scaled with it)", "changed", f"{ctx.sections[host]}.{hname}.sidecars")
        for port in w.get("ports") or []:  # the port is open in the host's network namespace
            _host_port(ctx, at, host, hw, port)
        mounts = [s.get("env") or s.get("path") for s in w.get("secrets") or []]
        # what became of its secret-looking variables is said here, not as secrets it does not get
        ctx.project.losses[:] = [x for x in ctx.project.losses
                                 if not x.spec_path.startswith(f"{ctx.sections[cname]}.{wname}.env.")]
        if mounts:
            ctx.sidecar_secrets.update(s["secret"] for s in w["secrets"])
            ctx.loss(("services", cname, "environment"), f"a sidecar takes no secrets in the spec: "
                     f"{', '.join(mounts)} not set in it (give the secret to the main container, or a config the "
                     "sidecar reads)")
        lost = [k for k in w if k not in STEP_KEYS + ("ports", "secrets", "depends_on")]
        lost += ["depends_on"] if set(w.get("depends_on") or []) - {hname} else []
        if lost:
            ctx.loss(("services", cname), f"a sidecar holds image, command, args, env, resources, working_dir and "
                     f"security: its {', '.join(lost)} are not carried")
    for section in sections.values():
        for wname, w in section.items():
            deps = w.get("depends_on") or []
            if any(d in moved for d in deps):
                w["depends_on"] = list(dict.fromkeys(moved.get(d, d) for d in deps if moved.get(d, d) != wname))
                if not w["depends_on"]:
                    del w["depends_on"]
    _fit_sidecar_names(ctx, sections)


def _host_port(ctx: Context, at: Path, host: str, hw: dict[str, Any], port: dict[str, Any]) -> None:
    if ctx.sections[host] != "services":
        ctx.loss(at, f"port {port['port']} is not carried: the job '{host}' it runs beside has no ports")
        return
    ports = hw.setdefault("ports", [])
    if any(p["port"] == port["port"] and p.get("protocol") == port.get("protocol") for p in ports):
        return
    taken = {p["name"] for p in ports}
    name, n = port["name"], 2
    while name in taken:
        name, n = f"{port['name'][:12]}-{n}", n + 1
    ports.append({**port, "name": name})


def _fit_sidecar_names(ctx: Context, sections: dict[str, dict[str, Any]]) -> None:
    """Swarm runs a sidecar as the service <app>_<workload>-<sidecar> (specs.names): cut the
    sidecar's name until that fits."""
    workloads = {n for section in sections.values() for n in section}
    for section in sections.values():
        for wname, w in section.items():
            for step in w.get("sidecars") or []:
                while len(names.swarm_service(ctx.app, names.swarm_sidecar_key(workloads, wname, step["name"]))) > \
                        names.SWARM_SERVICE_MAX and len(step["name"]) > 1:
                    step["name"] = step["name"][:-1].rstrip("-")


def aliases(ctx: Context, services: dict[str, Any], sections: dict[str, dict[str, Any]],
            joined: dict[str, str]) -> None:
    """Give each service the names compose lets other services reach it by."""
    workload_names = {n.lower() for section in sections.values() for n in section}
    owner: dict[str, str] = {}  # alias (lowercase) -> compose service that has it
    texts = {cname: _strings([svc.get(k) for k in _RAW_USES]) for cname, svc in services.items()}
    for cname, strings in texts.items():  # the values the variables they use hold (.env, defaults)
        refs = {n for t in strings for n in references(t)}
        strings += [v for n in sorted(refs) for v in (ctx.project.dotenv.values.get(n),
                                                      ctx.project.interp.defaults.get(n)) if v]
    for cname in services:
        if cname not in joined:
            w = sections[ctx.sections[cname]][ctx.names[cname]]
            texts[cname] += _strings([w.get(k) for k in _SPEC_USES])
    for cname, svc in services.items():
        at: Path = ("services", cname)
        wanted: list[tuple[str, Path]] = []
        if cname.lower() != ctx.names[cname]:
            wanted.append((cname, at))
        wanted += _network_aliases(ctx, at, svc.get("networks"))
        wanted += ctx.link_aliases.get(cname, [])
        container = svc.get("container_name")
        if container is not None:
            used = _used_as_host(str(container), [t for other, ts in texts.items() if other != cname for t in ts])
            if used and str(container).lower() != ctx.names[cname]:
                wanted.append((str(container), at + ("container_name",)))
            elif not used:
                ctx.loss(at + ("container_name",), "not carried: container names are chosen by each platform (no "
                         "other service uses this one as a host name)")
        if cname in joined:
            for alias, path in wanted[1:] if wanted and wanted[0][0] == cname else wanted:
                ctx.loss(path, f"the name '{alias}' is not carried: this service shares the network of "
                         f"'{joined[cname]}', whose names reach it")
            continue
        kept = _keep(ctx, cname, wanted, workload_names, owner)
        if kept:
            sections[ctx.sections[cname]][ctx.names[cname]]["aliases"] = kept


def _keep(ctx: Context, cname: str, wanted: list[tuple[str, Path]], workload_names: set[str],
          owner: dict[str, str]) -> list[str]:
    kept: list[str] = []
    own = ctx.names[cname]
    for alias, path in wanted:
        if alias.lower() == own or alias in kept:
            continue
        if not _ALIAS.fullmatch(alias) or len(alias) > 253:
            ctx.loss(path, f"'{alias}' is not a host name other workloads can use (letters, digits, '-', '_', '.'): "
                     "not carried")
        elif ctx.sections[cname] != "services":
            ctx.loss(path, f"a job has no aliases in the spec: the name '{alias}' does not reach it")
        elif alias.lower() in workload_names or owner.setdefault(alias.lower(), cname) != cname:
            ctx.loss(path, f"the name '{alias}' is also another workload's name or alias: not carried")
        else:
            kept.append(alias)
    return kept


def _network_aliases(ctx: Context, at: Path, networks: Any) -> list[tuple[str, Path]]:
    """The aliases under ``networks.<net>.aliases``; other per-network options are reported (the
    networks themselves are, at the top level)."""
    out: list[tuple[str, Path]] = []
    for net, opts in (networks.items() if isinstance(networks, dict) else []):
        path = at + ("networks", net)
        if not isinstance(opts, dict):
            continue
        given = opts.get("aliases") or []
        for i, alias in enumerate(given if isinstance(given, list) else [given]):
            out.append((str(ctx.value(alias, path + ("aliases", i))), path + ("aliases", i)))
        for key in sorted(set(opts) - _NETWORK_OPTIONS):
            ctx.loss(path + (key,), f"network option '{key}' is not carried: the platform addresses the containers")
    return out


def _strings(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [t for v in data.values() for t in _strings(v)]
    if isinstance(data, list):
        return [t for v in data for t in _strings(v)]
    return [data] if isinstance(data, str) else []


def _used_as_host(name: str, texts: list[str]) -> bool:
    """Whether ``name`` appears in ``texts`` as a host name: a whole word, not part of a longer
    name (``db`` in ``mydb`` or ``db_x``) nor the first label of a domain (``db.example.com``)."""
    pattern = re.compile(r"(?:(?<![\w.-])|(?<=:-))" + re.escape(name) + r"(?![\w-]|\.\w)")
    return any(pattern.search(t) for t in texts)
