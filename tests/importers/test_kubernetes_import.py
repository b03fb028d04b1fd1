"""translators/importers/kubernetes*.py: Kubernetes objects -> spec fields, one feature at a time.

Each test writes a few manifests by hand, imports them in memory, loads the written spec back
(``check_spec``) and checks the loaded model against values read off the manifests.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from crossdock.specs.model import App
from crossdock.translators.importers.base import ImportResult, MemorySources, check_spec, write_spec
from crossdock.translators.importers.kubernetes import IMPORTER
from checkers.kube_expand import kube_expand


def run(files: dict[str, str], paths: list[str] | None = None, name: str | None = "app") -> tuple[ImportResult, App]:
    texts = {k: textwrap.dedent(v) for k, v in files.items()}
    result = IMPORTER.import_files(paths or sorted(texts), MemorySources(texts), name=name, environ={})
    return result, check_spec(write_spec(result)).app


def deployment(name: str = "web", container: str = "", pod: str = "", spec: str = "", labels: str = "") -> str:
    """A Deployment whose main container is extended by ``container``, its pod by ``pod``, its spec by ``spec``."""
    def block(text: str, pad: int) -> str:
        return textwrap.indent(textwrap.dedent(text), " " * pad)
    return (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata:\n  name: {name}\n  labels: {{app: {name}{labels}}}\n"
        f"spec:\n  selector:\n    matchLabels: {{app: {name}}}\n" + block(spec, 2)
        + f"  template:\n    metadata:\n      labels: {{app: {name}{labels}}}\n    spec:\n" + block(pod, 6)
        + f"      containers:\n        - name: {name}\n          image: example/{name}:1.0\n" + block(container, 10))


def losses(result: ImportResult) -> list[str]:
    return [str(loss) for loss in result.losses]


def test_kubernetes_import_deployment_fields() -> None:
    _, app = run({"d.yaml": deployment(spec="""\
        replicas: 3
        minReadySeconds: 10
        progressDeadlineSeconds: 120
        strategy:
          rollingUpdate: {maxSurge: 0, maxUnavailable: 2}
        """, container="""\
        command: [/bin/server]
        args: [--port, "8080"]
        env:
          - {name: MODE, value: production}
        resources:
          requests: {cpu: "0.25", memory: 1.5Gi}
          limits: {cpu: 500m, memory: 2G}
        """)})
    web = app.services["web"]
    assert web.image == "example/web:1.0"
    assert web.command == ["/bin/server"] and web.args == ["--port", "8080"]
    assert web.env == {"MODE": "production"}
    assert web.replicas == 3
    assert (web.update.surge, web.update.parallelism) == (0, 2)
    assert (web.update.min_ready, web.update.deadline) == ("10s", "2m")
    assert web.resources is not None
    assert (web.resources.requests.cpu, web.resources.requests.memory) == ("0.25", "1536Mi")
    assert (web.resources.limits.cpu, web.resources.limits.memory) == ("500m", "2G")
    assert web.labels == {"app": "web"} and app.metadata.labels == {}


def test_kubernetes_import_uses_kubernetes_defaults() -> None:
    """Absent fields mean Kubernetes' defaults, which are not always the spec's."""
    _, app = run({"d.yaml": deployment(spec="replicas: 4\n"), "j.yaml": """\
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly}
        spec:
          schedule: "0 1 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: nightly, image: example/job:1}]
        """})
    web = app.services["web"]
    # maxSurge/maxUnavailable 25% of 4 replicas: 1 and 1; progressDeadlineSeconds 600.
    assert (web.update.surge, web.update.parallelism, web.update.deadline) == (1, 2, "10m")
    cron = app.cron_jobs["nightly"]
    assert cron.retries == 6  # backoffLimit's default
    assert cron.concurrency == "allow"  # concurrencyPolicy's default


@pytest.mark.parametrize("value", [
    "plain", "costs $$5", "$(HOME) stays", "$(MODE) is set", "$$(MODE) escaped", "${NOT_A_VAR}", "50%", "a$b$",
])
def test_kubernetes_import_env_means_what_the_container_saw(value: str) -> None:
    """$$ and $(VAR) as the kubelet reads them; the spec's own $ escaping on top."""
    manifest = deployment(container=f"""\
        env:
          - {{name: MODE, value: fast}}
          - {{name: VALUE, value: {value!r}}}
        """.replace("'", '"'))
    result, app = run({"d.yaml": manifest})
    expected = kube_expand(value, {"MODE": "fast"})
    assert app.services["web"].env["VALUE"] == expected
    assert not [loss for loss in result.losses if "VALUE" in loss.path or "env[1]" in loss.path]


