"""Time from `crossdock deploy --wait` to all replicas healthy, against the native tools doing
the same on the same local platform, measured side by side in one run.

    python bench/deploy_bench.py --target kubernetes --runs 5
    python bench/deploy_bench.py --target swarm --runs 5

The app: SERVICES services x REPLICAS replicas of crossdock-test/httpd:1.0, each with an HTTP
readiness check on /healthz every second (Swarm: host-mode ports without a published port, as
these machines have no routing mesh; Kubernetes: a 1 s termination grace so that teardown is
short).  Runs alternate (crossdock, native, crossdock, native ...), each in a fresh namespace
(Kubernetes) or under a fresh stack name (Swarm), removed and waited for between runs; only
the deploy is timed, from the first command's start to the moment the tool says everything is
healthy.

- crossdock: the CLI as a user runs it, `crossdock deploy FILE --target T --wait`: the installed
  entry point itself, not a pyenv shim in front of it (a bash script that costs ~50 ms per
  command on this machine; the native tools have none).
- native Kubernetes: `kubectl apply -f <crossdock render output>` then `kubectl rollout status`
  for every Deployment, one after the other (the usual CI script).
- native Swarm: `docker stack deploy --resolve-image never -c <rendered stack>` then polling the
  engine's API every POLL s until every service has REPLICAS tasks in state running (Swarm moves
  a task with a health check to running only once the check passed).

- with `--library`, a third column, crossdock-lib: the same deploy and wait through the adapter
  inside this (warm) process, `adapter.deploy(...)` then `adapter.wait(...)`: what crossdock
  costs without starting a Python process and importing its libraries.

Prints each run and, per tool, median / min / max and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable

STATE = Path(os.environ.get("CROSSDOCK_PLATFORMS_STATE", "/var/lib/crossdock-platforms"))
KUBECTL = str(STATE / "kubernetes" / "kubectl")
KUBECONFIG = str(STATE / "kubernetes" / "kubeconfig")
SERVICES = 3
REPLICAS = 2
POLL = 0.1  # native Swarm polling: faster than any script would, so native is at its best
SERVICE = """\
  web{i}:
    image: crossdock-test/httpd:1.0
    replicas: {replicas}
    env: {{PORT: 8080}}
    ports: [{{name: http, port: 8080}}]
    health:
      readiness: {{http: {{path: /healthz, port: http}}, interval: 1s}}
    x-swarm: {{ports: [{{target: 8080, protocol: tcp, mode: host}}], stop_grace_period: 1s}}
    x-kubernetes: {{spec: {{template: {{spec: {{terminationGracePeriodSeconds: 1}}}}}}}}
