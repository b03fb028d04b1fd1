"""A task group around its tasks -> one service, job or cron job: count and scaling, update,
restart and reschedule, placement, volumes and meta; its network and service registrations are
nomad_network's."""

from __future__ import annotations

import re
from typing import Any

from crossdock.translators.importers import nomad_network as network
from crossdock.translators.importers import nomad_tasks
from crossdock.translators.importers.nomad_runtime import network_hostname
from crossdock.translators.importers.nomad_ctx import (
    Ctx, as_int, blocks, duration, is_label_key, is_label_value, object_name,
)

_S = 10**9
# Nomad's defaults for a service job without an update block (structs.DefaultUpdateStrategy).
_UPDATE_DEFAULT = {"MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": 10 * _S, "HealthyDeadline": 300 * _S,
                   "ProgressDeadline": 600 * _S, "AutoRevert": False, "AutoPromote": False, "Canary": 0,
                   "Stagger": 30 * _S}
_CROSSDOCK_RESTART = {"Attempts": 3, "Interval": 300 * _S, "Delay": 15 * _S, "Mode": "delay"}
_GROUP_KNOWN = {"Name", "Count", "Meta", "Networks", "Services", "Update", "RestartPolicy", "ReschedulePolicy",
                "Constraints", "Spreads", "Volumes", "Tasks", "Scaling"}


def workload(job: dict[str, Any], group: dict[str, Any], kind: str, path: str, ctx: Ctx) -> dict[str, Any] | None:
    """The spec workload for ``group`` (kind: services, jobs or cron_jobs), or None when its main
    task cannot be carried over (reported)."""
    main, init, sidecars, other = nomad_tasks.split(group)
    if main is None:
        ctx.loss(group, path, "no main task (every task has a lifecycle hook): group not carried over")
        return None
    tpath = f"{path}.task.{main.get('Name')}"
    xtask: dict[str, Any] = {}
    out = nomad_tasks.main_fields(main, group, tpath, ctx, xtask)
    if out is None:
        ctx.loss(group, path, "its main task cannot be carried over: group not carried over")
        return None
    network_hostname(group, out, path, ctx)
    for t in other:
        ctx.loss(t, f"{path}.task.{t.get('Name')}: lifecycle", f"a {t['Lifecycle'].get('Hook')} task: "
                 "the spec has no equivalent: not carried over")
    steps = _steps(init, "init", path, ctx)
    if len(steps) > 1:
        ctx.loss(group, f"{path}: lifecycle", "Nomad starts prestart tasks together: their order in the spec "
                 "is the file's order", "changed", ".init")
    if steps:
        out["init"] = steps
    labels = _labels(group, path, ctx)
    if labels:
        out["labels"] = labels
    placement = _placement(job, group, path, ctx)
    if placement:
        out["placement"] = placement
    if kind == "services":
        _service(job, group, main, sidecars, out, path, ctx)
    else:
        _job_sidecars(sidecars, out, path, ctx)
        _batch(group, out, path, ctx)
    _volumes(group, path, ctx)
    xgroup: dict[str, Any] = {}
    ctx.rest(group, _GROUP_KNOWN, path, None, xgroup)
    extension = {k: v for k, v in (("group", xgroup), ("task", xtask)) if v}
    if extension:
        out["x-nomad"] = extension
    return out


def separate(group: dict[str, Any]) -> list[dict[str, Any]]:
    """The group, and a group of its own for each further task that has its own network (a
    task-level one, Nomad before 0.12): such tasks are separate containers with their own
    address and registrations (a service and its database), not sidecars sharing the main task's
    network namespace.  Nomad places them on one node, which the spec cannot say (the caller
    reports it)."""
    if group.get("Networks"):
        return [group]
    main, _, sidecars, _ = nomad_tasks.split(group)
    own = [t for t in sidecars if not t.get("Lifecycle") and (t.get("Resources") or {}).get("Networks")]
    if main is None or not own:
        return [group]
    rest = [t for t in group.get("Tasks") or [] if not any(t is o for o in own)]
    return [{**group, "Tasks": rest}] + [{**group, "Name": t.get("Name"), "Tasks": [t], "Services": []}
                                         for t in own]


