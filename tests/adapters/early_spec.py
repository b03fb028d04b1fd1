"""The one-service app of the early-failure tests (test_kubernetes_wait, test_swarm_wait): with
the job image and EXIT_CODE it crash loops, with an image the node lacks it cannot start."""

EARLY = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  web:
    image: {image}
    env: {{EXIT_CODE: "3", PORT: 8080}}
    health:  # without a check, a Swarm task that runs for a moment counts as healthy
      readiness: {{exec: [/bin/true], interval: 1s}}
    update: {{auto_rollback: {rollback}}}
    x-swarm: {{stop_grace_period: 1s}}
"""
