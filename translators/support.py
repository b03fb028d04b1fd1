"""What each target can express: the one source of truth for warnings and the support matrix.

A translator that meets a spec feature its target cannot express natively calls
``Report.note(feature, path)``; the level and the wording come from here, so the README's
support matrix (``crossdock schema --matrix``) and the warnings can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Target = str  # a registered target's name (crossdock.targets)
TARGETS: tuple[Target, ...] = ("kubernetes", "swarm", "nomad")
Level = Literal["native", "approximated", "unsupported"]


@dataclass(frozen=True)
class Support:
    level: Level
    note: str = ""  # for approximated/unsupported: what happens instead, said to the user


@dataclass(frozen=True)
class Feature:
    id: str
    title: str
    kubernetes: Support
    swarm: Support
    nomad: Support

    def on(self, target: Target) -> Support:
        support: Support = getattr(self, target)
        return support


N = Support("native")


def A(note: str) -> Support:
    return Support("approximated", note)


def U(note: str) -> Support:
    return Support("unsupported", note)


FEATURES: tuple[Feature, ...] = (
    Feature("services", "services (long-running)", N, N, N),
    Feature("jobs", "jobs (run to completion)", N, N, N),
    Feature("cron_jobs", "cron jobs (schedule)", N,
            U("Swarm has no scheduled jobs; not rendered"), N),
    Feature("cron_timezone", "cron job time zone", N, U("not rendered"), N),
    Feature("cron_concurrency", "cron job concurrency policy", N, U("not rendered"),
            A("'forbid' becomes prohibit_overlap; 'allow' and 'replace' both allow overlapping runs")),
    Feature("cron_suspend", "cron job suspended", N, U("not rendered"),
            A("the periodic block is disabled (enabled = false)")),
    Feature("command", "command and args", N, N,
            A("Nomad interpolates ${...} in the image, command and args at run time (e.g. ${NOMAD_TASK_NAME}); "
              "such values may not arrive unchanged")),
    Feature("env", "environment variables", N, N,
            A("Nomad interpolates ${...} in env values at run time (e.g. ${NOMAD_TASK_NAME}); such values "
              "may not arrive unchanged")),
    Feature("secret_env", "secrets as environment variables", N,
            A("Swarm delivers secrets only as files: the secret is mounted at /run/secrets/<secret> and "
              "<ENV>_FILE holds that path; <ENV> itself is not set"), N),
    Feature("secret_file", "secrets as files", N, N, N),
    Feature("secret_values", "secret values from env or file", N,
            A("a stack file cannot carry the value: the secret is declared external and `crossdock deploy` "
              "creates it (by hand: docker secret create <app>_<secret> -)"),
            A("values live in the Nomad Variable of the job, nomad/jobs/<job> (one item per secret, named "
              "after it): `crossdock deploy` writes them (by hand: nomad var put nomad/jobs/<job> <secret>=...)")),
    Feature("secret_external", "external secrets (already on the platform)", N, N,
            A("read from the Nomad Variable of the job, nomad/jobs/<job> (item <secret>), which must exist")),
    Feature("files", "config files", N, N, N),
    Feature("volumes", "named persistent volumes", N,
            A("a local-driver volume on each node: replicas on different nodes do not share data, size is ignored"),
            A("a host volume request by name: the client must declare a host_volume of that name; size is ignored")),
    Feature("volume_per_replica", "per-replica volumes", N,
            A("each replica slot gets its own local volume <app>_<volume>-<slot> (a {{.Task.Slot}} template) on the "
              "node it runs on: a replica moved to another node starts empty; size is ignored"),
            A("per_alloc volume request: volumes named <volume>[0], <volume>[1]... must exist")),
    Feature("volume_storage_class", "volume storage class", N, U("not rendered"), U("not rendered")),
    Feature("scratch", "scratch space (ephemeral)", N, N, N),
    Feature("ports", "ports", N, N, N),
    Feature("publish", "published ports", N, N, N),
    Feature("target_port", "service port other than the container's port (target_port)", N,
            A("Swarm's service address does not remap ports: other services reach the container port "
              "(target_port), not the service port"),
            A("the container listens on target_port (the network port's to); other jobs find the address and "
              "host port in the service registration, as for every Nomad port: the service port is not used")),
    Feature("health_liveness", "liveness checks", N, N,
            A("a service check with check_restart: an unhealthy task is restarted after the retries")),
    Feature("health_readiness", "readiness checks", N,
            A("Swarm has one health check: readiness and liveness are merged, so a task that is not ready "
              "is restarted, not only taken out of load balancing"), N),
    Feature("health_startup", "startup checks", N,
            A("Swarm has no startup check: the time it allows (start_period + interval x retries) is added to "
              "the health check's start_period"),
            A("becomes the check_restart grace period")),
    Feature("health_http", "HTTP health checks", N,
            A("an HTTP check becomes a command run in the container: the image must contain wget"), N),
    Feature("health_tcp", "TCP health checks", N,
            A("a TCP check becomes a shell command run in the container (nc -z, or a plain nc connect where "
              "nc has no -z): the image must contain sh and nc"), N),
    Feature("health_exec", "command health checks", N, N,
            U("Nomad's own service checks are http and tcp only (script checks need Consul): not rendered")),
    Feature("resources_requests", "resource requests", N, N,
            A("Nomad reserves one amount: cpu (MHz, 1 core = 1000) and memory (MB) are the requests")),
    Feature("resources_limits", "resource limits", N, N,
            A("memory limit becomes memory_max (needs memory oversubscription); cpu limit is not enforced")),
    Feature("replicas", "fixed replica count", N, N, N),
    Feature("autoscale", "autoscaling", N,
            U("Swarm cannot autoscale: rendered with min replicas"),
            A("a scaling block (min, max, cpu target) for the Nomad Autoscaler, which must be running")),
    Feature("restart", "restart policy", N, N, N),
    Feature("restart_on_failure_service", "services restarted only on failure",
            A("Deployments always restart containers; restart: on-failure is rendered as Always"), N,
            A("Nomad restarts a service's task whenever it exits, even with status 0: rendered as always")),
    Feature("update", "rolling update (parallelism, surge)",
            A("a rolling window, not batches: maxSurge = surge, maxUnavailable = parallelism - surge "
              "(at least 0), so at most parallelism pods are replaced at once"),
            A("surge > 0 becomes order: start-first; its count is not expressible"),
            A("surge > 0 becomes canaries of that count, promoted automatically")),
    Feature("update_wait_healthy", "update waits for health",
            A("a rollout always waits for a new pod's readiness check: wait_healthy: false is not expressible "
              "when the service has one"),
            A("Swarm always waits for a new task's health check during an update: wait_healthy: false is "
              "not expressible when the service has a health check"), N),
    Feature("update_rollback", "automatic rollback",
            A("Kubernetes Deployments do not roll back by themselves: `crossdock deploy` rolls back when the "
              "rollout fails (by hand: kubectl rollout undo)"), N, N),
    Feature("placement_constraints", "placement: node label constraints", N,
            A("Swarm refuses a constraint on a label with '/' in its name (other than kubernetes.io/hostname, "
              "os and arch, which map to node attributes) or with a value outside [A-Za-z0-9:_.*()?+[]\\^$|/-] and "
              "white space, or with white space around it: "
              "not rendered"),
            A("node labels are read from the client's meta (${meta.<label>})")),
    Feature("placement_spread", "placement: spread", N, N,
            A("node labels are read from the client's meta (${meta.<label>})")),
    Feature("labels", "labels", N, N, A("labels become meta")),
    Feature("per_node", "one replica per node (mode: per_node)", N, N,
            A("a system job of its own, <app>-<service>, beside the app's service job (Nomad gives a job one "
              "type)")),
    Feature("aliases", "service aliases (other DNS names)",
            A("one more ClusterIP Service named after the alias (lower-cased), with the same pods and ports; "
              "only for a DNS-1035 label (a-z, 0-9 and '-', starting with a letter, at most 63) on a service "
              "with ports"), N,
            A("one more service registration named as the alias (lower-cased) on the first port (Nomad's own "
              "service discovery has "
              "no DNS: callers find it with nomadService); only for a valid Nomad service name on a service with "
              "ports")),
    Feature("security_user", "run as user / group (numeric ids)", N, N, N),
    Feature("security_user_name", "run as user / group given by name",
            U("Kubernetes runs containers as numeric ids only (runAsUser, runAsGroup): a name is not rendered, "
              "the image's user runs"), N, N),
    Feature("security_group_only", "run as group without a user", N,
            U("Docker sets a group only together with a user: not rendered, the image's user and group run"),
            U("Docker sets a group only together with a user: not rendered, the image's user and group run")),
    Feature("security_read_only_root", "read-only root filesystem", N, N, N),
    Feature("security_capabilities", "Linux capabilities (add, drop)", N, N,
            A("the clients' docker plugin refuses a task adding a capability outside its allow_caps (by default "
              "Docker's default set): add it there")),
    Feature("security_privileged", "privileged containers", N,
            U("docker stack deploy ignores privileged (Swarm services cannot be privileged): not rendered"),
            A("the clients' docker plugin refuses a privileged task unless it sets allow_privileged = true")),
    Feature("security_no_new_privileges", "no new privileges", N,
            U("docker stack deploy ignores security_opt: not rendered"), N),
    Feature("working_dir", "working directory", N, N, N),
    Feature("hostname", "container host name",
            A("a pod's hostname is one DNS label (a-z, 0-9 and '-', at most 63): a dotted name sets its first "
              "label"), N, N),
    Feature("stop_grace_period", "stop grace period", N, N,
            A("kill_timeout is capped by the client's max_kill_timeout (30s by default)")),
    Feature("stop_signal", "stop signal",
            U("the pod API's stop signal (lifecycle.stopSignal) is alpha and off by default: not rendered, the "
              "image's STOPSIGNAL is used"), N, N),
    Feature("env_names", "env names with '.' or '-'", N, N, N),
    Feature("config_size", "config files within the platform's size limit",
            U("a ConfigMap holds at most 1 MiB (1,048,576 bytes) of data in all: the API server refuses a larger "
              "one"),
            U("a Swarm config holds less than 1000 KiB (1,024,000 bytes, swarmkit's MaxConfigSize): the swarm "
              "refuses a larger one"), N),
    Feature("depends_on", "depends_on ordering",
            U("Kubernetes starts workloads independently: not rendered; rely on readiness checks and retries"),
            U("docker stack deploy ignores depends_on: not rendered"),
            U("Nomad starts groups independently: not rendered")),
    Feature("init", "init steps", N,
            U("Swarm has no init containers: not rendered"),
            A("prestart tasks: they run at the same time, not one after another")),
    Feature("sidecars", "sidecars", N,
            A("a separate service on the app's network with the same replica count: it does not share the "
              "main container's localhost or volumes"), N),
    Feature("job_sidecars", "sidecars of jobs and cron jobs", N,
            U("a replicated-job service has one container per task, and a sidecar as a service of its own "
              "would not stop when the job completes (a replicated service runs on; a second job never "
              "completes): not rendered"), N),
    Feature("route", "HTTP routes", N,
            U("Swarm has no HTTP router: not rendered; publish the port instead"),
            A("Traefik tags on the service (traefik.http.routers...); needs Traefik in front of Nomad")),
    Feature("job_retries", "job retries", N, A("restart_policy max_attempts"), N),
    Feature("job_deadline", "job deadline", N, U("not rendered"), U("not rendered")),
    Feature("job_completions", "job completions and parallelism", N,
            A("replicas sets how many tasks run; completions is not expressible in a stack file"),
            A("count sets how many run at once; completions is not expressible")),
    Feature("metadata", "app labels and annotations", N, N, A("labels and annotations become job meta")),
    Feature("extensions", "x-<target> escape hatch", N, N, N),
    Feature("unicode", "text not in Unicode NFC", N, N,
            A("the HCL form normalizes text to Unicode NFC, as every HCL parser does (escapes too); "
              "the JSON form keeps it as written")),
)

BY_ID: dict[str, Feature] = {f.id: f for f in FEATURES}


def matrix_markdown() -> str:
    """The README's support matrix, generated from FEATURES."""
    words = {"native": "native", "approximated": "approximated", "unsupported": "not supported"}
    rows = ["| feature | Kubernetes | Docker Swarm | Nomad |", "|---|---|---|---|"]
    for f in FEATURES:
        rows.append(f"| {f.title} | " + " | ".join(words[f.on(t).level] for t in TARGETS) + " |")
    return "\n".join(rows) + "\n"


def column(target: str) -> dict[str, Support]:
    """The built-in ``target``'s column of the support matrix: feature id -> support."""
    return {f.id: f.on(target) for f in FEATURES}