def _labels(group: dict[str, Any], path: str, ctx: Ctx) -> dict[str, str]:
    """Group meta as the workload's labels; what cannot be a label stays Nomad meta (x-nomad)."""
    labels: dict[str, str] = {}
    for key, value in sorted((group.get("Meta") or {}).items()):
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if is_label_key(key) and is_label_value(text):
            labels[key] = text
        else:
            ctx.loss(ctx.key_line(group, "Meta", key), f"{path}.meta.{key}", "not a label (key or value): "
                     "not carried over")
    return labels


def _service(job: dict[str, Any], group: dict[str, Any], main: dict[str, Any], sidecars: list[dict[str, Any]],
             out: dict[str, Any], path: str, ctx: Ctx) -> None:
    regs = [*(group.get("Services") or []), *(main.get("Services") or [])]
    labels = network.ports(group, main, regs, path, ctx)  # source label -> port
    ports = list(labels.values())
    if ports:
        out["ports"] = ports
    by_label = {label: p["name"] for label, p in labels.items()}
    health = network.health(regs, ports, by_label, path, ctx)
    if health:
        out["health"] = health
    route = network.route(regs, by_label)
    network.registrations(regs, str(job.get("ID")), str(group.get("Name")), route is not None, path, ctx)
    aliases = network.aliases(regs, str(job.get("ID")), str(group.get("Name")), ports, by_label, path, ctx)
    if aliases:
        out["aliases"] = aliases
    if route:
        out["route"] = route
    count = as_int(group.get("Count"))
    scaling = group.get("Scaling") or {}
    if scaling.get("Enabled", True) and as_int(scaling.get("Min")) and as_int(scaling.get("Max")):
        out["autoscale"] = {"min": as_int(scaling["Min"]), "max": as_int(scaling["Max"])}
        target = _cpu_target(scaling.get("Policy"))
        if target is not None and target != 80:
            out["autoscale"]["cpu_target"] = target
        elif target is None:
            ctx.loss(scaling, f"{path}.scaling: policy", "not a CPU target-value policy: the spec scales on CPU "
                     "at 80%", "changed", ".autoscale.cpu_target")
    elif count is not None and count != 1:
        out["replicas"] = count
    restart = group.get("RestartPolicy") or {}
    if restart and {k: v for k, v in restart.items() if k != "__line__"} != _CROSSDOCK_RESTART:
        ctx.loss(restart, f"{path}.restart", "the spec's services always restart, with the platform's back-off; "
                 "these attempts, delays and mode are not carried over", "changed", ".restart")
    update = _update(job, group, path, ctx)
    if update:
        out["update"] = update
    cars = _steps(sidecars, "sidecars", path, ctx)
    for t in sidecars:
        life = t.get("Lifecycle") or {}
        if life.get("Hook") != "poststart" or not life.get("Sidecar"):
            ctx.loss(t, f"{path}.task.{t.get('Name')}: lifecycle", "a task beside the main one becomes a sidecar "
                     "(started after it, restarted while it runs)", "changed", ".sidecars")
    if cars:
        out["sidecars"] = cars


def _job_sidecars(sidecars: list[dict[str, Any]], out: dict[str, Any], path: str, ctx: Ctx) -> None:
    """A batch job's sidecars, as crossdock writes them: prestart sidecar tasks (killed once the
    main task is dead) with their own restart block that restarts them forever."""
    plain = []
    for t in sidecars:
        tpath = f"{path}.task.{t.get('Name')}"
        life = t.get("Lifecycle") or {}
        if life.get("Hook") != "prestart" or not life.get("Sidecar"):
            ctx.loss(t, f"{tpath}: lifecycle", "a task beside a job's main one becomes a sidecar (started before "
                     "it, stopped when it completes)", "changed", ".sidecars")
        restart = t.get("RestartPolicy")
        if restart and {k: v for k, v in restart.items() if k != "__line__"} != _CROSSDOCK_RESTART:
            ctx.loss(restart, f"{tpath}.restart", "the spec's sidecars always restart, with the platform's back-off; "
                     "these attempts, delays and mode are not carried over", "changed", ".sidecars")
        plain.append({k: v for k, v in t.items() if k != "RestartPolicy"})
    cars = _steps(plain, "sidecars", path, ctx)
    if cars:
        out["sidecars"] = cars


