"""Kubernetes: security, working directory, host name, stop, per-node services, aliases and
config sizes.  Expectations follow the pod API reference (SecurityContext, PodSpec.hostname,
terminationGracePeriodSeconds), the apps/v1 DaemonSet rules (exactly one of maxSurge and
maxUnavailable non-zero) and the ConfigMap limit (1 MiB of data), not the translator's output."""

from __future__ import annotations

import json
from typing import Any

import yaml

from checkers.kubernetes import validate
from checkers.kubernetes_rules import rule_errors
from crossdock.specs.loader import load
from crossdock.translators.base import Bundle
from crossdock.translators.kubernetes.translator import KubernetesTranslator


def translate(body: dict[str, Any]) -> Bundle:
    doc = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"}, **body}
    return KubernetesTranslator().translate(load("app.yaml", text=json.dumps(doc), environ={}))


def docs_of(bundle: Bundle) -> list[dict[str, Any]]:
    docs = [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d is not None]
    assert validate(docs) == []
    assert [e for d in docs for e in rule_errors(d)] == []
    return docs


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    hits = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(hits) == 1, f"{kind}/{name}: {len(hits)} documents"
    return hits[0]


def features(bundle: Bundle) -> dict[str, str]:
    return {w.path: w.feature for w in bundle.warnings}