def test_kubernetes_import_reference_to_a_secret_env_is_kept_and_reported() -> None:
    result, app = run({"d.yaml": deployment(container="""\
        env:
          - name: PASSWORD_FROM
            valueFrom: {secretKeyRef: {name: db, key: value}}
          - {name: URL, value: "postgres://u:$(PASSWORD_FROM)@db"}
        """)})
    assert app.services["web"].env["URL"] == "postgres://u:$(PASSWORD_FROM)@db"
    assert any("$(PASSWORD_FROM)" in m and "kept as text" in m for m in losses(result))


def test_kubernetes_import_service_matched_by_selector() -> None:
    _, app = run({"d.yaml": deployment(container="""\
        ports:
          - {name: http, containerPort: 8080}
        """), "s.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports:
            - {name: http, port: 8080, targetPort: http}
            - {name: metrics, port: 9100, targetPort: 9100}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-public}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports:
            - {name: http, port: 80, targetPort: http}
        """})
    ports = {p.name: p for p in app.services["web"].ports}
    assert set(ports) == {"http", "metrics"}
    assert ports["http"].port == 8080 and ports["http"].publish and ports["http"].published_port == 80
    assert ports["metrics"].port == 9100 and not ports["metrics"].publish


def test_kubernetes_import_nodeport_and_unmatched_service() -> None:
    result, app = run({"d.yaml": deployment(container="ports: [{containerPort: 80}]\n"), "s.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{port: 8080, targetPort: 80, nodePort: 30080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ghost}
        spec:
          selector: {app: nothing-has-this}
          ports: [{port: 1}]
        """})
    [port] = app.services["web"].ports
    assert (port.port, port.publish, port.published_port) == (80, True, 30080)
    text = "\n".join(losses(result))
    assert "Service/ghost: spec.selector: selects no workload" in text
    assert "s.yaml:" in text and "inside the cluster the Service listens on 8080" in text


def test_kubernetes_import_config_map_files_and_env() -> None:
    _, app = run({"cm.yaml": """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: conf}
        data:
          app.conf: "a = 1\\n"
          extra.txt: hello
          LEVEL: debug
        """, "d.yaml": deployment(container="""\
        env:
          - name: LOG
            valueFrom: {configMapKeyRef: {name: conf, key: LEVEL}}
        envFrom:
          - {configMapRef: {name: conf}, prefix: CFG_}
        volumeMounts:
          - {name: one, mountPath: /etc/app/app.conf, subPath: app.conf}
          - {name: all, mountPath: /etc/all}
        """, pod="""\
        volumes:
          - name: one
            configMap: {name: conf}
          - name: all
            configMap:
              name: conf
              defaultMode: 0400
              items: [{key: extra.txt, path: sub/extra.txt}]
        """)})
    web = app.services["web"]
    assert web.env["LOG"] == "debug" and web.env["CFG_LEVEL"] == "debug"
    files = {f.path: f for f in web.files}
    assert files["/etc/app/app.conf"].content == "a = 1\n" and files["/etc/app/app.conf"].mode is None
    assert files["/etc/all/sub/extra.txt"].content == "hello" and files["/etc/all/sub/extra.txt"].mode == 0o400


def test_kubernetes_import_secrets_are_references_never_values() -> None:
    marker = "MARKER-unit-secret-5150"
    import base64
    encoded = base64.b64encode(marker.encode()).decode()
    result, app = run({"sec.yaml": f"""\
        apiVersion: v1
        kind: Secret
        metadata: {{name: creds}}
        data:
          username: {base64.b64encode(b"admin").decode()}
          password: {encoded}
        stringData:
          token: {marker}
        """, "d.yaml": deployment(container="""\
        env:
          - name: DB_PASSWORD
            valueFrom: {secretKeyRef: {name: creds, key: password}}
          - {name: API_TOKEN, value: MARKER-unit-secret-5150}
        volumeMounts:
          - {name: creds, mountPath: /run/creds, readOnly: true}
          - {name: tls, mountPath: /etc/tls/tls.crt, subPath: tls.crt}
        """, pod="""\
        volumes:
          - {name: creds, secret: {secretName: creds, items: [{key: token, path: token, mode: 0400}]}}
          - {name: tls, secret: {secretName: platform-tls}}
        """)})
    text = write_spec(result)
    report = "\n".join(losses(result))
    assert marker not in text and encoded not in text and marker not in report and encoded not in report
    assert {n: s.from_env for n, s in app.secrets.items() if s.from_env} == {
        "creds-username": "CREDS_USERNAME", "creds-password": "CREDS_PASSWORD", "creds-token": "CREDS_TOKEN",
        "api-token": "API_TOKEN"}
    assert app.secrets["platform-tls-tls-crt"].external
    mounts = {(s.secret, s.env, s.path, s.mode) for s in app.services["web"].secrets}
    assert mounts == {("creds-password", "DB_PASSWORD", None, None), ("api-token", "API_TOKEN", None, None),
                      ("creds-token", None, "/run/creds/token", 0o400),
                      ("platform-tls-tls-crt", None, "/etc/tls/tls.crt", None)}
    assert "sec.yaml:6:3: Secret/creds: data.password: changed: the value is not copied" in report
    assert "API_TOKEN" in report and "secret-looking name" in report


