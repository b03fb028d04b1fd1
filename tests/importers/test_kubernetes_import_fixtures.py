"""The Kubernetes fixtures (tests/fixtures/import/k8s-*/): realistic multi-service apps, each
imported, rendered for all three targets and passing each platform's own offline checks, with
what each must become checked against values read off its manifests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checkers import kubernetes
from crossdock.specs.loader import LoadedSpec
from crossdock.translators import base as translators
from crossdock.translators.importers.base import ImportResult, MemorySources, check_spec, write_spec
from crossdock.translators.importers.kubernetes import IMPORTER
from roundtrip import assert_passes_output_checks

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"
CASES = sorted(p.name for p in FIXTURES.glob("k8s-*") if p.is_dir())
# Secret values written into the fixtures: none may reach an imported spec or its loss report.
MARKERS = ["MARKER-voting-db-password-4711", "MARKER-shop-payment-key", "MARKER-literal-session-secret-99"]


def _import(case: str) -> tuple[ImportResult, str, LoadedSpec]:
    files = {str(p.relative_to(FIXTURES)): p.read_text() for p in (FIXTURES / case).rglob("*") if p.is_file()}
    result = IMPORTER.import_files([case], MemorySources(files), name=None, environ={})
    text = write_spec(result)
    return result, text, check_spec(text)


def _objects(case: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in sorted((FIXTURES / case).rglob("*")):
        if p.suffix in (".yaml", ".yml", ".json") and p.name != "kustomization.yaml":
            for doc in yaml.safe_load_all(p.read_text()):
                out += doc["items"] if doc.get("kind") == "List" else [doc]
    return out


def test_kubernetes_import_fixtures_are_there() -> None:
    assert CASES == ["k8s-shop-ingress", "k8s-stateful-web", "k8s-voting-app"]


@pytest.mark.parametrize("case", CASES)
def test_kubernetes_import_fixture_manifests_are_valid_kubernetes(case: str) -> None:
    """The inputs themselves pass the official OpenAPI schemas: they are manifests kubectl would apply."""
    assert kubernetes.validate(_objects(case)) == []


@pytest.mark.parametrize("case", CASES)
def test_kubernetes_import_fixture_renders_for_every_target(case: str) -> None:
    assert_passes_output_checks(_import(case)[2])


@pytest.mark.parametrize("case", CASES)
def test_kubernetes_import_fixture_never_copies_secret_values(case: str) -> None:
    result, text, _ = _import(case)
    report = "\n".join(str(loss) for loss in result.losses)
    for marker in MARKERS:
        for form in (marker, base64.b64encode(marker.encode()).decode()):
            assert form not in text and form not in report


def test_kubernetes_import_fixture_voting_app() -> None:
    result, text, spec = _import("k8s-voting-app")
    app = spec.app
    assert sorted(app.services) == ["db", "redis", "result", "vote", "worker"]
    vote, result_svc, db = app.services["vote"], app.services["result"], app.services["db"]
    # vote-service.yaml: NodePort, port 8080 -> targetPort 80, nodePort 31000
    assert [(p.port, p.target_port, p.publish, p.published_port) for p in vote.ports] == [(8080, 80, True, 31000)]
    assert [(p.port, p.target_port, p.publish, p.published_port) for p in result_svc.ports] == [
        (8081, 80, True, 31001)]
    assert vote.replicas == 2 and vote.env == {"OPTION_A": "Cats", "OPTION_B": "Dogs"}
    assert app.volumes["db-data"].size == "2Gi" and app.volumes["db-data"].storage_class == "standard"
    assert [(v.volume, v.path) for v in db.volumes] == [("db-data", "/var/lib/postgresql/data")]
    assert {(s.secret, s.env) for s in db.secrets} == {
        ("db-credentials-postgres-user", "POSTGRES_USER"), ("db-credentials-postgres-password", "POSTGRES_PASSWORD")}
    assert app.secrets["db-credentials-postgres-password"].from_env == "DB_CREDENTIALS_POSTGRES_PASSWORD"
    assert db.health is not None and db.health.readiness is not None
    assert db.health.readiness.exec == ["pg_isready", "-U", "postgres"]
    assert app.services["worker"].resources is not None
    assert app.services["worker"].resources.limits.memory == "256Mi"  # 0.25Gi
    assert "# value was in Secret/db-credentials stringData.POSTGRES_PASSWORD (k8s-voting-app/db-secret.yaml:10)" \
        in text
    report = [str(loss) for loss in result.losses]
    assert ("k8s-voting-app/db-deployment.yaml:13:5: Deployment/db: spec.strategy.type: changed: the spec has "
            "rolling updates only: Recreate becomes replacing every replica at once without surge") in report
    assert not any(r.startswith("k8s-voting-app/vote-service.yaml:11:5: Service/vote: spec.ports[0].port")
                   for r in report)  # kept as port 8080, target_port 80: nothing lost


def test_kubernetes_import_fixture_shop_with_ingress_hpa_cronjob() -> None:
    result, _, spec = _import("k8s-shop-ingress")
    app = spec.app
    assert sorted(app.services) == ["api", "frontend"]  # unlisted.yaml is not in the kustomization
    api, frontend = app.services["api"], app.services["frontend"]
    assert api.autoscale is not None and (api.autoscale.min, api.autoscale.max, api.autoscale.cpu_target) == (2, 8, 65)
    assert frontend.route is not None and (frontend.route.host, frontend.route.port) == ("shop.example.com", "http")
    assert api.route is not None and (api.route.host, api.route.path, api.route.port) == (
        "api.shop.example.com", "/v1", 9000)
    assert {f.path: f.content for f in frontend.files}["/usr/share/nginx/html/index.html"] == "<h1>Storefront</h1>\n"
    assert api.env == {"LOG_LEVEL": "info", "CURRENCY": "EUR"}
    assert api.args == ["--listen", ":9000", "--price-format", "$%.2f"]  # $$ as the kubelet reads it
    assert [(s.secret, s.env) for s in api.secrets] == [("api-payment", "PAYMENT_KEY")]
    cron = app.cron_jobs["cleanup-carts"]
    assert (cron.schedule, cron.timezone, cron.concurrency, cron.retries, cron.deadline, cron.restart) == (
        "15 3 * * *", "Europe/Berlin", "forbid", 2, "30m", "on-failure")
    job = app.jobs["reindex-search"]
    assert (job.completions, job.parallelism, job.retries) == (4, 2, 1)
    assert api.extension("kubernetes") is not None
    assert api.extension("kubernetes")["spec"]["template"]["spec"]["serviceAccountName"] == "storefront-api"
    assert app.extension("kubernetes") is not None
    assert app.extension("kubernetes")["resources"] == [{"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "storefront-api"}}]
    # The Ingress's class and annotation are kept for both Ingresses crossdock renders from it.
    ingress_patch = {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
                     "spec": {"ingressClassName": "nginx"}}
    assert app.extension("kubernetes")["patches"] == [{"kind": "Ingress", "name": "api", "patch": ingress_patch},
                                           {"kind": "Ingress", "name": "frontend", "patch": ingress_patch}]
    rendered = translators.get("kubernetes").translate(spec)
    docs = [d for t in rendered.files.values() for d in yaml.safe_load_all(t) if d]
    assert {d["metadata"]["name"]: d["spec"]["ingressClassName"] for d in docs if d["kind"] == "Ingress"} == {
        "api": "nginx", "frontend": "nginx"}
    assert not [w for w in rendered.warnings if w.feature == "extensions"]
    report = "\n".join(str(loss) for loss in result.losses)
    assert "unlisted.yaml" not in " ".join(result.sources)
    assert "ingress.yaml:9:3: Ingress/storefront: spec.ingressClassName: changed: kept for Kubernetes only, in " \
           "x-kubernetes.patches" in report
    assert "the namespace 'storefront'" in report and "commonLabels: not applied" in report


def test_kubernetes_import_fixture_stateful_web() -> None:
    result, _, spec = _import("k8s-stateful-web")
    app = spec.app
    pg, web = app.services["postgres"], app.services["web"]
    assert app.volumes["pgdata"].per_replica and app.volumes["pgdata"].size == "20Gi"
    assert pg.replicas == 3 and [(v.volume, v.path) for v in pg.volumes][0] == ("pgdata", "/var/lib/postgresql/data")
    assert pg.health is not None and pg.health.startup is not None and pg.health.startup.retries == 30
    assert app.secrets["postgres-superuser-password"].external
    assert app.secrets["session-secret"].from_env == "SESSION_SECRET"
    assert {f.path: (f.content, f.mode) for f in web.files}["/etc/web/logging.json"] == (
        '{"level": "info", "format": "json"}', 0o440)
    assert web.env["GREETING"] == "Price: $5 for $(TIER) tier"  # TIER is defined after it: not expanded
    assert web.placement is not None and web.placement.constraints == {"node.example.com/pool": "web"}
    assert web.placement.spread == ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]
    assert [s.name for s in web.init] == ["wait-for-db"] and [s.name for s in web.sidecars] == ["log-shipper"]
    # The LoadBalancer Service web: port 80 -> targetPort http (containerPort 8000)
    assert [(p.name, p.port, p.target_port, p.publish, p.published_port) for p in web.ports] == [
        ("http", 80, 8000, True, 80), ("metrics", 9102, None, False, None)]
    assert (web.update.surge, web.update.parallelism, web.update.min_ready) == (1, 1, "5s")
    report = "\n".join(str(loss) for loss in result.losses)
    assert "emptyDir.medium: changed: the spec's scratch space is on disk" in report
    assert "maxSurge: changed: a percentage of the replicas: imported as 1 for 4 replica(s)" in report


def test_kubernetes_import_fixture_json_output_is_stable() -> None:
    """Same input, same spec: the importer is deterministic."""
    assert _import("k8s-shop-ingress")[1] == _import("k8s-shop-ingress")[1]
    assert json.dumps(_import("k8s-voting-app")[0].doc) == json.dumps(_import("k8s-voting-app")[0].doc)
