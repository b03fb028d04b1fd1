"""translators/importers/kubernetes*.py: Kubernetes objects -> spec fields, one feature at a time.

Each test writes a few manifests by hand, imports them in memory, loads the written spec back
(``check_spec``) and checks the loaded model against values read off the manifests.
"""

from __future__ import annotations

import textwrap

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


def test_kubernetes_import_daemon_set_is_a_per_node_service() -> None:
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
    # A DaemonSet runs one pod on every (matching) node: the spec's per_node mode, no replica count.
    assert app.services["node-exporter"].mode == "per_node"
    assert app.services["node-exporter"].replicas is None
    report = "\n".join(losses(result))
    assert "DaemonSet runs" not in report and ": kind:" not in report
    # hostNetwork is not modelled: kept for Kubernetes in x-kubernetes, and reported with its place.
    assert app.services["node-exporter"].extension("kubernetes") == {"spec": {"template": {"spec": {"hostNetwork": True}}}}
    assert "ds.yaml:9:7: DaemonSet/node-exporter: spec.template.spec.hostNetwork: changed: kept for " in report


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
    # (the image keeps a valid repository name: only the workload's name is at stake here)
    result, app = run({"d.yaml": deployment("9-Web.Server").replace("example/9-Web.Server", "example/web")})
    assert list(app.services) == ["x-9-web-server"]
    assert any("renamed 'x-9-web-server'" in m for m in losses(result))


@pytest.mark.parametrize("image, policy, kept", [
    ("nginx:1.27", "IfNotPresent", False), ("nginx", "Always", False), ("nginx:latest", "Always", False),
    ("registry:5000/app", "Always", False), ("nginx@sha256:" + "a" * 64, "IfNotPresent", False),
    ("nginx:1.27", "Always", True), ("nginx", "Never", True),
])
def test_kubernetes_import_pull_policy_kept_only_when_not_the_default(image: str, policy: str, kept: bool) -> None:
    _, app = run({"d.yaml": deployment(container=f"imagePullPolicy: {policy}\n").replace(
        "image: example/web:1.0", f"image: {image!r}".replace("'", '"'))})
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "imagePullPolicy": policy}]}}}}
    assert app.services["web"].extension("kubernetes") == (patch if kept else None)


def test_kubernetes_import_patches_name_containers_as_rendered() -> None:
    """An init container named like the workload is renamed, and so is its x-kubernetes patch."""
    result, app = run({"d.yaml": deployment(container="tty: true\n", pod="""\
        initContainers:
          - {name: web, image: busybox:1.36, stdin: true}
        """)})
    web = app.services["web"]
    assert [s.name for s in web.init] == ["web-2"]
    assert web.extension("kubernetes") == {"spec": {"template": {"spec": {
        "containers": [{"name": "web", "tty": True}],
        "initContainers": [{"name": "web-2", "stdin": True}]}}}}
    assert any("a second container named 'web': renamed 'web-2'" in str(loss) for loss in result.losses)
