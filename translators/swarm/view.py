"""The view model of a Swarm stack file: every name, label, default and unit conversion.

The templates only loop over what is built here.  Decisions (see also ``health``,
``placement`` and ``storage``):

- a service is ``mode: replicated`` with ``replicas`` (autoscaling: its ``min``), or ``mode:
  global`` for ``mode: per_node`` (its sidecars too); aliases are network aliases on the
  stack's default network (``networks: {default: {aliases: [...]}}``); a job is
  ``mode: replicated-job`` with ``replicas`` = completions (the docker CLI sets both
  MaxConcurrent and TotalCompletions from it); cron jobs and init steps are not rendered;
- ``command`` is the compose ``entrypoint``, ``args`` the compose ``command``;
- restart: a service's ``always`` is ``condition: any``, ``on-failure`` stays; a job with
  ``retries: n > 0`` is ``on-failure`` with ``max_attempts: n`` (Swarm reads 0 as unlimited),
  otherwise ``none``;
- update: ``surge > 0`` is ``order: start-first`` (exact when surge equals parallelism: Swarm
  starts ``parallelism`` new tasks before stopping as many old ones), ``min_ready`` the delay
  between batches, ``deadline`` the monitor period, ``auto_rollback`` the failure action;
- a sidecar is a service ``<workload>-<sidecar>`` with the workload's replicas and placement;
  a job's sidecars are not rendered (a separate service would outlive the job, see
  ``support``);
- ports: only published ones are listed (every port is reachable on the stack's default
  overlay network), in long syntax with the routing mesh (``mode: ingress``);
- env values and mount targets are escaped for Swarm's task templates (``{{`` would be run as
  Go template actions on the node, see ``storage.swarm_literal``);
- labels: ``app.kubernetes.io/{managed-by,part-of,name}`` over the app's labels and
  annotations and the workload's labels, on the service (deploy labels); the three ownership
  labels also on containers, configs and volumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from crossdock.specs import names
from crossdock.specs.loader import LoadedSpec
from crossdock.specs.model import App, Job, Resources, Service, Step, Workload
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report, alias_clash
from crossdock.translators.swarm import placement, storage, units
from crossdock.translators.swarm.health import HealthView, healthcheck
from crossdock.translators.swarm.runtime import RuntimeView, runtime

# The oldest compose v3 version with everything used here (docker 19.03+; replicated-job
# services need docker 20.10+); the docker CLI 28 accepts up to 3.13.
COMPOSE_VERSION = "3.8"


@dataclass(frozen=True)
class PortView:
    target: int
    published: int | None
    protocol: str


@dataclass(frozen=True)
class ResourcesView:
    limits: dict[str, str]
    reservations: dict[str, str]


@dataclass(frozen=True)
class UpdateView:
    parallelism: int
    delay: str
    failure_action: str
    monitor: str
    order: str


@dataclass(frozen=True)
class ServiceView:
    name: str
    image: str
    entrypoint: list[str] | None
    command: list[str] | None
    environment: dict[str, str]
    container_labels: dict[str, str]
    mode: Literal["replicated", "replicated-job", "global"]
    replicas: int | None  # None for a global service
    labels: dict[str, str]
    restart_condition: str
    max_attempts: int | None = None
    resources: ResourcesView | None = None
    update: UpdateView | None = None
    rollback: UpdateView | None = None
    constraints: list[str] = field(default_factory=list)
    spread: list[str] = field(default_factory=list)
    healthcheck: HealthView | None = None
    ports: list[PortView] = field(default_factory=list)
    configs: list[storage.FileRef] = field(default_factory=list)
    secrets: list[storage.FileRef] = field(default_factory=list)
    volumes: list[storage.MountView] = field(default_factory=list)
    extension: dict[str, Any] | None = None  # the workload's x-swarm
    runtime: RuntimeView = RuntimeView()
    aliases: list[str] = field(default_factory=list)  # on the stack's default network


@dataclass(frozen=True)
class StackView:
    version: str
    services: list[ServiceView]
    configs: list[storage.ConfigView]
    secrets: list[storage.SecretView]
    volumes: list[storage.VolumeView]
    owner_labels: dict[str, str]  # on configs and volumes
    extension: dict[str, Any] | None  # the app's x-swarm


def owner_labels(app: str, name: str | None = None) -> dict[str, str]:
    labels = {"app.kubernetes.io/managed-by": "crossdock", "app.kubernetes.io/part-of": app}
    if name is not None:
        labels["app.kubernetes.io/name"] = name
    return dict(sorted(labels.items()))


def _labels(app: App, name: str, own: dict[str, str]) -> dict[str, str]:
    merged = {**app.metadata.labels, **app.metadata.annotations, **own, **owner_labels(app.name, name)}
    return dict(sorted(merged.items()))


def _resources(r: Resources | None) -> ResourcesView | None:
    if r is None:
        return None

    def amounts(cpu: str | None, mem: str | None) -> dict[str, str]:
        out = {}
        if cpu is not None:
            out["cpus"] = units.cpus(cpu)
        if mem is not None:
            out["memory"] = units.memory(mem)
        return out

    view = ResourcesView(amounts(r.limits.cpu, r.limits.memory), amounts(r.requests.cpu, r.requests.memory))
    return view if view.limits or view.reservations else None


def _update(svc: Service, has_health: bool, report: Report, at: Path) -> tuple[UpdateView, UpdateView]:
    u = svc.update
    if u.surge > 0 and u.surge != u.parallelism:
        report.note("update", at + ("update", "surge"),
                    f"Swarm starts {u.parallelism} (parallelism) new task(s) before stopping old ones")
    if not u.wait_healthy and has_health:
        report.note("update_wait_healthy", at + ("update", "wait_healthy"))
    order = "start-first" if u.surge > 0 else "stop-first"
    delay, monitor = units.spec_duration(u.min_ready), units.spec_duration(u.deadline)
    update = UpdateView(u.parallelism, delay, "rollback" if u.auto_rollback else "pause", monitor, order)
    return update, UpdateView(u.parallelism, delay, "pause", monitor, order)


def _workload_notes(section: str, name: str, w: Workload, report: Report) -> None:
    at: Path = (section, name)
    if w.init:
        report.note("init", at + ("init",))
    if w.depends_on:
        report.note("depends_on", at + ("depends_on",))


def _service(spec: LoadedSpec, name: str, svc: Service, report: Report,
             configs: list[storage.ConfigView]) -> list[ServiceView]:
    app = spec.app
    at: Path = ("services", name)
    _workload_notes("services", name, svc, report)
    mounts = storage.workload_mounts(spec, "services", name, svc, report, configs)
    health = healthcheck(svc.health, svc.ports, report, at + ("health",))
    replicas: int | None = svc.replicas if svc.replicas is not None else 1
    if svc.mode == "per_node":
        report.note("per_node", at + ("mode",))
        replicas = None
    aliases = []
    for i, alias in enumerate(svc.aliases):
        clash = alias_clash(app, name, alias)
        report.note("aliases", at + ("aliases", i), clash)
        if clash is None:
            aliases.append(alias)
    if svc.autoscale is not None:
        report.note("autoscale", at + ("autoscale",))
        replicas = svc.autoscale.min
    if svc.route is not None:
        report.note("route", at + ("route",))
    for i, p in enumerate(svc.ports):
        if p.container_port != p.port:
            report.note("target_port", at + ("ports", i, "target_port"), f"callers use {name}:{p.container_port} "
                        f"instead of {name}:{p.port}")
    update, rollback = _update(svc, health is not None, report, at)
    constraints, spread = placement.placement(svc.placement, report, at + ("placement",))
    condition = "any" if svc.restart == "always" else "on-failure"
    main = ServiceView(
        name=name, image=svc.image, entrypoint=svc.command, command=svc.args,
        environment=_environment(svc.env, mounts.env), container_labels=owner_labels(app.name, name),
        mode="replicated" if replicas is not None else "global", replicas=replicas,
        labels=_labels(app, name, svc.labels),
        restart_condition=condition, resources=_resources(svc.resources), update=update, rollback=rollback,
        constraints=constraints, spread=spread, healthcheck=health,
        ports=[PortView(p.container_port, p.published_port, p.protocol) for p in svc.ports if p.publish],
        configs=mounts.configs, secrets=mounts.secrets, volumes=mounts.volumes, extension=svc.extension("swarm"),
        runtime=runtime(svc, at, report), aliases=aliases,
    )
    out = [main]
    for i, step in enumerate(svc.sidecars):
        sidecar = _sidecar(app, main, svc, step, runtime(step, at + ("sidecars", i), report, svc.stop_grace_period))
        report.note("sidecars", at + ("sidecars", i), f"rendered as the service '{sidecar.name}'")
        out.append(sidecar)
    return out


def sidecar_name(app: App, workload: str, step: str) -> str:
    """The sidecar's service in the stack file (rule and length limit in specs.names)."""
    return names.swarm_sidecar_key(names.all_workloads(app), workload, step)


