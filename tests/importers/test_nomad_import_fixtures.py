"""The Nomad fixtures (tests/fixtures/import/nomad-*/, written for these tests and modelled on
public Nomad examples): each is imported, loads as a spec, renders for all three targets and
passes the offline output checks; what each import must give is checked from the fixture's
own text, written out here by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from checkers import kubernetes, nomad, nomad_hcl, swarm
from crossdock.specs.loader import LoadedSpec
from crossdock.translators import base as translators
from crossdock.translators.importers.base import FileSources, ImportResult, check_spec, write_spec
from crossdock.translators.importers.nomad import IMPORTER

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"
CASES = sorted(p for p in FIXTURES.iterdir() if p.name.startswith("nomad-"))
MARKER = "MARKER-do-not-leak"


def _import(case: Path) -> tuple[ImportResult, str, LoadedSpec]:
    result = IMPORTER.import_files([str(case)], FileSources(), name=None, environ={})
    text = write_spec(result)
    return result, text, check_spec(text)


def test_nomad_import_fixtures_are_there() -> None:
    assert [c.name for c in CASES] == ["nomad-hashicups", "nomad-lifecycle", "nomad-periodic"]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_nomad_import_fixture_renders_and_passes_output_checks(case: Path) -> None:
    result, text, spec = _import(case)
    assert MARKER not in text and all(MARKER not in str(loss) for loss in result.losses)
    k8s = translators.get("kubernetes").translate(spec)
    docs = [d for t in k8s.files.values() for d in yaml.safe_load_all(t) if d]
    assert kubernetes.validate(docs) == []
    stack = translators.get("swarm").translate(spec)
    assert swarm.stack_config(stack.files[stack.primary]).get("services")
    jobs = translators.get("nomad").translate(spec)
    assert nomad.check_job_json([t for p, t in sorted(jobs.files.items()) if p.endswith(".json")]) == []
    for path, hcl_text in jobs.files.items():
        if path.endswith(".hcl"):
            assert nomad_hcl.hcl_to_api(hcl_text) == json.loads(jobs.files[path[:-4] + ".json"])["Job"]
    for rendered in (k8s, stack, jobs):
        assert all(MARKER not in t for t in rendered.files.values())


def test_nomad_import_fixture_hashicups() -> None:
    result, text, spec = _import(FIXTURES / "nomad-hashicups")
    app = spec.app
    assert app.name == "hashicups"
    assert sorted(app.services) == ["frontend", "postgres", "product-api", "public-api"]
    front = app.services["frontend"]
    assert front.image == "hashicorpdemoapp/frontend:v1.0.9"  # ${var.frontend_version}, default v1.0.9
    assert "${frontend_version}" in text and app.variables["frontend_version"] == "v1.0.9"
    assert front.replicas == 2  # count = var.frontend_count, default 2
    assert [(p.name, p.port, p.publish, p.published_port) for p in front.ports] == [("http", 80, True, 8080)]
    assert front.route is not None and front.route.host == "hashicups.example.com"
    assert front.files[0].path == "/etc/nginx/conf.d/default.conf"  # bind mount of local/default.conf
    assert "proxy_pass http://127.0.0.1:8081;" in (front.files[0].content or "")
    assert front.placement is not None and front.placement.spread == ["kubernetes.io/hostname"]
    assert front.update.auto_rollback and front.update.deadline == "3m" and front.update.surge == 0
    api = app.services["product-api"]
    assert api.env == {"CONFIG_FILE": "/local/conf.json", "DB_HOST": "127.0.0.1", "DB_PORT": "5432"}
    assert [(s.secret, s.env) for s in api.secrets] == [("db-password", "DB_PASSWORD")]
    assert api.files[0].path == "/local/conf.json" and api.files[0].mode == 0o640
    assert api.resources is not None and api.resources.limits.memory == "256Mi"
    assert api.health is not None and api.health.readiness is not None
    assert api.health.readiness.http is not None and api.health.readiness.http.path == "/health/readyz"
    public = app.services["public-api"].health
    assert public is not None and public.liveness is not None and public.liveness.retries == 5
    assert public.liveness.start_period == "30s"
    db = app.services["postgres"]
    assert [(s.secret, s.path) for s in db.secrets] == [("db-password", "/secrets/db-password")]
    assert db.env["POSTGRES_PASSWORD_FILE"] == "/secrets/db-password"  # a path, not a secret value
    assert [(v.volume, v.path) for v in db.volumes] == [("hashicups-db", "/var/lib/postgresql/data")]
    assert db.placement is not None and db.placement.constraints == {"kernel.name": "linux", "storage": "ssd"}
    assert app.secrets["db-password"].from_env == "DB_PASSWORD"
    assert "Nomad Variable nomad/jobs/hashicups" in text  # the comment says where the value was
    changed = {(loss.line, loss.spec_path) for loss in result.losses if loss.kind == "changed"}
    assert (223, "volumes.hashicups-db.size") in changed  # volume "pgdata" block on line 223


def test_nomad_import_fixture_periodic() -> None:
    result, text, spec = _import(FIXTURES / "nomad-periodic")
    app = spec.app
    backup = app.cron_jobs["db-backup"]
    assert (backup.schedule, backup.timezone, backup.concurrency) == ("30 2 * * *", "Europe/Berlin", "forbid")
    assert (backup.restart, backup.retries) == ("on-failure", 2)
    assert backup.command is None and backup.args is not None and backup.args[:2] == ["sh", "-c"]
    assert "$(date +%F)" in backup.args[2]
    assert [(s.secret, s.env) for s in backup.secrets] == [("pgpassword", "PGPASSWORD")]
    assert backup.files[0].path == "/local/pg_service.conf"
    report = app.cron_jobs["weekly-report"]
    assert (report.schedule, report.concurrency) == ("0 6 * * 1", "allow")
    assert report.command == ["python", "-m"] and report.args == ["reports.weekly", "--format=pdf"]
    assert report.env == {"REPORT_TO": "team@example.com"}
    assert [(s.secret, s.env) for s in report.secrets] == [("smtp-password", "SMTP_PASSWORD")]
    assert report.extension("nomad") == {"task": {"LogConfig": {"MaxFiles": 3, "MaxFileSizeMB": 5}}}
    assert app.jobs["reindex"].args == ["reindex", "--index", "${NOMAD_META_index}"]
    paths = {loss.path for loss in result.losses}
    assert "job.reindex: parameterized" in paths
    assert "job.reindex.group.reindex.task.reindex.config.args" in paths  # Nomad's run-time ${...}


def test_nomad_import_fixture_lifecycle_json() -> None:
    result, text, spec = _import(FIXTURES / "nomad-lifecycle")
    web = spec.app.services["web"]
    assert [s.name for s in web.init] == ["wait-for-db", "migrate"]
    assert web.init[0].args == ["sh", "-c", "until nc -z db.internal 5432; do sleep 2; done"]
    assert [s.name for s in web.sidecars] == ["log-shipper"]
    assert web.update.surge == 2 and web.update.min_ready == "15s" and web.update.deadline == "4m"
    assert web.update.auto_rollback
    assert web.replicas == 3 and [p.name for p in web.ports] == ["http", "metrics"]
    assert web.health is not None and web.health.liveness is not None and web.health.readiness is not None
    assert web.health.liveness.tcp is not None and web.health.liveness.start_period == "1m"
    assert web.health.readiness.http is not None and web.health.readiness.interval == "5s"
    assert [(v.path, v.scratch, v.size) for v in web.volumes] == [("/tmp/cache", True, "64Mi")]
    assert web.resources is not None and (web.resources.requests.cpu, web.resources.limits.memory) == ("1", "1Gi")
    assert web.extension("nomad") == {"group": {"EphemeralDisk": {"SizeMB": 500, "Migrate": True, "Sticky": True}}}
    # KillTimeout is nanoseconds in the API's JSON (30_000_000_000 in the file): the spec's stop grace period.
    assert web.stop_grace_period == "30s"
    assert spec.app.extension("nomad") == {"Datacenters": ["dc1"]}
    assert sorted(spec.app.secrets) == ["api-token", "database-password"]
    poststop = [loss for loss in result.losses if "task.cleanup" in loss.path]
    assert len(poststop) == 1 and poststop[0].line == 95 and poststop[0].kind == "dropped"
