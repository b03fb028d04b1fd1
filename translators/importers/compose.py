"""The compose importer: a compose project (or a Swarm stack file) -> a crossdock app spec.

Reads the Compose Specification and the older v2/v3 formats (``version:`` is ignored, as docker
compose does), through ``compose_load`` (files, ``.env``, ``include``, ``-f`` merges, ``extends``);
maps each service with ``compose_services``; and the top-level volumes, secrets, configs and
networks here.  Every field not carried is a loss with its file:line:col.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from typing import Any, Mapping, Sequence

from crossdock.errors import InputError
from crossdock.specs.classify import NO_RULES, SecretRules
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers import compose_units as units
from crossdock.translators.importers.base import ImportResult, Loss, Source, Sources, expand_paths
from crossdock.translators.importers.compose_context import MANAGED_BY, OWNERSHIP, Context
from crossdock.translators.importers.compose_load import (
    DEFAULT_FILES, OVERRIDE_FILES, Project, as_mapping, load_project,
)
from crossdock.translators.importers import compose_network as network
from crossdock.translators.importers import compose_profiles as profiles
from crossdock.translators.importers.compose_interp import tokens
from crossdock.translators.importers.compose_mounts import declare_secret
from crossdock.translators.importers.compose_services import workload
from crossdock.translators.importers.compose_shape import check_service

_SERVICES_LINE = re.compile(r"^services:", re.M)
_OTHER_FORMATS = re.compile(r"^(apiVersion|kind):|^\s*job\s+\"|^\s*\"?Job\"?\s*:", re.M)
_STACK_FILE = re.compile(r"(.+)\.stack\.ya?ml$")
_JOB_MODES = ("replicated-job", "global-job")


class ComposeImporter:
    """``profiles``: as ``docker compose --profile`` (compose_profiles)."""

    name: Source = "compose"

    def __init__(self, profiles: Sequence[str] = ()) -> None:
        self.profiles = tuple(profiles)

    def claims(self, path: str, text: str) -> bool:
        base = posixpath.basename(path)
        if base in DEFAULT_FILES or base in OVERRIDE_FILES:
            return True
        return bool(_SERVICES_LINE.search(text)) and not _OTHER_FORMATS.search(text)

    def import_files(self, paths: Sequence[str], sources: Sources, *, name: str | None,
                     environ: Mapping[str, str], secret_rules: SecretRules = NO_RULES) -> ImportResult:
        """Import a compose project. Raises InputError/SpecError on files that cannot be read."""
        files = [p for p in paths if sources.is_dir(p)] + [p for p in expand_paths(
            [p for p in paths if not sources.is_dir(p)], sources)]
        project = load_project(files, sources, environ)
        project.interp.rules = secret_rules
        left_out = profiles.select(project, profiles.chosen_profiles(project, dict(environ), self.profiles))
        services = project.data.get("services") or {}
        crossdock = any(isinstance(s, dict) and _labels_of(s).get(MANAGED_BY) == "crossdock"
                        for s in services.values())
        ctx = Context(project, sources, _app_name(name, project, crossdock, services), crossdock)
        doc: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": ctx.app}}
        if name is None and not crossdock and project.data.get("name") is None:
            ctx.comments[("metadata", "name")] = "named after the folder of the compose file; change it with --name"
        ctx.left_out = left_out
        for cname, svc in services.items():
            check_service(project, cname, svc)
        ctx.joined = joined = network.joins(ctx, services)
        _names(ctx, services)
        _no_cycles(project, services)
        sections: dict[str, dict[str, Any]] = {"services": {}, "jobs": {}}
        for cname, svc in services.items():
            section, w = workload(ctx, cname, svc)
            wname = ctx.names[cname]
            sections[section][wname] = w
            ctx.comments.setdefault((section, wname), f"from {ctx.where(('services', cname))}")
        network.make_sidecars(ctx, sections, joined)
        network.aliases(ctx, services, sections, joined)
        _drop_sidecar_secrets(ctx, sections)
        if crossdock:
            _lift_app_labels(doc, sections)
        _top_level(ctx)
        variables, withheld = project.interp.variables()
        # a variable only a service turned sidecar used (its secret left out) is no longer the spec's
        in_spec = set(_ANY_REF.findall(json.dumps(sections).replace("$$", ""))) | \
            {str(s.get("from_env")) for s in ctx.secrets.values()}
        withheld = [var for var in withheld if var in in_spec]
        for var in withheld:
            line = project.dotenv.lines.get(var)
            project.losses.append(_withheld(var, project.dotenv_file, line) if project.dotenv_file and line
                                  else _withheld(var, project.files[0], 0))
        for section in ("services", "jobs"):
            if sections[section]:
                doc[section] = sections[section]
        for var, value in _unset_variables(project, doc, variables, set(withheld), environ, ctx.valueless).items():
            variables[var] = value
            ctx.comments[("variables", var)] = "no value in the compose project (compose uses ''): set it when you " \
                                               "render or deploy"
        if variables:
            doc["variables"] = variables
            if project.dotenv_file:
                ctx.comments[("variables",)] = f"defaults from {project.dotenv_file} and ${{VAR:-default}}: " \
                                                "the environment and --set win, as the shell wins in compose"
        if ctx.secrets:
            doc["secrets"] = dict(sorted(ctx.secrets.items()))
        if ctx.volumes:
            doc["volumes"] = dict(sorted(ctx.volumes.items()))
        sources_read = list(project.files) + ([project.dotenv_file] if project.dotenv_file else [])
        return ImportResult(doc, sorted(project.losses), ctx.comments, sources_read)


def _drop_sidecar_secrets(ctx: Context, sections: dict[str, dict[str, Any]]) -> None:
    """Secrets made for a service that became a sidecar (which takes none), if nothing else uses them."""
    used = {m["secret"] for section in sections.values() for w in section.values() for m in w.get("secrets") or []}
    for name in ctx.sidecar_secrets - used:
        ctx.secrets.pop(name, None)
        ctx.comments.pop(("secrets", name), None)


_ANY_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")  # a spec variable, with or without a default
_SPEC_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # a spec variable without a default


def _unset_variables(project: Project, doc: dict[str, Any], variables: dict[str, str], withheld: set[str],
                     environ: Mapping[str, str], valueless: dict[str, Path]) -> dict[str, str]:
    """An empty value for each variable the spec uses with no value (not in .env, no default),
    as compose uses an empty string (with a warning): the spec then loads and renders as written,
    and the loss report names the variable to set.  Not for a variable in an image reference,
    which an empty value would break (compose could not pull it either), nor for a secret-looking
    one whose value was withheld: those stay required, and the report says so."""
    text = json.dumps(doc, ensure_ascii=False).replace("$$", "")
    images = json.dumps([w.get("image") for section in ("services", "jobs") for w in (doc.get(section) or {}).values()])
    out: dict[str, str] = {}
    for name in sorted(set(_SPEC_REF.findall(text)) - set(variables) - withheld - project.interp.secret_vars):
        shell = " (its value in this shell is not copied)" if name in environ else ""
        if name in _SPEC_REF.findall(images.replace("$$", "")):
            project.loss(_first_use(project.data, name) or (), f"${{{name}}} has no value (not in .env, no default) "
                         f"and an image reference needs one: set {name} when you render or deploy{shell}", "changed")
            continue
        if name in valueless:
            project.loss(valueless[name], f"'{name}' has no value in the file: compose passes it from the shell or .env, "
                         f"or leaves it unset in the container; the spec reads ${{{name}}} when you render or deploy, "
                         f"'' by default (set but empty in the container){shell}", "changed", f"variables.{name}")
        else:
            project.loss(_first_use(project.data, name) or (), f"${{{name}}} has no value (not in .env, no default): "
                         f"compose uses an empty string; so does the spec's variables: set {name} when you render "
                         f"or deploy{shell}", "changed", f"variables.{name}")
        out[name] = ""
    return out


def _first_use(data: Any, name: str, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path of the first string of ``data`` that refers to the variable ``name``."""
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return path if isinstance(data, str) and any((m.group("name") or m.group("bare")) == name
                                                     for m in tokens(data) if not m.group(1)) else None
    for key, value in items:
        found = _first_use(value, name, path + (key,))
        if found is not None:
            return found
    return None


