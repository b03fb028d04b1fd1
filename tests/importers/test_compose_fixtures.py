"""Real-world compose projects (tests/fixtures/import/compose-*): each imports into a spec that
loads, renders for all three targets and passes the core's offline output checks, and carries
what its file says (expected values below are read off the fixture files, not off the output)."""

from __future__ import annotations

from pathlib import Path
import pytest

from crossdock.specs.loader import LoadedSpec
from crossdock.translators.importers import base
from roundtrip import assert_passes_output_checks

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"
# fixture -> the files given to the importer, as `crossdock import` would be given them
CASES: dict[str, list[str]] = {
    "compose-voting-app": ["docker-compose.yml"],
    "compose-wordpress": ["compose.yaml"],
    "compose-shop": ["docker-compose.yml"],
    "compose-monitoring": ["docker-compose.yml"],
    "compose-healthchecks": ["compose.yaml"],
    "compose-multi-file": ["compose.yaml", "compose.prod.yaml"],
}


def _import(name: str) -> tuple[base.ImportResult, str, LoadedSpec]:
    folder = FIXTURES / name
    files = {str(p.relative_to(FIXTURES)): p.read_text() for p in folder.rglob("*") if p.is_file()}
    result = base.get_importer("compose").import_files([f"{name}/{f}" for f in CASES[name]],
                                                       base.MemorySources(files), name=None, environ={})
    text = base.write_spec(result)
    return result, text, base.check_spec(text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_compose_fixture_renders_and_passes_output_checks(name: str) -> None:
    assert_passes_output_checks(_import(name)[2])


def _losses(result: base.ImportResult) -> set[str]:
    return {loss.path for loss in result.losses}


def test_compose_fixture_voting_app() -> None:
    result, text, spec = _import("compose-voting-app")
    app = spec.app
    assert app.name == "compose-voting-app"
    assert set(app.services) == {"vote", "result", "worker", "redis", "db"}  # seed: profile "seed", not chosen
    assert [(p.port, p.published_port) for p in app.services["vote"].ports] == [(80, 5000)]
    assert app.services["result"].command == ["nodemon", "--inspect=0.0.0.0", "server.js"]
    assert app.services["worker"].replicas == 2 and app.services["worker"].resources is not None
    assert app.services["worker"].resources.limits.memory == "256Mi"
    assert app.services["worker"].depends_on == ["redis", "db"]
    db = app.services["db"]
    assert [(s.secret, s.env) for s in db.secrets] == [("postgres-password", "POSTGRES_PASSWORD")]
    assert app.secrets["postgres-password"].from_env == "POSTGRES_PASSWORD"
    assert "POSTGRES_PASSWORD" not in db.env and db.env == {"POSTGRES_USER": "postgres"}
    assert [(v.volume, v.path) for v in db.volumes] == [("db-data", "/var/lib/postgresql/data")]
    assert db.health and db.health.liveness and db.health.liveness.exec == ["sh", "-c", "pg_isready -U postgres"]
    assert db.health.liveness.interval == "5s" and db.health.liveness.timeout == "30s"
    assert {"services.vote.build", "networks.front-tier", "networks.back-tier", "services.seed.profiles",
            "services.redis.volumes[0]", "services.result.ports[1]"} <= _losses(result)


def test_compose_fixture_wordpress() -> None:
    result, text, spec = _import("compose-wordpress")
    app = spec.app
    assert app.name == "blog"  # the project's name:
    assert app.secrets["db-password"].from_file == "compose-wordpress/db_password.txt"
    assert "example-only" not in text
    wp = app.services["wordpress"]
    assert [(s.secret, s.path, s.mode) for s in wp.secrets] == [("db-password", "/run/secrets/wp_db_password", 0o440)]
    assert wp.env["WORDPRESS_DB_PASSWORD_FILE"] == "/run/secrets/wp_db_password"  # a path, not a secret
    assert wp.env["WORDPRESS_CONFIG_EXTRA"] == "define('WP_MEMORY_LIMIT', '96M');\ndefine('FS_METHOD', 'direct');\n"
    assert wp.resources is not None
    assert (wp.resources.limits.cpu, wp.resources.limits.memory) == ("1500m", "1Gi")
    assert (wp.resources.requests.cpu, wp.resources.requests.memory) == ("250m", "256Mi")
    db = app.services["db"]
    assert db.args == ["--default-authentication-plugin=mysql_native_password"]
    assert [(p.port, p.publish) for p in db.ports] == [(3306, False), (33060, False)]
    assert db.restart == "always"


def test_compose_fixture_shop_has_eleven_services_and_a_job() -> None:
    result, text, spec = _import("compose-shop")
    app = spec.app
    assert len(app.services) == 11 and set(app.jobs) == {"loadgenerator"}
    front = app.services["frontend"]
    assert front.image == "gcr.io/google-samples/microservices-demo/frontend:v0.10.1"  # defaults applied
    assert "image: ${REGISTRY}/frontend:${TAG}" in text
    assert app.variables == {"REGISTRY": "gcr.io/google-samples/microservices-demo", "TAG": "v0.10.1"}
    assert front.replicas == 3
    assert front.placement is not None and front.placement.constraints == {"tier": "web"}
    assert front.placement.spread == ["zone"]
    assert (front.update.parallelism, front.update.surge, front.update.auto_rollback, front.update.deadline) == \
        (1, 1, True, "30s")
    ad = app.services["adservice"]
    assert ad.resources is not None and ad.resources.limits.memory == "300Mi" and ad.resources.requests.cpu == "200m"
    assert app.services["cartservice"].depends_on == ["redis-cart"]
    job = app.jobs["loadgenerator"]
    assert (job.restart, job.retries) == ("on-failure", 3)
    assert "not-a-real-password" not in text
    assert _losses(result) == {"services.emailservice.environment.SMTP_PASSWORD"}


def test_compose_fixture_monitoring_inlines_config_files() -> None:
    result, text, spec = _import("compose-monitoring")
    app = spec.app
    prom = app.services["prometheus"]
    files = {f.path: f.content for f in prom.files}
    assert files["/etc/prometheus/prometheus.yml"] == (FIXTURES / "compose-monitoring/prometheus/prometheus.yml").read_text()
    assert files["/etc/prometheus/alert.rules"] == (FIXTURES / "compose-monitoring/prometheus/alert.rules").read_text()
    assert prom.args is not None and prom.args[-1] == "--storage.tsdb.retention.time=30d"  # from .env
    assert app.variables == {"RETENTION": "30d"}
    assert "example-not-real" not in text  # the .env's password is not copied
    grafana = app.services["grafana"]
    assert [(s.secret, s.env) for s in grafana.secrets] == [("grafana-password", "GF_SECURITY_ADMIN_PASSWORD")]
    assert app.secrets["grafana-password"].from_env == "GRAFANA_PASSWORD"
    assert [f.path for f in grafana.files] == ["/etc/grafana/provisioning/datasources/datasource.yml"]
    assert "alertmanager" in app.services and app.services["alertmanager"].files[0].content is not None
    assert app.services["node-exporter"].mode == "per_node" and app.services["cadvisor"].mode == "per_node"
    assert app.services["cadvisor"].security is not None and app.services["cadvisor"].security.privileged
    assert grafana.security is not None and grafana.security.user == 472
    assert {"services.prometheus.deploy.placement.constraints[0]", "variables.GRAFANA_PASSWORD"} <= _losses(result)


def test_compose_fixture_healthchecks_and_conditions() -> None:
    result, text, spec = _import("compose-healthchecks")
    app = spec.app
    assert set(app.services) == {"web", "api", "db", "cache"} and set(app.jobs) == {"migrate"}
    api = app.services["api"]
    probe = api.health.liveness if api.health else None
    assert probe is not None and probe.exec == ["sh", "-c", "curl -fsS http://localhost:8000/healthz"]
    assert (probe.interval, probe.timeout, probe.retries) == ("5s", "2s", 10)
    assert api.restart == "on-failure" and api.depends_on == ["db", "cache", "migrate"]
    assert app.secrets["api-token"].from_env == "API_TOKEN"
    assert api.env["LOG_LEVEL"] == "info" and "LOG_LEVEL: ${LOG_LEVEL}" in text
    assert app.services["cache"].health is None
    assert [(v.path, v.size) for v in app.services["db"].volumes if v.scratch] == [("/run/postgresql", "16Mi")]
    assert (app.jobs["migrate"].retries, app.jobs["migrate"].args) == (2, ["python", "manage.py", "migrate", "--noinput"])
    assert {"services.web.depends_on.api.condition", "services.api.depends_on.migrate.condition",
            "services.web.healthcheck.start_interval"} <= _losses(result)
    assert app.services["cache"].stop_grace_period == "30s"


def test_compose_fixture_multi_file_include_extends_env() -> None:
    result, text, spec = _import("compose-multi-file")
    app = spec.app
    assert set(app.services) == {"postgres", "app", "worker"}
    web = app.services["app"]
    assert web.image == "registry.example.test/team/app:3.1.4"  # .env
    assert web.env == {"LOG_LEVEL": "warning", "TZ": "UTC", "DB_HOST": "postgres", "FEATURE_FLAGS": "search,$beta"}
    assert web.labels == {"team": "platform"} and web.replicas == 4
    assert web.resources is not None and web.resources.limits.memory == "512Mi"
    assert app.services["worker"].args == ["celery", "worker"] and app.services["worker"].replicas == 2
    assert app.services["postgres"].image == "postgres:16"  # included file, ${PG_VERSION:-16}
    assert "# from compose-multi-file/compose.yaml:" in text.split("  app:")[0].splitlines()[-1]
    assert app.variables == {"REGISTRY": "registry.example.test/team", "APP_VERSION": "3.1.4", "PG_VERSION": "16"}
    assert _losses(result) == {"services.app.ports[0]"}  # ${APP_PORT:-8000} resolved


def test_import_fixtures_index_lists_every_fixture() -> None:
    """The index (tests/fixtures/import/README.md) names every fixture folder, and the issue's
    minimum of 12 multi-service fixtures across the three formats holds."""
    folders = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    index = (FIXTURES / "README.md").read_text()
    listed = sorted(line.split("|")[1].strip() for line in index.splitlines()
                    if line.startswith("| ") and not line.startswith("| folder"))
    assert listed == folders
    assert len(folders) >= 12
    assert {f.split("-")[0] for f in folders} == {"compose", "k8s", "nomad"}
    assert sorted(f for f in folders if f.startswith("compose-")) == sorted(CASES)