def _steps(tasks: list[dict[str, Any]], field: str, path: str, ctx: Ctx) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    workload = ctx.spec
    for t in tasks:
        ctx.spec = f"{workload}.{field}[{len(out)}]"  # losses inside the step name the step
        step = nomad_tasks.step(t, f"{path}.task.{t.get('Name')}", ctx)
        if (t.get("Resources") or {}).get("Networks"):
            ctx.loss(t["Resources"], f"{path}.task.{t.get('Name')}.resources.network", "a network of a task beside "
                     "the main one: its ports are not carried over")
        ctx.spec = workload
        if step is not None:
            out.append(step)
    return out


def _cpu_target(policy: Any) -> int | None:
    for check in blocks(policy.get("check") if isinstance(policy, dict) else None):
        for name, bodies in check.items():
            for body in blocks(bodies):
                if name != "cpu" and "cpu" not in str(body.get("query", "")):
                    continue
                for strategy in blocks(body.get("strategy")):
                    for sbody in blocks(strategy.get("target-value")):
                        target = as_int(sbody.get("target"))
                        if target and 1 <= target <= 100:
                            return target
    return None


def _update(job: dict[str, Any], group: dict[str, Any], path: str, ctx: Ctx) -> dict[str, Any]:
    given = {**(job.get("Update") or {}), **(group.get("Update") or {})}
    u = {**_UPDATE_DEFAULT, **{k: v for k, v in given.items() if v is not None}}
    out: dict[str, Any] = {}
    canary, parallel = as_int(u["Canary"]) or 0, as_int(u["MaxParallel"]) or 1
    deadline, min_ready = duration(u["HealthyDeadline"]) or "5m", duration(u["MinHealthyTime"]) or "0s"
    for key, value, default in (("parallelism", parallel, 1), ("surge", canary, 1),
                                ("wait_healthy", u["HealthCheck"] != "task_states", True),
                                ("min_ready", min_ready, "0s"), ("deadline", deadline, "5m"),
                                ("auto_rollback", bool(u["AutoRevert"]), False)):
        if value != default:
            out[key] = value
    if u["HealthCheck"] == "manual":
        ctx.loss(given, f"{path}.update: health_check", "manual health: the spec waits for checks", "changed",
                 ".update.wait_healthy")
    if canary and not u["AutoPromote"]:
        ctx.loss(given, f"{path}.update: auto_promote", "canaries are promoted by hand in Nomad; the spec's surge "
                 "replicas replace the old ones automatically", "changed", ".update.surge")
    progress = as_int(u["ProgressDeadline"])
    if progress and progress != 2 * (as_int(u["HealthyDeadline"]) or 0):
        ctx.loss(given, f"{path}.update: progress_deadline", "no equivalent in the spec: not carried over")
    return out


