"""Which features of the support matrix (``translators.support.FEATURES``) a spec uses.

The translators record only what their target cannot express natively, so the static
comparison needs the other half too: every feature the spec uses, native or not, to say what
share of the app each target carries over.  Pure: reads the model only.
"""

from __future__ import annotations

from crossdock.specs.model import App, CronJob, Job, Security, Service, Step

Used = set[str]


def _add(used: Used, *pairs: tuple[bool, str]) -> None:
    used.update(feature for present, feature in pairs if present)


def _runtime(w: Job | Service | Step, used: Used) -> None:
    """How a container runs (issue 20's fields).  A name where the target takes only ids, a
    group without a user: the translators' report lines add those features."""
    sec: Security | None = w.security
    if sec is not None:
        caps = sec.capabilities
        _add(used, (sec.user is not None or sec.group is not None, "security_user"),
             (sec.read_only_root, "security_read_only_root"),
             (caps is not None and bool(caps.add or caps.drop), "security_capabilities"),
             (sec.privileged, "security_privileged"), (sec.no_new_privileges, "security_no_new_privileges"))
    _add(used, (w.working_dir is not None, "working_dir"), (any("." in k or "-" in k for k in w.env), "env_names"))
    if not isinstance(w, Step):
        _add(used, (w.hostname is not None, "hostname"), (w.stop_grace_period is not None, "stop_grace_period"),
             (w.stop_signal is not None, "stop_signal"))


def _workload_common(w: Job | Service, used: Used) -> None:
    if w.command or w.args:
        used.add("command")
    if w.env:
        used.add("env")
    for s in w.secrets:
        used.add("secret_env" if s.env else "secret_file")
    if w.files:
        used.add("files")
    for v in w.volumes:
        used.add("scratch" if v.scratch else "volumes")
    if w.resources is not None:
        if w.resources.requests.cpu is not None or w.resources.requests.memory is not None:
            used.add("resources_requests")
        if w.resources.limits.cpu is not None or w.resources.limits.memory is not None:
            used.add("resources_limits")
    placement = w.placement
    _add(used, (bool(w.labels), "labels"), (bool(placement and placement.constraints), "placement_constraints"),
         (bool(placement and placement.spread), "placement_spread"), (bool(w.init), "init"),
         (bool(w.depends_on), "depends_on"), (bool(w.extensions()), "extensions"))
    for step in [w, *w.init, *w.sidecars]:
        _runtime(step, used)


def _service(s: Service, used: Used) -> None:
    used.add("services")
    _workload_common(s, used)
    if s.ports:
        used.add("ports")
    if any(p.publish for p in s.ports):
        used.add("publish")
    if s.health is not None:
        for kind, probe in (("liveness", s.health.liveness), ("readiness", s.health.readiness),
                            ("startup", s.health.startup)):
            if probe is None:
                continue
            used.add(f"health_{kind}")
            used.add("health_http" if probe.http else "health_tcp" if probe.tcp else "health_exec")
    if s.mode == "per_node":
        used.add("per_node")
    elif s.autoscale is not None:
        used.add("autoscale")
    else:
        used.add("replicas")
    if s.aliases:
        used.add("aliases")
    used.add("restart")
    if s.restart == "on-failure":
        used.add("restart_on_failure_service")
    updates = "update" in s.model_fields_set
    _add(used, (updates, "update"), (updates and s.update.wait_healthy, "update_wait_healthy"),
         (updates and s.update.auto_rollback, "update_rollback"), (bool(s.sidecars), "sidecars"),
         (s.route is not None, "route"))


def _job(j: Job, used: Used) -> None:
    _workload_common(j, used)
    if j.retries:
        used.add("job_retries")
    if j.deadline is not None:
        used.add("job_deadline")
    if j.completions != 1 or j.parallelism != 1:
        used.add("job_completions")
    if j.sidecars:
        used.add("job_sidecars")
    if isinstance(j, CronJob):
        used.add("cron_jobs")
        if j.timezone:
            used.add("cron_timezone")
        if "concurrency" in j.model_fields_set:
            used.add("cron_concurrency")
        if j.suspend:
            used.add("cron_suspend")
    else:
        used.add("jobs")


def features_used(app: App) -> set[str]:
    """The ids of the support-matrix features ``app`` uses."""
    used: Used = set()
    for s in app.services.values():
        _service(s, used)
    for j in app.jobs.values():
        _job(j, used)
    for c in app.cron_jobs.values():
        _job(c, used)
    for secret in app.secrets.values():
        used.add("secret_external" if secret.external else "secret_values")
    for v in app.volumes.values():
        used.add("volume_per_replica" if v.per_replica else "volumes")
        if v.storage_class:
            used.add("volume_storage_class")
    if app.metadata.labels or app.metadata.annotations:
        used.add("metadata")
    if app.extensions():
        used.add("extensions")
    return used
