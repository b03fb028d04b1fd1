"""Generate an app spec with N services (and N/10 jobs and cron jobs) for benchmarks.

Each service uses the features that cost the most to render: env, a config file, a secret,
ports with a published one, health checks, resources, an update policy, placement, a route.
"""

from __future__ import annotations

import sys


def spec_text(n: int) -> str:
    out = ["apiVersion: crossdock/v1", "kind: App", "metadata:", "  name: bench",
           "secrets:", "  token:", "    external: true", "volumes:", "  data:", "    size: 1Gi",
           "services:"]
    for i in range(n):
        out += [
            f"  svc-{i}:",
            f"    image: registry.example.com/svc-{i}:1.{i}",
            "    env:",
            f"      INDEX: \"{i}\"",
            "      GREETING: \"hello: world # $$not-a-var\"",
            "    files:",
            "      - path: /etc/app/app.conf",
            f"        content: \"index={i}\\nname=svc-{i}\\n\"",
            "    secrets:",
            "      - {secret: token, env: TOKEN}",
            "    ports:",
            "      - {name: http, port: 8080}",
            f"      - {{name: admin, port: 9000, publish: true, published_port: {20000 + i}}}",
            "    health:",
            "      liveness: {http: {path: /healthz, port: http}, interval: 10s}",
            "      readiness: {tcp: {port: http}, interval: 5s}",
            "    resources:",
            "      requests: {cpu: 100m, memory: 64Mi}",
            "      limits: {cpu: 500m, memory: 128Mi}",
            f"    replicas: {1 + i % 3}",
            "    update: {parallelism: 1, surge: 1, auto_rollback: true}",
            "    placement: {constraints: {disk: ssd}, spread: [zone]}",
            f"    route: {{host: svc-{i}.example.com, path: /, port: http}}",
        ]
    out.append("jobs:")
    for i in range(max(1, n // 10)):
        out += [f"  job-{i}:", f"    image: registry.example.com/job:{i}", "    args: [run, --all]",
                "    retries: 2"]
    out.append("cron_jobs:")
    for i in range(max(1, n // 10)):
        out += [f"  cron-{i}:", f"    image: registry.example.com/job:{i}", f"    schedule: \"{i % 60} 3 * * *\""]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(spec_text(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