def _sidecar(app: App, main: ServiceView, svc: Service, step: Step, rt: RuntimeView) -> ServiceView:
    name = sidecar_name(app, main.name, step.name)
    return ServiceView(
        name=name, image=step.image, entrypoint=step.command, command=step.args,
        environment=_environment(step.env, {}), container_labels=owner_labels(app.name, name),
        mode=main.mode, replicas=main.replicas, labels=_labels(app, name, svc.labels),
        restart_condition=main.restart_condition, resources=_resources(step.resources),
        update=main.update, rollback=main.rollback, constraints=main.constraints, spread=main.spread,
        runtime=rt,
    )


def _job(spec: LoadedSpec, name: str, job: Job, report: Report,
         configs: list[storage.ConfigView]) -> ServiceView:
    app = spec.app
    at: Path = ("jobs", name)
    _workload_notes("jobs", name, job, report)
    mounts = storage.workload_mounts(spec, "jobs", name, job, report, configs)
    if job.deadline is not None:
        report.note("job_deadline", at + ("deadline",))
    if job.completions != job.parallelism:
        report.note("job_completions", at + ("completions",),
                    f"all {job.completions} completions run at once")
    if job.retries > 0:
        report.note("job_retries", at + ("retries",))
    for i, _ in enumerate(job.sidecars):
        report.note("job_sidecars", at + ("sidecars", i))
    constraints, spread = placement.placement(job.placement, report, at + ("placement",))
    return ServiceView(
        name=name, image=job.image, entrypoint=job.command, command=job.args,
        environment=_environment(job.env, mounts.env), container_labels=owner_labels(app.name, name),
        mode="replicated-job", replicas=job.completions, labels=_labels(app, name, job.labels),
        restart_condition="on-failure" if job.retries > 0 else "none",
        max_attempts=job.retries if job.retries > 0 else None,
        resources=_resources(job.resources), constraints=constraints, spread=spread,
        configs=mounts.configs, secrets=mounts.secrets, volumes=mounts.volumes, extension=job.extension("swarm"),
        runtime=runtime(job, at, report),
    )


