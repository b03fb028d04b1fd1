"""What each target can express: the one source of truth for warnings and the support matrix.

A translator that meets a spec feature its target cannot express natively calls
``Report.note(feature, path)``; the level and the wording come from the target's column of the
matrix (feature id -> ``Support``), which its registration returns (``Target.support``: the
built-in ones are translators/<target>/support.py), so the README's support matrix
(``crossdock schema --matrix``) and the warnings can never disagree.  This module holds the rows
(the features) and no target's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal, Mapping

Target = str  # a registered target's name (crossdock.targets)
Level = Literal["native", "approximated", "unsupported"]


@dataclass(frozen=True)
class Support:
    level: Level
    note: str = ""  # for approximated/unsupported: what happens instead, said to the user


@dataclass(frozen=True)
class Feature:
    id: str
    title: str


N = Support("native")


def A(note: str) -> Support:
    return Support("approximated", note)


def U(note: str) -> Support:
    return Support("unsupported", note)


UNDECLARED = U("not declared by the target")  # a feature missing from a target's column


FEATURES: tuple[Feature, ...] = (
    Feature("services", "services (long-running)"),
    Feature("jobs", "jobs (run to completion)"),
    Feature("cron_jobs", "cron jobs (schedule)"),
    Feature("cron_timezone", "cron job time zone"),
    Feature("cron_concurrency", "cron job concurrency policy"),
    Feature("cron_suspend", "cron job suspended"),
    Feature("command", "command and args"),
    Feature("env", "environment variables"),
    Feature("secret_env", "secrets as environment variables"),
    Feature("secret_file", "secrets as files"),
    Feature("secret_values", "secret values from env or file"),
    Feature("secret_external", "external secrets (already on the platform)"),
    Feature("files", "config files"),
    Feature("volumes", "named persistent volumes"),
    Feature("volume_per_replica", "per-replica volumes"),
    Feature("volume_storage_class", "volume storage class"),
    Feature("scratch", "scratch space (ephemeral)"),
    Feature("ports", "ports"),
    Feature("publish", "published ports"),
    Feature("target_port", "service port other than the container's port (target_port)"),
    Feature("health_liveness", "liveness checks"),
    Feature("health_readiness", "readiness checks"),
    Feature("health_startup", "startup checks"),
    Feature("health_http", "HTTP health checks"),
    Feature("health_tcp", "TCP health checks"),
    Feature("health_exec", "command health checks"),
    Feature("resources_requests", "resource requests"),
    Feature("resources_limits", "resource limits"),
    Feature("replicas", "fixed replica count"),
    Feature("autoscale", "autoscaling"),
    Feature("restart", "restart policy"),
    Feature("restart_on_failure_service", "services restarted only on failure"),
    Feature("update", "rolling update (parallelism, surge)"),
    Feature("update_wait_healthy", "update waits for health"),
    Feature("update_rollback", "automatic rollback"),
    Feature("placement_constraints", "placement: node label constraints"),
    Feature("placement_spread", "placement: spread"),
    Feature("labels", "labels"),
    Feature("per_node", "one replica per node (mode: per_node)"),
    Feature("aliases", "service aliases (other DNS names)"),
    Feature("security_user", "run as user / group (numeric ids)"),
    Feature("security_user_name", "run as user / group given by name"),
    Feature("security_group_only", "run as group without a user"),
    Feature("security_read_only_root", "read-only root filesystem"),
    Feature("security_capabilities", "Linux capabilities (add, drop)"),
    Feature("security_privileged", "privileged containers"),
    Feature("security_no_new_privileges", "no new privileges"),
    Feature("working_dir", "working directory"),
    Feature("hostname", "container host name"),
    Feature("stop_grace_period", "stop grace period"),
    Feature("stop_signal", "stop signal"),
    Feature("env_names", "env names with '.' or '-'"),
    Feature("config_size", "config files within the platform's size limit"),
    Feature("depends_on", "depends_on ordering"),
    Feature("init", "init steps"),
    Feature("sidecars", "sidecars"),
    Feature("job_sidecars", "sidecars of jobs and cron jobs"),
    Feature("route", "HTTP routes"),
    Feature("job_retries", "job retries"),
    Feature("job_deadline", "job deadline"),
    Feature("job_completions", "job completions and parallelism"),
    Feature("metadata", "app labels and annotations"),
    Feature("extensions", "x-<target> escape hatch"),
    Feature("unicode", "text not in Unicode NFC"),
)

BY_ID: dict[str, Feature] = {f.id: f for f in FEATURES}


@cache
def column(target: Target) -> Mapping[str, Support]:
    """The registered ``target``'s column (its ``support`` factory, called once per process).
    Raises InputError for a name no installed distribution registers."""
    from crossdock import targets
    return targets.get(target).support()


def on(feature: str, target: Target) -> Support:
    """How ``target`` expresses ``feature``: unsupported where its column does not say."""
    return column(target).get(feature, UNDECLARED)


def matrix_markdown() -> str:
    """The README's support matrix: one row per feature, one column per registered target."""
    from crossdock import targets
    words = {"native": "native", "approximated": "approximated", "unsupported": "not supported"}
    every = targets.all_targets()
    rows = ["| feature | " + " | ".join(t.title for t in every) + " |", "|---|" + "---|" * len(every)]
    for f in FEATURES:
        rows.append(f"| {f.title} | " + " | ".join(words[on(f.id, t.name).level] for t in every) + " |")
    return "\n".join(rows) + "\n"