def _withheld(var: str, file: str, line: int) -> Loss:
    return Loss(file, line, 1 if line else 0, f"variables.{var}", "the value (or default) of a secret-looking "
                "variable is not copied into variables:; set it when you render or deploy", "changed")


def _labels_of(svc: dict[str, Any]) -> dict[str, Any]:
    labels = as_mapping(svc.get("labels"))
    deploy = svc.get("deploy")
    if isinstance(deploy, dict):
        labels.update(as_mapping(deploy.get("labels")))
    return labels


def _app_name(name: str | None, project: Project, crossdock: bool, services: dict[str, Any]) -> str:
    if name:
        return units.app_name(name)
    if crossdock:
        part_of = {_labels_of(s).get("app.kubernetes.io/part-of") for s in services.values() if isinstance(s, dict)}
        if len(part_of) == 1 and isinstance(next(iter(part_of)), str):
            return units.app_name(str(next(iter(part_of))))
    if isinstance(project.data.get("name"), str):
        return units.app_name(project.interp.resolve(project.data["name"]))
    first = project.files[0] if project.files else "app"
    stack = _STACK_FILE.fullmatch(posixpath.basename(first))
    if stack:
        return units.app_name(stack.group(1))
    # docker compose names a project after the folder of its file (the current one when the path has none)
    folder = posixpath.basename(posixpath.dirname(posixpath.normpath(first))) or os.path.basename(os.getcwd())
    base = posixpath.basename(first)
    if base in DEFAULT_FILES or base in OVERRIDE_FILES:
        return units.app_name(folder or "app")
    return units.app_name(base.rsplit(".", 1)[0])


