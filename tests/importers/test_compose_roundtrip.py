"""The round trip through Swarm: import(render(spec, swarm), compose) gives every golden case back.

What a stack file cannot carry is left out of the comparison: the paths the Swarm translator
warns about (its portability report) and those the importer reports as lost, plus the following,
which a stack file has no place for although the translator has nothing to warn about:

- ``x-kubernetes`` / ``x-nomad``: other targets' escape hatches, not rendered for Swarm by design;
  ``x-swarm`` is merged verbatim into the stack, where it reads as hand-written compose (the
  importer reports its keys as losses or maps them like any other field);
- ``variables``: rendering substitutes them; the values arrive in the fields that used them;
- port names and unpublished ports: a stack lists only published ports, by number (every port is
  reachable on the stack's network); a check naming a port therefore comes back with the number;
- ``update.wait_healthy`` of a service without a health check: Swarm has nothing to wait for;
- volume sizes (the translator's volume note says "size is ignored"), secret descriptions;
- the app's labels and annotations: stamped on every service with the service's own labels, so
  each workload's labels are compared with the app's merged in (annotations that are no valid
  label value are reported as lost by the importer);
- a service's replica count: a stack writes the default (1) out;
- a secret delivered as an env var is mounted at /run/secrets/<secret>: a mount of the same
  secret at that path without a mode is the same thing said twice;
- a compose field written in ``x-swarm`` (``stop_grace_period``) comes back as the spec's field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from crossdock.translators import base as translators
from golden_cases import case_dirs, load_case
from roundtrip import assert_round_trip, container_ports

SWARM_INEXPRESSIBLE = [
    "x-kubernetes", "x-nomad", "x-swarm",
    "services.*.x-kubernetes", "services.*.x-nomad", "services.*.x-swarm",
    "jobs.*.x-kubernetes", "jobs.*.x-nomad", "jobs.*.x-swarm",
    "variables", "volumes.*.size", "secrets.*.description",
]


_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


def _swarm_normalized(app: dict[str, Any]) -> dict[str, Any]:
    container_ports(app)
    meta = app["metadata"]
    stamped = {**{k: v for k, v in meta.pop("annotations", {}).items() if _LABEL_VALUE.fullmatch(v) and len(v) <= 63},
               **meta.pop("labels", {})}
    for section in ("services", "jobs", "cron_jobs"):
        for w in (app.get(section) or {}).values():
            w["labels"] = {**stamped, **(w.get("labels") or {})}
            hatch = w.get("x-swarm") or {}
            if "stop_grace_period" in hatch:  # hand-written compose in the escape hatch: the spec's own field
                w["stop_grace_period"] = hatch["stop_grace_period"]
            ports = w.get("ports") or []
            by_name = {p["name"]: p["port"] for p in ports}
            health = w.get("health") or {}
            for probe in health.values():
                for kind in ("http", "tcp"):
                    if probe and probe.get(kind) and probe[kind]["port"] in by_name:
                        probe[kind]["port"] = by_name[probe[kind]["port"]]
            if section == "services" and w.get("replicas") is None and w.get("autoscale") is None:
                w["replicas"] = 1  # the default, which a stack writes out
            w["ports"] = [{**p, "name": None} for p in ports if p.get("publish")]
            if w.get("update") and not any(health.values()):
                w["update"]["wait_healthy"] = None
            env_secrets = {s["secret"] for s in w.get("secrets") or [] if s.get("env")}
            w["secrets"] = [s for s in w.get("secrets") or [] if not (
                s["secret"] in env_secrets and s.get("path") == f"/run/secrets/{s['secret']}" and s.get("mode") is None)]
    return app


def _implied_exclusions(case: Path) -> list[str]:
    """What the Swarm report's notes imply beyond their own path."""
    out = []
    for w in translators.get("swarm").translate(load_case(case)).warnings:
        if re.fullmatch(r"cron_jobs\.[^.]+\.schedule", w.path):  # not rendered at all
            out.append(w.path.rsplit(".", 1)[0])
        if re.search(r"\.health\.(readiness|startup)$", w.path):  # one check: the spec's three merged
            out.append(w.path.rsplit(".", 1)[0])
        if w.path.endswith(".completions"):  # Swarm runs all of a job's tasks at once
            out.append(w.path.rsplit(".", 1)[0] + ".parallelism")
        if w.path.endswith(".autoscale"):  # rendered as a fixed count: its min
            out.append(w.path.rsplit(".", 1)[0] + ".replicas")
        m = re.search(r"rendered as the service '([^']+)'", w.message)
        if m:  # a sidecar becomes a service of its own
            out.append(f"services.{m.group(1)}")
    return out


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_compose_round_trip_through_swarm(case: Path) -> None:
    assert_round_trip(case, "swarm", "compose", inexpressible=SWARM_INEXPRESSIBLE + _implied_exclusions(case),
                      normalize=_swarm_normalized)
