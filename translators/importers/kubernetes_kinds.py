"""Controllers -> spec workloads: Deployment, StatefulSet and DaemonSet become services, Job a
job, CronJob a cron job.  What a controller carries that the spec does not model goes into the
workload's ``x-kubernetes`` block where a patch can say it (so a Kubernetes render keeps it),
and into the loss report either way.
"""

from __future__ import annotations

import math
from typing import Any

from crossdock.specs.schedule import cron_problem
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_pod import PodReader
from crossdock.translators.importers.kubernetes_read import Manifest
from crossdock.translators.importers.kubernetes_values import Context, dns_name, duration, memory

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "ReplicationController",
                  "Pod")
CONFIG_HASH = "crossdock/config-hash"
_CONCURRENCY = {"Allow": "allow", "Forbid": "forbid", "Replace": "replace"}


def section_of(m: Manifest) -> str:
    """A bare Pod that is not restarted forever runs to completion: a job; other pods are services."""
    if m.kind == "Pod":
        return "services" if m.data_at("spec", "restartPolicy") in (None, "Always") else "jobs"
    return {"Job": "jobs", "CronJob": "cron_jobs"}.get(m.kind, "services")


def pod_base(kind: str) -> Path:
    """Where the pod template (metadata and spec) of a controller is; a Pod is its own."""
    if kind == "Pod":
        return ()
    return ("spec", "jobTemplate", "spec", "template") if kind == "CronJob" else ("spec", "template")


def read_workload(ctx: Context, m: Manifest, name: str) -> dict[str, Any] | None:
    """The spec workload of one controller (labels are set by the caller); None without a usable container."""
    kind, section = m.kind, section_of(m)
    w: dict[str, Any] = {}
    base = pod_base(kind)
    reader = PodReader(ctx, m, base, section, name)
    m.use(*base, "metadata", "labels")
    if m.data_at(*base, "metadata", "annotations", CONFIG_HASH) is not None:
        m.use(*base, "metadata", "annotations", CONFIG_HASH)
    restart = m.get(*base, "spec", "restartPolicy")
    if kind == "StatefulSet":
        reader.templates = _claim_templates(ctx, m)
    if not reader.read(w):
        return None
    where = f"{section}.{name}"
    if section == "services":
        if restart not in (None, "Always"):
            ctx.lose(m, (*base, "spec", "restartPolicy"), "a service always restarts its containers", "changed",
                     f"{where}.restart")
        replicas = m.get("spec", "replicas")
        if isinstance(replicas, int) and not isinstance(replicas, bool) and 0 <= replicas <= 10000 \
                and kind != "DaemonSet":
            w["replicas"] = replicas
        m.use("spec", "selector")
        {"Deployment": _deployment, "StatefulSet": _stateful_set, "DaemonSet": _daemon_set, "ReplicaSet": _replica_set,
         "ReplicationController": _replica_set, "Pod": _pod}[kind](ctx, m, w, where)
    elif kind == "Pod":
        w["restart"] = "on-failure" if restart == "OnFailure" else "never"
        ctx.lose(m, ("kind",), "a bare Pod that runs to completion becomes a job: rendered as a Job (not retried)",
                 "changed")
    else:
        if restart == "OnFailure":
            w["restart"] = "on-failure"
        job = ("spec", "jobTemplate", "spec") if kind == "CronJob" else ("spec",)
        _job(ctx, m, job, w, where)
        if kind == "CronJob":
            _cron_job(ctx, m, w, where)
    return w


def _deployment(ctx: Context, m: Manifest, w: dict[str, Any], where: str) -> None:
    replicas = w.get("replicas", 1)
    strategy = m.dict_at("spec", "strategy")
    update: dict[str, Any] = {}
    if strategy.get("type") == "Recreate":
        m.use("spec", "strategy")
        ctx.lose(m, ("spec", "strategy", "type"), "the spec has rolling updates only: Recreate becomes replacing "
                 "every replica at once without surge", "changed", f"{where}.update")
        update = {"surge": 0, "parallelism": max(int(replicas), 1)}
    else:
        rolling = m.dict_at("spec", "strategy", "rollingUpdate")
        surge = _amount(ctx, m, ("spec", "strategy", "rollingUpdate", "maxSurge"), rolling.get("maxSurge", "25%"),
                        replicas, math.ceil, where)
        unavailable = _amount(ctx, m, ("spec", "strategy", "rollingUpdate", "maxUnavailable"),
                              rolling.get("maxUnavailable", "25%"), replicas, math.floor, where)
        m.use("spec", "strategy", "type")
        m.use("spec", "strategy", "rollingUpdate", "maxSurge")
        m.use("spec", "strategy", "rollingUpdate", "maxUnavailable")
        if surge != 1:
            update["surge"] = surge
        if max(surge + unavailable, 1) != 1:
            update["parallelism"] = max(surge + unavailable, 1)
    min_ready = m.int_at("spec", "minReadySeconds")
    if min_ready is not None and min_ready >= 0:
        m.use("spec", "minReadySeconds")
    if min_ready is not None and min_ready > 0:
        update["min_ready"] = duration(min_ready)
    deadline = m.int_at("spec", "progressDeadlineSeconds")
    if deadline is not None:
        m.use("spec", "progressDeadlineSeconds")
    deadline = deadline if deadline is not None and deadline > 0 else 600  # Kubernetes' default
    if deadline != 300:
        update["deadline"] = duration(deadline)
    if m.data_at("spec", "revisionHistoryLimit") == 10:
        m.use("spec", "revisionHistoryLimit")
    if update:
        w["update"] = update