def _environment(env: dict[str, str], secret_files: dict[str, str]) -> dict[str, str]:
    """The spec's env plus ``<ENV>_FILE`` for secrets (a name the spec sets itself wins), each
    value escaped for Swarm's task templates (see ``storage.swarm_literal``)."""
    return {k: storage.swarm_literal(v) for k, v in sorted({**secret_files, **env}.items())}


def build(spec: LoadedSpec, report: Report) -> StackView:
    """The whole stack; notes on ``report`` what Swarm cannot express as the spec says."""
    app = spec.app
    configs: list[storage.ConfigView] = []
    services: list[ServiceView] = []
    for name in sorted(app.services):
        services.extend(_service(spec, name, app.services[name], report, configs))
    for name in sorted(app.jobs):
        services.append(_job(spec, name, app.jobs[name], report, configs))
    for name in sorted(app.cron_jobs):
        report.note("cron_jobs", ("cron_jobs", name, "schedule"))
    return StackView(
        version=COMPOSE_VERSION,
        services=sorted(services, key=lambda s: s.name),
        configs=sorted(configs, key=lambda c: c.key),
        secrets=storage.top_level_secrets(spec, report),
        volumes=storage.top_level_volumes(spec, report),
        owner_labels=owner_labels(app.name),
        extension=app.extension("swarm"),
    )
