"""Sidecars of jobs and cron jobs on each target.

Expected forms come from the platforms' documentation: Kubernetes native sidecars are init
containers with ``restartPolicy: Always`` (KEP-753, GA in 1.33), restarted while the pod runs
and stopped once the main container has completed, so the Job completes; Nomad stops sidecar
tasks once every main task of the allocation is dead (the alloc runner's "main tasks dead"
kill) and starts prestart tasks before the main tasks (lifecycle block); a Swarm
replicated-job service runs one container per task.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from crossdock.specs.loader import load
from crossdock.translators import base

SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: t}
services:
  web:
    image: w
    sidecars: [{name: proxy, image: p}]
jobs:
  load:
    image: l
    init: [{name: schema, image: s}]
    sidecars:
      - {name: db-proxy, image: d, args: [--port, "5432"]}
      - {name: logs, image: g}
cron_jobs:
  nightly:
    image: n
    schedule: "@daily"
    sidecars: [{name: metrics, image: m}]
"""


def _bundle(target: str) -> base.Bundle:
    return base.get(target).translate(load("app.yaml", text=SPEC, environ={}))


def _pods() -> dict[str, dict[str, Any]]:
    docs = [d for t in _bundle("kubernetes").files.values() for d in yaml.safe_load_all(t) if d]
    pods = {}
    for d in docs:
        if d["kind"] in ("Deployment", "Job"):
            pods[d["metadata"]["name"]] = d["spec"]["template"]["spec"]
        elif d["kind"] == "CronJob":
            pods[d["metadata"]["name"]] = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pods


def _groups() -> dict[str, dict[str, Any]]:
    bundle = _bundle("nomad")
    jobs = [json.loads(t)["Job"] for p, t in sorted(bundle.files.items()) if p.endswith(".json")]
    return {g["Name"]: g for j in jobs for g in j["TaskGroups"]}


def _steps(pod: dict[str, Any], key: str) -> list[tuple[str, str | None]]:
    return [(c["name"], c.get("restartPolicy")) for c in pod.get(key, [])]


def test_job_sidecars_kubernetes_are_native_sidecars_before_init_steps() -> None:
    pods = _pods()
    assert _steps(pods["load"], "initContainers") == [("db-proxy", "Always"), ("logs", "Always"), ("schema", None)]
    assert _steps(pods["load"], "containers") == [("load", None)]
    assert pods["load"]["initContainers"][0]["args"] == ["--port", "5432"]
    assert _steps(pods["nightly"], "initContainers") == [("metrics", "Always")]
    assert _steps(pods["nightly"], "containers") == [("nightly", None)]


def test_job_sidecars_kubernetes_service_sidecars_stay_containers() -> None:
    pod = _pods()["web"]
    assert "initContainers" not in pod
    assert _steps(pod, "containers") == [("web", None), ("proxy", None)]


def test_job_sidecars_nomad_are_prestart_sidecars_that_restart() -> None:
    groups = _groups()
    load_group = groups["load"]
    tasks = {t["Name"]: t for t in load_group["Tasks"]}
    assert tasks["db-proxy"]["Lifecycle"] == {"Hook": "prestart", "Sidecar": True}
    assert tasks["db-proxy"]["Config"] == {"image": "d", "args": ["--port", "5432"]}
    assert tasks["schema"]["Lifecycle"] == {"Hook": "prestart", "Sidecar": False}
    assert "Lifecycle" not in tasks["load"]
    # The group's policy (0 attempts, mode fail) would fail the allocation when a sidecar exits.
    for name in ("db-proxy", "logs"):
        assert tasks[name]["RestartPolicy"] == {"Attempts": 3, "Interval": 300 * 10**9, "Delay": 15 * 10**9,
                                                "Mode": "delay"}
    assert load_group["RestartPolicy"] == {"Attempts": 0, "Mode": "fail"}
    assert load_group["Networks"] == [{"Mode": "bridge"}]  # localhost shared with the main task
    nightly = {t["Name"]: t for t in groups["nightly"]["Tasks"]}
    assert nightly["metrics"]["Lifecycle"] == {"Hook": "prestart", "Sidecar": True}


def test_job_sidecars_nomad_service_sidecars_stay_poststart() -> None:
    tasks = {t["Name"]: t for t in _groups()["web"]["Tasks"]}
    assert tasks["proxy"]["Lifecycle"] == {"Hook": "poststart", "Sidecar": True}
    assert "RestartPolicy" not in tasks["proxy"]


def test_job_sidecars_nomad_job_without_sidecars_has_no_network() -> None:
    text = SPEC.replace("    sidecars:\n      - {name: db-proxy, image: d, args: [--port, \"5432\"]}\n"
                        "      - {name: logs, image: g}\n", "")
    bundle = base.get("nomad").translate(load("app.yaml", text=text, environ={}))
    job = json.loads(bundle.files["nomad/t-load.nomad.json"])["Job"]
    assert "Networks" not in job["TaskGroups"][0]


def test_job_sidecars_swarm_not_rendered_and_reported() -> None:
    bundle = _bundle("swarm")
    services = yaml.safe_load(bundle.files[bundle.primary])["services"]
    assert sorted(services) == ["load", "web", "web-proxy"]
    reported = {w.path: (w.feature, w.level) for w in bundle.warnings if w.feature == "job_sidecars"}
    assert reported == {"jobs.load.sidecars[0]": ("job_sidecars", "unsupported"),
                        "jobs.load.sidecars[1]": ("job_sidecars", "unsupported")}


@pytest.mark.parametrize("target", ["kubernetes", "nomad"])
def test_job_sidecars_native_targets_report_nothing(target: str) -> None:
    assert [w for w in _bundle(target).warnings if w.feature == "job_sidecars"] == []
