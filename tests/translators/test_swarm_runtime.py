"""Swarm: security, working directory, host name, stop, per-node services, aliases and
config sizes, read back through ``docker stack config`` (the CLI's own loader).  Expectations
follow the compose file v3 reference (``user``, ``read_only``, ``cap_add``/``cap_drop``,
``deploy.mode: global``, ``networks.<net>.aliases``), the docker CLI's list of options
``docker stack deploy`` ignores (``privileged``, ``security_opt``) and swarmkit's config limit
(``MaxConfigSize`` = 1000 KiB, data must be smaller)."""

from __future__ import annotations

import json
from typing import Any

from checkers.swarm import stack_config
from crossdock.specs.loader import load
from crossdock.translators.base import Bundle
from crossdock.translators.swarm.translator import SwarmTranslator


def translate(body: dict[str, Any]) -> Bundle:
    doc = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"}, **body}
    return SwarmTranslator().translate(load("app.yaml", text=json.dumps(doc), environ={}))


def services(bundle: Bundle) -> dict[str, Any]:
    out: dict[str, Any] = stack_config(bundle.files[bundle.primary])["services"]
    return out


def features(bundle: Bundle) -> dict[str, str]:
    return {w.path: w.feature for w in bundle.warnings}


def test_security_becomes_service_fields() -> None:
    sec = {"user": 1000, "group": 2000, "read_only_root": True,
           "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}
    bundle = translate({"services": {"web": {"image": "nginx", "security": sec}}})
    web = services(bundle)["web"]
    assert web["user"] == "1000:2000"
    assert web["read_only"] is True
    assert web["cap_add"] == ["NET_BIND_SERVICE"] and web["cap_drop"] == ["ALL"]
    assert bundle.warnings == []


def test_privileged_and_no_new_privileges_are_reported_not_written() -> None:
    # stack_config refuses the keys docker stack deploy ignores, so passing proves they are absent.
    bundle = translate({"services": {"a": {"image": "x", "security": {"user": "app", "privileged": True,
                                                                       "no_new_privileges": True}}}})
    a = services(bundle)["a"]
    assert a["user"] == "app"
    assert "privileged" not in a and "security_opt" not in a
    assert features(bundle) == {"services.a.security.privileged": "security_privileged",
                                "services.a.security.no_new_privileges": "security_no_new_privileges"}


def test_group_without_user_is_reported() -> None:
    bundle = translate({"jobs": {"j": {"image": "x", "security": {"group": 50}}}})
    assert "user" not in services(bundle)["j"]
    assert features(bundle) == {"jobs.j.security.group": "security_group_only"}


def test_working_dir_hostname_and_stop() -> None:
    bundle = translate({"services": {"web": {"image": "x", "working_dir": "/srv", "hostname": "web.example.com",
                                             "stop_grace_period": "90s", "stop_signal": "SIGQUIT"}}})
    web = services(bundle)["web"]
    assert web["working_dir"] == "/srv"
    assert web["hostname"] == "web.example.com"
    assert web["stop_grace_period"] == "1m30s"
    assert web["stop_signal"] == "SIGQUIT"
    assert bundle.warnings == []


def test_per_node_service_and_its_sidecar_are_global() -> None:
    bundle = translate({"services": {"agent": {
        "image": "x", "mode": "per_node", "placement": {"constraints": {"disk": "ssd"}},
        "sidecars": [{"name": "exporter", "image": "y", "working_dir": "/e", "security": {"user": 65534}}]}}})
    got = services(bundle)
    for name in ("agent", "agent-exporter"):
        assert got[name]["deploy"]["mode"] == "global"
        assert "replicas" not in got[name]["deploy"]
        assert got[name]["deploy"]["placement"]["constraints"] == ["node.labels.disk == ssd"]
    assert got["agent-exporter"]["working_dir"] == "/e" and got["agent-exporter"]["user"] == "65534"


def test_aliases_are_network_aliases_on_the_default_network() -> None:
    bundle = translate({"services": {"db": {"image": "postgres", "aliases": ["database", "my_db", "db.local"]}}})
    assert services(bundle)["db"]["networks"] == {"default": {"aliases": ["database", "my_db", "db.local"]}}
    assert bundle.warnings == []


def test_env_names_with_dots_and_dashes_are_kept() -> None:
    bundle = translate({"services": {"es": {"image": "x", "env": {"discovery.type": "single-node", "a-b": "1"}}}})
    assert services(bundle)["es"]["environment"] == {"discovery.type": "single-node", "a-b": "1"}


def test_config_of_1000_kib_is_reported() -> None:
    def one(size: int) -> Bundle:
        return translate({"services": {"w": {"image": "x", "files": [{"path": "/etc/big", "content": "a" * size}]}}})
    assert one(1000 * 1024 - 1).warnings == []  # swarmkit: data must be less than MaxConfigSize
    over = one(1000 * 1024)
    assert features(over) == {"services.w.files[0]": "config_size"}
    assert "1,024,000 bytes" in over.warnings[0].message
