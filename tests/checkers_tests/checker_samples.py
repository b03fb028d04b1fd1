"""Hand-written samples for the checkers' own tests.

The valid ones follow the platforms' documentation: the Kubernetes API reference (and the
concept pages' examples), the compose file v3 reference as read by ``docker stack``, and
Nomad's "JSON Job Specification" page (the API form ``nomad job run -output`` prints:
PascalCase fields, durations as integer nanoseconds).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

_K8S_YAML = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app.kubernetes.io/name: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app.kubernetes.io/name: web}}
    spec:
      initContainers:
        - {name: migrate, image: "local/web:1.0", command: [sh, -c, "echo migrate"]}
      containers:
        - name: web
          image: local/web:1.0
          ports: [{name: http, containerPort: 8080, protocol: TCP}]
          env: [{name: MODE, value: "on"}]
          envFrom: [{secretRef: {name: web-secrets}}]
          resources:
            requests: {cpu: 250m, memory: 128Mi}
            limits: {cpu: "1", memory: 512Mi}
          livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3}
          readinessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 5}
          startupProbe: {exec: {command: [cat, /tmp/ready]}, failureThreshold: 30}
          volumeMounts: [{name: config, mountPath: /etc/web, readOnly: true}]
      volumes:
        - {name: config, configMap: {name: web-config, defaultMode: 0440}}
      nodeSelector: {disktype: ssd}
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
           labelSelector: {matchLabels: {app.kubernetes.io/name: web}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app.kubernetes.io/name: web}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "local/tool:1.0", args: [--all]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: nightly, image: "local/tool:1.0"}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: example.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {app.conf: "listen 8080\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: web-secrets}
type: Opaque
stringData: {API_KEY: "s3cr3t"}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "local/db:1.0", volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""


def k8s_valid() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(_K8S_YAML) if d]


def k8s_doc(kind: str) -> dict[str, Any]:
    return next(d for d in k8s_valid() if d["kind"] == kind)


STACK_VALID = """\
version: "3.8"
services:
  web:
    image: local/web:1.0
    command: ["sh", "-c", "echo $$HOME"]
    environment:
      MODE: "on"
      PRICE: "$$5"
    ports:
      - {target: 8080, published: 8080, protocol: tcp, mode: host}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/healthz"]
      interval: 10s
      timeout: 2s
      retries: 3
      start_period: 5s
    configs:
      - {source: web_config, target: /etc/web/app.conf, mode: 0440}
    secrets:
      - {source: api_key, target: api_key}
    volumes:
      - {type: volume, source: data, target: /data}
      - {type: tmpfs, target: /scratch}
    networks: [backend]
    labels: {app.kubernetes.io/managed-by: crossdock}
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.50", memory: 512M}
        reservations: {cpus: "0.25", memory: 128M}
      update_config: {parallelism: 1, delay: 10s, order: start-first, failure_action: rollback}
      rollback_config: {parallelism: 1}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}
      placement:
        constraints: ["node.labels.disktype == ssd"]
        preferences: [{spread: node.labels.zone}]
      labels: {app.kubernetes.io/name: web}
  migrate:
    image: local/tool:1.0
    deploy:
      mode: replicated-job
      replicas: 1
configs:
  web_config: {file: ./app.conf}
secrets:
  api_key: {external: true}
volumes:
  data: {}
networks:
  backend: {driver: overlay}
"""

# Values that YAML 1.1, compose interpolation or Go's YAML encoder could change.
HOSTILE_STRINGS = [
    "0755", "1e3", "~", "null", "0x1F", "1_000", "+1", ".inf", "2001-12-14", "=", "<<",
    "on", "Off", "y", "N", "Yes", "NO", "0o17", "1:20", "190:20:30", "-", "- a", "a: b",
    "#x", "'q'", '"d"', "\t tab", "trail ", "ünï", "{{ x }}", "%{ y }", "${Z}", "$Z", "$",
    "line1\nline2", "", "0b101", "1.0", "-.5", "!tag", "*a", "&b", "@x", "`x",
]


def _job(**group_extra: Any) -> dict[str, Any]:
    group: dict[str, Any] = {
        "Name": "web",
        "Count": 2,
        "Constraints": [{"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="}],
        "Networks": [{"Mode": "bridge", "DynamicPorts": [{"Label": "http", "To": 8080}]}],
        "Services": [{
            "Name": "web", "PortLabel": "http", "Provider": "nomad", "Tags": ["web"],
            "Checks": [{"Name": "alive", "Type": "http", "Path": "/healthz",
                        "Interval": 10_000_000_000, "Timeout": 2_000_000_000}],
        }],
        "RestartPolicy": {"Attempts": 2, "Interval": 1_800_000_000_000,
                          "Delay": 15_000_000_000, "Mode": "fail"},
        "Volumes": {"data": {"Name": "data", "Type": "host", "Source": "web-data"}},
        "Tasks": [
            {"Name": "migrate", "Driver": "docker", "Lifecycle": {"Hook": "prestart", "Sidecar": False},
             "Config": {"image": "local/web:1.0", "command": "sh", "args": ["-c", "echo migrate"]}},
            {"Name": "web", "Driver": "docker",
             "Config": {"image": "local/web:1.0", "ports": ["http"]},
             "Env": {"MODE": "on"},
             "Templates": [{"EmbeddedTmpl": "listen 8080\n", "DestPath": "local/app.conf",
                            "ChangeMode": "restart", "Perms": "0440"}],
             "VolumeMounts": [{"Volume": "data", "Destination": "/data", "ReadOnly": False}],
             "Resources": {"CPU": 250, "MemoryMB": 256}},
        ],
    }
    group.update(group_extra)
    return {
        "ID": "web", "Name": "web", "Type": "service", "Datacenters": ["dc1"],
        "Update": {"MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": 10_000_000_000,
                   "HealthyDeadline": 300_000_000_000, "ProgressDeadline": 600_000_000_000,
                   "AutoRevert": True},
        "Spreads": [{"Attribute": "${node.datacenter}", "Weight": 50}],
        "TaskGroups": [group],
    }


def nomad_service_job() -> dict[str, Any]:
    """A service job as the register API takes it."""
    return {"Job": _job()}


def nomad_periodic_job() -> dict[str, Any]:
    """A bare periodic batch job (the form `nomad job inspect` prints under "Job")."""
    return {
        "ID": "nightly", "Name": "nightly", "Type": "batch", "Datacenters": ["dc1"],
        "Periodic": {"Enabled": True, "Spec": "0 3 * * *", "SpecType": "cron",
                     "ProhibitOverlap": True, "TimeZone": "UTC"},
        "TaskGroups": [{"Name": "nightly", "Count": 1, "Tasks": [
            {"Name": "nightly", "Driver": "docker", "Config": {"image": "local/tool:1.0"},
             "KillTimeout": 5_000_000_000}]}],
    }


def dumps(job: dict[str, Any]) -> str:
    return json.dumps(job, ensure_ascii=False)