def test_kubernetes_import_claims_and_claim_templates() -> None:
    sts = """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          serviceName: db
          replicas: 2
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers:
                - name: db
                  image: postgres:16
                  volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
          volumeClaimTemplates:
            - metadata: {name: data}
              spec:
                accessModes: [ReadWriteOnce]
                storageClassName: ssd
                resources: {requests: {storage: 8Gi}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: uploads}
        spec:
          accessModes: [ReadWriteMany]
          resources: {requests: {storage: 3Gi}}
        """
    _, app = run({"s.yaml": sts, "d.yaml": deployment(container="""\
        volumeMounts:
          - {name: up, mountPath: /srv/uploads, readOnly: true}
          - {name: scratch, mountPath: /tmp}
        """, pod="""\
        volumes:
          - {name: up, persistentVolumeClaim: {claimName: uploads}}
          - {name: scratch, emptyDir: {sizeLimit: 64Mi}}
        """)})
    assert app.volumes["data"].per_replica and app.volumes["data"].size == "8Gi"
    assert app.volumes["data"].storage_class == "ssd"
    assert app.volumes["uploads"].size == "3Gi" and not app.volumes["uploads"].per_replica
    assert [(v.volume, v.path) for v in app.services["db"].volumes] == [("data", "/var/lib/postgresql/data")]
    web = app.services["web"].volumes
    assert [(v.volume, v.path, v.read_only, v.scratch, v.size) for v in web] == [
        ("uploads", "/srv/uploads", True, False, None), (None, "/tmp", False, True, "64Mi")]


