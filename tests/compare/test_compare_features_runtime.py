"""The static comparison counts issue 20's fields (security, runtime, per_node, aliases) among
the features a spec uses, and each target's level for them comes from the support matrix and
the translators' report."""

from __future__ import annotations

from pathlib import Path

from crossdock.adapters.compare.features import features_used
from crossdock.adapters.compare.static import compare_static
from crossdock.specs.loader import load

SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: hard}
services:
  api:
    image: crossdock-test/httpd:1.0
    aliases: [api-old]
    ports: [{name: http, port: 8080}]
    working_dir: /srv
    hostname: api-host
    stop_grace_period: 5s
    stop_signal: SIGQUIT
    env: {discovery.type: single-node}
    security:
      user: 1000
      read_only_root: true
      capabilities: {drop: [ALL]}
      no_new_privileges: true
  agent:
    image: crossdock-test/httpd:1.0
    mode: per_node
    init:
      - {name: prep, image: crossdock-test/job:1.0, security: {privileged: true}}
"""


def test_features_used_counts_runtime_security_and_per_node(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(SPEC)
    used = features_used(load(str(tmp_path / "app.yaml")).app)
    assert used >= {"per_node", "replicas", "aliases", "security_user", "security_read_only_root",
                    "security_capabilities", "security_no_new_privileges", "security_privileged", "working_dir",
                    "hostname", "stop_grace_period", "stop_signal", "env_names", "init"}
    assert "autoscale" not in used


def test_static_levels_of_runtime_fields(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(SPEC)
    spec = load(str(tmp_path / "app.yaml"))
    by = {r.target: r.features for r in compare_static(spec, ["kubernetes", "swarm", "nomad"], renders=1)}
    # The pod API's stop signal is alpha, off by default: Kubernetes does not render it.
    assert by["kubernetes"]["stop_signal"] != "native" and by["swarm"]["stop_signal"] == "native"
    # docker stack deploy ignores security_opt: no_new_privileges is not carried to Swarm.
    assert by["swarm"]["security_no_new_privileges"] != "native"
    assert by["kubernetes"]["security_no_new_privileges"] == "native"
    assert all(levels["per_node"] in ("native", "approximated") for levels in by.values())
