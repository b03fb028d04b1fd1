"""Nomad jobs (HCL jobspecs or the API's JSON) -> one crossdock app spec, with a loss report.

Files are ``*.nomad``, ``*.nomad.hcl``, ``*.hcl`` (read by ``nomad_hcl``) and ``*.json``
(``{"Job": {...}}`` as ``POST /v1/jobs`` takes it, or the bare job object).  All the jobs given
make one app, the way crossdock renders one: a ``service`` job's groups are the services, each
group of a ``batch`` job a job (a cron job when the job is periodic).  The app is named by
``--name``, else by the ``app`` meta crossdock writes, else after the service job.

HCL variables: ``${var.x}`` in a string stays the spec's ``${x}`` with the variable's default
under ``variables:``; a variable used where a number or boolean goes is replaced by its default.
Values of secrets never land in the spec: templates reading Nomad Variables or Vault, and env
vars whose literal value the shared classifier (``specs.classify``) calls secret, by name or by
value, become secrets set from the environment at deploy time, with a comment saying where the
value was; an HCL variable whose default it calls secret is left out of ``variables:`` (it must
be set when the spec is used), with a loss line.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence

from crossdock.errors import InputError, SpecError
from crossdock.specs.classify import NO_RULES, SecretRules
from crossdock.translators.importers import json_scalars, nomad_groups, nomad_hcl, nomad_variables
from crossdock.translators.importers.base import ImportResult, Source, Sources, check_spec, expand_paths, write_spec
from crossdock.translators.importers.nomad_ctx import (
    Ctx, is_label_key, is_label_value, object_name, plain, workload_name,
)
from crossdock.translators.importers.nomad_hcl import VAR
from crossdock.translators.importers.nomad_schema import LINE, shaped

_OWN_META = ("managed-by", "app", "workload")
_JOB_KNOWN = {"ID", "Name", "Type", "Meta", "TaskGroups", "Periodic", "Update", "Constraints", "Spreads",
              "ParameterizedJob"}
_JOB_DEFAULTS: dict[str, Any] = {"Datacenters": ["*"], "Priority": 50, "AllAtOnce": False, "Region": "global",
                                 "Namespace": "default", "NodePool": "default"}


class NomadImporter:
    name: Source = "nomad"

    def claims(self, path: str, text: str) -> bool:
        head = text[:65536]
        if path.endswith(".json"):
            return '"TaskGroups"' in head
        return bool(re.search(r'^\s*job\s+"[^"]*"\s*\{', head, re.M))

    def import_files(self, paths: Sequence[str], sources: Sources, *, name: str | None,
                     environ: Mapping[str, str], secret_rules: SecretRules = NO_RULES) -> ImportResult:
        """One app from the jobs in ``paths``. Raises InputError for files that are not jobs."""
        try:
            return _import(paths, sources, name, secret_rules)
        except RecursionError as e:  # a hostile file nested just below json's own limit
            raise InputError(f"{', '.join(paths)}: nested too deeply to be a Nomad job") from e


def _import(paths: Sequence[str], sources: Sources, name: str | None, rules: SecretRules) -> ImportResult:
    files = [p for p in expand_paths(paths, sources)
             if p in paths or p.endswith((".nomad", ".hcl", ".json"))]
    shared = Ctx("", rules=rules)
    jobs: list[tuple[Ctx, dict[str, Any]]] = []
    variables: dict[str, Any] = {}
    for path in files:
        text = sources.read(path)
        ctx = Ctx(path, secrets=shared.secrets, volumes=shared.volumes, comments=shared.comments,
                  losses=shared.losses, rules=rules)
        bad: list[tuple[int, str, str]] = []
        if path.endswith(".json") or text.lstrip().startswith("{"):
            found = [_json_job(path, text)]
        else:
            parsed = nomad_hcl.parse(path, text)
            bad += parsed.unread
            variables.update(parsed.variables)
            found = parsed.jobs
        found = [shaped(job, bad) for job in found]
        for line, where, message in bad:
            ctx.loss(line, where, message)
        for job in found:
            _add_job(jobs, ctx, job)
    if not jobs:
        raise InputError(f"{', '.join(paths)}: no Nomad job found (expected job \"<name>\" {{ ... }} in HCL, "
                         "or {\"Job\": {...}} in JSON)")
    used = nomad_variables.resolve(jobs, variables, shared)
    doc = _spec_strings(_app(jobs, name, shared))
    if used:  # variables' values are taken as they are: no $ escaping there
        doc["variables"] = {v: used[v] for v in sorted(used)}
    if shared.secrets:
        doc["secrets"] = dict(sorted(shared.secrets.items()))
    if shared.volumes:
        doc["volumes"] = dict(sorted(shared.volumes.items()))
    result = ImportResult(_ordered(doc), [], dict(shared.comments), files)
    _drop_what_does_not_load(result, Ctx(", ".join(files), losses=shared.losses))
    result.losses = sorted(set(shared.losses))
    return result


def _add_job(jobs: list[tuple[Ctx, dict[str, Any]]], ctx: Ctx, job: dict[str, Any]) -> None:
    """A job once: crossdock writes each job twice (HCL and JSON), and a folder holds both."""
    same = next(((c, j) for c, j in jobs if j.get("ID") == job.get("ID")), None)
    if same is None:
        jobs.append((ctx, job))
    elif plain(same[1]) != plain(job):
        ctx.loss(job, f"job.{job.get('ID')}", f"a second, different definition of this job (the first is in "
                 f"{same[0].file}): not carried over")


def _json_job(path: str, text: str) -> dict[str, Any]:
    try:
        data = json_scalars.loads(path, text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg} (check the commas, quotes and "
                         "brackets near there)") from e
    except RecursionError as e:
        raise InputError(f"{path}: not a Nomad job: nested too deeply") from e
    job = data.get("Job", data) if isinstance(data, dict) else None
    if not isinstance(job, dict) or not isinstance(job.get("TaskGroups"), list):
        raise InputError(f"{path}: not a Nomad job: expected {{\"Job\": {{...}}}} or a job object with "
                         "\"TaskGroups\" (as `nomad job run -output` writes)")
    lines = text.splitlines()
    if max(map(len, lines), default=0) <= 2000:  # a minified job has no lines worth naming
        _json_lines(job, [ln.replace('": ', '":').replace('" :', '":') for ln in lines], [0])
    return job


_MAPS = {"Meta", "Env", "Volumes", "Config", "Policy", "GetterOptions"}  # free maps: no line key in them


def _json_lines(value: Any, lines: list[str], cursor: list[int], key: str = "") -> None:
    """Each object's line: json gives no positions, but it keeps the document's order, so each
    object is found as the next line holding its first key (objects are visited in text order)."""
    if isinstance(value, list):
        for v in value:
            _json_lines(v, lines, cursor)
    elif isinstance(value, dict) and value:
        needle = json.dumps(next(iter(value))) + ":"
        for i in range(cursor[0], len(lines)):
            if needle in lines[i]:
                cursor[0] = i
                if key not in _MAPS:
                    value[LINE] = i + 1
                break
        for k, v in list(value.items()):
            if k in ("Meta", "Env") and isinstance(v, dict):
                value[k + LINE] = {name: _next_line(lines, json.dumps(name) + ":", cursor[0]) for name in v}
            _json_lines(v, lines, cursor, k)


def _next_line(lines: list[str], needle: str, start: int) -> int:
    return next((i + 1 for i in range(start, len(lines)) if needle in lines[i]), start + 1)


def _app(jobs: list[tuple[Ctx, dict[str, Any]]], name: str | None, shared: Ctx) -> dict[str, Any]:
    service_jobs = [j for _, j in jobs if j.get("Type", "service") in ("service", "system")]
    first = service_jobs[0] if service_jobs else jobs[0][1]
    app = name or next((str(j["Meta"]["app"]) for _, j in jobs if isinstance(j.get("Meta"), dict)
                        and j["Meta"].get("app")), None) or str(first.get("ID") or first.get("Name") or "app")
    app_name = object_name(app, 40) or "app"
    doc: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": app_name}}
    if app_name != app:
        shared.loss(0, "--name" if name else f"job.{app}", f"the app name becomes '{app_name}'", "changed")
    first_ctx = next(c for c, j in jobs if j is first)
    labels, annotations = _metadata(first, first_ctx)
    if labels:
        doc["metadata"]["labels"] = labels
    if annotations:
        doc["metadata"]["annotations"] = annotations
    sections: dict[str, dict[str, Any]] = {"services": {}, "jobs": {}, "cron_jobs": {}}
    taken: set[str] = set()
    extension: dict[str, Any] = {}
    for ctx, job in jobs:
        _job(ctx, job, sections, taken, first.get("Meta") or {}, extension)
    if extension:
        doc["x-nomad"] = extension
    for key, items in sections.items():
        if items:
            doc[key] = dict(sorted(items.items()))
    return doc


def _metadata(first: dict[str, Any], ctx: Ctx) -> tuple[dict[str, str], ...]:
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    for key, value in sorted((first.get("Meta") or {}).items()):
        if key in _OWN_META:
            continue
        text, where, line = str(value), f"job.{first.get('ID')}.meta.{key}", ctx.key_line(first, "Meta", key)
        if not is_label_key(key):
            ctx.loss(line, where, "not a label key: not carried over")
            continue
        # Nomad meta is one map: label-shaped values become labels, the others annotations.
        section = "labels" if is_label_value(text) else "annotations"
        (labels if section == "labels" else annotations)[key] = text
        ctx.loss(line, where, f"job meta becomes one of the app's {section} (the spec's labels and "
                    "annotations both become job meta)", "changed", f"metadata.{section}.{key}")
    return labels, annotations


def _job(ctx: Ctx, job: dict[str, Any], sections: dict[str, dict[str, Any]], taken: set[str],
         app_meta: dict[str, Any], extension: dict[str, Any]) -> None:
    jid = str(job.get("ID") or job.get("Name") or "job")
    path = f"job.{jid}"
    meta = job.get("Meta") or {}
    ctx.crossdock = meta.get("managed-by") == "crossdock"
    jtype = job.get("Type") or "service"
    if jtype == "sysbatch":
        ctx.loss(job, f"{path}: type", "a sysbatch job runs once on every node: it becomes a job with a "
                 "completion count", "changed")
    periodic = job.get("Periodic") or None
    if job.get("ParameterizedJob"):
        ctx.loss(job, f"{path}: parameterized", "a dispatched (parameterized) job: the spec runs it once per "
                 "deploy; payload and dispatch meta are not carried over")
    kind = "services" if jtype in ("service", "system") else ("cron_jobs" if periodic else "jobs")
    groups = [g for g in job.get("TaskGroups") or [] if isinstance(g, dict)]
    if kind == "services":
        groups = [part for g in groups for part in _separated(ctx, g, f"{path}.group.{g.get('Name')}")]
    for group in groups:
        gname = str(group.get("Name") or "group")
        if kind == "services":
            base = gname
        else:
            base = str(meta.get("workload") or (jid if len(groups) == 1 else f"{jid}-{gname}"))
        wname = workload_name(base)
        while wname in taken:
            wname = workload_name(wname + "-2")
        if wname != base:
            ctx.loss(group, f"{path}.group.{gname}", f"the workload name becomes '{wname}'", "changed")
        gpath = f"{path}.group.{gname}"
        ctx.spec = f"{kind}.{wname}"
        w = nomad_groups.workload(job, group, kind, gpath, ctx)
        if w is None:
            continue
        if kind == "cron_jobs":
            w |= _periodic(ctx, periodic or {}, path)
        if jtype == "system":
            _per_node(ctx, group, w, gpath)
        taken.add(wname)
        sections[kind][wname] = w
    kept: dict[str, Any] = {}
    ctx.rest(job, _JOB_KNOWN, path, _JOB_DEFAULTS, kept)
    for key, value in kept.items():  # the app's x-nomad goes into every job: the jobs must agree
        if extension.setdefault(key, value) != value:
            ctx.loss(job, f"{path}: {key}", "differs from the first job's: the spec's x-nomad holds one value "
                     "for every job; not carried over")
    for key in sorted(meta):  # the app's meta comes from one job; the others' must agree
        if key not in _OWN_META and meta[key] != app_meta.get(key):
            ctx.loss(ctx.key_line(job, "Meta", key), f"{path}.meta.{key}",
                     "job meta differing from the app's: not carried over")


def _separated(ctx: Ctx, group: dict[str, Any], path: str) -> list[dict[str, Any]]:
    parts = nomad_groups.separate(group)
    for part in parts[1:]:
        ctx.loss(part["Tasks"][0], f"{path}.task.{part.get('Name')}", "a task with a network of its own "
                 "becomes a service of its own (not a sidecar sharing the main task's network); Nomad places the "
                 "group's tasks on one node, the spec does not", "changed")
    return parts


def _per_node(ctx: Ctx, group: dict[str, Any], w: dict[str, Any], path: str) -> None:
    """A system job runs one allocation of each group on every eligible node: a per_node service
    (Nomad ignores a system group's count above 1 and refuses scaling)."""
    w["mode"] = "per_node"
    update = w.get("update") or {}
    update.pop("surge", None)  # a system job has no canaries: it replaces max_parallel allocations at a time
    if not update:
        w.pop("update", None)
    for key in ("replicas", "autoscale"):
        if w.pop(key, None) is not None:
            ctx.loss(group, f"{path}: {'count' if key == 'replicas' else 'scaling'}", "a system job runs one "
                     "allocation per node: not carried over", spec=f".{key}")


def _periodic(ctx: Ctx, p: dict[str, Any], path: str) -> dict[str, Any]:
    given = p.get("Specs") or ([p["Spec"]] if p.get("Spec") else [])
    specs = [s for s in (_cron(ctx, str(text), p, path) for text in given) if s]
    out: dict[str, Any] = {"schedule": specs[0] if specs else "@daily"}
    if not specs:
        ctx.loss(p, f"{path}.periodic", "no cron expression: the schedule becomes @daily", "changed")
    for extra in specs[1:]:
        ctx.loss(p, f"{path}.periodic: crons", f"a second schedule '{extra}': the spec has one; not carried over")
    if p.get("TimeZone") and p["TimeZone"] != "UTC":
        out["timezone"] = str(p["TimeZone"])
    if p.get("ProhibitOverlap") is not True:
        out["concurrency"] = "allow"
    if p.get("Enabled") is False:
        out["suspend"] = True
    return out


def _cron(ctx: Ctx, text: str, where: dict[str, Any], path: str) -> str | None:
    """A five-field cron expression; Nomad's cronexpr also takes a year (6 fields) and seconds
    first (7 fields), which the spec's schedules have not."""
    fields = text.split()
    if len(fields) == 7 and fields[0] == "0":
        fields = fields[1:]
    if len(fields) == 6 and fields[5] == "*":
        fields = fields[:5]
    if len(fields) == 5 or (len(fields) == 1 and text.startswith("@")):
        return " ".join(fields)
    ctx.loss(where, f"{path}.periodic: crons", f"'{text}' has seconds or a year the spec's schedules cannot say: "
             "not carried over")
    return None


def _drop_what_does_not_load(result: ImportResult, ctx: Ctx) -> None:
    """The last guard: values the spec refuses (a job's odd text, numbers out of range) are
    removed, each reported, until the spec loads; a few rounds settle it (removing a field can
    leave its parent incomplete, which the next round removes)."""
    for _ in range(8):
        try:
            check_spec(write_spec(result))
            return
        except SpecError as e:
            removed = [p for p in e.problems if _remove(result.doc, p.path)]
            for p in removed:
                ctx.loss(0, f"spec {p.path}", f"{p.message}: not carried over", spec=p.path)
            if not removed:
                raise
    check_spec(write_spec(result))


def _remove(doc: dict[str, Any], path: str) -> bool:
    """Remove ``path`` ("services.web.secrets[1].path"; keys may hold dots) from ``doc`` (the
    whole list item for a field of one), and the list or mapping holding it when left empty."""
    if path in ("", "apiVersion", "kind", "metadata", "metadata.name"):
        return False
    trail: list[tuple[Any, Any]] = []  # (container, key or index) from the root down
    node: Any = doc
    rest = path
    while rest:
        if isinstance(node, list):
            m = re.match(r"\[(\d+)\]\.?", rest)
            if not m or int(m.group(1)) >= len(node):
                return False
            step: Any = int(m.group(1))
            rest = rest[m.end():]
        elif isinstance(node, dict):
            step = next((k for k in sorted(node, key=len, reverse=True)
                         if rest == k or rest.startswith(k + ".") or rest.startswith(k + "[")), None)
            if step is None:
                return False
            rest = rest[len(step):].lstrip(".")
        else:
            return False
        trail.append((node, step))
        node = node[step]
    lists = [i for i, (container, _) in enumerate(trail) if isinstance(container, list)]
    if lists:  # a field of a list item: the item goes whole (its fields hang together)
        del trail[lists[-1] + 1:]
    while trail:
        container, step = trail.pop()
        del container[step]
        if container or len(trail) < 2:  # keep the section itself ("services") and non-empty holders
            break
    return True


def _spec_strings(value: Any) -> Any:
    """Every string as the spec writes it: a literal ``$`` before ``{`` or ``$`` doubled (the spec
    interpolates ``${...}``), HCL variable markers as ``${name}``."""
    if isinstance(value, dict):
        return {k: _spec_strings(v) for k, v in value.items() if not k.endswith(LINE)}
    if isinstance(value, list):
        return [_spec_strings(v) for v in value]
    if isinstance(value, str):
        text = re.sub(r"\$(?=[{$])", "$$", value)
        return re.sub(VAR + r"([A-Za-z_][A-Za-z0-9_]*)" + VAR, r"${\1}", text)
    return value


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    order = ["apiVersion", "kind", "metadata", "variables", "secrets", "volumes", "services", "jobs", "cron_jobs",
             "x-nomad"]
    return {k: doc[k] for k in order if k in doc}


IMPORTER = NomadImporter()
