"""Import benchmark for issue 5: a generated 200-service compose file -> a crossdock spec.

The file is what a large real project looks like: every service with an image from variables,
environment (a list and a map), published and exposed ports, a named volume, a config file,
a secret, a healthcheck, depends_on with a condition and a deploy block (replicas, resources,
update_config, placement, labels).  Measured in-process (best of 5), each stage:

- import: read and merge the project, map every service, the loss report;
- write: the canonical YAML text;
- check: loading that text back through the spec loader (what `crossdock import` does before
  it writes anything);

and `crossdock import FILE -o OUT` as a new process (median of 5).

Run: python bench/import_bench.py [SERVICES]   (a few seconds)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from crossdock.translators.importers import base


def compose_text(n: int) -> str:
    lines = ["name: bench", "services:"]
    for i in range(n):
        dep = f"svc-{i - 1}" if i else None
        lines += [
            f"  svc-{i}:",
            f"    image: ${{REGISTRY:-registry.example.test}}/svc-{i}:${{TAG:-1.0.{i}}}",
            "    environment:",
            f"      - SERVICE_INDEX={i}",
            f"      - UPSTREAM=http://svc-{max(i - 1, 0)}:8080",
            "      - LOG_LEVEL=${LOG_LEVEL:-info}",
            f"    ports: [\"{10000 + i}:8080\", \"9{i:03d}\"]",
            "    expose: [\"9100\"]",
            "    volumes:",
            f"      - data-{i % 20}:/var/lib/svc",
            "      - type: tmpfs",
            "        target: /tmp",
            "        tmpfs: {size: 64m}",
            "    configs:",
            "      - source: shared",
            "        target: /etc/svc/shared.conf",
            "    secrets: [api_key]",
            "    healthcheck:",
            "      test: [\"CMD\", \"wget\", \"-q\", \"-O\", \"/dev/null\", \"http://127.0.0.1:8080/health\"]",
            "      interval: 10s",
            "      timeout: 2s",
            "      retries: 3",
            "      start_period: 5s",
        ]
        if dep:
            lines += ["    depends_on:", f"      {dep}:", "        condition: service_healthy"]
        lines += [
            "    labels: {team: bench, tier: backend}",
            "    deploy:",
            f"      replicas: {1 + i % 3}",
            "      resources:",
            "        limits: {cpus: \"0.5\", memory: 256M}",
            "        reservations: {cpus: \"0.1\", memory: 64M}",
            "      update_config: {parallelism: 1, order: start-first, failure_action: rollback, monitor: 30s}",
            "      placement:",
            "        constraints: [\"node.labels.pool == apps\"]",
            "        preferences: [{spread: node.labels.zone}]",
            "      labels: {app.example.com/index: \"" + str(i) + "\"}",
        ]
    lines += ["volumes:"] + [f"  data-{k}: {{}}" for k in range(20)]
    lines += ["configs:", "  shared:", "    content: |", "      shared = true", "secrets:", "  api_key:",
              "    environment: API_KEY"]
    return "\n".join(lines) + "\n"


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    text = compose_text(n)
    sources = base.MemorySources({"bench/compose.yaml": text})
    importer = base.get_importer("compose")

    def run_import() -> base.ImportResult:
        return importer.import_files(["bench/compose.yaml"], sources, name=None, environ={})

    result = run_import()
    spec_text = base.write_spec(result)
    loaded = base.check_spec(spec_text)
    assert len(loaded.app.services) == n, "every service imported"
    t_import = _best(run_import)
    t_write = _best(lambda: base.write_spec(result))
    t_check = _best(lambda: base.check_spec(spec_text))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "compose.yaml")
        path.write_text(text)
        cold = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "crossdock", "import", str(path), "-q", "-o",
                            str(Path(tmp, "app.yaml"))], check=True)
            cold.append(time.perf_counter() - t0)
    print(f"compose file: {n} services, {len(text) / 1024:.0f} KiB, {len(result.losses)} losses; "
          f"spec: {len(spec_text) / 1024:.0f} KiB")
    print("| services | import | write | check (load back) | in-process total | `crossdock import` (new process) |")
    print("|---:|---:|---:|---:|---:|---:|")
    total = t_import + t_write + t_check
    print(f"| {n} | {t_import * 1000:.0f} ms | {t_write * 1000:.0f} ms | {t_check * 1000:.0f} ms | "
          f"{total * 1000:.0f} ms | {statistics.median(cold) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
