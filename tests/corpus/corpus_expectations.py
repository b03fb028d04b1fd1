"""What must survive the import of each corpus case, written by reading its source file (see
SOURCES.tsv), not from crossdock's output, with the rules of issue 20:

- ``names``: each name other workloads use (compose service, container_name or network alias
  that another service or a config file names; Kubernetes Service; Nomad service) must be a
  workload's name or one of its aliases (or a sidecar's name when ``network_mode: service:X``
  makes it one), with the container port numbers it offers (``port`` or ``published_port``);
- ``absent``: names that must not become workloads (compose ``profiles`` not chosen);
- ``env``: values carried verbatim (compose defaults applied as compose applies them);
- ``security``: user, group, read_only_root, capabilities add/drop, privileged,
  no_new_privileges, as the spec contract names them (``drop``/``add`` are sets);
- ``fields``: mode (per_node for Swarm global, DaemonSet, Nomad system), hostname, working_dir,
  stop_grace_period (compared in seconds), image;
- ``host_local``: ports bound to 127.0.0.1 in the source: kept, and not published;
- ``sidecars``: workload -> names of the containers that share its network namespace;
- ``k8s_services``: Kubernetes Services the rendered output must hold, with their port numbers
  (a Kubernetes source's Service keeps its name and port);
- ``loss_mentions``: words the import's loss report must hold (what was left out, and why).

A workload is looked up by name or alias (``a|b``: either; the value tests also accept ``-`` for
``_``, the names test does not); ``"*"`` stands for the spec's only workload (a Nomad
job whose group registers no service has no name another workload uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Expect:
    names: dict[str, tuple[int, ...]]
    absent: tuple[str, ...] = ()
    env: dict[str, dict[str, str]] = field(default_factory=dict)
    security: dict[str, dict[str, Any]] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    host_local: dict[str, tuple[int, ...]] = field(default_factory=dict)
    sidecars: dict[str, tuple[str, ...]] = field(default_factory=dict)
    k8s_services: dict[str, tuple[int, ...]] = field(default_factory=dict)
    loss_mentions: tuple[str, ...] = ()


DROP_ALL = {"drop": {"ALL"}}
PER_NODE = {"mode": "per_node"}

EXPECTATIONS: dict[str, Expect] = {
    # -- compose ----------------------------------------------------------------------------
    "compose/awesome-elk": Expect(
        # logstash's pipeline sends to http://es:9200: the container_name is a host name in use.
        names={"elasticsearch": (9200, 9300), "es": (9200,), "logstash": (5000, 5044, 9600), "kibana": (5601,)},
        env={"elasticsearch": {"discovery.type": "single-node", "ES_JAVA_OPTS": "-Xms512m -Xmx512m"},
             "logstash": {"discovery.seed_hosts": "logstash", "LS_JAVA_OPTS": "-Xms512m -Xmx512m"}},
    ),
    "compose/n8n-ai-starter-kit": Expect(
        # The ollama services are in profiles (cpu, gpu-nvidia, gpu-amd): none chosen, none imported.
        names={"postgres": (), "n8n-import": (), "n8n": (5678,), "qdrant": (6333,)},
        absent=("ollama-cpu", "ollama-gpu", "ollama-gpu-amd", "ollama-pull-llama-cpu", "ollama-pull-llama-gpu",
                "ollama-pull-llama-gpu-amd"),
        env={"n8n": {"DB_TYPE": "postgresdb", "DB_POSTGRESDB_HOST": "postgres", "N8N_DIAGNOSTICS_ENABLED": "false"},
             "n8n-import": {"DB_TYPE": "postgresdb", "N8N_PERSONALIZATION_ENABLED": "false"}},
        fields={"n8n": {"hostname": "n8n"}, "qdrant": {"hostname": "qdrant", "image": "qdrant/qdrant"}},
        loss_mentions=("ollama-cpu", "ollama-gpu-amd", "profile"),
    ),
    "compose/awesome-gitea-postgres": Expect(
        names={"gitea": (3000,), "db": (5432,)},
        env={"gitea": {"DB_TYPE": "postgres", "DB_HOST": "db:5432", "DB_NAME": "gitea", "DB_USER": "gitea"},
             "db": {"POSTGRES_USER": "gitea", "POSTGRES_DB": "gitea"}},
    ),
    "compose/awesome-nginx-golang-postgres": Expect(
        names={"backend": (), "db": (5432,), "proxy": (80,)},
        env={"db": {"POSTGRES_DB": "example", "POSTGRES_PASSWORD_FILE": "/run/secrets/db-password"}},
        security={"db": {"user": "postgres"}},
    ),
    "compose/awesome-nginx-nodejs-redis": Expect(
        names={"redis": (6379,), "web1": (5000,), "web2": (5000,), "nginx": (80,)},
        fields={"web1": {"hostname": "web1"}, "web2": {"hostname": "web2"}},
    ),
    "compose/awesome-pihole-doh": Expect(
        names={"cloudflared": (5054,), "pihole": (53, 67, 80, 443)},
        env={"cloudflared": {"PORT": "5054", "ADDRESS": "0.0.0.0", "TZ": "Etc/UTC"},
             "pihole": {"REV_SERVER": "true", "REV_SERVER_DOMAIN": "fritz.box", "PIHOLE_DNS_": "172.20.0.2#5054;1.1.1.1"}},
        security={"pihole": {"add": {"NET_ADMIN"}}},
    ),
    "compose/awesome-prometheus-grafana": Expect(
        names={"prometheus": (9090,), "grafana": (3000,)},
        env={"grafana": {"GF_SECURITY_ADMIN_USER": "admin"}},
    ),
    "compose/cvat": Expect(
        # Services reach each other as cvat_redis, cvat_db (CVAT_*_HOST), cvat-server (opa's
        # services.cvat.url) and opa (no_proxy): names with '_' and network aliases in use.
        names={"cvat_db": (), "cvat_redis": (), "cvat_server": (), "cvat-server": (), "cvat_utils": (),
               "cvat_worker_default": (), "cvat_worker_low": (), "cvat_worker_webhooks": (), "cvat_ui": (),
               "traefik": (8080, 8090), "cvat_opa": (), "opa": ()},
        env={"cvat_server": {"CVAT_REDIS_HOST": "cvat_redis", "CVAT_POSTGRES_HOST": "cvat_db", "ALLOWED_HOSTS": "*",
                             "NUMPROCS": "1", "IAM_OPA_BUNDLE": "1"},
             "cvat_db": {"POSTGRES_USER": "root", "POSTGRES_DB": "cvat", "POSTGRES_HOST_AUTH_METHOD": "trust"}},
    ),
    "compose/devcontainer-dotnet-postgres": Expect(
        names={"db": (), "app": ()},
        env={"db": {"POSTGRES_USER": "postgres", "POSTGRES_DB": "postgres"}},
        sidecars={"db": ("app",)},
    ),
    "compose/docker-mailserver": Expect(
        names={"mailserver": (25, 143, 465, 587, 993)},
        env={"mailserver": {"LOG_LEVEL": "info", "ENABLE_OPENDKIM": "1", "PERMIT_DOCKER": "none",
                            "UPDATE_CHECK_INTERVAL": "1d"}},
        fields={"mailserver": {"hostname": "mail.example.com", "stop_grace_period": 60}},
    ),
    "compose/emojivoto": Expect(
        names={"web": (8080,), "vote-bot": (), "emoji-svc": (8080,), "voting-svc": (8080,)},
        env={"web": {"WEB_PORT": "8080", "EMOJISVC_HOST": "emoji-svc:8080", "VOTINGSVC_HOST": "voting-svc:8080",
                     "INDEX_BUNDLE": "dist/index_bundle.js"},
             "vote-bot": {"WEB_HOST": "web:8080"}},
    ),
    "compose/searxng-docker": Expect(
        names={"caddy": (), "redis": (), "searxng": (8080,)},
        env={"searxng": {"UWSGI_WORKERS": "4", "UWSGI_THREADS": "4", "SEARXNG_BASE_URL": "https://localhost/"}},
        security={"caddy": {"drop": {"ALL"}, "add": {"NET_BIND_SERVICE"}},
                  "redis": {"drop": {"ALL"}, "add": {"SETGID", "SETUID", "DAC_OVERRIDE"}},
                  "searxng": {"drop": {"ALL"}, "add": {"CHOWN", "SETGID", "SETUID"}}},
        host_local={"searxng": (8080,)},
    ),
    "compose/socket-proxy-dozzle": Expect(
        names={"dockerproxy": (), "dozzle": ()},
        env={"dozzle": {"DOZZLE_REMOTE_HOST": "tcp://dockerproxy:2375"}},
        security={"dockerproxy": {"user": 65534, "group": 998, "read_only_root": True, "no_new_privileges": True,
                                  **DROP_ALL},
                  "dozzle": {"user": 65534, "group": 65534, "read_only_root": True, "no_new_privileges": True,
                             **DROP_ALL}},
    ),
    "compose/swarmprom": Expect(
        names={"dockerd-exporter": (), "cadvisor": (), "grafana": (), "alertmanager": (), "unsee": (),
               "node-exporter": (), "prometheus": (), "caddy": (3000, 9090, 9093, 9094)},
        env={"grafana": {"GF_USERS_ALLOW_SIGN_UP": "false"},
             "alertmanager": {"SLACK_CHANNEL": "general", "SLACK_USER": "alertmanager"},
             "unsee": {"ALERTMANAGER_URIS": "default:http://alertmanager:9093"},
             "dockerd-exporter": {"DOCKER_GWBRIDGE_IP": "172.18.0.1"}},
        fields={"dockerd-exporter": PER_NODE, "cadvisor": PER_NODE, "node-exporter": PER_NODE,
                "grafana": {"mode": "replicated"}},
    ),
    "compose/temporal-mysql-es": Expect(
        names={"elasticsearch": (9200,), "mysql": (3306,), "temporal": (7233,), "temporal-admin-tools": (),
               "temporal-ui": (8080,)},
        env={"elasticsearch": {"discovery.type": "single-node", "xpack.security.enabled": "false",
                               "cluster.routing.allocation.disk.threshold_enabled": "true",
                               "cluster.routing.allocation.disk.watermark.low": "512mb",
                               "ES_JAVA_OPTS": "-Xms256m -Xmx256m"},
             "temporal": {"DB": "mysql8", "ES_SEEDS": "elasticsearch", "MYSQL_USER": "root", "ES_VERSION": "v7"}},
        fields={"elasticsearch": {"image": "elasticsearch:7.17.27"}, "mysql": {"image": "mysql:8"}},
    ),
    # -- Kubernetes -------------------------------------------------------------------------
    "kubernetes/argocd-sync-waves": Expect(
        names={"backend": (8080,), "frontend": (80,), "upgrade-sql-schema*": (), "maint-page-up": (),
               "maint-page-down": ()},
        k8s_services={"backend": (8080,), "frontend": (80,)},
    ),
    "kubernetes/elasticsearch-rc": Expect(
        names={"elasticsearch": (9200, 9300)},
        env={"elasticsearch|es": {"CLUSTER_NAME": "myesdb", "DISCOVERY_SERVICE": "elasticsearch", "NODE_MASTER": "true"}},
        security={"elasticsearch|es": {"add": {"IPC_LOCK"}}},
        k8s_services={"elasticsearch": (9200, 9300)},
    ),
    "kubernetes/emojivoto": Expect(
        names={"emoji-svc": (8080, 8801), "voting-svc": (8080, 8801), "web-svc": (80,), "vote-bot": ()},
        env={"web-svc|web": {"WEB_PORT": "8080", "EMOJISVC_HOST": "emoji-svc.emojivoto:8080",
                         "INDEX_BUNDLE": "dist/index_bundle.js"},
             "vote-bot": {"WEB_HOST": "web-svc.emojivoto:80"}},
        k8s_services={"emoji-svc": (8080, 8801), "voting-svc": (8080, 8801), "web-svc": (80,)},
    ),
    "kubernetes/newrelic-daemonset": Expect(
        names={"newrelic-agent": ()},
        env={"newrelic-agent": {"NRSYSMOND_logfile": "/var/log/nrsysmond.log"}},
        security={"newrelic-agent": {"privileged": True}},
        fields={"newrelic-agent": PER_NODE},
    ),
    "kubernetes/nodejs-mongodb": Expect(
        names={"web": (80,), "mongo": (27017,)},
        k8s_services={"web": (80,), "mongo": (27017,)},
    ),
    "kubernetes/podinfo-secure": Expect(
        names={"backend": (9898, 9999), "frontend": (80, 443)},
        env={"frontend": {"PODINFO_UI_COLOR": "#34577c"}},
        security={"frontend": {"drop": {"ALL"}, "add": {"NET_BIND_SERVICE"}}},
        k8s_services={"backend": (9898, 9999), "frontend": (80, 443)},
    ),
    "kubernetes/redis-sentinel": Expect(
        names={"redis-sentinel": (26379,), "redis": ()},
        k8s_services={"redis-sentinel": (26379,)},
    ),
    "kubernetes/spark": Expect(
        names={"spark-master": (7077, 8080), "spark-ui-proxy": (80,), "zeppelin": (80,),
               "spark-worker-controller": (8081,)},
        k8s_services={"spark-master": (7077, 8080), "spark-ui-proxy": (80,), "zeppelin": (80,)},
    ),
    "kubernetes/sysdig-daemonset": Expect(
        names={"sysdig-agent": ()},
        security={"sysdig-agent": {"privileged": True}},
        fields={"sysdig-agent": PER_NODE},
    ),
    # -- Nomad ------------------------------------------------------------------------------
    "nomad/csi-hostpath-plugin": Expect(
        names={},
        security={"*": {"privileged": True}},
        fields={"*": PER_NODE},
    ),
    "nomad/csi-nfs-web": Expect(
        names={"web": (80,)},
        security={"web": {"user": 1000, "group": 1000}},
    ),
    "nomad/drain-killtimeout": Expect(
        names={},
        fields={"*": {"stop_grace_period": 30, "image": "busybox:1"}},
    ),
    "nomad/nginx-vault-kv": Expect(
        names={"nginx": (8080, 443)},
        fields={"nginx": {"image": "nginx"}},
    ),
    "nomad/simpleweb-system": Expect(
        names={"simpleweb": (8080,)},
        fields={"simpleweb": {**PER_NODE, "image": "nginx:latest"}},
    ),
    "nomad/sockshop-ui-system": Expect(
        # Consul name front-end (port_map http = 8079 in the container, static 80 on the node).
        names={"front-end": (8079,)},
        fields={"front-end|frontend": {**PER_NODE, "hostname": "front-end.service.consul"}},
    ),
    "nomad/vault-secrets": Expect(
        names={},
        fields={"*": {"image": "busybox:1"}},
    ),
}
