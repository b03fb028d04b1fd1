"""The view model: each Nomad job crossdock renders, as the API's JSON object.

One spec gives one ``service`` job named after the app (a task group per service) when the
app has replicated services, one ``system`` job ``<app>-<service>`` per ``per_node`` service,
and one ``batch`` job ``<app>-<job>`` per job and cron job (Nomad gives a job one type: a
service job cannot hold groups that run on every node or to completion).
That JSON object is the single source: ``translator`` dumps it as ``<id>.nomad.json`` and
``hcl`` writes the same object as ``<id>.nomad.hcl``.

Every job carries ``Meta`` with ``managed-by = crossdock`` and ``app = <app>`` (so status and
destroy find exactly what crossdock created), plus the app's labels and annotations; a
workload's labels become its group's meta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossdock.specs.loader import LoadedSpec
from crossdock.specs.model import CronJob, Job, Service
from crossdock.translators.base import Report
from crossdock.translators.nomad import service as svcmod
from crossdock.translators.nomad.extend import Extensions
from crossdock.translators.nomad.runtime import kill_timeout
from crossdock.translators.nomad.tasks import Path, interpolated, main_task, step_tasks


@dataclass(frozen=True)
class JobFile:
    id: str
    job: dict[str, Any]  # the API's Job object


def build(spec: LoadedSpec, report: Report) -> list[JobFile]:
    app = spec.app
    ext = Extensions(app, report)
    meta = _job_meta(spec, report)
    out = []
    replicated = [name for name in sorted(app.services) if app.services[name].mode == "replicated"]
    if replicated:
        groups = [_service_group(spec, name, app.services[name], report, ext) for name in replicated]
        job = {"ID": app.name, "Name": app.name, "Type": "service", "Datacenters": ["*"], "Meta": meta,
               "TaskGroups": groups}
        out.append(JobFile(app.name, ext.job(job)))
    for name in sorted(app.services):
        if app.services[name].mode == "per_node":
            job_id = f"{app.name}-{name}"
            group = _service_group(spec, name, app.services[name], report, ext)
            job = {"ID": job_id, "Name": job_id, "Type": "system", "Datacenters": ["*"],
                   "Meta": meta | {"workload": name}, "TaskGroups": [group]}
            out.append(JobFile(job_id, ext.job(job)))
    for section in ("jobs", "cron_jobs"):
        items: dict[str, Job] = getattr(app, section)
        for name in sorted(items):
            job_id = f"{app.name}-{name}"
            job = _batch_job(spec, section, name, items[name], job_id, dict(meta), report, ext)
            out.append(JobFile(job_id, ext.job(job)))
    return out


def _job_meta(spec: LoadedSpec, report: Report) -> dict[str, str]:
    md = spec.app.metadata
    meta: dict[str, str] = {}
    for key, value in md.annotations.items():
        if "${" in value:
            interpolated(report, "metadata", ("metadata", "annotations", key), value)
        else:
            report.note("metadata", ("metadata", "annotations", key))
        meta[key] = value
    for key, value in md.labels.items():
        report.note("metadata", ("metadata", "labels", key))
        meta[key] = value
    meta.update({"managed-by": "crossdock", "app": spec.app.name})
    return dict(sorted(meta.items()))


def _group_meta(labels: dict[str, str], path: Path, report: Report) -> dict[str, str] | None:
    for key in labels:
        report.note("labels", path + ("labels", key))
    return dict(sorted(labels.items())) or None


def _service_group(spec: LoadedSpec, name: str, svc: Service, report: Report, ext: Extensions) -> dict[str, Any]:
    path: Path = ("services", name)
    report.note("services", path)
    if svc.depends_on:
        report.note("depends_on", path + ("depends_on",))
    ports = [p.name for p in svc.ports]
    grace = kill_timeout(svc, path, report)
    job_id = spec.app.name if svc.mode == "replicated" else f"{spec.app.name}-{name}"
    tasks = [*_init_tasks(svc, path, report),
             main_task(spec, "services", name, svc, job_id, ports, report, grace),
             *step_tasks(svc.sidecars, "sidecars", path, report, grace_ns=grace)]
    for i, _ in enumerate(svc.sidecars):
        report.note("sidecars", path + ("sidecars", i))
    group: dict[str, Any] = {"Name": name}
    scaling = svcmod.scaling(svc, path, report)
    if svc.mode == "per_node":
        report.note("per_node", path + ("mode",))
        group["Count"] = 1  # one on each node: a system job's groups take 0 or 1
    elif scaling is not None:
        group["Count"] = scaling["Min"]
        group["Scaling"] = scaling
    else:
        group["Count"] = 1 if svc.replicas is None else svc.replicas
        if svc.replicas is not None:
            report.note("replicas", path + ("replicas",))
    meta = _group_meta(svc.labels, path, report)
    if meta:
        group["Meta"] = meta
    group["Networks"] = [svcmod.network(svc)]
    if svc.hostname is not None:
        group["Networks"][0]["Hostname"] = svc.hostname
    services = svcmod.services(spec.app.name, name, svc, report)
    if services:
        group["Services"] = services
    group["Update"] = svcmod.update(svc.update, path, report, system=svc.mode == "per_node")
    group["RestartPolicy"] = svcmod.restart_policy(svc, path, report)
    group.update(svcmod.placement(svc, path, report))
    volumes = _volumes(spec, svc, path, report)
    if volumes:
        group["Volumes"] = volumes
    group["Tasks"] = tasks
    return ext.group(path, group, name)


def _init_tasks(w: Any, path: Path, report: Report) -> list[dict[str, Any]]:
    """Init steps as prestart tasks; Nomad starts them together, so the order of several is lost."""
    if len(w.init) > 1:
        report.note("init", path + ("init",))
    return step_tasks(w.init, "init", path, report)


def _volumes(spec: LoadedSpec, w: Any, path: Path, report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, v in enumerate(w.volumes):
        if v.volume is None:
            continue
        definition = spec.app.volumes[v.volume]
        report.note("volumes", path + ("volumes", i))
        if definition.per_replica and not (isinstance(w, Service) and w.mode == "per_node"):
            report.note("volume_per_replica", ("volumes", v.volume, "per_replica"))
        if definition.storage_class is not None:
            report.note("volume_storage_class", ("volumes", v.volume, "storage_class"))
        # A system job's allocations are one per node, each using its own node's host volume;
        # Nomad refuses per_alloc there.
        per_alloc = definition.per_replica and not (isinstance(w, Service) and w.mode == "per_node")
        if definition.per_replica and not per_alloc:
            report.note("volume_per_replica", path + ("volumes", i), f"each node's allocation uses that node's "
                        f"host volume '{v.volume}'", alone=True)
        request = out.setdefault(v.volume, {"Name": v.volume, "Type": "host", "Source": v.volume,
                                            "ReadOnly": True, "PerAlloc": per_alloc})
        request["ReadOnly"] = request["ReadOnly"] and v.read_only
    return out


def _batch_job(spec: LoadedSpec, section: str, name: str, w: Job, job_id: str, meta: dict[str, str],
               report: Report, ext: Extensions) -> dict[str, Any]:
    path: Path = (section, name)
    report.note(section, path)
    if w.depends_on:
        report.note("depends_on", path + ("depends_on",))
    if w.deadline is not None:
        report.note("job_deadline", path + ("deadline",))
    if w.completions != w.parallelism:
        report.note("job_completions", path + ("completions",))
    if w.retries:
        report.note("job_retries", path + ("retries",))
    grace = kill_timeout(w, path, report)
    main = main_task(spec, section, name, w, job_id, [], report, grace)
    tasks = [*_init_tasks(w, path, report), main,
             *step_tasks(w.sidecars, "sidecars", path, report, batch=True, grace_ns=grace)]
    for i, _ in enumerate(w.sidecars):
        report.note("job_sidecars", path + ("sidecars", i))
    group: dict[str, Any] = {"Name": name, "Count": w.parallelism}
    labels = _group_meta(w.labels, path, report)
    if labels:
        group["Meta"] = labels
    if w.sidecars:
        group["Networks"] = [{"Mode": "bridge"}]  # one network namespace: sidecars on localhost
        if w.hostname is not None:
            group["Networks"][0]["Hostname"] = w.hostname
    elif w.hostname is not None:
        main["Config"]["hostname"] = w.hostname
    # restart: never -> no restart in place, `retries` new allocations; on-failure -> `retries`
    # restarts in place, no new allocation (Kubernetes' backoffLimit counts either).
    in_place = w.retries if w.restart == "on-failure" else 0
    group["RestartPolicy"] = {"Attempts": in_place, "Mode": "fail"}
    group["ReschedulePolicy"] = {"Attempts": w.retries - in_place, "Unlimited": False}
    group.update(svcmod.placement(w, path, report))
    volumes = _volumes(spec, w, path, report)
    if volumes:
        group["Volumes"] = volumes
    group["Tasks"] = tasks
    job: dict[str, Any] = {"ID": job_id, "Name": job_id, "Type": "batch", "Datacenters": ["*"],
                           "Meta": meta | {"workload": name}, "TaskGroups": [ext.group(path, group, name)]}
    if isinstance(w, CronJob):
        job["Periodic"] = _periodic(w, path, report)
    return job


def _periodic(w: CronJob, path: Path, report: Report) -> dict[str, Any]:
    periodic: dict[str, Any] = {"Specs": [w.schedule], "ProhibitOverlap": w.concurrency == "forbid",
                                "Enabled": not w.suspend}
    if w.timezone is not None:
        report.note("cron_timezone", path + ("timezone",))
        periodic["TimeZone"] = w.timezone
    if w.concurrency != "forbid":
        report.note("cron_concurrency", path + ("concurrency",))
    if w.suspend:
        report.note("cron_suspend", path + ("suspend",))
    return periodic
