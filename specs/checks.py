"""Checks across the spec that a field-by-field schema cannot make.

Each check yields (path, message, hint); the loader adds the location.  Names are checked
against what every target accepts, the names crossdock derives from them too (``names``):
a Swarm service is named ``<app>_<workload>`` (at most 63 characters), a sidecar
``<app>_<workload>-<sidecar>``, a Swarm secret ``<app>_<secret>`` (64), a Nomad service
``<app>-<service>-<port>`` (63).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from crossdock.specs import names
from crossdock.specs.model import App, Service, Workload
from crossdock.specs.yamlsrc import Path

Finding = tuple[Path, str, str | None]


@dataclass(frozen=True)
class Refs:
    """What one workload names: (index, name) of each ``depends_on``, ``secrets[].secret`` and
    ``volumes[].volume``.  Built from the typed workload, or with ``of`` from the raw mapping of
    one that failed field validation, so that the reference and cycle checks still see it."""

    section: str
    depends_on: tuple[tuple[int, str], ...] = ()
    secrets: tuple[tuple[int, str], ...] = ()
    volumes: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(cls, section: str, raw: Any) -> Refs:
        """From raw data: items that are not strings (a field error of their own) are skipped."""
        raw = raw if isinstance(raw, dict) else {}

        def named(key: str, field: str | None) -> tuple[tuple[int, str], ...]:
            items = raw.get(key)
            if not isinstance(items, list):
                return ()
            values = [(i, it if field is None else it.get(field) if isinstance(it, dict) else None)
                      for i, it in enumerate(items)]
            return tuple((i, v) for i, v in values if isinstance(v, str))

        return cls(section, named("depends_on", None), named("secrets", "secret"), named("volumes", "volume"))


def check(app: App, unchecked: frozenset[str] = frozenset(),
          unvalidated: Mapping[str, Refs] | None = None, derived_names: bool = True) -> list[Finding]:
    """Every finding across the spec.  ``unchecked`` names secrets, volumes and workloads that
    exist in the file but failed field validation (and were left out of ``app``): references
    to them are not reported as unknown.  ``unvalidated`` holds what such workloads reference,
    read from the raw data, so that their unknown references and cycles are reported too.
    ``derived_names=False`` skips the names built from the app's name (when it is not valid)."""
    raw = unvalidated or {}
    out: list[Finding] = []
    for fn in (_names, _derived_names, _ports, _mounts):
        if derived_names or fn is not _derived_names:
            out.extend(fn(app))
    out.extend(_references(app, unchecked))
    for name, u in sorted(raw.items()):
        out.extend(_entry_refs(app, unchecked, name, u))
    out.extend(_dependencies(app, raw))
    return out


def _names(app: App) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for section, name, w in app.workloads():
        if name in seen:
            yield ((section, name), f"'{name}' is also defined under {seen[name]}",
                   "workload names share one namespace on every target; rename one")
        seen.setdefault(name, section)
        steps = [(kind, i, s.name) for kind in ("init", "sidecars") for i, s in enumerate(getattr(w, kind, []))]
        step_seen = {name}
        for kind, i, sname in steps:
            if sname in step_seen:
                yield ((section, name, kind, i, "name"), f"container name '{sname}' is used twice in this workload",
                       "init steps, sidecars and the workload itself need distinct names")
            step_seen.add(sname)


def _derived_names(app: App) -> Iterator[Finding]:
    seen: set[tuple[Path, str]] = set()
    for path, derived, limit, how in names.derived(app):
        if len(derived) > limit and (path, derived) not in seen:
            seen.add((path, derived))
            yield (path, f"'{derived}' is longer than {limit} characters",
                   f"{how}; shorten the names it is made of ({len(derived)} characters now)")


