"""`crossdock status` latency for a 50-service app with real replicas, and the number of API calls
each status takes, on the local Swarm and the local Kubernetes node.

    python bench/status_bench.py --target swarm --target kubernetes --calls 20

For each target and each size (5 and 50 services of crossdock-test/httpd:1.0, one replica
each): deploy the app and wait until every replica runs, then time ``adapter.status()``
in-process CALLS times (median, p90, min, max), then `crossdock status APP -o json` as a
user runs it (a new process: imports and connection included; median of 5 runs; the entry
point as deploy_bench.py finds it: $CROSSDOCK_BENCH_COMMAND, else the program behind PATH's).
API calls are counted at the clients' HTTP layer: every request the kubernetes client or
docker-py sends goes through ``urllib3.connectionpool.HTTPConnectionPool.urlopen``
(docker-py's unix-socket pool is a subclass), which is wrapped to count; the count must be the same for 5 and 50 services.  The
app is destroyed afterwards (Kubernetes: with its namespace).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import urllib3.connectionpool

from deploy_bench import CROSSDOCK  # noqa: E402  (bench/ is sys.path[0] when run as a script)

STATE = Path(os.environ.get("CROSSDOCK_PLATFORMS_STATE", "/var/lib/crossdock-platforms"))
KUBECONFIG = str(STATE / "kubernetes" / "kubeconfig")
KUBECTL = str(STATE / "kubernetes" / "kubectl")
SERVICE = "  s{i:02d}:\n    image: crossdock-test/httpd:1.0\n    env: {{PORT: 8080}}\n" \
          "    x-swarm: {{stop_grace_period: 1s}}\n" \
          "    x-kubernetes: {{spec: {{template: {{spec: {{terminationGracePeriodSeconds: 1}}}}}}}}\n"


class Counter:
    """Counts the HTTP requests sent through urllib3 connection pools while active."""

    def __init__(self) -> None:
        self.calls = 0
        self.active = False
        real = urllib3.connectionpool.HTTPConnectionPool.urlopen
        counter = self

        def urlopen(pool: Any, method: str, url: str, *a: Any, **kw: Any) -> Any:
            if counter.active:
                counter.calls += 1
            return real(pool, method, url, *a, **kw)

        urllib3.connectionpool.HTTPConnectionPool.urlopen = urlopen  # type: ignore[method-assign,assignment]

    def measure(self, fn: Any) -> tuple[float, int, Any]:
        self.calls, self.active = 0, True
        t0 = time.perf_counter()
        try:
            out = fn()
        finally:
            self.active = False
        return time.perf_counter() - t0, self.calls, out


def deploy(target: str, app: str, services: int, tmp: Path) -> tuple[Any, list[str]]:
    """Deploy the app in-process and wait until it is healthy; the adapter and the CLI's
    connection arguments."""
    from crossdock.specs.loader import load
    from crossdock.translators.base import get
    spec_file = tmp / f"{app}.yaml"
    body = "".join(SERVICE.format(i=i) for i in range(1, services + 1))
    spec_file.write_text(f"apiVersion: crossdock/v1\nkind: App\nmetadata: {{name: {app}}}\nservices:\n{body}")
    spec = load(str(spec_file))
    adapter: Any
    if target == "kubernetes":
        from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
        ns = f"bench-{app}"
        subprocess.run([KUBECTL, "--kubeconfig", KUBECONFIG, "create", "namespace", ns], check=True,
                       capture_output=True)
        adapter = KubernetesAdapter(namespace=ns, kubeconfig=KUBECONFIG)
        cli = ["-n", ns]
        deadline = time.monotonic() + 30
        while True:  # pods are refused until the namespace's default ServiceAccount exists
            try:
                adapter.conn.request("reading", "GET", f"/api/v1/namespaces/{ns}/serviceaccounts/default")
                break
            except Exception:  # noqa: BLE001 - retried until the deadline
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    else:
        from crossdock.adapters.swarm.adapter import SwarmAdapter
        adapter, cli = SwarmAdapter(), []
    adapter.deploy(spec, get(target).translate(spec))
    adapter.wait(app, 600)
    return adapter, cli


def destroy(target: str, adapter: Any, app: str) -> None:
    adapter.destroy(app)
    if target == "kubernetes":
        subprocess.run([KUBECTL, "--kubeconfig", KUBECONFIG, "delete", "namespace",
                        adapter.namespace, "--wait=false"], capture_output=True, check=False)


CLI_RUNS = 5  # `crossdock status` as a new process: the median of this many


def bench(target: str, services: int, calls: int, counter: Counter, tmp: Path, settle: float = 0) -> dict[str, Any]:
    app = f"cds{uuid.uuid4().hex[:8]}"
    adapter, cli = deploy(target, app, services, tmp)
    try:
        time.sleep(settle)  # let the node finish starting the replicas before timing
        counter.measure(lambda: adapter.status(app))  # connection made, not counted below
        times, counts = [], []
        for _ in range(calls):
            took, n, st = counter.measure(lambda: adapter.status(app))
            assert len(st.workloads) == services and st.ready, st
            times.append(took)
            counts.append(n)
        cli_times = []
        for _ in range(CLI_RUNS):
            t0 = time.perf_counter()
            out = subprocess.run([CROSSDOCK, "status", app, "--target", target, *cli, "-o", "json"],
                                 capture_output=True, text=True, check=True,
                                 env=dict(os.environ, KUBECONFIG=KUBECONFIG)).stdout
            cli_times.append(time.perf_counter() - t0)
        cli_took = statistics.median(cli_times)
        reported = json.loads(out)["api_calls"]
    finally:
        destroy(target, adapter, app)
    times.sort()
    return {"target": target, "services": services, "median": statistics.median(times),
            "p90": times[max(0, int(round(0.9 * len(times))) - 1)], "min": times[0], "max": times[-1],
            "http_requests": sorted(set(counts)), "api_calls_reported": reported, "cli": cli_took}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", action="append", choices=["kubernetes", "swarm"])
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--sizes", default="5,50")
    ap.add_argument("--settle", type=float, default=0, metavar="SECONDS",
                    help="wait this long after the app is healthy before timing (the node is busy "
                         "starting containers until then)")
    args = ap.parse_args()
    counter = Counter()
    with tempfile.TemporaryDirectory(prefix="crossdock-status-bench-") as tmp:
        for target in args.target or ["swarm", "kubernetes"]:
            for size in (int(s) for s in args.sizes.split(",")):
                r = bench(target, size, args.calls, counter, Path(tmp), args.settle)
                print(f"{r['target']:<10} {r['services']:>3} services: status() median {r['median'] * 1000:.0f} ms"
                      f"  p90 {r['p90'] * 1000:.0f}  min {r['min'] * 1000:.0f}  max {r['max'] * 1000:.0f}"
                      f"  (n={args.calls}); HTTP requests per status {r['http_requests']}"
                      f" (adapter reports {r['api_calls_reported']}); CLI `crossdock status` {r['cli']:.2f} s (median of {CLI_RUNS})",
                      flush=True)


if __name__ == "__main__":
    main()
