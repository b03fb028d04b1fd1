"""Fixtures for the Nomad adapter tests: the Nomad STAND-IN server (not Nomad), the canonical
example, and generated apps of N services."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from crossdock.adapters.nomad.adapter import NomadAdapter
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get
from nomad_standin import NomadStandIn, Validator, basic_problems

ROOT = Path(__file__).parent.parent.parent
SHOP = ROOT / "examples" / "shop" / "app.yaml"
SHOP_SECRET = (ROOT / "examples" / "shop" / "secrets" / "db-password.txt").read_text().strip()


@functools.cache
def job_validator() -> Validator:
    """Nomad's own Go types (tests/checkers/nomad.py) when the checker builds, else a basic check."""
    try:
        from checkers.nomad import check_job_json

        check_job_json(['{"Job": {"ID": "probe", "TaskGroups": []}}'])
    except Exception:  # no Go toolchain or module cache: keep the stand-in usable
        return basic_problems

    def validate(text: str) -> list[str]:
        return [p.removeprefix("jobs[0] ") for p in check_job_json([text])]
    return validate


@pytest.fixture
def standin() -> Iterator[NomadStandIn]:
    server = NomadStandIn(validate=job_validator()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def adapter(standin: NomadStandIn, monkeypatch: pytest.MonkeyPatch) -> NomadAdapter:
    for var in ("NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_NAMESPACE", "NOMAD_REGION", "NOMAD_CACERT",
                "NOMAD_CLIENT_CERT", "NOMAD_CLIENT_KEY", "NOMAD_SKIP_VERIFY"):
        monkeypatch.delenv(var, raising=False)
    return NomadAdapter(address=standin.address, token=standin.token, timeout=5, poll_interval=0.02,
                        destroy_timeout=5)


def shop(**set_vars: str) -> tuple[LoadedSpec, Bundle]:
    spec = load(str(SHOP), set_vars=set_vars or None, environ={})
    return spec, get("nomad").translate(spec)


def shop_without_cron() -> tuple[LoadedSpec, Bundle]:
    text = SHOP.read_text().split("\ncron_jobs:")[0] + "\nenvironments:" + SHOP.read_text().split("\nenvironments:")[1]
    spec = load(str(SHOP), text=text, environ={})
    return spec, get("nomad").translate(spec)


def many_services(n: int, app: str = "many") -> tuple[LoadedSpec, Bundle]:
    lines = ["apiVersion: crossdock/v1", "kind: App", f"metadata: {{name: {app}}}", "services:"]
    for i in range(n):
        lines.append(f"  svc{i}: {{image: 'crossdock-test/httpd:1.0', replicas: 1}}")
    spec = load(str(ROOT / "examples" / f"{app}.yaml"), text="\n".join(lines) + "\n", environ={})
    return spec, get("nomad").translate(spec)


def settle(standin: NomadStandIn, ticks: int = 6) -> None:
    standin.advance(ticks)


def foreign_job(job_id: str, meta: dict[str, str] | None) -> dict[str, Any]:
    """A job crossdock did not make (no meta, or another app's)."""
    job: dict[str, Any] = {"ID": job_id, "Name": job_id, "Type": "service", "Datacenters": ["*"],
                           "TaskGroups": [{"Name": "main", "Count": 1,
                                           "Tasks": [{"Name": "main", "Driver": "docker",
                                                      "Config": {"image": "someone/else:1"}}]}]}
    if meta is not None:
        job["Meta"] = meta
    return {"Job": job}


def put_foreign(standin: NomadStandIn, request: dict[str, Any], namespace: str = "default") -> None:
    with standin.state.lock:
        standin.state.register(namespace, standin.region, json.loads(json.dumps(request)))
