"""Tasks: a workload's main container, its init steps and sidecars, as docker driver tasks.

Config files and secrets are ``template`` blocks rendered into the task directory (``local/``
for files, ``secrets/`` for secrets) and bind-mounted read-only at their absolute path in the
container, so the path is the spec's and the bytes are the spec's:

- a config file's content is the template's data, escaped by ``go_template_literal`` so that
  consul-template prints any ``{{`` literally; an empty file is the empty comment action
  ``{{/* empty */}}``, since Nomad refuses a template without data;
- a secret reads the Nomad Variable of its job, ``nomad/jobs/<job-id>``, item ``<secret>``:
  the path every task of that job may read without an ACL policy (the implicit workload
  policy covers exactly ``nomad/jobs/<job-id>[/<group>[/<task>]]``, not deeper paths);
- secrets delivered as env vars share one env template, ``secrets/env``, with lines
  ``NAME={{ (index . "<secret>").Value | toJSON }}``: Nomad parses it with go-envparse, which
  reads a double-quoted JSON string back exactly (newlines, quotes, ``\\uXXXX``), so any value
  arrives unchanged.

Nomad interpolates ``${...}`` at run time in the driver config (image, entrypoint, args, mount
paths), env values and template destinations; that cannot be escaped, so such values are
reported (``env``, ``command``...).
"""

from __future__ import annotations

from typing import Any, Sequence

from crossdock.specs.loader import LoadedSpec
from crossdock.specs.model import Resources, Step, Workload
from crossdock.specs.types import cpu_millicores, memory_bytes
from crossdock.translators.base import Report
from crossdock.translators.filters import go_template_literal
from crossdock.translators.nomad import runtime

Path = tuple[str | int, ...]
_MIB = 1024 * 1024
_EMPTY_TEMPLATE = "{{/* empty */}}"
_INTERPOLATED = "Nomad interpolates ${...} here at run time; this value may not arrive unchanged"


def interpolated(report: Report, feature: str, path: Path, text: str, detail: str | None = _INTERPOLATED) -> None:
    """Report ``text`` if Nomad's run-time interpolation would read part of it as a variable."""
    if "${" in text:
        report.note(feature, path, detail)


def variable_path(job_id: str) -> str:
    return f"nomad/jobs/{job_id}"


def main_task(spec: LoadedSpec, section: str, name: str, w: Workload, job_id: str, ports: list[str],
              report: Report, grace_ns: int | None = None) -> dict[str, Any]:
    """The workload's own container, with its files, secrets and volume mounts (``grace_ns``:
    its kill_timeout, see ``runtime``)."""
    path: Path = (section, name)
    config = _docker_config(w.image, w.command, w.args, path, report)
    if ports:
        # Ignored in bridge mode (the group's namespace maps the ports); kept so that the task
        # still publishes them if an x-nomad block switches the group to host networking.
        config["ports"] = ports
    templates: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for i, f in enumerate(w.files):
        fpath = path + ("files", i)
        content = f.content if f.content is not None else spec.file_contents[(section, name, i)]
        dest = "local/files" + f.path
        interpolated(report, "files", fpath + ("path",), f.path)
        templates.append(_template(go_template_literal(content) or _EMPTY_TEMPLATE, dest, f.mode or 0o644,
                                   "noop"))
        mounts.append(_bind(dest, f.path))
    env_lines = []
    for i, s in enumerate(w.secrets):
        spath = path + ("secrets", i)
        _note_secret(spec, s.secret, spath, report)
        lookup = f'(index . "{s.secret}").Value'
        if s.env is not None:
            report.note("secret_env", spath)
            env_lines.append(f"{s.env}={{{{ {lookup} | toJSON }}}}\n")
        else:
            assert s.path is not None
            report.note("secret_file", spath)
            interpolated(report, "secret_file", spath + ("path",), s.path)
            dest = "secrets/files" + s.path
            data = f'{{{{ with nomadVar "{variable_path(job_id)}" }}}}{{{{ {lookup} }}}}{{{{ end }}}}'
            templates.append(_template(data, dest, s.mode or 0o644, "restart"))
            mounts.append(_bind(dest, s.path))
    if env_lines:
        data = (f'{{{{ with nomadVar "{variable_path(job_id)}" -}}}}\n' + "".join(env_lines) + "{{ end -}}\n")
        templates.append(_template(data, "secrets/env", 0o400, "restart") | {"Envvars": True})
    volume_mounts = []
    for i, v in enumerate(w.volumes):
        vpath = path + ("volumes", i)
        interpolated(report, "scratch" if v.scratch else "volumes", vpath + ("path",), v.path)
        if v.scratch:
            report.note("scratch", vpath)
            tmpfs: dict[str, Any] = {"type": "tmpfs", "target": v.path, "readonly": False}
            if v.size is not None:
                tmpfs["tmpfs_options"] = [{"size": memory_bytes(v.size)}]
            mounts.append(tmpfs)
        else:
            volume_mounts.append({"Volume": v.volume, "Destination": v.path, "ReadOnly": v.read_only})
    if mounts:
        config["mount"] = mounts
    task: dict[str, Any] = {"Name": name, "Driver": "docker", "Config": config}
    runtime.apply(task, w, path, report, grace_ns)
    _env(task, w.env, path, report)
    _resources(task, w.resources, path, report)
    if templates:
        task["Templates"] = templates
    if volume_mounts:
        task["VolumeMounts"] = volume_mounts
    return task


