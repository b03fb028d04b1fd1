"""How Docker Swarm expresses each spec feature: its support-matrix column, which its registration
(adapters/swarm/target.py) returns and ``Report.note`` reads."""

from __future__ import annotations

from crossdock.translators.support import A, N, Support, U

COLUMN: dict[str, Support] = {
    "services": N,
    "jobs": N,
    "cron_jobs": U("Swarm has no scheduled jobs; not rendered"),
    "cron_timezone": U("not rendered"),
    "cron_concurrency": U("not rendered"),
    "cron_suspend": U("not rendered"),
    "command": N,
    "env": N,
    "secret_env": A("Swarm delivers secrets only as files: the secret is mounted at /run/secrets/<secret> and "
                    "<ENV>_FILE holds that path; <ENV> itself is not set"),
    "secret_file": N,
    "secret_values": A("a stack file cannot carry the value: the secret is declared external and `crossdock "
                       "deploy` creates it (by hand: docker secret create <app>_<secret> -)"),
    "secret_external": N,
    "files": N,
    "volumes": A("a local-driver volume on each node: replicas on different nodes do not share data, size is "
                 "ignored"),
    "volume_per_replica": A("each replica slot gets its own local volume <app>_<volume>-<slot> (a {{.Task.Slot}} "
                            "template) on the node it runs on: a replica moved to another node starts empty; size"
                            " is ignored"),
    "volume_storage_class": U("not rendered"),
    "scratch": N,
    "ports": N,
    "publish": N,
    "target_port": A("Swarm's service address does not remap ports: other services reach the container port "
                     "(target_port), not the service port"),
    "health_liveness": N,
    "health_readiness": A("Swarm has one health check: readiness and liveness are merged, so a task that is not "
                          "ready is restarted, not only taken out of load balancing"),
    "health_startup": A("Swarm has no startup check: the time it allows (start_period + interval x retries) is "
                        "added to the health check's start_period"),
    "health_http": A("an HTTP check becomes a command run in the container: the image must contain wget"),
    "health_tcp": A("a TCP check becomes a shell command run in the container (nc -z, or a plain nc connect where"
                    " nc has no -z): the image must contain sh and nc"),
    "health_exec": N,
    "resources_requests": N,
    "resources_limits": N,
    "replicas": N,
    "autoscale": U("Swarm cannot autoscale: rendered with min replicas"),
    "restart": N,
    "restart_on_failure_service": N,
    "update": A("surge > 0 becomes order: start-first; its count is not expressible"),
    "update_wait_healthy": A("Swarm always waits for a new task's health check during an update: wait_healthy: "
                             "false is not expressible when the service has a health check"),
    "update_rollback": N,
    "placement_constraints": A("Swarm refuses a constraint on a label with '/' in its name (other than "
                               "kubernetes.io/hostname, os and arch, which map to node attributes) or with a "
                               "value outside [A-Za-z0-9:_.*()?+[]\\^$|/-] and white space, or with white space "
                               "around it: not rendered"),
    "placement_spread": N,
    "labels": N,
    "per_node": N,
    "aliases": N,
    "security_user": N,
    "security_user_name": N,
    "security_group_only": U("Docker sets a group only together with a user: not rendered, the image's user and "
                             "group run"),
    "security_read_only_root": N,
    "security_capabilities": N,
    "security_privileged": U("docker stack deploy ignores privileged (Swarm services cannot be privileged): not "
                             "rendered"),
    "security_no_new_privileges": U("docker stack deploy ignores security_opt: not rendered"),
    "working_dir": N,
    "hostname": N,
    "stop_grace_period": N,
    "stop_signal": N,
    "env_names": N,
    "config_size": U("a Swarm config holds less than 1000 KiB (1,024,000 bytes, swarmkit's MaxConfigSize): the "
                     "swarm refuses a larger one"),
    "depends_on": U("docker stack deploy ignores depends_on: not rendered"),
    "init": U("Swarm has no init containers: not rendered"),
    "sidecars": A("a separate service on the app's network with the same replica count: it does not share the "
                  "main container's localhost or volumes"),
    "job_sidecars": U("a replicated-job service has one container per task, and a sidecar as a service of its own"
                      " would not stop when the job completes (a replicated service runs on; a second job never "
                      "completes): not rendered"),
    "route": U("Swarm has no HTTP router: not rendered; publish the port instead"),
    "job_retries": A("restart_policy max_attempts"),
    "job_deadline": U("not rendered"),
    "job_completions": A("replicas sets how many tasks run; completions is not expressible in a stack file"),
    "metadata": N,
    "extensions": N,
    "unicode": N,
}
