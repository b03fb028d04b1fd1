"""How Kubernetes expresses each spec feature: its support-matrix column, which its registration
(adapters/kubernetes/target.py) returns and ``Report.note`` reads."""

from __future__ import annotations

from crossdock.translators.support import A, N, Support, U

COLUMN: dict[str, Support] = {
    "services": N,
    "jobs": N,
    "cron_jobs": N,
    "cron_timezone": N,
    "cron_concurrency": N,
    "cron_suspend": N,
    "command": N,
    "env": N,
    "secret_env": N,
    "secret_file": N,
    "secret_values": N,
    "secret_external": N,
    "files": N,
    "volumes": N,
    "volume_per_replica": N,
    "volume_storage_class": N,
    "scratch": N,
    "ports": N,
    "publish": N,
    "target_port": N,
    "health_liveness": N,
    "health_readiness": N,
    "health_startup": N,
    "health_http": N,
    "health_tcp": N,
    "health_exec": N,
    "resources_requests": N,
    "resources_limits": N,
    "replicas": N,
    "autoscale": N,
    "restart": N,
    "restart_on_failure_service": A("Deployments always restart containers; restart: on-failure is rendered as "
                                    "Always"),
    "update": A("a rolling window, not batches: maxSurge = surge, maxUnavailable = parallelism - surge (at least "
                "0), so at most parallelism pods are replaced at once"),
    "update_wait_healthy": A("a rollout always waits for a new pod's readiness check: wait_healthy: false is not "
                             "expressible when the service has one"),
    "update_rollback": A("Kubernetes Deployments do not roll back by themselves: `crossdock deploy` rolls back "
                         "when the rollout fails (by hand: kubectl rollout undo)"),
    "placement_constraints": N,
    "placement_spread": N,
    "labels": N,
    "per_node": N,
    "aliases": A("one more ClusterIP Service named after the alias (lower-cased), with the same pods and ports; "
                 "only for a DNS-1035 label (a-z, 0-9 and '-', starting with a letter, at most 63) on a service "
                 "with ports"),
    "security_user": N,
    "security_user_name": U("Kubernetes runs containers as numeric ids only (runAsUser, runAsGroup): a name is "
                            "not rendered, the image's user runs"),
    "security_group_only": N,
    "security_read_only_root": N,
    "security_capabilities": N,
    "security_privileged": N,
    "security_no_new_privileges": N,
    "working_dir": N,
    "hostname": A("a pod's hostname is one DNS label (a-z, 0-9 and '-', at most 63): a dotted name sets its first"
                  " label"),
    "stop_grace_period": N,
    "stop_signal": U("the pod API's stop signal (lifecycle.stopSignal) is alpha and off by default: not rendered,"
                     " the image's STOPSIGNAL is used"),
    "env_names": N,
    "config_size": U("a ConfigMap holds at most 1 MiB (1,048,576 bytes) of data in all: the API server refuses a "
                     "larger one"),
    "depends_on": U("Kubernetes starts workloads independently: not rendered; rely on readiness checks and "
                    "retries"),
    "init": N,
    "sidecars": N,
    "job_sidecars": N,
    "route": N,
    "job_retries": N,
    "job_deadline": N,
    "job_completions": N,
    "metadata": N,
    "extensions": N,
    "unicode": N,
}