def test_security_becomes_the_container_security_context() -> None:
    sec = {"user": 1000, "group": 2000, "read_only_root": True, "no_new_privileges": True,
           "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}
    bundle = translate({"services": {"web": {"image": "nginx", "security": sec}}})
    container = find(docs_of(bundle), "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"] == {
        "runAsUser": 1000, "runAsGroup": 2000, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}
    assert bundle.warnings == []


def test_security_user_name_is_reported_not_rendered() -> None:
    bundle = translate({"services": {"db": {"image": "postgres", "security": {"user": "postgres", "group": 70}}}})
    container = find(docs_of(bundle), "Deployment", "db")["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"] == {"runAsGroup": 70}
    assert features(bundle) == {"services.db.security.user": "security_user_name"}


def test_security_privileged_drops_no_new_privileges() -> None:
    # The API server refuses allowPrivilegeEscalation: false beside privileged: true.
    bundle = translate({"services": {"a": {"image": "x", "security": {"privileged": True,
                                                                       "no_new_privileges": True}}}})
    container = find(docs_of(bundle), "Deployment", "a")["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"] == {"privileged": True}
    assert features(bundle) == {"services.a.security.no_new_privileges": "security_no_new_privileges"}


def test_security_and_working_dir_of_steps() -> None:
    step = {"name": "s", "image": "busybox", "working_dir": "/w", "security": {"user": 7, "read_only_root": True}}
    bundle = translate({"jobs": {"j": {"image": "x", "init": [step], "sidecars": [{**step, "name": "p"}]}}})
    pod = find(docs_of(bundle), "Job", "j")["spec"]["template"]["spec"]
    by_name = {c["name"]: c for c in pod["initContainers"]}
    for name in ("s", "p"):
        assert by_name[name]["workingDir"] == "/w"
        assert by_name[name]["securityContext"] == {"runAsUser": 7, "readOnlyRootFilesystem": True}


def test_working_dir_hostname_and_grace_period() -> None:
    bundle = translate({"services": {"web": {"image": "x", "working_dir": "/srv", "hostname": "web1",
                                             "stop_grace_period": "1m30s"}}})
    pod = find(docs_of(bundle), "Deployment", "web")["spec"]["template"]["spec"]
    assert pod["hostname"] == "web1"
    assert pod["terminationGracePeriodSeconds"] == 90
    assert pod["containers"][0]["workingDir"] == "/srv"
    assert bundle.warnings == []


def test_dotted_hostname_keeps_its_first_label() -> None:
    bundle = translate({"services": {"web": {"image": "x", "hostname": "web.example.com",
                                             "stop_grace_period": "500ms"}}})
    pod = find(docs_of(bundle), "Deployment", "web")["spec"]["template"]["spec"]
    assert pod["hostname"] == "web"
    assert pod["terminationGracePeriodSeconds"] == 1  # whole seconds, rounded up
    assert features(bundle) == {"services.web.hostname": "hostname",
                                "services.web.stop_grace_period": "stop_grace_period"}


def test_stop_signal_is_reported_and_not_rendered() -> None:
    bundle = translate({"services": {"web": {"image": "x", "stop_signal": "SIGQUIT"}}})
    pod = find(docs_of(bundle), "Deployment", "web")["spec"]["template"]["spec"]
    assert "lifecycle" not in pod["containers"][0]
    assert features(bundle) == {"services.web.stop_signal": "stop_signal"}


def test_per_node_service_is_a_daemon_set_with_placement() -> None:
    bundle = translate({"services": {"agent": {"image": "x", "mode": "per_node",
                                               "placement": {"constraints": {"disk": "ssd"}},
                                               "update": {"surge": 0, "parallelism": 3}}}})
    docs = docs_of(bundle)
    assert not [d for d in docs if d["kind"] == "Deployment"]
    ds = find(docs, "DaemonSet", "agent")
    assert "replicas" not in ds["spec"]
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                            "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 3}}
    assert ds["spec"]["template"]["spec"]["nodeSelector"] == {"disk": "ssd"}
    assert ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()


def test_per_node_surge_sets_max_surge_only() -> None:
    bundle = translate({"services": {"agent": {"image": "x", "mode": "per_node",
                                               "update": {"surge": 2, "parallelism": 2}}}})
    ds = find(docs_of(bundle), "DaemonSet", "agent")
    assert ds["spec"]["updateStrategy"]["rollingUpdate"] == {"maxSurge": 2, "maxUnavailable": 0}


def test_alias_is_a_service_with_the_same_pods_and_ports() -> None:
    bundle = translate({"services": {"db": {"image": "postgres", "ports": [{"name": "pg", "port": 5432}],
                                            "aliases": ["database", "Old-DB", "my_db", "db.local"]}}})
    docs = docs_of(bundle)
    main = find(docs, "Service", "db")
    for name in ("database", "old-db"):
        alias = find(docs, "Service", name)
        assert alias["spec"]["selector"] == main["spec"]["selector"]
        assert alias["spec"]["ports"] == main["spec"]["ports"]
        assert alias["metadata"]["labels"]["app.kubernetes.io/name"] == "db"
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "Service"} == {"db", "database", "old-db"}
    assert {p: f for p, f in features(bundle).items() if f == "aliases"}.keys() == {
        f"services.db.aliases[{i}]" for i in range(4)}
    lost = [w.message for w in bundle.warnings if w.path in ("services.db.aliases[2]", "services.db.aliases[3]")]
    assert all("not rendered" in m for m in lost) and len(lost) == 2


def test_env_names_with_dots_and_dashes_are_kept() -> None:
    bundle = translate({"services": {"es": {"image": "x", "env": {"discovery.type": "single-node",
                                                                   "xpack-ml": "false"}}}})
    env = find(docs_of(bundle), "Deployment", "es")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["name"]: e["value"] for e in env} == {"discovery.type": "single-node", "xpack-ml": "false"}


def test_config_map_over_one_mib_is_reported() -> None:
    def files(sizes: list[int]) -> dict[str, Any]:
        return {"services": {"w": {"image": "x", "files": [
            {"path": f"/etc/f{i}", "content": "a" * n} for i, n in enumerate(sizes)]}}}
    at_limit = translate(files([512 * 1024, 512 * 1024]))  # 1,048,576 bytes: the API server's maximum
    assert at_limit.warnings == []
    over = translate(files([512 * 1024, 512 * 1024 + 1]))
    assert features(over) == {"services.w.files": "config_size"}
    assert "1048577 bytes" in over.warnings[0].message and "1 MiB" in over.warnings[0].message