def test_kubernetes_import_ingress_and_hpa() -> None:
    result, app = run({"d.yaml": deployment(spec="replicas: 2\n", container="ports: [{name: http, containerPort: 3000}]\n"),
                       "n.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{name: web, port: 80, targetPort: http}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          rules:
            - host: www.example.org
              http:
                paths:
                  - {path: /app, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 2
          maxReplicas: 6
          metrics:
            - type: Resource
              resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
        """})
    web = app.services["web"]
    assert web.route is not None and (web.route.host, web.route.path, web.route.port) == ("www.example.org", "/app", "http")
    assert web.autoscale is not None and (web.autoscale.min, web.autoscale.max, web.autoscale.cpu_target) == (2, 6, 70)
    assert web.replicas is None
    assert any("HorizontalPodAutoscaler sets the replica count" in m for m in losses(result))


def test_kubernetes_import_jobs_and_cron_jobs() -> None:
    _, app = run({"j.yaml": """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate}
        spec:
          backoffLimit: 3
          activeDeadlineSeconds: 5400
          completions: 5
          parallelism: 2
          template:
            spec:
              restartPolicy: OnFailure
              containers: [{name: migrate, image: example/migrate:1}]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: report}
        spec:
          schedule: "*/10 * * * *"
          timeZone: Asia/Tokyo
          concurrencyPolicy: Replace
          suspend: true
          jobTemplate:
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: report, image: example/report:1}]
        """})
    job = app.jobs["migrate"]
    assert (job.retries, job.deadline, job.completions, job.parallelism, job.restart) == (3, "1h30m", 5, 2, "on-failure")
    cron = app.cron_jobs["report"]
    assert (cron.schedule, cron.timezone, cron.concurrency, cron.suspend, cron.retries) == (
        "*/10 * * * *", "Asia/Tokyo", "replace", True, 0)


def test_kubernetes_import_probes_init_sidecars_placement() -> None:
    _, app = run({"d.yaml": deployment(container="""\
        ports: [{name: http, containerPort: 8080}]
        livenessProbe:
          httpGet: {path: /healthz, port: http}
          periodSeconds: 20
          timeoutSeconds: 3
          failureThreshold: 4
          initialDelaySeconds: 90
        readinessProbe:
          tcpSocket: {port: 8080}
        startupProbe:
          exec: {command: [cat, /tmp/ok]}
        """, pod="""\
        nodeSelector: {disk: ssd}
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
                - matchExpressions: [{key: zone, operator: In, values: [a]}]
        topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
             labelSelector: {matchLabels: {app: web}}}
        initContainers:
          - {name: Migrate_DB, image: example/tools:1, args: [migrate]}
        """) + textwrap.indent(textwrap.dedent("""\
        - name: proxy
          image: envoyproxy/envoy:v1.31
          env: [{name: UPSTREAM, value: "127.0.0.1:8080"}]
        """), " " * 8)})
    web = app.services["web"]
    assert web.health is not None and web.health.liveness is not None
    live = web.health.liveness
    assert live.http is not None and (live.http.path, live.http.port) == ("/healthz", "http")
    assert (live.interval, live.timeout, live.retries, live.start_period) == ("20s", "3s", 4, "1m30s")
    assert web.health.readiness is not None and web.health.readiness.tcp is not None
    assert web.health.readiness.tcp.port == 8080
    assert web.health.startup is not None and web.health.startup.exec == ["cat", "/tmp/ok"]
    assert web.placement is not None
    assert web.placement.constraints == {"disk": "ssd", "zone": "a"}
    assert web.placement.spread == ["kubernetes.io/hostname"]
    assert [(s.name, s.args) for s in web.init] == [("migrate-db", ["migrate"])]
    assert [(s.name, s.image, s.env) for s in web.sidecars] == [
        ("proxy", "envoyproxy/envoy:v1.31", {"UPSTREAM": "127.0.0.1:8080"})]


def test_kubernetes_import_daemon_set_is_a_service_with_a_loss() -> None:
    result, app = run({"ds.yaml": """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: node-exporter}
        spec:
          selector: {matchLabels: {app: ne}}
          template:
            metadata: {labels: {app: ne}}
            spec:
              hostNetwork: true
              containers: [{name: node-exporter, image: prom/node-exporter:v1.8.2}]
        """})
    assert app.services["node-exporter"].image == "prom/node-exporter:v1.8.2"
    report = "\n".join(losses(result))
    assert "ds.yaml:2:1: DaemonSet/node-exporter: kind: changed: a DaemonSet runs one pod on every node" in report
    # hostNetwork is not modelled: kept for Kubernetes in x-kubernetes, and reported with its place.
    assert app.services["node-exporter"].x_kubernetes == {"spec": {"template": {"spec": {"hostNetwork": True}}}}
    assert "ds.yaml:9:7: DaemonSet/node-exporter: spec.template.spec.hostNetwork: changed: kept for " in report


def test_kubernetes_import_unknown_kind_is_kept_and_reported() -> None:
    result, app = run({"x.yaml": """\
        apiVersion: example.com/v1alpha1
        kind: Widget
        metadata: {name: w1, namespace: prod, uid: 1234}
        spec: {size: 3}
        status: {ready: true}
        """, "d.yaml": deployment()})
    assert app.x_kubernetes == {"resources": [{"apiVersion": "example.com/v1alpha1", "kind": "Widget",
                                               "metadata": {"name": "w1"}, "spec": {"size": 3}}]}
    report = "\n".join(losses(result))
    assert "x.yaml:1:1: Widget/w1: changed: the spec has no Widget" in report
    assert "the namespace 'prod'" in report


def test_kubernetes_import_ignores_crossdock_ownership_labels() -> None:
    labels = ', "app.kubernetes.io/managed-by": crossdock, "app.kubernetes.io/part-of": shop, tier: web'
    result, app = run({"d.yaml": deployment(labels=labels)}, name=None)
    assert app.name == "shop"  # from part-of
    assert app.services["web"].labels == {"app": "web", "tier": "web"}
    text = write_spec(result)
    assert "managed-by" not in text and "part-of" not in text


def test_kubernetes_import_list_multi_document_folders_and_kustomization() -> None:
    files = {
        "k/kustomization.yaml": "resources: [a.yaml, sub]\nnamePrefix: x-\n",
        "k/a.yaml": "apiVersion: v1\nkind: List\nitems:\n  - " + textwrap.indent(deployment("one"), "    ").lstrip(),
        "k/sub/deep/b.yml": deployment("two") + "---\n" + deployment("three"),
        "k/sub/c.json": '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "four"}, "spec": '
                        '{"selector": {"matchLabels": {"app": "four"}}, "template": {"metadata": {"labels": '
                        '{"app": "four"}}, "spec": {"containers": [{"name": "four", "image": "x/four:1"}]}}}}',
        "k/ignored.yaml": deployment("not-listed"),
        "k/sub/notes.txt": "not a manifest",
    }
    result, app = run(files, paths=["k"])
    assert sorted(app.services) == ["four", "one", "three", "two"]
    assert result.sources == ["k/a.yaml", "k/sub/c.json", "k/sub/deep/b.yml"]
    assert "k/kustomization.yaml:2:1: kustomization.yaml: namePrefix: not applied: crossdock reads the kustomization's resources only; render the kustomization first (kubectl kustomize) to import its result" in losses(result)


def test_kubernetes_import_claims_manifests_only() -> None:
    assert IMPORTER.claims("a.yaml", deployment())
    assert IMPORTER.claims("a.json", '{"apiVersion": "v1", "kind": "Service"}')
    assert not IMPORTER.claims("app.yaml", "apiVersion: crossdock/v1\nkind: App\n")
    assert not IMPORTER.claims("compose.yml", "services:\n  web:\n    image: nginx\n")


def test_kubernetes_import_renames_invalid_workload_names() -> None:
    result, app = run({"d.yaml": deployment("9-Web.Server")})
    assert list(app.services) == ["x-9-web-server"]
    assert any("renamed 'x-9-web-server'" in m for m in losses(result))


def _spec_paths(result: ImportResult) -> set[str]:
    return {loss.spec_path for loss in result.losses}


def _dump(app: App) -> dict[str, Any]:
    return app.model_dump(mode="json")


def test_kubernetes_import_service_fields_become_patches_of_the_rendered_service() -> None:
    result, app = run({"d.yaml": deployment(container="ports: [{name: http, containerPort: 8080}]\n"), "s.yaml": """\
        apiVersion: v1
        kind: Service
        metadata:
          name: web-lb
          annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}
        spec:
          type: LoadBalancer
          externalTrafficPolicy: Local
          selector: {app: web}
          ports: [{name: http, port: 443, targetPort: http}]
        """})
    assert app.x_kubernetes == {"patches": [{"kind": "Service", "name": "web-public", "patch": {
        "metadata": {"annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}},
        "spec": {"externalTrafficPolicy": "Local"}}}]}
    report = losses(result)
    assert "s.yaml:8:3: Service/web-lb: spec.externalTrafficPolicy: changed: kept for Kubernetes only, in " \
           "x-kubernetes.patches: the spec has no such field" in report
    assert "s.yaml:4:3: Service/web-lb: metadata.name: changed: crossdock renders the published ports of 'web' " \
           "as the Service 'web-public'; inside the cluster the workload answers as 'web', not 'web-lb'" in report


def test_kubernetes_import_lists_crossdock_never_renders_are_kept_whole() -> None:
    """envFrom of a Secret the manifests do not hold, tolerations: kept as lists in x-kubernetes."""
    result, app = run({"d.yaml": deployment(container="""\
        envFrom:
          - secretRef: {name: platform-env}
          - configMapRef: {name: platform-config}
        """, pod="""\
        tolerations:
          - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
        """), "c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: platform-config}\ndata: {REGION: eu}\n"})
    assert app.services["web"].env == {"REGION": "eu"}  # the ConfigMap is in the manifests: carried
    assert app.services["web"].x_kubernetes == {"spec": {"template": {"spec": {
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
        "containers": [{"name": "web", "envFrom": [{"secretRef": {"name": "platform-env"}}]}]}}}}
    kept = sorted(loss.path for loss in result.losses if "kept for Kubernetes only" in loss.message)
    assert kept == ["Deployment/web: spec.template.spec.containers[0].envFrom[0]",
                    "Deployment/web: spec.template.spec.tolerations"]


@pytest.mark.parametrize("image, policy, kept", [
    ("nginx:1.27", "IfNotPresent", False), ("nginx", "Always", False), ("nginx:latest", "Always", False),
    ("registry:5000/app", "Always", False), ("nginx@sha256:" + "a" * 64, "IfNotPresent", False),
    ("nginx:1.27", "Always", True), ("nginx", "Never", True),
])
def test_kubernetes_import_pull_policy_kept_only_when_not_the_default(image: str, policy: str, kept: bool) -> None:
    _, app = run({"d.yaml": deployment(container=f"imagePullPolicy: {policy}\n").replace(
        "image: example/web:1.0", f"image: {image!r}".replace("'", '"'))})
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "imagePullPolicy": policy}]}}}}
    assert app.services["web"].x_kubernetes == (patch if kept else None)