"""


def crossdock_command() -> str:
    """The `crossdock` entry point: $CROSSDOCK_BENCH_COMMAND (e.g. a virtualenv with a plain
    `pip install '.[platforms]'`, as a user installs it), else the one on PATH (the program
    behind pyenv's shim when there is one)."""
    found = os.environ.get("CROSSDOCK_BENCH_COMMAND") or shutil.which("crossdock") or "crossdock"
    if "/shims/" in found:
        found = subprocess.run(["pyenv", "which", "crossdock"], capture_output=True, text=True,
                               check=True).stdout.strip()
    return found


CROSSDOCK = crossdock_command()


def spec_text(app: str, services: int = SERVICES, replicas: int = REPLICAS) -> str:
    body = "".join(SERVICE.format(i=i, replicas=replicas) for i in range(1, services + 1))
    return f"apiVersion: crossdock/v1\nkind: App\nmetadata: {{name: {app}}}\nservices:\n{body}"


def run(cmd: list[str], **kw: Any) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return str(proc.stdout)


def until(done: Callable[[], bool], timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(interval)


def render(spec: Path, target: str) -> Path:
    out = spec.parent / "out"
    run([CROSSDOCK, "render", str(spec), "--target", target, "-o", str(out), "-q"])
    return next((out / target).glob("*.y*ml"))


def in_process(adapter: Any, spec_file: Path, target: str) -> None:
    from crossdock.specs.loader import load
    from crossdock.translators.base import get
    spec = load(str(spec_file))
    adapter.deploy(spec, get(target).translate(spec))
    adapter.wait(spec.app.name, 300)


class Kubernetes:
    env = dict(os.environ, KUBECONFIG=KUBECONFIG)

    def kubectl(self, *args: str) -> str:
        return run([KUBECTL, *args], env=self.env)

    def prepare(self, app: str) -> str:
        ns = f"bench-{app}"
        self.kubectl("create", "namespace", ns)
        until(lambda: subprocess.run([KUBECTL, "-n", ns, "get", "serviceaccount", "default"], env=self.env,
                                     capture_output=True).returncode == 0, 30, f"serviceaccount {ns}/default")
        return ns

    def crossdock(self, spec: Path, ns: str, command: str = CROSSDOCK) -> None:
        run([command, "deploy", str(spec), "--target", "kubernetes", "-n", ns, "--wait", "--timeout", "5m"],
            env=self.env)

    def library(self, spec: Path, ns: str) -> None:
        from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
        in_process(KubernetesAdapter(namespace=ns, kubeconfig=KUBECONFIG), spec, "kubernetes")

    def native(self, rendered: Path, ns: str) -> None:
        self.kubectl("apply", "-n", ns, "-f", str(rendered))
        for i in range(1, SERVICES + 1):
            self.kubectl("rollout", "status", "-n", ns, f"deployment/web{i}", "--timeout=5m")

    def cleanup(self, app: str, ns: str) -> None:
        self.kubectl("delete", "namespace", ns, "--wait=true", "--timeout=180s")


class Swarm:
    def __init__(self) -> None:
        import docker
        self.api = docker.APIClient(base_url="unix:///var/run/docker.sock")

    def prepare(self, app: str) -> str:
        return app

    def crossdock(self, spec: Path, app: str, command: str = CROSSDOCK) -> None:
        run([command, "deploy", str(spec), "--target", "swarm", "--wait", "--timeout", "5m"])

    def library(self, spec: Path, app: str) -> None:
        from crossdock.adapters.swarm.adapter import SwarmAdapter
        in_process(SwarmAdapter(), spec, "swarm")

    def native(self, rendered: Path, app: str) -> None:
        run(["docker", "stack", "deploy", "--resolve-image", "never", "-c", str(rendered), app])
        label = {"label": f"com.docker.stack.namespace={app}"}

        def healthy() -> bool:
            services = self.api.services(filters=label)
            tasks = self.api.tasks(filters=label | {"desired-state": "running"})
            running: dict[str, int] = {}
            for t in tasks:
                if t["Status"]["State"] == "running":
                    running[t["ServiceID"]] = running.get(t["ServiceID"], 0) + 1
            return len(services) == SERVICES and all(running.get(s["ID"], 0) >= REPLICAS for s in services)

        until(healthy, 300, f"stack {app} to be healthy", interval=POLL)

    def cleanup(self, app: str, _: str) -> None:
        label = {"label": f"com.docker.stack.namespace={app}"}

        def gone() -> bool:
            # `stack rm` refuses a network while a task is still attached to it: ask again
            subprocess.run(["docker", "stack", "rm", app], capture_output=True, check=False)
            return not (self.api.services(filters=label) or self.api.containers(all=True, filters=label)
                        or self.api.networks(filters=label))

        until(gone, 180, f"stack {app} to go", interval=1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=["kubernetes", "swarm"], required=True)
    ap.add_argument("--runs", type=int, default=5, help="runs per tool (interleaved)")
    ap.add_argument("--library", action="store_true", help="also time the adapter in this process")
    ap.add_argument("--also", action="append", default=[], metavar="LABEL=COMMAND",
                    help="also time another crossdock entry point (e.g. an older version), interleaved")
    args = ap.parse_args()
    platform: Any = Kubernetes() if args.target == "kubernetes" else Swarm()
    times: dict[str, list[float]] = {"crossdock": [], "native": []}
    if args.library:
        times["crossdock-lib"] = []
    others = dict(a.split("=", 1) for a in args.also)
    for label in others:
        times[label] = []
    with tempfile.TemporaryDirectory(prefix="crossdock-bench-") as tmp:
        for n in range(args.runs):
            for tool in times:
                app = f"cdb{uuid.uuid4().hex[:8]}"
                d = Path(tmp) / app
                d.mkdir()
                spec = d / "app.yaml"
                spec.write_text(spec_text(app))
                rendered = render(spec, args.target)  # native applies crossdock's output; not timed
                where = platform.prepare(app)
                try:
                    t0 = time.perf_counter()
                    if tool == "crossdock":
                        platform.crossdock(spec, where)
                    elif tool == "crossdock-lib":
                        platform.library(spec, where)
                    elif tool in others:
                        platform.crossdock(spec, where, others[tool])
                    else:
                        platform.native(rendered, where)
                    took = time.perf_counter() - t0
                finally:
                    platform.cleanup(app, where)
                times[tool].append(took)
                print(f"run {n + 1} {tool:<13} {took:6.2f} s", flush=True)
    med = {t: statistics.median(v) for t, v in times.items()}
    mean = {t: statistics.fmean(v) for t, v in times.items()}
    print(f"crossdock command: {CROSSDOCK}")
    for tool, values in times.items():
        print(f"{args.target} {tool:<13} median {med[tool]:.2f} s  mean {mean[tool]:.2f}  min {min(values):.2f}  "
              f"max {max(values):.2f}  (n={len(values)}: {' '.join(f'{v:.2f}' for v in values)})")
    for tool in times:
        if tool != "native":
            print(f"{args.target} ratio {tool}/native: medians {med[tool] / med['native']:.2f}, "
                  f"means {mean[tool] / mean['native']:.2f}")


if __name__ == "__main__":
    main()
