"""How Nomad expresses each spec feature: its support-matrix column, which its registration
(adapters/nomad/target.py) returns and ``Report.note`` reads."""

from __future__ import annotations

from crossdock.translators.support import A, N, Support, U

COLUMN: dict[str, Support] = {
    "services": N,
    "jobs": N,
    "cron_jobs": N,
    "cron_timezone": N,
    "cron_concurrency": A("'forbid' becomes prohibit_overlap; 'allow' and 'replace' both allow overlapping runs"),
    "cron_suspend": A("the periodic block is disabled (enabled = false)"),
    "command": A("Nomad interpolates ${...} in the image, command and args at run time (e.g. ${NOMAD_TASK_NAME});"
                 " such values may not arrive unchanged"),
    "env": A("Nomad interpolates ${...} in env values at run time (e.g. ${NOMAD_TASK_NAME}); such values may not "
             "arrive unchanged"),
    "secret_env": N,
    "secret_file": N,
    "secret_values": A("values live in the Nomad Variable of the job, nomad/jobs/<job> (one item per secret, "
                       "named after it): `crossdock deploy` writes them (by hand: nomad var put nomad/jobs/<job> "
                       "<secret>=...)"),
    "secret_external": A("read from the Nomad Variable of the job, nomad/jobs/<job> (item <secret>), which must "
                         "exist"),
    "files": N,
    "volumes": A("a host volume request by name: the client must declare a host_volume of that name; size is "
                 "ignored"),
    "volume_per_replica": A("per_alloc volume request: volumes named <volume>[0], <volume>[1]... must exist"),
    "volume_storage_class": U("not rendered"),
    "scratch": N,
    "ports": N,
    "publish": N,
    "target_port": A("the container listens on target_port (the network port's to); other jobs find the address "
                     "and host port in the service registration, as for every Nomad port: the service port is not"
                     " used"),
    "health_liveness": A("a service check with check_restart: an unhealthy task is restarted after the retries"),
    "health_readiness": N,
    "health_startup": A("becomes the check_restart grace period"),
    "health_http": N,
    "health_tcp": N,
    "health_exec": U("Nomad's own service checks are http and tcp only (script checks need Consul): not rendered"),
    "resources_requests": A("Nomad reserves one amount: cpu (MHz, 1 core = 1000) and memory (MB) are the requests"),
    "resources_limits": A("memory limit becomes memory_max (needs memory oversubscription); cpu limit is not "
                          "enforced"),
    "replicas": N,
    "autoscale": A("a scaling block (min, max, cpu target) for the Nomad Autoscaler, which must be running"),
    "restart": N,
    "restart_on_failure_service": A("Nomad restarts a service's task whenever it exits, even with status 0: "
                                    "rendered as always"),
    "update": A("surge > 0 becomes canaries of that count, promoted automatically"),
    "update_wait_healthy": N,
    "update_rollback": N,
    "placement_constraints": A("node labels are read from the client's meta (${meta.<label>})"),
    "placement_spread": A("node labels are read from the client's meta (${meta.<label>})"),
    "labels": A("labels become meta"),
    "per_node": A("a system job of its own, <app>-<service>, beside the app's service job (Nomad gives a job one "
                  "type)"),
    "aliases": A("one more service registration named as the alias (lower-cased) on the first port (Nomad's own "
                 "service discovery has no DNS: callers find it with nomadService); only for a valid Nomad "
                 "service name on a service with ports"),
    "security_user": N,
    "security_user_name": N,
    "security_group_only": U("Docker sets a group only together with a user: not rendered, the image's user and "
                             "group run"),
    "security_read_only_root": N,
    "security_capabilities": A("the clients' docker plugin refuses a task adding a capability outside its "
                               "allow_caps (by default Docker's default set): add it there"),
    "security_privileged": A("the clients' docker plugin refuses a privileged task unless it sets "
                             "allow_privileged = true"),
    "security_no_new_privileges": N,
    "working_dir": N,
    "hostname": N,
    "stop_grace_period": A("kill_timeout is capped by the client's max_kill_timeout (30s by default)"),
    "stop_signal": N,
    "env_names": N,
    "config_size": N,
    "depends_on": U("Nomad starts groups independently: not rendered"),
    "init": A("prestart tasks: they run at the same time, not one after another"),
    "sidecars": N,
    "job_sidecars": N,
    "route": A("Traefik tags on the service (traefik.http.routers...); needs Traefik in front of Nomad"),
    "job_retries": N,
    "job_deadline": U("not rendered"),
    "job_completions": A("count sets how many run at once; completions is not expressible"),
    "metadata": A("labels and annotations become job meta"),
    "extensions": N,
    "unicode": A("the HCL form normalizes text to Unicode NFC, as every HCL parser does (escapes too); the JSON "
                 "form keeps it as written"),
}
