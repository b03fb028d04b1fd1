"""Names crossdock derives from spec names for each target, and the limits the targets set.

The translators build these names with the functions here, and ``checks`` refuses at load a
spec where one would be too long, naming the spec path: otherwise the platform would refuse it
at deploy time, far from the spec.  A spec that loads therefore renders for every target.

Kubernetes needs no entry: every name it gets is a spec name or a spec name plus a suffix that
the spec types leave room for (a workload name is at most 52 characters, so ``<name>-headless``
fits a 63-character Service name and a CronJob's 52); tests/specs/test_names.py proves it on a
spec with names of maximal length.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from crossdock.specs.model import App, Service
from crossdock.specs.yamlsrc import Path

# swarmkit controlapi: "name must be 63 characters or fewer" for services; configs and secrets
# allow 64 ("invalid name, only 64 [a-zA-Z0-9-_.] characters allowed").
SWARM_SERVICE_MAX = 63
SWARM_SECRET_MAX = 64
# Nomad Service.Validate: a service name is an RFC 1123 label, at most 63 characters.
NOMAD_SERVICE_MAX = 63


def swarm_service(app: str, key: str) -> str:
    """``docker stack deploy <app>`` names each service of the stack file ``<app>_<key>``."""
    return f"{app}_{key}"


def swarm_sidecar_key(workloads: Collection[str], workload: str, step: str) -> str:
    """A service's sidecar becomes its own service: ``<workload>-<sidecar>``, or
    ``<workload>-sidecar-<sidecar>`` when a workload already has the short name."""
    name = f"{workload}-{step}"
    return f"{workload}-sidecar-{step}" if name in workloads else name


def swarm_secret(app: str, key: str) -> str:
    return f"{app}_{key}"


def nomad_service(app: str, service: str, port: str, first: bool) -> str:
    """The Nomad service of a port: ``<app>-<service>`` for the first, then ``-<port>`` added."""
    return f"{app}-{service}" if first else f"{app}-{service}-{port}"


def all_workloads(app: App) -> set[str]:
    return set(app.services) | set(app.jobs) | set(app.cron_jobs)


# (spec path, derived name, limit, how the target builds it)
Derived = tuple[Path, str, int, str]


def derived(app: App) -> Iterator[Derived]:
    """Every derived name with a limit, with the spec path a person would change."""
    workloads = all_workloads(app)
    for section, name, w in app.workloads():
        yield ((section, name), swarm_service(app.name, name), SWARM_SERVICE_MAX,
               "Swarm names services <app>_<workload>")
        if not isinstance(w, Service):
            continue
        for i, step in enumerate(w.sidecars):
            yield ((section, name, "sidecars", i, "name"),
                   swarm_service(app.name, swarm_sidecar_key(workloads, name, step.name)), SWARM_SERVICE_MAX,
                   "Swarm runs a sidecar as the service <app>_<workload>-<sidecar>")
        for i, port in enumerate(w.ports):
            yield ((section, name, "ports", i, "name"), nomad_service(app.name, name, port.name, i == 0),
                   NOMAD_SERVICE_MAX, "Nomad names a port's service <app>-<service>[-<port>]")
    for key in sorted(app.secrets):
        yield (("secrets", key), swarm_secret(app.name, key), SWARM_SECRET_MAX, "Swarm names secrets <app>_<secret>")