# Restart in place, forever, with a delay (mode "delay"): 3 restarts per 5 minutes, then wait
# for the window to pass, close to Kubernetes' capped back-off.
RESTART_FOREVER: dict[str, Any] = {"Attempts": 3, "Interval": 300 * 10**9, "Delay": 15 * 10**9, "Mode": "delay"}


def step_tasks(steps: Sequence[Step], kind: str, path: Path, report: Report,
               batch: bool = False, grace_ns: int | None = None) -> list[dict[str, Any]]:
    """Init steps as prestart tasks (run to completion before the main task starts).

    A service's sidecars are poststart sidecar tasks (started after the main task, restarted
    for as long as it runs).  A batch job's (``batch``) are prestart sidecar tasks: started
    with the init steps, running before the main task starts, and killed by Nomad once every
    non-sidecar task is dead, so the allocation completes with the main task.  They restart
    forever (their own restart block): under the group's "fail" policy a sidecar that exits
    would fail the allocation, where a Kubernetes sidecar is restarted.  ``grace_ns``: the
    workload's kill_timeout, which its sidecars share."""
    tasks = []
    for i, step in enumerate(steps):
        spath = path + (kind, i)
        task: dict[str, Any] = {
            "Name": step.name, "Driver": "docker",
            "Lifecycle": {"Hook": "prestart", "Sidecar": False} if kind == "init"
            else {"Hook": "prestart" if batch else "poststart", "Sidecar": True},
            "Config": _docker_config(step.image, step.command, step.args, spath, report),
        }
        runtime.apply(task, step, spath, report, grace_ns if kind == "sidecars" else None)
        _env(task, step.env, spath, report)
        _resources(task, step.resources, spath, report)
        if batch and kind == "sidecars":
            task["RestartPolicy"] = dict(RESTART_FOREVER)
        tasks.append(task)
    return tasks


def _docker_config(image: str, command: list[str] | None, args: list[str] | None, path: Path,
                   report: Report) -> dict[str, Any]:
    interpolated(report, "command", path + ("image",), image)
    config: dict[str, Any] = {"image": image}
    if command is not None:
        # The spec's command replaces the image's ENTRYPOINT (and then its CMD is not used), as
        # a Kubernetes container's command does.
        config["entrypoint"] = list(command)
        for i, a in enumerate(command):
            interpolated(report, "command", path + ("command", i), a, None)
    if args is not None:
        config["args"] = list(args)
        for i, a in enumerate(args):
            interpolated(report, "command", path + ("args", i), a, None)
    return config


def _env(task: dict[str, Any], env: dict[str, str], path: Path, report: Report) -> None:
    for key, value in env.items():
        interpolated(report, "env", path + ("env", key), value, None)
    if env:
        task["Env"] = dict(sorted(env.items()))


def _resources(task: dict[str, Any], res: Resources | None, path: Path, report: Report) -> None:
    """Nomad reserves one amount per resource: the request (or the limit when only a limit is
    given); a memory limit above the request becomes memory_max.  CPU is in MHz, 1 core = 1000
    MHz, so millicores map 1:1; memory in MiB, rounded up."""
    if res is None:
        return
    out: dict[str, Any] = {}
    req, lim = res.requests, res.limits
    cpu = req.cpu or lim.cpu
    if cpu is not None:
        out["CPU"] = max(1, cpu_millicores(cpu))
    memory = req.memory or lim.memory
    if memory is not None:
        out["MemoryMB"] = max(10, -(-memory_bytes(memory) // _MIB))  # Nomad's minimum is 10 MB
        if req.memory is not None and lim.memory is not None:
            limit = -(-memory_bytes(lim.memory) // _MIB)
            if limit > out["MemoryMB"]:
                out["MemoryMaxMB"] = limit
    if req.cpu or req.memory:
        report.note("resources_requests", path + ("resources", "requests"))
    if lim.cpu or lim.memory:
        report.note("resources_limits", path + ("resources", "limits"))
    if out:
        task["Resources"] = out


def _template(data: str, dest: str, mode: int, change_mode: str) -> dict[str, Any]:
    return {"EmbeddedTmpl": data, "DestPath": dest, "Perms": f"{mode:04o}", "ChangeMode": change_mode}


def _bind(source: str, target: str) -> dict[str, Any]:
    # A relative bind source is resolved in the task directory, which the docker driver may
    # mount without the client's volumes option.
    return {"type": "bind", "source": source, "target": target, "readonly": True}


def _note_secret(spec: LoadedSpec, secret: str, path: Path, report: Report) -> None:
    definition = spec.app.secrets.get(secret)
    if definition is not None and definition.external:
        report.note("secret_external", path + ("secret",))
    else:
        report.note("secret_values", path + ("secret",))
