"""`crossdock compare` of the canonical example (examples/shop/app.yaml, environment local) on
the real Swarm and the real Kubernetes node.

Plausibility is checked from the figures' own meaning, not from numbers the code printed: a
heal takes time, every replica is healthy when a scenario ends, and the update's availability
counts real HTTP answers (each one old, new or failed).  The HTML report is opened in headless
Chromium and its screenshot decoded here (png_pixels) to see charts in the platforms' colours.
An interrupted compare must leave nothing of its app on either platform.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from platforms_fixtures import KUBECONFIG, wait_for
from png_pixels import pixels

pytestmark = pytest.mark.platform

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.yaml"
PART_OF = "app.kubernetes.io/part-of"
K8S_BLUE, SWARM_ORANGE = (0x32, 0x6C, 0xE5), (0xE8, 0x71, 0x0A)  # the compare hooks' colours (adapters/<target>/compare.py COLOR)
ENV = {**os.environ, "KUBECONFIG": str(KUBECONFIG), "NOMAD_ADDR": "http://127.0.0.1:1"}


def _swarm_leftovers(docker_client: Any, app: str) -> list[str]:
    api = docker_client.api
    out = []
    for flt in ({"label": f"{PART_OF}={app}"}, {"label": f"com.docker.stack.namespace={app}"}):
        out += [f"service {s['Spec']['Name']}" for s in api.services(filters=flt)]
        # Kubernetes pods' containers carry the pod's labels too: those are checked on that side
        out += [f"container {c['Names'][0]}" for c in api.containers(all=True, filters=flt)
                if "io.kubernetes.pod.name" not in (c.get("Labels") or {})]
        out += [f"config {c['Spec']['Name']}" for c in api.configs(filters=flt)]
        out += [f"secret {s['Spec']['Name']}" for s in api.secrets(filters=flt)]
        out += [f"network {n['Name']}" for n in api.networks(filters=flt)]
    return sorted(set(out))


def _k8s_leftovers(api_client: Any, docker_client: Any, app: str) -> list[str]:
    """Objects with the app's label, and containers of its pods still running on the node
    (exited ones are the kubelet's to garbage-collect, as after any pod deletion)."""
    sel = f"{PART_OF}={app}"
    running = [f"container {c['Names'][0]}" for c in docker_client.api.containers(
        filters={"label": f"io.kubernetes.pod.namespace={app}", "status": "running"})]
    core, apps, batch = client.CoreV1Api(api_client), client.AppsV1Api(api_client), client.BatchV1Api(api_client)
    found = [*(f"pod {p.metadata.namespace}/{p.metadata.name}" for p in core.list_pod_for_all_namespaces(label_selector=sel).items),
             *(f"deployment {d.metadata.name}" for d in apps.list_deployment_for_all_namespaces(label_selector=sel).items),
             *(f"service {s.metadata.name}" for s in core.list_service_for_all_namespaces(label_selector=sel).items),
             *(f"job {j.metadata.name}" for j in batch.list_job_for_all_namespaces(label_selector=sel).items),
             *(f"secret {s.metadata.name}" for s in core.list_secret_for_all_namespaces(label_selector=sel).items)]
    return sorted(found + running)


def _namespace_gone(api_client: Any, name: str) -> bool:
    names = {n.metadata.name: n.status.phase for n in client.CoreV1Api(api_client).list_namespace().items}
    return names.get(name) in (None, "Terminating")


@pytest.fixture(scope="module")
def full_run(swarm: Any, kubernetes: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One compare of the canonical example on both platforms, --repeat 1, with a report."""
    out = tmp_path_factory.mktemp("compare")
    name = f"shop-cmpt-{uuid.uuid4().hex[:6]}"
    proc = subprocess.run(
        [sys.executable, "-m", "crossdock", "compare", str(SHOP), "--env", "local", "--targets", "swarm,kubernetes",
         "--repeat", "1", "--name", name, "--report", str(out / "report"), "-o", "json"],
        capture_output=True, text=True, env=ENV, timeout=420, check=False)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON on stdout (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return {"proc": proc, "data": data, "dir": out / "report", "name": name}


def _target(data: dict[str, Any], target: str) -> dict[str, Any]:
    return next(t for t in data["targets"] if t["target"] == target)


def _figure(t: dict[str, Any], scenario: str, name: str) -> float:
    s = next(s for s in t["scenarios"] if s["name"] == scenario)
    f = next(f for f in s["figures"] if f["name"] == name)
    assert len(f["values"]) == 1
    return float(f["values"][0])


def test_compare_completes_every_scenario_on_both(full_run: dict[str, Any]) -> None:
    proc, data = full_run["proc"], full_run["data"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    for target in ("swarm", "kubernetes"):
        t = _target(data, target)
        assert t["measured"], t["reason"]
        states = {s["name"]: (s["state"], s["reason"]) for s in t["scenarios"]}
        assert states == {n: ("ok", "") for n in ("deploy", "status", "scale", "heal", "update", "job")}, states
        assert t["leftovers"] == []


@pytest.mark.parametrize("target", ["swarm", "kubernetes"])
def test_compare_figures_plausible(full_run: dict[str, Any], target: str) -> None:
    t = _target(full_run["data"], target)
    first, every = _figure(t, "deploy", "first replica healthy"), _figure(t, "deploy", "all replicas healthy")
    assert 0 < first <= every < 300
    noticed, healed = _figure(t, "heal", "noticed"), _figure(t, "heal", "healthy again")
    assert 0 < noticed <= healed < 300
    assert 0 < _figure(t, "scale", "scale up 2->4") < 300
    assert 0 < _figure(t, "job", "run to completion") < 300
    assert 0 < _figure(t, "status", "status query") < 10_000  # milliseconds
    assert _figure(t, "update", "rollout") > 0
    # every scenario that watches replicas ends with all of them healthy (the spec's 2 for web)
    for s in t["scenarios"]:
        for tl in s["timelines"]:
            _, healthy, desired = tl["samples"][-1]
            assert healthy == desired == 2, (s["name"], tl["samples"][-3:])


@pytest.mark.parametrize("target", ["swarm", "kubernetes"])
def test_compare_update_availability_from_real_answers(full_run: dict[str, Any], target: str) -> None:
    t = _target(full_run["data"], target)
    upd = next(s for s in t["scenarios"] if s["name"] == "update")
    (probe,) = upd["probes"]
    answers = probe["answers"]
    assert probe["total"] == len(answers) > 0
    assert probe["total"] == probe["old"] + probe["new"] + probe["failed"]
    assert probe["other"] == 0  # the test image shows its env at /env: every 2xx shows the value
    assert probe["old"] > 0 and probe["new"] > 0  # the prober saw both versions
    # a fixed rate: about 20 answers a second over the probed span
    span = answers[-1][0] - answers[0][0]
    assert abs(len(answers) - 20 * span) <= 0.1 * 20 * span + 2
    # the old version answers before the update is submitted (t=0), the new one at the end
    assert answers[0][0] < 0 and answers[0][1] == "old"
    assert answers[-1][0] > upd["timelines"][0]["marks"]["rolled out"] and answers[-1][1] == "new"
    assert t["endpoint"]


def test_compare_leaves_nothing_behind(full_run: dict[str, Any], swarm: Any, kubernetes: Any) -> None:
    name = full_run["name"]
    assert _swarm_leftovers(swarm, name) == []
    assert _k8s_leftovers(kubernetes, swarm, name) == []
    wait_for(lambda: _namespace_gone(kubernetes, name), 90, f"namespace {name} to go")


def test_compare_report_files_and_html_in_chromium(full_run: dict[str, Any], tmp_path: Path) -> None:
    folder = full_run["dir"]
    for f in ("report.html", "report.json", "report.md"):
        assert (folder / f).stat().st_size > 0
    assert json.loads((folder / "report.json").read_text()) == full_run["data"]
    assert "| deploy: all replicas healthy |" in (folder / "report.md").read_text()
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (scripts/bootstrap installs it)"
    shot = tmp_path / "shot.png"
    # The charts sit below the static tables: the page is cut there so they fill the screenshot.
    html = (folder / "report.html").read_text()
    assert "<script" not in html and "https://" not in html
    cut = tmp_path / "charts.html"
    cut.write_text(html[:html.index("<h2>Static")] + html[html.index("<h3>Medians"):])
    proc = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                           "--window-size=1280,2000", f"file://{cut}"], capture_output=True, text=True, timeout=120)
    assert shot.exists(), proc.stderr[-2000:]
    width, height, px = pixels(shot)
    assert (width, height) == (1280, 2000)
    colours = Counter(px)
    background = {(255, 255, 255), (250, 250, 250)}
    assert len(colours) > 50
    assert sum(n for c, n in colours.items() if c not in background) > 0.03 * len(px)
    # the charts are drawn: both platforms' colours fill bars and lines
    assert colours[K8S_BLUE] > 500 and colours[SWARM_ORANGE] > 500
    # and the whole page renders too
    whole = tmp_path / "whole.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={whole}",
                    "--window-size=1280,2000", f"file://{folder / 'report.html'}"], capture_output=True, timeout=120)
    _, _, px2 = pixels(whole)
    assert len(set(px2)) > 50


def test_compare_interrupted_leaves_no_app(swarm: Any, kubernetes: Any, tmp_path: Path) -> None:
    name = f"shop-cmpi-{uuid.uuid4().hex[:6]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossdock", "compare", str(SHOP), "--env", "local", "--targets", "swarm,kubernetes",
         "--scenarios", "deploy,scale", "--repeat", "1", "--name", name, "-o", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 240
    try:
        for line in proc.stderr:
            seen.append(line)
            if "kubernetes: scale" in line:  # swarm done and destroyed; kubernetes mid-scenario
                time.sleep(0.5)
                proc.send_signal(signal.SIGINT)
                break
            assert time.monotonic() < deadline, "".join(seen)
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert any("kubernetes: scale" in s for s in seen), "".join(seen)
    assert proc.returncode == 130, err
    data = json.loads(out)
    assert data["interrupted"] is True
    k8s = _target(data, "kubernetes")
    scale = next(s for s in k8s["scenarios"] if s["name"] == "scale")
    assert (scale["state"], scale["reason"]) == ("not measured", "interrupted")
    assert "destroying" in err
    assert _swarm_leftovers(swarm, name) == []
    assert _k8s_leftovers(kubernetes, swarm, name) == []
    wait_for(lambda: _namespace_gone(kubernetes, name), 90, f"namespace {name} to go")


NEVER_READY = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: unready}
services:
  web:
    image: crossdock-test/httpd:1.0
    env: {UNREADY: "1"}
    ports: [{name: http, port: 8080, publish: true}]
    health:
      readiness: {http: {path: /readyz, port: http}, interval: 1s}
    x-swarm:
      ports: [{target: 8080, protocol: tcp, mode: host}]
"""


def test_compare_failed_scenario_exit_1_and_destroyed(swarm: Any, tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(NEVER_READY)  # /readyz answers 503 while UNREADY is set: never healthy
    name = f"unready-cmpf-{uuid.uuid4().hex[:6]}"
    proc = subprocess.run(
        [sys.executable, "-m", "crossdock", "compare", str(spec), "--targets", "swarm", "--scenarios", "deploy,status",
         "--repeat", "1", "--timeout", "12s", "--name", name, "-o", "json"],
        capture_output=True, text=True, env=ENV, timeout=240, check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    t = _target(json.loads(proc.stdout), "swarm")
    states = {s["name"]: (s["state"], s["reason"]) for s in t["scenarios"]}
    assert states["deploy"][0] == "failed" and "not reached within 12s" in states["deploy"][1]
    assert states["status"] == ("not measured", "the deploy failed")
    assert _swarm_leftovers(swarm, name) == []