def _references(app: App, unchecked: frozenset[str] = frozenset()) -> Iterator[Finding]:
    for section, name, w in app.workloads():
        refs = Refs(section, tuple(enumerate(w.depends_on)), tuple((i, s.secret) for i, s in enumerate(w.secrets)),
                           tuple((i, v.volume) for i, v in enumerate(w.volumes) if v.volume is not None))
        yield from _entry_refs(app, unchecked, name, refs)
        for i, v in enumerate(w.volumes):
            if v.volume in app.volumes and app.volumes[v.volume].per_replica and section != "services":
                yield ((section, name, "volumes", i, "volume"),
                       f"volume '{v.volume}' is per_replica, which only services can mount", None)
        if isinstance(w, Service):
            yield from _port_refs(section, name, w)
    users: dict[str, list[str]] = {}
    for section, name, w in app.workloads():
        for v in w.volumes:
            if v.volume is not None:
                users.setdefault(v.volume, []).append(name)
    for vol, names in sorted(users.items()):
        if vol in app.volumes and app.volumes[vol].per_replica and len(set(names)) > 1:
            yield (("volumes", vol), f"per_replica volume '{vol}' is mounted by {', '.join(sorted(set(names)))}",
                   "each replica gets its own copy, so only one service may use it")


def _entry_refs(app: App, unchecked: frozenset[str], name: str, u: Refs) -> Iterator[Finding]:
    """Unknown secrets, volumes and dependencies of one workload (validated or not)."""
    for i, secret in u.secrets:
        if secret not in app.secrets and secret not in unchecked:
            yield ((u.section, name, "secrets", i, "secret"), f"unknown secret '{secret}'",
                   _known("secrets", app.secrets))
    for i, volume in u.volumes:
        if volume not in app.volumes and volume not in unchecked:
            yield ((u.section, name, "volumes", i, "volume"), f"unknown volume '{volume}'",
                   _known("volumes", app.volumes))
    for i, dep in u.depends_on:
        if dep == name:
            yield ((u.section, name, "depends_on", i), f"'{name}' depends on itself", None)
        elif dep not in app.services and dep not in app.jobs and dep not in unchecked:
            yield ((u.section, name, "depends_on", i), f"unknown service or job '{dep}'",
                   _known("services or jobs", {**app.services, **app.jobs}))


def _port_refs(section: str, name: str, svc: Service) -> Iterator[Finding]:
    names = {p.name for p in svc.ports}
    refs: list[tuple[Path, int | str]] = []
    if svc.route is not None:
        refs.append(((section, name, "route", "port"), svc.route.port))
    for kind in ("liveness", "readiness", "startup"):
        probe = getattr(svc.health, kind) if svc.health else None
        check = (probe.http or probe.tcp) if probe else None
        if check is not None:
            sub = "http" if probe and probe.http else "tcp"
            refs.append(((section, name, "health", kind, sub, "port"), check.port))
    for path, ref in refs:
        if isinstance(ref, str) and ref not in names:
            yield (path, f"unknown port name '{ref}'",
                   f"declared ports: {', '.join(sorted(names))}" if names else "declare it under ports:")
        elif isinstance(ref, int) and path[2] == "health":
            yield from _probe_number(path, ref, svc)
    if svc.route is not None and isinstance(svc.route.port, int) and svc.route.port not in {p.port for p in svc.ports}:
        inside = next((p for p in svc.ports if p.container_port == svc.route.port), None)
        yield ((section, name, "route", "port"), f"port {svc.route.port} is not declared under ports",
               f"a route reaches the service port: {inside.port} (ports '{inside.name}'), whose container port "
               f"is {svc.route.port}" if inside else "a route sends traffic to one of the service's ports")


def _probe_number(path: Path, ref: int, svc: Service) -> Iterator[Finding]:
    """A health check runs against the container, so a number is a container port: one that is
    only a service port (its container listens on target_port) is a mistake."""
    if any(p.container_port == ref for p in svc.ports):
        return
    moved = next((p for p in svc.ports if p.port == ref), None)
    if moved is not None:
        yield (path, f"port {ref} is the service port of '{moved.name}', whose container listens on "
               f"{moved.container_port}", f"a health check reaches the container: use {moved.container_port} "
               f"or the name '{moved.name}'")


