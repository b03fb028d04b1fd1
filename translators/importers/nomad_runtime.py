"""How a Nomad task's container runs -> the spec's ``security``, ``working_dir``, ``hostname``,
``stop_grace_period`` and ``stop_signal``.

From the task: ``user`` (docker's ``--user``: ``name``, ``uid`` or ``uid:gid``), ``kill_timeout``
and ``kill_signal``; from the docker driver's config: ``readonly_rootfs``, ``cap_add`` /
``cap_drop``, ``privileged``, ``security_opt`` (``no-new-privileges`` only), ``work_dir`` and
``hostname``.  An init step or a sidecar has security and working_dir only: its other fields are
reported.
"""

from __future__ import annotations

from typing import Any

# One check of a value against the spec's types serves both importers (it lives with the
# Kubernetes importer's conversions).
from crossdock.translators.importers.kubernetes_values import valid as _valid
from crossdock.translators.importers.nomad_ctx import Ctx, duration

# Docker driver options read here; the caller reports every other option.
CONFIG_KEYS = frozenset({"readonly_rootfs", "cap_add", "cap_drop", "privileged", "security_opt", "work_dir",
                         "hostname"})
TASK_KEYS = frozenset({"User", "KillTimeout", "KillSignal"})
# Docker's spellings of the no-new-privileges security option (docker run --security-opt).
_NO_NEW_PRIVILEGES = ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true")


def runtime(task: dict[str, Any], out: dict[str, Any], path: str, ctx: Ctx, main: dict[str, Any] | None) -> None:
    """Fill ``out`` from the task and its driver config: a workload's fields, or (``main``: the
    workload's main task's stop fields) a step's."""
    step = main is not None
    main = main or {}
    config = task.get("Config") or {}
    security = _user(task.get("User"), task, path, ctx)
    for key, field in (("readonly_rootfs", "read_only_root"), ("privileged", "privileged")):
        value = config.get(key)
        if value is True:
            security[field] = True
        elif value not in (None, False):
            ctx.loss(task, f"{path}.config: {key}", "not true or false: not carried over", spec=".security")
    capabilities = {k: v for k in ("add", "drop") if (v := _capabilities(config.get(f"cap_{k}"), task, path, ctx))}
    if capabilities:
        security["capabilities"] = capabilities
    for opt in config.get("security_opt") or []:
        if isinstance(opt, str) and opt.strip() in _NO_NEW_PRIVILEGES:
            security["no_new_privileges"] = True
        else:
            ctx.loss(task, f"{path}.config.security_opt", f"the security option {opt!r} has no equivalent in the "
                     "spec (no-new-privileges only): not carried over", spec=".security")
    if security:
        out["security"] = security
    work_dir = config.get("work_dir")
    if work_dir is not None:
        if _valid("path", work_dir):
            out["working_dir"] = work_dir
        else:
            ctx.loss(task, f"{path}.config: work_dir", "not an absolute path: not carried over", spec=".working_dir")
    if step:
        for key, what in (("hostname", "host name"), ("KillTimeout", "kill timeout"), ("KillSignal", "kill signal")):
            value = (config if key == "hostname" else task).get(key)
            same = ((main.get("Config") or {}) if key == "hostname" else main).get(key)
            # crossdock renders the workload's stop fields on every task: the same value says nothing more.
            if value not in (None, "") and value != same:
                ctx.loss(task, f"{path}: {key}", f"an init step or a sidecar has no {what} of its own (its "
                         "workload's applies): not carried over")
        return
    _stop(task, config, out, path, ctx)


def network_hostname(group: dict[str, Any], out: dict[str, Any], path: str, ctx: Ctx) -> None:
    """The group network's ``hostname`` (bridge mode: the name every task of the group sees),
    unless the main task's docker config sets its own."""
    nets = group.get("Networks") or []
    hostname = nets[0].get("Hostname") if nets and isinstance(nets[0], dict) else None
    if hostname in (None, "") or "hostname" in out:
        return
    if _valid("host", hostname):
        out["hostname"] = hostname
    else:
        ctx.loss(nets[0], f"{path}.network: hostname", "not a host name (Nomad interpolates ${...} at run time): "
                 "not carried over", spec=".hostname")


def _stop(task: dict[str, Any], config: dict[str, Any], out: dict[str, Any], path: str, ctx: Ctx) -> None:
    hostname = config.get("hostname")
    if hostname not in (None, ""):
        if _valid("host", hostname):
            out["hostname"] = hostname
        else:
            ctx.loss(task, f"{path}.config: hostname", "not a host name: not carried over", spec=".hostname")
    timeout = task.get("KillTimeout")
    if timeout is not None:
        text = duration(timeout)
        if text is None:
            ctx.loss(task, f"{path}: kill_timeout", "not a duration: not carried over", spec=".stop_grace_period")
        else:
            out["stop_grace_period"] = text
    signal = task.get("KillSignal")
    if signal not in (None, ""):
        if isinstance(signal, str) and _valid("signal", signal.upper()):
            out["stop_signal"] = signal.upper()
        else:
            ctx.loss(task, f"{path}: kill_signal", "not a signal name such as SIGTERM: not carried over",
                     spec=".stop_signal")


def _user(value: Any, task: dict[str, Any], path: str, ctx: Ctx) -> dict[str, Any]:
    """docker --user: ``name``, ``uid``, ``name:group`` or ``uid:gid``."""
    if value in (None, ""):
        return {}
    parts = str(value).split(":")
    ids = [int(p) if p.isdigit() else p for p in parts]
    if len(ids) > 2 or not all(_valid("user", i) for i in ids):
        ctx.loss(task, f"{path}: user", "not a user name or id (with an optional group): not carried over",
                 spec=".security.user")
        return {}
    return {"user": ids[0], **({"group": ids[1]} if len(ids) == 2 else {})}


def _capabilities(value: Any, task: dict[str, Any], path: str, ctx: Ctx) -> list[str]:
    """cap_add / cap_drop: docker takes names with or without CAP_, in any case ("net_raw", "ALL")."""
    names: list[str] = []
    for raw in value if isinstance(value, list) else [] if value is None else [value]:
        name = raw.upper().removeprefix("CAP_") if isinstance(raw, str) else ""
        if name and _valid("capability", name):
            if name not in names:
                names.append(name)
        else:
            ctx.loss(task, f"{path}.config: capabilities", f"{raw!r} is not a Linux capability name: not carried "
                     "over", spec=".security.capabilities")
    return names
