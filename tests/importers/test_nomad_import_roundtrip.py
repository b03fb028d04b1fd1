"""Round trip: import(render(spec, nomad), nomad) gives each golden spec back, from the HCL
jobspecs and from the API's JSON jobs alike.

Every difference must be covered by the translator's portability report or the importer's
loss report (``roundtrip.differences`` leaves those paths out).  ``SILENT`` lists, with the
reason, the differences that are neither yet: equivalent forms the comparison does not
normalize, values rendering substitutes, other targets' blocks, and facts the Nomad
translator drops without a warning.  The test fails on any difference outside that list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossdock.translators import base as translators
from golden_cases import case_dirs, load_case
from importers.roundtrip import container_ports, differences, files_inline, round_trip

CASES = case_dirs()

_SHOP = {
    # replicas: 1 and no replicas both mean one replica (README); the job says count = 1.
    "services.cache.replicas: original 1 != imported \"<absent>\"",
    # variables are substituted when rendering: the job holds their values.
    "variables.GREETING: original \"hello from crossdock\" != imported \"<absent>\"",
    "variables.HTTPD_IMAGE: original \"crossdock-test/httpd:1.0\" != imported \"<absent>\"",
    "variables.JOB_IMAGE: original \"crossdock-test/job:1.0\" != imported \"<absent>\"",
}
SILENT: dict[str, set[str]] = {
    "example-shop": _SHOP,
    "example-shop-production": _SHOP,
    # x-kubernetes and x-swarm are other targets' blocks: never in a Nomad job.
    "extensions": {
        "cron_jobs.tick.x-kubernetes.spec.successfulJobsHistoryLimit: original 1 != imported \"<absent>\"",
        "cron_jobs.tick.x-swarm.stop_grace_period: original \"1m\" != imported \"<absent>\"",
        "jobs.once.x-kubernetes.spec.ttlSecondsAfterFinished: original 600 != imported \"<absent>\"",
        "jobs.once.x-swarm.stop_grace_period: original \"1m\" != imported \"<absent>\"",
        "services.web.x-kubernetes.spec.template.spec.containers[0].name: original \"web\" != imported \"<absent>\"",
        "services.web.x-kubernetes.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: "
        "original true != imported \"<absent>\"",
        "services.web.x-kubernetes.spec.template.spec.serviceAccountName: original \"hatch-runner\" != imported "
        "\"<absent>\"",
        "services.web.x-swarm.deploy.endpoint_mode: original \"dnsrr\" != imported \"<absent>\"",
        "services.web.x-swarm.stop_grace_period: original \"30s\" != imported \"<absent>\"",
        "x-kubernetes.resources[0].apiVersion: original \"v1\" != imported \"<absent>\"",
        "x-kubernetes.resources[0].kind: original \"ServiceAccount\" != imported \"<absent>\"",
        "x-kubernetes.resources[0].metadata.name: original \"hatch-runner\" != imported \"<absent>\"",
        "x-swarm.networks.default.attachable: original true != imported \"<absent>\"",
        "x-swarm.networks.default.driver: original \"overlay\" != imported \"<absent>\"",
        # The case sets a task's KillTimeout through x-nomad; the importer reads a task's
        # kill_timeout as the spec's stop_grace_period (the same value, its spec field).
        "jobs.once.stop_grace_period: original \"<absent>\" != imported \"1m\"",
        "jobs.once.x-nomad.task.KillTimeout: original 60000000000 != imported \"<absent>\"",
        "services.web.stop_grace_period: original \"<absent>\" != imported \"30s\"",
        "services.web.x-nomad.task.KillTimeout: original 30000000000 != imported \"<absent>\"",
    },
    "health-checks": {
        # The translator warns about the command check ('.exec'), not the rest of that probe.
        "services.exec-only.health.readiness.interval: original \"10s\" != imported \"<absent>\"",
        "services.exec-only.health.readiness.retries: original 2 != imported \"<absent>\"",
        "services.exec-only.health.readiness.start_period: original \"0s\" != imported \"<absent>\"",
        "services.exec-only.health.readiness.timeout: original \"1s\" != imported \"<absent>\"",
        # A check on port 8080 is rendered on its port's label: the same port, named.
        "services.http-all.health.readiness.http.port: original 8080 != imported \"http\"",
        "services.tcp-only.health.readiness.tcp.port: original 6379 != imported \"redis\"",
    },
    "ports-routes": {
        # A check on port 3000, the container port of 'web', is rendered on its label: the same port, named.
        "services.docs.health.readiness.http.port: original 3000 != imported \"web\"",
        # Nomad ports carry no protocol, and every port is reachable on the node: the
        # translator drops 'udp' and 'publish' (without a published port) without a warning.
        "services.gateway.ports[1].protocol: original \"udp\" != imported \"tcp\"",
        "services.gateway.ports[1].publish: original true != imported false",
    },
    "per-node-aliases": {
        # Nomad ports carry no protocol (as in ports-routes).
        "services.logs.ports[0].protocol: original \"udp\" != imported \"tcp\"",
        # A system job's allocation uses its node's host volume (Nomad refuses per_alloc there);
        # the translator says so at services.logs.volumes[0], not at the volume.
        "volumes.cache.per_replica: original true != imported false",
    },
    "security-modes": {
        # legacy sets only a group, which the docker driver takes only with a user (warned at
        # .security.group): the imported spec has no security block; its other fields are defaults.
        "services.legacy.security.no_new_privileges: original false != imported \"<absent>\"",
        "services.legacy.security.privileged: original false != imported \"<absent>\"",
        "services.legacy.security.read_only_root: original false != imported \"<absent>\"",
    },
    "variables": {
        "variables.REGISTRY: original \"registry.example.com\" != imported \"<absent>\"",
        "variables.REPLICAS: original \"3\" != imported \"<absent>\"",
        "variables.TAG: original \"2.3.1\" != imported \"<absent>\"",
    },
}


def _check(case: Path, paths: list[str] | None) -> None:
    original, imported, result, excluded = round_trip(case, "nomad", "nomad", paths)
    # Config files given as `file:` are compared by their content, all the job carries.
    diff = differences(container_ports(files_inline(original)),
                       imported.app.model_dump(mode="json", exclude_defaults=False), excluded)
    unexpected = sorted(set(diff) - SILENT.get(case.name, set()))
    losses = "\n".join(f"  {loss}" for loss in result.losses)
    assert not unexpected, "\n".join(["differences nothing reports:", *unexpected, "losses:", losses])


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_nomad_import_round_trip_hcl(case: Path) -> None:
    _check(case, None)  # the helper's default: the .nomad.hcl files


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_nomad_import_round_trip_json(case: Path) -> None:
    bundle = translators.get("nomad").translate(load_case(case))
    _check(case, sorted(p for p in bundle.files if p.endswith(".json")))


def test_nomad_import_round_trip_reads_every_job_file() -> None:
    case = next(c for c in CASES if c.name == "example-shop")
    _, imported, result, _ = round_trip(case, "nomad", "nomad")
    assert sorted(result.sources) == ["nomad/shop-migrate.nomad.hcl", "nomad/shop-nightly-report.nomad.hcl",
                                      "nomad/shop.nomad.hcl"]
    assert sorted(imported.app.services) == ["api", "cache", "web"]
    assert sorted(imported.app.jobs) == ["migrate"] and sorted(imported.app.cron_jobs) == ["nightly-report"]