def _batch(group: dict[str, Any], out: dict[str, Any], path: str, ctx: Ctx) -> None:
    """restart in place (attempts, mode fail) -> on-failure; reschedule attempts -> retries of a
    'never' job (crossdock's Nomad translator writes one or the other)."""
    count = as_int(group.get("Count"))
    if count and count != 1:
        out["parallelism"] = out["completions"] = count
    restart = group.get("RestartPolicy")
    resched = group.get("ReschedulePolicy")
    # Nomad's defaults for batch jobs: 3 restarts in place, then 1 new allocation.
    in_place = as_int((restart or {}).get("Attempts", 3)) or 0
    again = as_int((resched or {}).get("Attempts", 1)) or 0
    if in_place:
        out["restart"] = "on-failure"
        out["retries"] = in_place
        if again:
            ctx.loss(resched or group, f"{path}.reschedule", f"{again} new allocation(s) after the {in_place} "
                     "restarts in place: the spec counts one kind of retry", "dropped", ".retries")
    elif again:
        out["retries"] = again
    if restart and restart.get("Mode", "fail") != "fail":
        ctx.loss(restart, f"{path}.restart: mode", f"mode '{restart['Mode']}': a job's restarts in the spec "
                 "end in failure", "changed", ".restart")
    for key in ("Delay", "Interval", "RenderTemplates"):
        for policy, name in ((restart, "restart"), (resched, "reschedule")):
            if policy and policy.get(key) not in (None, False):
                ctx.loss(policy, f"{path}.{name}: {key.lower()}", "the spec's retries use the platform's "
                         "back-off: not carried over", "changed", ".retries")
    if resched and resched.get("Unlimited"):
        ctx.loss(resched, f"{path}.reschedule: unlimited", "unlimited rescheduling: the spec's retries are counted",
                 "changed", ".retries")


def _placement(job: dict[str, Any], group: dict[str, Any], path: str, ctx: Ctx) -> dict[str, Any]:
    constraints: dict[str, str] = {}
    spread: list[str] = []
    for c in [*(job.get("Constraints") or []), *(group.get("Constraints") or [])]:
        op, attr, value = c.get("Operand") or "=", str(c.get("LTarget") or ""), c.get("RTarget")
        label = _label(attr)
        if op == "distinct_hosts":
            spread.append("kubernetes.io/hostname")
        elif op in ("=", "==", "is") and is_label_key(label) and value is not None:
            constraints[label] = str(value)
            if attr.startswith("${attr."):
                ctx.loss(c, f"{path}.constraint: {attr}", f"a node attribute becomes the node label '{label}'",
                         "changed", f".placement.constraints.{label}")
        elif op in ("=", "==", "is"):
            ctx.loss(c, f"{path}.constraint: {attr}", "not a node label or meta attribute: not carried over",
                     spec=".placement")
        else:
            ctx.loss(c, f"{path}.constraint: {attr}", f"operator '{op}': the spec matches node labels by "
                     "equality; not carried over", spec=".placement")
    for s in [*(job.get("Spreads") or []), *(group.get("Spreads") or [])]:
        label = _label(str(s.get("Attribute") or ""))
        if not is_label_key(label):
            ctx.loss(s, f"{path}.spread: {s.get('Attribute')}", "not a node label or meta: not carried over",
                     spec=".placement.spread")
        else:
            spread.append(label)
            if s.get("SpreadTarget"):
                ctx.loss(s, f"{path}.spread: target", "spread targets (percentages): not carried over",
                         spec=".placement.spread")
    chosen: list[tuple[str, Any]] = [("constraints", constraints), ("spread", list(dict.fromkeys(spread)))]
    return {k: v for k, v in chosen if v}


def _label(attr: str) -> str:
    if attr == "${node.unique.name}":
        return "kubernetes.io/hostname"
    m = re.fullmatch(r"\$\{(?:meta|attr)\.([^}]+)\}", attr)
    return m.group(1) if m else ""


def _volumes(group: dict[str, Any], path: str, ctx: Ctx) -> None:
    for name, v in sorted((group.get("Volumes") or {}).items()):
        key = object_name(str(v.get("Source") or name))
        if key not in ctx.volumes:
            ctx.loss(v, f"{path}.volume.{name}", "a volume request carries no size: the spec's volume gets "
                     "the default size (1Gi)", "changed", f"volumes.{key}.size")
        definition = ctx.volumes.setdefault(key, {})
        if v.get("PerAlloc"):
            definition["per_replica"] = True
        if v.get("Type", "host") != "host":
            ctx.loss(v, f"{path}.volume.{name}", f"a {v.get('Type')} volume becomes a named volume", "changed",
                     f"volumes.{key}")
        if v.get("AccessMode") or v.get("AttachmentMode"):
            ctx.loss(v, f"{path}.volume.{name}", "access and attachment modes: not carried over", spec=f"volumes.{key}")