def _ports(app: App) -> Iterator[Finding]:
    published: dict[tuple[int, str], str] = {}
    for section, name, w in app.workloads():
        if not isinstance(w, Service):
            continue
        seen: dict[tuple[int, str], int] = {}
        # Container ports: target_port where one is given, else port (so a remapped port and a
        # plain one clash when the container would listen on one number for both).
        listens = {(p.port, p.protocol): i for i, p in reversed(list(enumerate(w.ports)))
                   if p.target_port in (None, p.port)}
        names: dict[str, int] = {}
        for i, p in enumerate(w.ports):
            path = (section, name, "ports", i)
            if (p.port, p.protocol) in seen:
                yield (path + ("port",), f"port {p.port}/{p.protocol} is declared twice "
                       f"(also ports[{seen[(p.port, p.protocol)]}])", None)
            seen.setdefault((p.port, p.protocol), i)
            if p.target_port is not None and p.target_port != p.port:
                inner = (p.target_port, p.protocol)
                if inner in listens:
                    yield (path + ("target_port",), f"container port {p.target_port}/{p.protocol} is also the "
                           f"container port of ports[{listens[inner]}]", "each port of a service reaches its "
                           "own container port")
                listens.setdefault(inner, i)
            if p.name in names:
                yield (path + ("name",), f"port name '{p.name}' is used twice (also ports[{names[p.name]}])", None)
            names.setdefault(p.name, i)
            if p.publish and p.published_port is not None:  # without one, the platform picks a free port
                key = (p.published_port, p.protocol)
                if key in published:
                    yield (path + ("published_port",),
                           f"published port {key[0]}/{key[1]} is also published by {published[key]}",
                           "each published port can be used once per app")
                published.setdefault(key, f"services.{name}")


def _mounts(app: App) -> Iterator[Finding]:
    for section, name, w in app.workloads():
        seen: dict[str, Path] = {}
        items: list[tuple[Path, str]] = [((section, name, "files", i, "path"), f.path) for i, f in enumerate(w.files)]
        items += [((section, name, "volumes", i, "path"), v.path) for i, v in enumerate(w.volumes)]
        items += [((section, name, "secrets", i, "path"), s.path) for i, s in enumerate(w.secrets) if s.path]
        for path, target in items:
            if target in seen:
                from crossdock.specs.yamlsrc import format_path
                yield (path, f"path {target} is already used by {format_path(seen[target])}", None)
            seen.setdefault(target, path)
        envs = {e: "under env" for e in w.env}
        for i, s in enumerate(w.secrets):
            if s.env and s.env in envs:
                yield ((section, name, "secrets", i, "env"), f"{s.env} is also set {envs[s.env]}",
                       "each environment variable can have one value")
            if s.env:
                envs.setdefault(s.env, f"by secrets[{i}]")


def _dependencies(app: App, unvalidated: Mapping[str, Refs]) -> Iterator[Finding]:
    """Each ``depends_on`` cycle once, at the edge that closes it.

    The walk keeps its own stack rather than recursing: a chain of 1,000 services is a valid
    spec and must not exhaust Python's recursion limit.
    """
    graph: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    for section, name, w in app.workloads():
        graph[name] = list(w.depends_on)
        where[name] = section
    for name, raw in sorted(unvalidated.items()):
        graph.setdefault(name, [dep for _, dep in raw.depends_on])
        where.setdefault(name, raw.section)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()
    for root in sorted(graph):
        if root in state:
            continue
        path: list[str] = [root]
        todo: list[int] = [0]  # per node on the path: the index of the next dependency to follow
        state[root] = 1
        while path:
            node, i = path[-1], todo[-1]
            deps = graph[node]
            if i == len(deps):
                state[node] = 2
                path.pop()
                todo.pop()
                continue
            todo[-1] += 1
            dep = deps[i]
            if dep == node:
                continue  # reported by _references as "depends on itself"
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield ((where[node], node, "depends_on", deps.index(dep)),
                           f"depends_on cycle: {' -> '.join(cycle)}", "remove one of these dependencies")
            elif dep in graph and dep not in state:
                state[dep] = 1
                path.append(dep)
                todo.append(0)


def _known(what: str, names: object) -> str:
    listed = sorted(names) if isinstance(names, dict) else []
    return f"defined {what}: {', '.join(listed)}" if listed else f"no {what} are defined"

__all__ = ["check", "Finding", "Workload"]