def _amount(ctx: Context, m: Manifest, path: Path, value: Any, replicas: int, rounding: Any, where: str) -> int:
    """maxSurge / maxUnavailable as a count: a percentage of the replicas, rounded as Kubernetes does."""
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    text = str(value)
    if text.endswith("%") and text[:-1].isdigit():
        count = int(rounding(int(text[:-1]) * replicas / 100))
        if m.data_at(*path) is not None:
            ctx.lose(m, path, f"a percentage of the replicas: imported as {count} for {replicas} replica(s)",
                     "changed", f"{where}.update")
        return count
    ctx.lose(m, path, "not a count or a percentage: the default is used", "changed", f"{where}.update")
    return 1


def _claim_templates(ctx: Context, m: Manifest) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, t in enumerate(m.list_at("spec", "volumeClaimTemplates")):
        path: Path = ("spec", "volumeClaimTemplates", i)
        raw = m.get(*path, "metadata", "name")
        if not isinstance(raw, str) or not raw:
            continue
        name = dns_name(raw, 63, False)
        if name in ctx.volumes:  # a claim template is each replica's own: never shared with another workload
            renamed = dns_name(f"{m.name}-{raw}", 63, False)
            ctx.lose(m, (*path, "metadata", "name"), f"a volume named '{name}' is already imported: this claim "
                     f"template becomes the volume '{renamed}'", "changed", f"volumes.{renamed}")
            name = renamed
        volume: dict[str, Any] = {"per_replica": True}
        read_claim(ctx, m, path, volume)
        m.use(*path, "metadata", "labels")
        m.use(*path, "apiVersion")
        m.use(*path, "kind")
        ctx.volumes[name] = volume
        out[raw] = name
    return out


def read_claim(ctx: Context, m: Manifest, path: Path, volume: dict[str, Any]) -> None:
    """A PVC's (or claim template's) spec -> size and storage class of a spec volume."""
    size = m.data_at(*path, "spec", "resources", "requests", "storage")
    if size is not None:
        converted = memory(size)
        if converted is None:
            ctx.lose(m, (*path, "spec", "resources", "requests", "storage"), "not a size the spec can hold: "
                     "imported with the default size 1Gi", "changed")
        else:
            m.use(*path, "spec", "resources", "requests", "storage")
            if converted != "1Gi":
                volume["size"] = converted
    storage_class = m.get(*path, "spec", "storageClassName")
    if isinstance(storage_class, str) and storage_class:
        volume["storage_class"] = storage_class
    m.use(*path, "spec", "accessModes")  # crossdock chooses the mode from how many pods mount it
    if m.data_at(*path, "spec", "volumeMode") == "Filesystem":
        m.use(*path, "spec", "volumeMode")


def _stateful_set(ctx: Context, m: Manifest, w: dict[str, Any], where: str) -> None:
    m.use("spec", "serviceName")
    if not m.data_at("spec", "volumeClaimTemplates"):
        ctx.lose(m, ("kind",), "a StatefulSet without volumeClaimTemplates is rendered as a Deployment: its pods "
                 "lose their stable names and ordered start", "changed")
    min_ready = m.int_at("spec", "minReadySeconds")
    if min_ready is not None and min_ready >= 0:
        m.use("spec", "minReadySeconds")
    if min_ready is not None and min_ready > 0:
        w["update"] = {"min_ready": duration(min_ready)}
    for key, value in (("podManagementPolicy", "OrderedReady"), ("revisionHistoryLimit", 10)):
        if m.data_at("spec", key) == value:
            m.use("spec", key)
    if m.data_at("spec", "updateStrategy") in ({"type": "RollingUpdate"}, {"type": "RollingUpdate", "rollingUpdate":
                                                                          {"partition": 0}}):
        m.use("spec", "updateStrategy")


