"""scripts/platforms itself: diagnostics, idempotent `up`, and failures that name the component.

The first two tests use the running platforms (marked platform); the failure tests run the
harness's own start-up function against a component made to fail, in a scratch state folder,
and need no platform.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = ROOT / "scripts" / "platforms"
RECIPES = ROOT / "scripts" / "platforms.d"
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "coredns", "cri-dockerd",
              "kubelet", "kube-proxy")


def platforms(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLATFORMS), *args], capture_output=True, text=True, timeout=timeout)


def pids(status_text: str) -> dict[str, str]:
    return dict(re.findall(r"^([a-z-]+):\s+running, pid (\d+)", status_text, re.M))


@pytest.mark.platform
def test_harness_status_names_components_versions_and_logs(swarm: object, kubernetes: object) -> None:
    proc = platforms("status", "all", timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"^dockerd:\s+server \S+ \(API [0-9.]+\), pid \d+, log (\S+)", out, re.M)
    assert re.search(r"^swarm:\s+active", out, re.M)
    assert re.search(r"^== kubernetes v1\.\d+\.\d+ \(etcd v3\.\d+\.\d+, cri-dockerd v\S+, coredns v\S+\)", out, re.M)
    running = pids(out)
    assert set(COMPONENTS) <= set(running), out
    for log in re.findall(r"log (/\S+)", out):
        assert Path(log).is_file(), log
    assert re.search(r"^node \S+:\s+Ready", out, re.M)


@pytest.mark.platform
def test_harness_up_again_changes_nothing(swarm: object, kubernetes: object) -> None:
    before = pids(platforms("status", "all", timeout=60).stdout)
    t0 = time.monotonic()
    proc = platforms("up", "all")
    took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert took < 60, f"a warm up took {took:.0f}s"
    assert pids(platforms("status", "all", timeout=60).stdout) == before  # nothing restarted
    # every firewall rule the harness adds is there once, however often `up` runs
    for table, chain in (("filter", "FORWARD"), ("filter", "INPUT"), ("raw", "PREROUTING")):
        rules = subprocess.run(["iptables", "-t", table, "-S", chain], capture_output=True, text=True,
                               check=True).stdout.splitlines()
        ours = [r for r in rules if "crossdock-platforms" in r or "--dport 4789" in r]
        assert ours and len(ours) == len(set(ours)), (table, chain, ours)


def run_harness_function(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Source the harness's recipes (as scripts/platforms does) with a scratch state folder and
    run ``script``."""
    env = dict(os.environ, CROSSDOCK_PLATFORMS_STATE=str(tmp_path / "state"),
               CROSSDOCK_CACHE=str(tmp_path / "cache"))
    prelude = (f'set -euo pipefail; STATE="$CROSSDOCK_PLATFORMS_STATE"; CACHE="$CROSSDOCK_CACHE"; '
               f'HERE="{ROOT / "scripts"}"; RECIPES="{RECIPES}"; '
               f'for f in lib swarm images build kubernetes; do source "$RECIPES/$f.sh"; done; ')
    return subprocess.run(["bash", "-c", prelude + script], capture_output=True, text=True, timeout=60, env=env)


def test_harness_component_that_exits_is_named_with_its_log_tail(tmp_path: Path) -> None:
    proc = run_harness_function(
        tmp_path, "start_component fakecomp false 20 /bin/sh -c "
                  "'for i in $(seq 1 60); do echo line-$i; done; echo boom: bad flag >&2; exit 3'")
    assert proc.returncode == 1
    assert "[platforms] FAILED: fakecomp: exited during start-up" in proc.stderr
    assert re.search(r"last 40 lines of \S+fakecomp\.log", proc.stderr)
    assert "    boom: bad flag" in proc.stderr and "    line-60" in proc.stderr
    assert "line-20\n" not in proc.stderr  # only the end of the log


def test_harness_component_never_ready_is_named_after_its_timeout(tmp_path: Path) -> None:
    t0 = time.monotonic()
    proc = run_harness_function(tmp_path, "start_component slowcomp false 2 /bin/sh -c 'echo waiting; sleep 30'")
    assert proc.returncode == 1 and time.monotonic() - t0 < 20
    assert "[platforms] FAILED: slowcomp: not ready after 2s" in proc.stderr
    assert "    waiting" in proc.stderr
    subprocess.run(["pkill", "-f", "echo waiting; sleep 30"], check=False)
