"""A task group's tasks -> a workload's container fields, init steps and sidecars.

The main task is the one without a lifecycle hook (the one named after the group when there
are several); prestart tasks that are not sidecars become init steps, sidecar tasks sidecars.
Docker tasks only: the spec runs images.  Driver config: ``entrypoint`` is the spec's command
(it replaces the image's ENTRYPOINT), ``command`` + ``args`` its args (the docker driver passes
them together as the image's CMD).

Templates: a template with literal data is a config file (crossdock writes them at
``local/files/<path>`` bind-mounted at ``<path>``; other destinations land in the task
directory, which the docker driver mounts at /local, /secrets and /alloc); a template reading
a Nomad Variable (``nomadVar``) or Vault (``secret``) becomes secret references, never values,
and so does an inline template the shared classifier calls a credentials file (a key, a
password line: ``specs.classify.classify_file``);
an ``env = true`` template gives env vars (and secret env vars).  Other consul-template
actions cannot be evaluated and are reported.
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs.classify import classify_file
from crossdock.specs.imageref import IMAGE_EXPECTED, image_problem
from crossdock.specs.types import describe
from crossdock.translators.importers.nomad_ctx import (
    Ctx, as_int, blocks, cpu, is_env_name, memory, object_name, size_bytes, workload_name,
)
from crossdock.translators.importers.nomad_hcl import VAR
from crossdock.translators.importers.nomad_runtime import CONFIG_KEYS, TASK_KEYS, runtime
from crossdock.translators.importers.nomad_schema import LINE

_LITERAL_BRACES = '{{"{{"}}'
_EMPTY = "{{/* empty */}}"
_ITEM = re.compile(r'index\s+\.\s+"([^"]+)"|\.Data\.data\.([A-Za-z0-9_-]+)|\.Data\.([A-Za-z0-9_-]+)'
                   r'|\{\{-?\s*\.(?!Data\b)([A-Za-z_][A-Za-z0-9_-]*)')
# The data crossdock writes for a secret delivered as a file: one item of the job's Nomad Variable.
_WHOLE = re.compile(r'\{\{-? with nomadVar "[^"]+" -?\}\}\{\{ \(index \. "([^"]+)"\)\.Value \}\}\{\{-? end -?\}\}')
# {{ with ... }} / {{ end }} around a NAME=value line (one-line env templates)
_ACTIONS_AROUND = re.compile(r"^(\s*\{\{-?\s*(?:with|end|range|if|else)\b[^}]*\}\})+"
                             r"|(\{\{-?\s*(?:end|else)\b[^}]*\}\}\s*)+$")
_SOURCE = re.compile(r'(nomadVar|secret)\s+"([^"]+)"')
_TASK_DIRS = {"${NOMAD_TASK_DIR}": "local", "${NOMAD_SECRETS_DIR}": "secrets", "${NOMAD_ALLOC_DIR}": "alloc"}
_TASK_KNOWN = {"Name", "Driver", "Config", "Env", "Templates", "Resources", "VolumeMounts", "Lifecycle", "Services"}


def split(group: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]],
                                            list[dict[str, Any]]]:
    """(main task, init tasks, sidecar tasks, other tasks of the group)."""
    init, sidecars, mains, other = [], [], [], []
    for task in group.get("Tasks") or []:
        life = task.get("Lifecycle") or {}
        hook = life.get("Hook")
        if not hook:
            mains.append(task)
        elif life.get("Sidecar"):
            sidecars.append(task)
        elif hook == "prestart":
            init.append(task)
        else:
            other.append(task)
    main = next((t for t in mains if t.get("Name") == group.get("Name")), mains[0] if mains else None)
    return main, init, sidecars + [t for t in mains if t is not main], other


def main_fields(task: dict[str, Any], group: dict[str, Any], path: str, ctx: Ctx,
                keep: dict[str, Any]) -> dict[str, Any] | None:
    """The workload's container fields from its main task, or None when it cannot run as an image;
    task fields the spec has no place for go to ``keep`` (its x-nomad task block)."""
    out = _container(task, path, ctx)
    if out is None:
        return None
    config = task.get("Config") or {}
    mounts = blocks(config.get("mount"))
    used: set[int] = set()
    files: list[dict[str, Any]] = []
    secrets: list[dict[str, Any]] = []
    for i, tmpl in enumerate(task.get("Templates") or []):
        _template(tmpl, mounts, used, files, secrets, out, f"{path}.template[{i}]", ctx)
    volumes, scratches = [], []
    for i, m in enumerate(mounts):
        if i in used:
            continue
        if m.get("type") == "tmpfs" and isinstance(m.get("target"), str) and m["target"].startswith("/"):
            scratch: dict[str, Any] = {"path": m["target"], "scratch": True}
            opts = blocks(m.get("tmpfs_options"))
            size = as_int(opts[0].get("size")) if opts else None
            if size:
                scratch["size"] = size_bytes(size)
            scratches.append(scratch)
        else:
            ctx.loss(task, f"{path}.config.mount[{i}]", f"a {m.get('type', 'bind')} mount of the host: "
                     "no equivalent in the spec (use a named volume): not carried over", spec=".volumes")
    vols = group.get("Volumes") or {}
    for i, vm in enumerate(task.get("VolumeMounts") or []):
        request = vols.get(vm.get("Volume")) or {}
        name = object_name(str(request.get("Source") or vm.get("Volume") or ""))
        if not name or not str(vm.get("Destination", "")).startswith("/"):
            ctx.loss(vm, f"{path}.volume_mount[{i}]", "no volume or absolute destination: not carried over",
                     spec=".volumes")
            continue
        mount: dict[str, Any] = {"path": vm["Destination"], "volume": name}
        if vm.get("ReadOnly"):
            mount["read_only"] = True
        volumes.append(mount)
    # env secrets first (crossdock's env template comes last, so the job keeps no order); named volumes
    # before scratch space is the usual order in specs (the rendered job keeps no order between them).
    for key, value in (("files", files), ("secrets", out.get("secrets", []) + secrets),
                       ("volumes", volumes + scratches)):
        if value:
            out[key] = value
    _resources(task, out, path, ctx)
    runtime(task, out, path, ctx, None)
    ctx.main_task = task
    ctx.rest(task, _TASK_KNOWN | TASK_KEYS, path, {"Leader": False}, keep)
    return out


def step(task: dict[str, Any], path: str, ctx: Ctx) -> dict[str, Any] | None:
    """An init step or sidecar: image, command, env and resources only (the spec's steps)."""
    out = _container(task, path, ctx)
    if out is None:
        return None
    if task.get("Templates"):
        ctx.loss(task, f"{path}: template", "init steps and sidecars take no files or secrets: not carried over")
    for i, _ in enumerate(blocks((task.get("Config") or {}).get("mount"))):
        ctx.loss(task, f"{path}.config.mount[{i}]", "init steps and sidecars take no mounts: not carried over")
    for s in out.pop("secrets", []):
        ctx.loss(task, f"{path}.env.{s['env']}", f"init steps and sidecars take no secrets: the secret "
                 f"'{s['secret']}' is declared but not given to this step")
    _resources(task, out, path, ctx)
    runtime(task, out, path, ctx, ctx.main_task)
    ctx.rest(task, _TASK_KNOWN | TASK_KEYS | {"Templates"}, path, {"Leader": False})
    return {"name": workload_name(str(task.get("Name", "step")))} | out


def _container(task: dict[str, Any], path: str, ctx: Ctx) -> dict[str, Any] | None:
    driver = task.get("Driver")
    config = task.get("Config") or {}
    if driver not in ("docker", "podman") or not isinstance(config.get("image"), str):
        ctx.loss(task, f"{path}: driver", f"driver '{driver}' does not run an image (the spec runs container "
                 "images with the docker driver's meaning): task not carried over")
        return None
    if driver == "podman":
        ctx.loss(task, f"{path}: driver", "the podman driver becomes a container image run by any runtime", "changed")
    image = config["image"]
    why = image_problem(image) if VAR not in image and "${" not in image else None  # variables: checked at render
    if why is not None:
        ctx.loss(task, f"{path}.config.image", f"expected {IMAGE_EXPECTED}, got {describe(image)} ({why}): "
                 "task not carried over")
        return None
    out: dict[str, Any] = {"image": image}
    entry, cmd, args = config.get("entrypoint"), config.get("command"), config.get("args")
    if isinstance(entry, list) and entry:
        out["command"] = [str(a) for a in entry]
    elif isinstance(entry, str):
        out["command"] = [entry]
    full = ([str(cmd)] if isinstance(cmd, str) else []) + ([str(a) for a in args] if isinstance(args, list) else [])
    if isinstance(cmd, str) or isinstance(args, list):
        out["args"] = full
    for key, value in (("image", [out["image"]]), ("command", out.get("command")), ("args", out.get("args"))):
        if any("${" in a for a in value or []):
            ctx.loss(task, f"{path}.config.{key}", "Nomad interpolates ${...} here at run time; the spec keeps "
                     "the text as it is", "changed", f".{key}")
    consumed = ("port_map",) if (task.get("Resources") or {}).get("Networks") else ()  # see nomad_groups._ports
    for key in sorted(config):
        if key not in ("image", "entrypoint", "command", "args", "ports", "mount", "__line__", *consumed) \
                and key not in CONFIG_KEYS:
            ctx.loss(task, f"{path}.config: {key}", "a docker driver option with no equivalent in the spec: "
                     "not carried over", spec=".command")
    env: dict[str, str] = {}
    for key, value in sorted((task.get("Env") or {}).items()):
        _env(str(key), value, env, out, ctx.key_line(task, "Env", str(key)), path, ctx)
    if env:
        out["env"] = env
    return out


def _env(key: str, value: Any, env: dict[str, str], out: dict[str, Any], where: Any, path: str, ctx: Ctx) -> None:
    text = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
    if not is_env_name(key):
        ctx.loss(where, f"{path}.env.{key}", "not an environment variable name the spec takes: not carried over")
        return
    # An HCL variable (VAR-marked) holds no value here: the name decides, and the variable's
    # default is classified where variables are resolved.
    only_var = re.fullmatch(VAR + r"[A-Za-z_][A-Za-z0-9_]*" + VAR, text) is not None
    verdict = ctx.rules.classify(key, None if only_var else re.sub(VAR + r"(\w+)" + VAR, r"${\1}", text))
    if verdict and text:
        line = where if isinstance(where, int) else where.get(LINE, 0) if isinstance(where, dict) else 0
        name = ctx.secret(key, f"a literal in {ctx.file}:{line} ({path}.env.{key}; {verdict.reason})", report=False)
        ctx.loss(where, f"{path}.env.{key}", f"a value that looks secret ({verdict.reason}): now the secret '{name}' "
                 f"(the value is not copied; set {ctx.secrets[name]['from_env']} when deploying)", "changed",
                 f"secrets.{name}")
        out.setdefault("secrets", []).append({"secret": name, "env": key})
        return
    if "${" in text:
        ctx.loss(where, f"{path}.env.{key}", "Nomad interpolates ${...} here at run time; the spec keeps the "
                 "text as it is", "changed", f".env.{key}")
    env[key] = text


def _container_path(dest: str) -> str:
    """Where a template's destination (relative to the task directory) is in a docker task's
    container: the driver mounts the task's local/, secrets/ and alloc/ at /local, /secrets, /alloc."""
    for var, sub in _TASK_DIRS.items():
        if dest.startswith(var):
            dest = sub + dest[len(var):]
    while dest.startswith("./"):
        dest = dest[2:]
    return "/" + dest.lstrip("/")


def _template(tmpl: dict[str, Any], mounts: list[dict[str, Any]], used: set[int], files: list[dict[str, Any]],
              secrets: list[dict[str, Any]], out: dict[str, Any], path: str, ctx: Ctx) -> None:
    data, dest = tmpl.get("EmbeddedTmpl"), str(tmpl.get("DestPath") or "")
    if not isinstance(data, str):
        ctx.loss(tmpl, f"{path}: source", "a template read from a file on the client: not carried over", spec=".files")
        return
    if tmpl.get("ChangeMode") in ("signal", "script"):
        ctx.loss(tmpl, f"{path}: change_mode", "the spec restarts on config changes; not carried over")
    perms = str(tmpl.get("Perms") or "0644")
    mode = int(perms, 8) if re.fullmatch(r"0?[0-7]{3,4}", perms) else 0o644
    target = next((i for i, m in enumerate(mounts) if m.get("source") == dest and i not in used), None)
    if target is not None:
        used.add(target)
        cpath = str(mounts[target].get("target"))
    else:
        cpath = _container_path(dest)
        if cpath.split("/")[1] not in ("local", "secrets", "alloc") and not tmpl.get("Envvars"):
            ctx.loss(tmpl, f"{path}: destination", f"'{dest}' is in the task directory, which the container does "
                     f"not see; the spec puts the file at {cpath} in the container", "changed", ".files")
    sources = _SOURCE.findall(data)
    if tmpl.get("Envvars"):
        _env_template(data, sources, out, tmpl, path, ctx)
        return
    mode_field = {"mode": f"{mode:04o}"} if mode != 0o644 else {}
    if sources:
        items = [next(g for g in m if g) for m in _ITEM.findall(data)]
        whole = _WHOLE.fullmatch(data)
        name = whole.group(1) if whole else (items[0] if len(items) == 1 else object_name(cpath.rsplit("/", 1)[-1]))
        where = f"in the {'Nomad Variable' if sources[0][0] == 'nomadVar' else 'Vault secret'} {sources[0][1]}"
        key = ctx.secret(name, where + (f", item {name}" if whole or len(items) == 1 else ""), tmpl)
        if not whole and len(items) != 1:
            ctx.loss(tmpl, path, f"a file mixing text and secret items: the whole file is now the secret '{key}'",
                     "changed", ".secrets")
        secrets.append({"secret": key, "path": cpath} | mode_field)
        return
    content = "" if data == _EMPTY else data.replace(_LITERAL_BRACES, "{{")
    if "{{" in data.replace(_LITERAL_BRACES, ""):
        ctx.loss(tmpl, path, "consul-template actions ({{ ... }}) are not evaluated outside Nomad: the file "
                 "holds the template's text", "changed", ".files")
    verdict = classify_file(cpath, content)
    if verdict:  # a key or credentials written inline in the job: a secret, never a copy
        key = ctx.secret(cpath.rsplit("/", 1)[-1], f"inline in {ctx.file}:{tmpl.get(LINE, 0)} ({path}; "
                         f"{verdict.reason})", tmpl)
        secrets.append({"secret": key, "path": cpath} | mode_field)
        return
    files.append({"path": cpath, "content": content} | mode_field)


def _env_template(data: str, sources: list[tuple[str, str]], out: dict[str, Any], tmpl: dict[str, Any], path: str,
                  ctx: Ctx) -> None:
    """Lines ``NAME=value`` of an env template; values reading a secret become secret env vars."""
    where = (f"in the {'Nomad Variable' if sources[0][0] == 'nomadVar' else 'Vault secret'} {sources[0][1]}"
             if sources else f"in a template of {ctx.file}")
    env = out.setdefault("env", {})
    for line in data.splitlines():
        line = _ACTIONS_AROUND.sub("", line)
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", line)
        if not m:
            if line.strip() and not re.fullmatch(r"\s*\{\{-?\s*(with|end|range)\b[^}]*\}\}\s*", line):
                ctx.loss(tmpl, path, "a template line that is not NAME=value: not carried over")
            continue
        key, value = m.group(1), m.group(2).strip()
        items = [next(g for g in i if g) for i in _ITEM.findall(value)]
        if items:
            secret = ctx.secret(items[0], f"{where}, item {items[0]}", tmpl)
            if len(items) > 1 or not re.fullmatch(r"\{\{-?\s*[^{}]*\s*-?\}\}", value):
                ctx.loss(tmpl, f"{path}: {key}", f"a value mixing text and secret items: now the secret '{secret}' "
                         "alone", "changed", ".secrets")
            out.setdefault("secrets", []).append({"secret": secret, "env": key})
        elif "{{" in value:
            ctx.loss(tmpl, f"{path}: {key}", "consul-template actions are not evaluated outside Nomad: "
                     "not carried over", spec=f".env.{key}")
        else:
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            _env(key, value, env, out, tmpl, path, ctx)
    if not env:
        out.pop("env")
    else:
        out["env"] = dict(sorted(env.items()))


def _resources(task: dict[str, Any], out: dict[str, Any], path: str, ctx: Ctx) -> None:
    """MHz and MiB to the spec's amounts: crossdock renders 1 core as 1000 MHz, which is what a
    crossdock job means; for other jobs MHz is a share of clock speed, not of a core."""
    res = task.get("Resources") or {}
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    mhz, cores = as_int(res.get("CPU")), as_int(res.get("Cores"))
    if cores:
        requests["cpu"] = str(cores)
        ctx.loss(res, f"{path}.resources: cores", "reserved whole cores become a CPU amount", "changed",
                 ".resources.requests.cpu")
    elif mhz:
        requests["cpu"] = cpu(mhz)
        if not ctx.crossdock:
            ctx.loss(res, f"{path}.resources: cpu", f"{mhz} MHz becomes {cpu(mhz)} CPU (1000 MHz counted as "
                     "one core; Nomad's MHz depend on the node's clock speed)", "changed", ".resources.requests.cpu")
    mem, mem_max = as_int(res.get("MemoryMB")), as_int(res.get("MemoryMaxMB"))
    if mem:
        requests["memory"] = memory(mem)
    if mem_max and mem and mem_max > mem:
        limits["memory"] = memory(mem_max)
    elif mem:
        ctx.loss(res, f"{path}.resources: memory", "Nomad also caps the task's memory at this reservation "
                 "(there is no memory_max): the spec gets a request and no limit", "changed", ".resources")
    # Networks: the main task's is read by nomad_groups._ports, a step's is said there too
    ctx.rest(res, {"CPU", "Cores", "MemoryMB", "MemoryMaxMB", "Networks"}, f"{path}.resources")
    if requests or limits:
        out["resources"] = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