def _names(ctx: Context, services: dict[str, Any]) -> None:
    taken: set[str] = set()
    for cname, svc in services.items():
        # Swarm names a service <app>_<workload> in at most 63 characters, and a sidecar (a service
        # sharing this one's network) <app>_<workload>-<sidecar>: room for 8 characters of its name
        room = 9 if cname in ctx.joined.values() else 0
        wname = units.workload_name(cname)[: max(63 - len(ctx.app) - 1 - room, 8)].rstrip("-")
        while wname in taken:
            wname = f"{wname[:-4]}-{len(taken)}"
        taken.add(wname)
        ctx.names[cname] = wname
        deploy = svc.get("deploy") if isinstance(svc, dict) else None
        mode = deploy.get("mode") if isinstance(deploy, dict) else None
        ctx.sections[cname] = "jobs" if mode in _JOB_MODES else "services"
        if wname != cname:
            kept = ("; it keeps its compose name as an alias, by which other workloads still reach it"
                    if ctx.sections[cname] == "services" and cname.lower() != wname and cname not in ctx.joined
                    else "")
            ctx.loss(("services", cname), f"renamed '{wname}': spec workload names are lowercase letters, digits "
                     f"and '-', starting with a letter, and <app>_<name> fits in 63 characters{kept}", "changed")


def _no_cycles(project: Project, services: dict[str, Any]) -> None:
    """docker compose refuses a depends_on cycle; so does the spec. Raises InputError."""
    def deps(name: str) -> list[str]:
        value = services[name].get("depends_on") or []
        return [d for d in (value if isinstance(value, list) else list(value)) if d in services]

    done: set[str] = set()

    def visit(name: str, stack: list[str]) -> None:
        if name in stack:
            cycle = stack[stack.index(name):] + [name]
            raise InputError(f"{project.where(('services', cycle[0], 'depends_on'), key=True)}: "
                             f"services.{cycle[0]}.depends_on: dependency cycle {' -> '.join(cycle)} "
                             "(docker compose refuses it too: remove one of these dependencies)")
        if name not in done:
            for dep in deps(name):
                visit(dep, stack + [name])
            done.add(name)

    for name in services:
        visit(name, [])


def _lift_app_labels(doc: dict[str, Any], sections: dict[str, dict[str, Any]]) -> None:
    """crossdock stamps the app's labels on every service: labels all services share are the app's."""
    workloads = [w for section in sections.values() for w in section.values()]
    if not workloads:
        return
    common = dict(workloads[0].get("labels") or {})
    for w in workloads[1:]:
        common = {k: v for k, v in common.items() if (w.get("labels") or {}).get(k) == v}
    common = {k: v for k, v in common.items() if k not in OWNERSHIP}
    if common:
        doc["metadata"]["labels"] = common
    for w in workloads:
        labels = {k: v for k, v in (w.get("labels") or {}).items() if k not in common}
        if labels:
            w["labels"] = labels
        else:
            w.pop("labels", None)


def _top_level(ctx: Context) -> None:
    data = ctx.project.data
    for key, vol in (data.get("volumes") or {}).items():
        vol = vol if isinstance(vol, dict) else {}
        name = units.object_name(key)
        entry = ctx.volumes.setdefault(name, {})
        if ctx.crossdock and "{{.Task.Slot}}" in str(vol.get("name", "")):
            entry["per_replica"] = True
        for opt in sorted(vol):
            if ctx.crossdock and opt in ("name", "labels"):
                continue
            if opt == "external":
                ctx.loss(("volumes", key, opt), "an external volume becomes one the platform creates for the app",
                         "changed")
            else:
                ctx.loss(("volumes", key, opt), f"volume option '{opt}' is not carried: each platform's default "
                         "storage applies")
    for key, sec in (data.get("secrets") or {}).items():
        declare_secret(ctx, key, sec)
    for kind, carried in (("secrets", {"file", "environment", "external"}),
                          ("configs", {"file", "content", "environment", "external", "template_driver"})):
        for key, entry in (data.get(kind) or {}).items():
            for opt in sorted(set(entry if isinstance(entry, dict) else {}) - carried):
                if not (ctx.crossdock and opt in ("name", "labels")) and not (opt == "name" and kind == "secrets"):
                    ctx.loss((kind, key, opt), f"{kind[:-1]} option '{opt}' is not carried")
    used = {str(c.get("source") if isinstance(c, dict) else c) for s in (data.get("services") or {}).values()
            if isinstance(s, dict) for c in (s.get("configs") or [])}
    for key in data.get("configs") or {}:
        if key not in used:
            ctx.loss(("configs", key), "not used by any service: not carried")
    for key, net in (data.get("networks") or {}).items():
        if ctx.crossdock:
            continue
        ctx.loss(("networks", key), "the spec has one network per app, on which every workload reaches the "
                 "others: this network's separation and options are not carried", "changed")
    # Top-level x- extension fields hold YAML anchors for the rest of the file: nothing to carry.


IMPORTER = ComposeImporter()