def _daemon_set(ctx: Context, m: Manifest, w: dict[str, Any], where: str) -> None:
    """One pod on every node the placement allows.  A rolling update replaces maxUnavailable pods
    at a time (stopping the old first) or, with maxSurge, starts maxSurge new pods first; the API
    server takes one of them non-zero (default: maxUnavailable 1, maxSurge 0).  A percentage is of
    the nodes, which the manifests do not know: left for the loss report."""
    w["mode"] = "per_node"
    strategy: Path = ("spec", "updateStrategy")
    if m.data_at(*strategy, "type") in (None, "RollingUpdate"):
        m.use(*strategy, "type")
        rolling = m.dict_at(*strategy, "rollingUpdate")
        surge, unavailable = rolling.get("maxSurge", 0), rolling.get("maxUnavailable", 1)
        counts = [isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (surge, unavailable)]
        if all(counts) and (surge == 0) != (unavailable == 0):
            m.use(*strategy, "rollingUpdate")
            w["update"] = {"surge": surge} if surge else {"surge": 0, "parallelism": unavailable}
            if w["update"] == {"surge": 1}:
                del w["update"]
            elif w["update"].get("parallelism") == 1:
                del w["update"]["parallelism"]
    min_ready = m.int_at("spec", "minReadySeconds")
    if min_ready is not None and min_ready >= 0:
        m.use("spec", "minReadySeconds")
        if min_ready > 0:
            w.setdefault("update", {})["min_ready"] = duration(min_ready)
    if m.data_at("spec", "revisionHistoryLimit") == 10:
        m.use("spec", "revisionHistoryLimit")


def _replica_set(ctx: Context, m: Manifest, w: dict[str, Any], where: str) -> None:
    ctx.lose(m, ("kind",), f"a {m.kind} is rendered as a Deployment, which also rolls out a changed pod template",
             "changed")
    min_ready = m.int_at("spec", "minReadySeconds")
    if min_ready is not None and min_ready >= 0:
        m.use("spec", "minReadySeconds")
    if min_ready is not None and min_ready > 0:
        w["update"] = {"min_ready": duration(min_ready)}


def _pod(ctx: Context, m: Manifest, w: dict[str, Any], where: str) -> None:
    ctx.lose(m, ("kind",), "a bare Pod is not replaced when its node fails: rendered as a Deployment of one replica",
             "changed")


def _job(ctx: Context, m: Manifest, job: Path, w: dict[str, Any], where: str) -> None:
    retries = m.int_at(*job, "backoffLimit")
    if retries is not None and retries >= 0:
        m.use(*job, "backoffLimit")
    else:
        retries = 6  # Kubernetes' default
    if retries:
        w["retries"] = retries
    deadline = m.int_at(*job, "activeDeadlineSeconds")
    if deadline is not None and deadline > 0:
        m.use(*job, "activeDeadlineSeconds")
        w["deadline"] = duration(deadline)
    for key in ("completions", "parallelism"):
        value = m.int_at(*job, key)
        if value is not None:
            m.use(*job, key)
        if value is not None and value != 1:
            if value < 1:
                ctx.lose(m, (*job, key), "the spec counts from 1: imported as 1", "changed", f"{where}.{key}")
            else:
                w[key] = value


def _cron_job(ctx: Context, m: Manifest, w: dict[str, Any], where: str) -> None:
    schedule = m.get("spec", "schedule")
    schedule = schedule if isinstance(schedule, str) else ""
    if cron_problem(schedule) is not None:
        ctx.lose(m, ("spec", "schedule"), "not a five-field cron schedule that every target accepts, or @daily...: imported as @daily",
                 "changed", f"{where}.schedule")
        schedule = "@daily"
    w["schedule"] = schedule
    tz = m.get("spec", "timeZone")
    if isinstance(tz, str) and tz:
        w["timezone"] = tz
    policy = m.get("spec", "concurrencyPolicy") or "Allow"  # Kubernetes' default
    w["concurrency"] = _CONCURRENCY.get(str(policy), "allow")
    if w["concurrency"] == "forbid":
        del w["concurrency"]
    if m.get("spec", "suspend") is True:
        w["suspend"] = True
    m.use("spec", "suspend")
    m.use("spec", "jobTemplate", "metadata", "labels")
    for key, value in (("successfulJobsHistoryLimit", 3), ("failedJobsHistoryLimit", 1)):
        if m.data_at("spec", key) == value:
            m.use("spec", key)
