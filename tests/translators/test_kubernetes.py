"""The Kubernetes translator: each mapping, each warning, strings round-trip, output valid.

Expected values come from the Kubernetes API reference (field names, enums) and the
documented behaviour quoted next to each table, not from the translator's own output.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

import strategies

from checkers.kubernetes import validate
from checkers.kube_expand import kube_expand
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle
from crossdock.translators.yamltext import dump
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from golden_cases import case_dirs, load_case

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.yaml"


# --- helpers -------------------------------------------------------------------------------

def spec_of(body: dict[str, Any], environ: dict[str, str] | None = None) -> LoadedSpec:
    """A spec from a dict: JSON is YAML; characters YAML would fold (NEL, LS, PS) are escaped."""
    doc = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"}, **body}
    text = re.sub("[\x7f-\x9f\u2028\u2029\ufeff]", lambda m: f"\\u{ord(m.group(0)):04x}",
                  json.dumps(doc, ensure_ascii=False))
    return load("app.yaml", text=text, environ=environ or {})


def translate(body: dict[str, Any], environ: dict[str, str] | None = None, layout: str = "single") -> Bundle:
    return KubernetesTranslator(layout).translate(spec_of(body, environ))  # type: ignore[arg-type]


def docs_of(bundle: Bundle) -> list[dict[str, Any]]:
    return [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d is not None]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    hits = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(hits) == 1, f"{kind}/{name}: {len(hits)} documents"
    return hits[0]


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    return doc["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def container(doc: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    name = name or doc["metadata"]["name"]
    spec = pod_spec(doc)
    return next(c for c in spec["containers"] + spec.get("initContainers", []) if c["name"] == name)


class _EveryName(dict[str, str]):
    """An environment in which every $(NAME) is defined: an unescaped reference cannot hide."""

    def get(self, key: str, default: object = None) -> str:
        return "<EXPANDED>"


TRAP = _EveryName()


def warned(bundle: Bundle, path: str, contains: str = "") -> bool:
    return any(w.path == path and contains in w.message for w in bundle.warnings)


# --- the platform's own rules --------------------------------------------------------------

@pytest.mark.parametrize("layout", ["single", "directory"])
def test_translate_example_passes_the_kubernetes_checker(layout: str) -> None:
    bundle = KubernetesTranslator(layout).translate(load(str(EXAMPLE), environ={}))  # type: ignore[arg-type]
    docs = [d for d in docs_of(bundle) if d["kind"] != "Kustomization"]
    assert {d["kind"] for d in docs} >= {"ConfigMap", "Secret", "PersistentVolumeClaim", "Service", "Deployment",
                                        "Job", "CronJob", "HorizontalPodAutoscaler", "Ingress"}
    assert validate(docs) == []


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_translate_golden_cases_pass_the_kubernetes_checker(case: Path) -> None:
    assert validate(docs_of(KubernetesTranslator().translate(load_case(case)))) == []


# --- hostile strings -----------------------------------------------------------------------

HOSTILE = ["$(HOME)", "$$", "$$$(X)", "${A}", "$", "a$", "$(", "$(unclosed", "%{x}", "{{ y }}", "on", "off",
           "yes", "NO", "y", "0755", "1e3", "0x1F", "~", "null", "", "line\nbreak\r\n", "é 😀 中", "\u2028",
           "\x85", "\t", "- x", "* x", "& x", "! x", "? x", "| x", "> x", "#c", "a: b", '"q"', "'s'", "\\n", " "]


def _hostile_spec() -> dict[str, Any]:
    def lit(s: str) -> str:  # the spec's own escape: $$ is a literal $
        return s.replace("$", "$$")
    words = [lit(h) for h in HOSTILE]
    return {
        "metadata": {"name": "t", "annotations": {f"a{i}": w for i, w in enumerate(words)}},
        "secrets": {"tok": {"from_env": "TOK"}},
        "services": {"web": {
            "image": "x",
            "command": words, "args": words,
            "env": {f"E{i}": w for i, w in enumerate(words)},
            "files": [{"path": f"/etc/f{i}", "content": w} for i, w in enumerate(words)],
            "secrets": [{"secret": "tok", "env": "TOK"}],
            "health": {"liveness": {"exec": words}},
            "init": [{"name": "init", "image": "x", "command": words, "args": words,
                      "env": {f"I{i}": w for i, w in enumerate(words)}}],
            "sidecars": [{"name": "side", "image": "x", "args": words}],
        }},
    }


def test_translate_hostile_strings_arrive_unchanged() -> None:
    secret = "".join(HOSTILE)
    spec = spec_of(_hostile_spec(), {"TOK": secret})
    web = spec.app.services["web"]
    assert web.command == HOSTILE and web.env["E0"] == "$(HOME)"  # the spec itself kept them
    docs = docs_of(KubernetesTranslator().translate(spec))
    def seen(values: list[str]) -> list[str]:
        return [kube_expand(v, TRAP) for v in values]

    dep = find(docs, "Deployment", "web")
    main, init, side = container(dep), container(dep, "init"), container(dep, "side")
    assert seen(main["command"]) == HOSTILE
    assert seen(main["args"]) == HOSTILE
    assert seen(main["livenessProbe"]["exec"]["command"]) == HOSTILE
    assert seen(init["command"]) == HOSTILE and seen(init["args"]) == HOSTILE
    assert seen(side["args"]) == HOSTILE
    env = {e["name"]: kube_expand(e["value"], TRAP) for e in main["env"] if "value" in e}
    assert env == {f"E{i}": h for i, h in enumerate(HOSTILE)}
    assert {e["name"]: kube_expand(e["value"], TRAP) for e in init["env"]} == {f"I{i}": h for i, h in enumerate(HOSTILE)}
    cm = find(docs, "ConfigMap", "web-files")
    items = {m["mountPath"]: m["subPath"] for m in main["volumeMounts"] if m["mountPath"].startswith("/etc/f")}
    assert {p: cm["data"][k] for p, k in items.items()} == {f"/etc/f{i}": h for i, h in enumerate(HOSTILE)}
    assert base64.b64decode(find(docs, "Secret", "tok")["data"]["value"]).decode() == secret
    for d in docs:  # annotations are not expanded by Kubernetes
        assert d["metadata"]["annotations"] == {f"a{i}": h for i, h in enumerate(HOSTILE)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.app_specs())
def test_translate_random_specs_are_valid_and_keep_every_string(case: tuple[dict[str, Any], dict[str, str]]) -> None:
    data, environ = case
    spec = load("app.yaml", text=strategies.to_yaml(data), environ=environ)
    docs = docs_of(KubernetesTranslator().translate(spec))
    assert validate(docs) == []
    kinds = {"services": "Deployment", "jobs": "Job", "cron_jobs": "CronJob"}
    for section, name, w in spec.app.workloads():
        doc = find(docs, kinds[section], name)
        c = container(doc)
        assert {e["name"]: kube_expand(e["value"], TRAP) for e in c.get("env", []) if "value" in e} == w.env
        for field in ("command", "args"):
            assert (None if field not in c else [kube_expand(v, TRAP) for v in c[field]]) == getattr(w, field)
        if w.files:
            data_ = find(docs, "ConfigMap", f"{name}-files")["data"]
            mounted = {m["mountPath"]: data_[m["subPath"]] for m in c["volumeMounts"] if m["name"] == "files"}
            assert mounted == {f.path: f.content for f in w.files}
    for d in docs:  # x-kubernetes blocks may add their own
        ann = d["metadata"].get("annotations", {})
        assert {k: ann.get(k) for k in spec.app.metadata.annotations} == spec.app.metadata.annotations


@pytest.mark.parametrize("value", HOSTILE)
def test_dump_round_trips_values_and_keys(value: str) -> None:
    doc = {"a": value, value: [value, {value: value}], "l": [[value]], "e": {}, "n": [], "i": 493, "b": True}
    assert yaml.safe_load(dump(doc)) == doc


@pytest.mark.parametrize("text, env, expected", [
    ("$(A)", {"A": "x"}, "x"),
    ("$(B)", {"A": "x"}, "$(B)"),
    ("$$(A)", {"A": "x"}, "$(A)"),
    ("$$$(A)", {"A": "x"}, "$x"),
    ("a$", {}, "a$"),
    ("$(A", {"A": "x"}, "$(A"),
    ("$x", {}, "$x"),
])
def test_kube_expand_follows_the_documented_rule(text: str, env: dict[str, str], expected: str) -> None:
    # The examples of kubernetes.io "Define Dependent Environment Variables": UNCHANGED_REFERENCE
    # keeps $(PROTOCOL) when undefined; ESCAPED_REFERENCE gives $(PROTOCOL) from $$(PROTOCOL).
    assert kube_expand(text, env) == expected


# --- workloads and scaling -----------------------------------------------------------------

def test_translate_autoscale_renders_no_replicas_and_an_hpa() -> None:
    docs = docs_of(translate({"services": {"api": {
        "image": "x", "autoscale": {"min": 2, "max": 5, "cpu_target": 60},
        "resources": {"requests": {"cpu": "100m"}}}}}))
    assert "replicas" not in find(docs, "Deployment", "api")["spec"]
    hpa = find(docs, "HorizontalPodAutoscaler", "api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2, "maxReplicas": 5,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                      "target": {"type": "Utilization", "averageUtilization": 60}}}]}


@pytest.mark.parametrize("replicas, expected", [(3, 3), (0, 0), (None, None)])
def test_translate_replicas(replicas: int | None, expected: int | None) -> None:
    svc: dict[str, Any] = {"image": "x"}
    if replicas is not None:
        svc["replicas"] = replicas
    spec = find(docs_of(translate({"services": {"web": svc}})), "Deployment", "web")["spec"]
    assert spec.get("replicas") == expected


@pytest.mark.parametrize("sidecar_cpu, warned_paths", [
    (None, ["services.api.resources.requests", "services.api.sidecars[0].resources.requests"]),
    ("10m", ["services.api.resources.requests"]),
])
def test_translate_autoscale_warns_without_cpu_requests(sidecar_cpu: str | None, warned_paths: list[str]) -> None:
    side: dict[str, Any] = {"name": "side", "image": "x"}
    if sidecar_cpu:
        side["resources"] = {"requests": {"cpu": sidecar_cpu}}
    bundle = translate({"services": {"api": {"image": "x", "autoscale": {"min": 1, "max": 2}, "sidecars": [side]}}})
    assert sorted(w.path for w in bundle.warnings if "cpu request" in w.message) == warned_paths


def test_translate_per_replica_volume_makes_a_statefulset() -> None:
    docs = docs_of(translate({
        "volumes": {"data": {"size": "2Gi", "per_replica": True, "storage_class": "fast"}},
        "services": {"db": {"image": "x", "replicas": 3, "ports": [{"name": "pg", "port": 5432}],
                            "volumes": [{"volume": "data", "path": "/data"}]}}}))
    assert [d for d in docs if d["kind"] in ("Deployment", "PersistentVolumeClaim")] == []
    sts = find(docs, "StatefulSet", "db")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["serviceName"] == "db-headless"
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                             "resources": {"requests": {"storage": "2Gi"}}}
    assert {"name": "data", "mountPath": "/data"} in container(sts)["volumeMounts"]
    assert all(v["name"] != "data" for v in pod_spec(sts).get("volumes", []))  # from the claim template
    headless = find(docs, "Service", "db-headless")["spec"]
    assert headless["clusterIP"] == "None" and headless["selector"] == sts["spec"]["selector"]["matchLabels"]


def test_translate_per_replica_autoscaled_targets_the_statefulset() -> None:
    docs = docs_of(translate({
        "volumes": {"data": {"per_replica": True}},
        "services": {"db": {"image": "x", "autoscale": {"min": 1, "max": 3},
                            "volumes": [{"volume": "data", "path": "/data"}]}}}))
    assert "replicas" not in find(docs, "StatefulSet", "db")["spec"]
    assert find(docs, "HorizontalPodAutoscaler", "db")["spec"]["scaleTargetRef"]["kind"] == "StatefulSet"


# RollingUpdate: at most parallelism pods replaced at once; maxSurge and maxUnavailable may not
# both be 0 (API reference, RollingUpdateDeployment).
@pytest.mark.parametrize("parallelism, surge, max_surge, max_unavailable", [
    (1, 1, 1, 0), (2, 0, 0, 2), (3, 2, 2, 1), (1, 3, 3, 0), (4, 1, 1, 3),
])
def test_translate_update_strategy(parallelism: int, surge: int, max_surge: int, max_unavailable: int) -> None:
    bundle = translate({"services": {"web": {"image": "x", "update": {
        "parallelism": parallelism, "surge": surge, "min_ready": "15s", "deadline": "2m"}}}})
    spec = find(docs_of(bundle), "Deployment", "web")["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": max_surge, "maxUnavailable": max_unavailable}}
    assert (spec["minReadySeconds"], spec["progressDeadlineSeconds"]) == (15, 120)
    assert warned(bundle, "services.web.update", "maxSurge")


def test_translate_update_deadline_stays_above_min_ready() -> None:
    bundle = translate({"services": {"web": {"image": "x", "update": {"min_ready": "5m", "deadline": "1m"}}}})
    spec = find(docs_of(bundle), "Deployment", "web")["spec"]
    assert spec["progressDeadlineSeconds"] > spec["minReadySeconds"] == 300
    assert warned(bundle, "services.web.update.deadline")


@pytest.mark.parametrize("section, extra, restart, expected", [
    ("jobs", {}, "on-failure", "OnFailure"),
    ("jobs", {}, "never", "Never"),
    ("cron_jobs", {"schedule": "@daily"}, "on-failure", "OnFailure"),
    ("cron_jobs", {"schedule": "@daily"}, "never", "Never"),
])
def test_translate_job_restart_policy(section: str, extra: dict[str, Any], restart: str, expected: str) -> None:
    docs = docs_of(translate({section: {"j": {"image": "x", "restart": restart, **extra}}}))
    doc = find(docs, "Job" if section == "jobs" else "CronJob", "j")
    assert pod_spec(doc)["restartPolicy"] == expected


def test_translate_job_fields() -> None:
    docs = docs_of(translate({"jobs": {"j": {"image": "x", "retries": 4, "deadline": "1h30m",
                                             "completions": 6, "parallelism": 2}}}))
    spec = find(docs, "Job", "j")["spec"]
    assert {k: spec[k] for k in ("backoffLimit", "activeDeadlineSeconds", "completions", "parallelism")} == \
        {"backoffLimit": 4, "activeDeadlineSeconds": 5400, "completions": 6, "parallelism": 2}
    assert "selector" not in spec  # generated by the Job controller


@pytest.mark.parametrize("concurrency, policy", [("allow", "Allow"), ("forbid", "Forbid"), ("replace", "Replace")])
def test_translate_cron_job(concurrency: str, policy: str) -> None:
    docs = docs_of(translate({"cron_jobs": {"c": {"image": "x", "schedule": "*/5 * * * *", "timezone": "Etc/UTC",
                                                  "concurrency": concurrency, "suspend": True, "retries": 1}}}))
    doc = find(docs, "CronJob", "c")
    assert doc["apiVersion"] == "batch/v1"
    spec = doc["spec"]
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"], spec["suspend"]) == \
        ("*/5 * * * *", "Etc/UTC", policy, True)
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 1


# --- containers ----------------------------------------------------------------------------

def test_translate_command_and_args() -> None:
    docs = docs_of(translate({"services": {"web": {"image": "x", "command": ["/bin/app"], "args": ["--port", "80"]}}}))
    c = container(find(docs, "Deployment", "web"))
    assert (c["command"], c["args"]) == (["/bin/app"], ["--port", "80"])


@pytest.mark.parametrize("probe, expected", [
    ({"http": {"path": "/h?x=1", "port": "web"}, "interval": "5s", "timeout": "2s", "retries": 4, "start_period": "1m"},
     {"httpGet": {"path": "/h?x=1", "port": "web"}, "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 4,
      "initialDelaySeconds": 60}),
    ({"tcp": {"port": 8080}},
     {"tcpSocket": {"port": 8080}, "periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3,
      "initialDelaySeconds": 0}),
    ({"exec": ["cat", "/ready"], "interval": "1m30s"},
     {"exec": {"command": ["cat", "/ready"]}, "periodSeconds": 90, "timeoutSeconds": 1, "failureThreshold": 3,
      "initialDelaySeconds": 0}),
])
@pytest.mark.parametrize("kind", ["liveness", "readiness", "startup"])
def test_translate_probes(kind: str, probe: dict[str, Any], expected: dict[str, Any]) -> None:
    docs = docs_of(translate({"services": {"web": {"image": "x", "ports": [{"name": "web", "port": 8080}],
                                                   "health": {kind: probe}}}}))
    assert container(find(docs, "Deployment", "web"))[f"{kind}Probe"] == expected


def test_translate_probe_sub_second_times_round_up_with_a_warning() -> None:
    bundle = translate({"services": {"web": {"image": "x", "health": {
        "liveness": {"exec": ["true"], "interval": "1500ms", "timeout": "200ms"}}}}})
    probe = container(find(docs_of(bundle), "Deployment", "web"))["livenessProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"]) == (2, 1)
    assert warned(bundle, "services.web.health.liveness.interval", "whole seconds")
    assert warned(bundle, "services.web.health.liveness.timeout", "whole seconds")


@pytest.mark.parametrize("value", ["a: b", "eu west", "-edge", "x" * 64, "é"])
def test_translate_placement_constraint_not_a_label_value_is_reported_not_rendered(value: str) -> None:
    # The API server checks nodeSelector values as label values and refuses the whole pod.
    bundle = translate({"services": {"web": {"image": "x", "placement": {"constraints": {"zone": value, "disk": "ssd"}}}}})
    assert pod_spec(find(docs_of(bundle), "Deployment", "web"))["nodeSelector"] == {"disk": "ssd"}
    assert [w.message.endswith("not rendered") for w in bundle.warnings
            if w.path == "services.web.placement.constraints.zone"] == [True]


def test_translate_resources_env_init_sidecars_and_placement() -> None:
    docs = docs_of(translate({"services": {"web": {
        "image": "x", "env": {"B": "2", "A": "1"},
        "resources": {"requests": {"cpu": "0.5", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
        "init": [{"name": "prep", "image": "y", "args": ["go"]}],
        "sidecars": [{"name": "proxy", "image": "z", "env": {"P": "1"}}],
        "placement": {"constraints": {"disk": "ssd"}, "spread": ["topology.kubernetes.io/zone"]},
    }}}))
    dep = find(docs, "Deployment", "web")
    pod = pod_spec(dep)
    main = container(dep)
    assert main["resources"] == {"requests": {"cpu": "0.5", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    assert main["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert [c["name"] for c in pod["initContainers"]] == ["prep"]
    assert [c["name"] for c in pod["containers"]] == ["web", "proxy"]
    assert pod["nodeSelector"] == {"disk": "ssd"}
    assert pod["topologySpreadConstraints"] == [{
        "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": dep["spec"]["selector"]["matchLabels"]}}]
    assert pod["enableServiceLinks"] is False


def test_translate_scratch_volume() -> None:
    docs = docs_of(translate({"services": {"web": {"image": "x", "volumes": [
        {"scratch": True, "path": "/tmp", "size": "64Mi"}, {"scratch": True, "path": "/cache"}]}}}))
    dep = find(docs, "Deployment", "web")
    vols = {v["name"]: v for v in pod_spec(dep)["volumes"]}
    mounts = {m["mountPath"]: vols[m["name"]] for m in container(dep)["volumeMounts"]}
    assert mounts["/tmp"]["emptyDir"] == {"sizeLimit": "64Mi"}
    assert mounts["/cache"]["emptyDir"] == {}


# --- config files, secrets, volumes --------------------------------------------------------

def test_translate_config_files_by_subpath_with_mode() -> None:
    docs = docs_of(translate({"services": {"web": {"image": "x", "files": [
        {"path": "/etc/app/app.conf", "content": "a=1\n", "mode": "0600"},
        {"path": "/etc/app/other dir/app.conf", "content": "b"},
        {"path": "/etc/app/ünï cödé", "content": "c"},
    ]}}}))
    cm = find(docs, "ConfigMap", "web-files")
    assert all(re.fullmatch(r"[-._a-zA-Z0-9]+", k) and len(k) <= 253 for k in cm["data"])  # ConfigMap key rule
    dep = find(docs, "Deployment", "web")
    (vol,) = [v for v in pod_spec(dep)["volumes"] if "configMap" in v]
    assert vol["configMap"]["name"] == "web-files"
    modes = {i["key"]: i.get("mode") for i in vol["configMap"]["items"]}
    files = {m["mountPath"]: (cm["data"][m["subPath"]], modes[m["subPath"]], m["readOnly"])
             for m in container(dep)["volumeMounts"]}
    assert files == {"/etc/app/app.conf": ("a=1\n", 0o600, True), "/etc/app/other dir/app.conf": ("b", None, True),
                     "/etc/app/ünï cödé": ("c", None, True)}


def test_translate_config_change_changes_the_pod_template() -> None:
    def hash_of(content: str) -> str:
        dep = find(docs_of(translate({"services": {"web": {"image": "x", "files": [
            {"path": "/etc/a", "content": content}]}}})), "Deployment", "web")
        return dep["spec"]["template"]["metadata"]["annotations"]["crossdock/config-hash"]  # type: ignore[no-any-return]
    assert hash_of("a") != hash_of("b")


def test_translate_secrets_rendered_only_when_the_spec_carries_the_value() -> None:
    bundle = translate({
        "secrets": {"pw": {"from_env": "PW"}, "ext": {"external": True}},
        "services": {"web": {"image": "x", "secrets": [
            {"secret": "pw", "env": "PASSWORD"}, {"secret": "ext", "path": "/run/ext", "mode": "0400"}]}}},
        environ={"PW": "s3cr3t\n"})
    docs = docs_of(bundle)
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"] == ["pw"]
    secret = find(docs, "Secret", "pw")
    assert secret["type"] == "Opaque" and base64.b64decode(secret["data"]["value"]) == b"s3cr3t\n"
    dep = find(docs, "Deployment", "web")
    main = container(dep)
    assert {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "pw", "key": "value"}}} in main["env"]
    (mount,) = [m for m in main["volumeMounts"] if m["mountPath"] == "/run/ext"]
    (vol,) = [v for v in pod_spec(dep)["volumes"] if v["name"] == mount["name"]]
    assert vol["secret"] == {"secretName": "ext", "items": [{"key": "value", "path": "value", "mode": 0o400}]}
    assert (mount["subPath"], mount["readOnly"]) == ("value", True)


@pytest.mark.parametrize("users, mode", [
    ({"a": {}}, "ReadWriteOnce"),
    ({"a": {"replicas": 2}}, "ReadWriteMany"),
    ({"a": {"autoscale": {"min": 1, "max": 3}}}, "ReadWriteMany"),
    ({"a": {}, "b": {}}, "ReadWriteMany"),
    ({}, "ReadWriteOnce"),
])
def test_translate_volume_access_mode(users: dict[str, dict[str, Any]], mode: str) -> None:
    services = {n: {"image": "x", "volumes": [{"volume": "data", "path": "/d"}], **extra} for n, extra in users.items()}
    bundle = translate({"volumes": {"data": {"size": "3Gi", "storage_class": "nfs"}}, "services": services})
    pvc = find(docs_of(bundle), "PersistentVolumeClaim", "data")
    assert pvc["spec"] == {"accessModes": [mode], "storageClassName": "nfs", "resources": {"requests": {"storage": "3Gi"}}}
    assert warned(bundle, "volumes.data", "ReadWriteMany") == (mode == "ReadWriteMany")


def test_translate_volume_shared_claim_is_one_pod_volume() -> None:
    docs = docs_of(translate({"volumes": {"data": {}}, "services": {"web": {"image": "x", "volumes": [
        {"volume": "data", "path": "/a"}, {"volume": "data", "path": "/b", "read_only": True}]}}}))
    dep = find(docs, "Deployment", "web")
    assert pod_spec(dep)["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    assert container(dep)["volumeMounts"] == [{"name": "data", "mountPath": "/a"},
                                              {"name": "data", "mountPath": "/b", "readOnly": True}]


# --- services, ports, routes ---------------------------------------------------------------

def test_translate_ports_and_published_ports() -> None:
    docs = docs_of(translate({"services": {"web": {"image": "x", "ports": [
        {"name": "http", "port": 8080, "publish": True, "published_port": 80},
        {"name": "dns", "port": 53, "protocol": "udp", "publish": True},
        {"name": "admin", "port": 9000}]}}}))
    internal = find(docs, "Service", "web")["spec"]
    public = find(docs, "Service", "web-public")["spec"]
    assert internal["type"] == "ClusterIP" and public["type"] == "LoadBalancer"
    assert internal["ports"] == [
        {"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"},
        {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"},
        {"name": "admin", "port": 9000, "targetPort": "admin", "protocol": "TCP"}]
    assert public["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}]
    ports = container(find(docs, "Deployment", "web"))["ports"]
    assert {p["name"]: (p["containerPort"], p["protocol"]) for p in ports} == \
        {"http": (8080, "TCP"), "dns": (53, "UDP"), "admin": (9000, "TCP")}


def test_translate_no_ports_no_service() -> None:
    assert [d["kind"] for d in docs_of(translate({"services": {"w": {"image": "x"}}}))] == ["Deployment"]


@pytest.mark.parametrize("port, backend", [("http", {"name": "http"}), (8080, {"number": 8080})])
def test_translate_route_becomes_an_ingress(port: int | str, backend: dict[str, Any]) -> None:
    docs = docs_of(translate({"services": {"web": {"image": "x", "ports": [{"name": "http", "port": 8080}],
                                                   "route": {"host": "a.example.com", "path": "/api", "port": port}}}}))
    ing = find(docs, "Ingress", "web")
    assert ing["apiVersion"] == "networking.k8s.io/v1"
    assert ing["spec"] == {"rules": [{"host": "a.example.com", "http": {"paths": [{
        "path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": backend}}}]}}]}


@pytest.mark.parametrize("path, path_type", [
    ("/", "Prefix"), ("/api/v1", "Prefix"), ("/a//b", "ImplementationSpecific"), ("/a/../b", "ImplementationSpecific"),
    ("/a%2Fb", "ImplementationSpecific"), ("/a/.", "ImplementationSpecific"),
])
def test_translate_route_paths_the_api_server_refuses_as_prefix(path: str, path_type: str) -> None:
    # networking validation: Prefix/Exact paths may not contain //, /./, /../, %2f, %2F nor end in /. or /..
    bundle = translate({"services": {"web": {"image": "x", "ports": [{"name": "h", "port": 80}],
                                             "route": {"host": "a.example", "path": path, "port": "h"}}}})
    (rule,) = find(docs_of(bundle), "Ingress", "web")["spec"]["rules"]
    assert rule["http"]["paths"][0]["path"] == path
    assert rule["http"]["paths"][0]["pathType"] == path_type
    assert warned(bundle, "services.web.route.path") == (path_type != "Prefix")


# --- labels, annotations, order --------------------------------------------------------------

OWNED = {"app.kubernetes.io/part-of": "t", "app.kubernetes.io/managed-by": "crossdock"}


def test_translate_labels_annotations_and_selectors() -> None:
    docs = docs_of(translate({
        "metadata": {"name": "t", "labels": {"team": "a"}, "annotations": {"note": "on"}},
        "secrets": {"pw": {"from_env": "PW"}}, "volumes": {"v": {}},
        "services": {"web": {"image": "x", "labels": {"tier": "front"}, "files": [{"path": "/f", "content": ""}],
                             "ports": [{"name": "h", "port": 80, "publish": True}], "volumes": [{"volume": "v", "path": "/v"}],
                             "route": {"host": "h.example", "port": "h"}, "autoscale": {"min": 1, "max": 2}}},
        "jobs": {"j": {"image": "x"}}, "cron_jobs": {"c": {"image": "x", "schedule": "@daily"}}},
        environ={"PW": "x"}))
    for d in docs:
        labels = d["metadata"]["labels"]
        assert labels.items() >= {**OWNED, "team": "a"}.items(), d["kind"]
        assert d["metadata"]["annotations"] == {"note": "on"}
        assert "namespace" not in d["metadata"]
        owner = labels["app.kubernetes.io/name"]
        assert ("tier" in labels) == (owner == "web")
        if d["kind"] in ("Deployment", "StatefulSet"):
            assert d["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": owner, "app.kubernetes.io/part-of": "t"}}
        if d["kind"] in ("Deployment", "Job", "CronJob"):
            tmpl = d["spec"]["jobTemplate"]["spec"]["template"] if d["kind"] == "CronJob" else d["spec"]["template"]
            assert tmpl["metadata"]["labels"].items() >= {**OWNED, "app.kubernetes.io/name": owner}.items()
        if d["kind"] == "Service":
            assert d["spec"]["selector"] == {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "t"}
    assert [d["kind"] for d in docs] == ["ConfigMap", "Secret", "PersistentVolumeClaim", "Service", "Service",
                                         "Deployment", "Job", "CronJob", "HorizontalPodAutoscaler", "Ingress"]


# --- warnings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("body, path, contains", [
    ({"services": {"a": {"image": "x", "depends_on": ["b"]}, "b": {"image": "x"}}}, "services.a.depends_on[0]",
     "not rendered"),
    ({"jobs": {"a": {"image": "x", "depends_on": ["b"]}, "b": {"image": "x"}}}, "jobs.a.depends_on[0]", "not rendered"),
    ({"services": {"a": {"image": "x", "restart": "on-failure"}}}, "services.a.restart", "Always"),
    ({"services": {"a": {"image": "x", "update": {"parallelism": 2}}}}, "services.a.update", "maxUnavailable"),
    ({"services": {"a": {"image": "x", "update": {"auto_rollback": True}}}}, "services.a.update.auto_rollback",
     "roll back"),
    ({"services": {"a": {"image": "x", "update": {"wait_healthy": False},
                         "health": {"readiness": {"exec": ["true"]}}}}}, "services.a.update.wait_healthy", "readiness"),
    ({"volumes": {"d": {"per_replica": True}},
      "services": {"a": {"image": "x", "update": {"surge": 2}, "volumes": [{"volume": "d", "path": "/d"}]}}},
     "services.a.update", "StatefulSet"),
    ({"services": {"a": {"image": "x", "placement": {"constraints": {"disk": "ssd fast"}}}}},
     "services.a.placement.constraints.disk", "label value"),
    ({"x-kubernetes": {"extra": 1}}, "x-kubernetes.extra", "unknown key"),
    ({"x-kubernetes": {"patches": [{"kind": "Service", "name": "nope", "patch": {}}]}}, "x-kubernetes.patches[0]",
     "no rendered Service"),
    ({"x-kubernetes": {"patches": [{"kind": "Service"}]}}, "x-kubernetes.patches[0]", "expected"),
    ({"x-kubernetes": {"resources": [{"kind": "ConfigMap"}]}}, "x-kubernetes.resources[0]", "metadata.name"),
])
def test_translate_warnings(body: dict[str, Any], path: str, contains: str) -> None:
    bundle = translate(body)
    assert warned(bundle, path, contains), [str(w) for w in bundle.warnings]
    assert all(w.target == "kubernetes" for w in bundle.warnings)


@pytest.mark.parametrize("body", [
    {"services": {"a": {"image": "x", "replicas": 2, "update": {"wait_healthy": True}}}},
    {"services": {"a": {"image": "x", "autoscale": {"min": 1, "max": 2}, "resources": {"requests": {"cpu": "1"}}}}},
    {"jobs": {"a": {"image": "x", "retries": 3, "deadline": "1m"}}, "cron_jobs": {"c": {"image": "x", "schedule": "@daily"}}},
])
def test_translate_native_features_do_not_warn(body: dict[str, Any]) -> None:
    assert translate(body).warnings == []


# --- x-kubernetes --------------------------------------------------------------------------

def test_translate_workload_extension_patches_the_controller() -> None:
    docs = docs_of(translate({"services": {"web": {
        "image": "x", "env": {"A": "$(B)"}, "sidecars": [{"name": "side", "image": "y"}],
        "x-kubernetes": {"metadata": {"namespace": "prod"}, "spec": {"template": {"spec": {
            "serviceAccountName": "runner", "enableServiceLinks": None,
            "containers": [{"name": "side", "securityContext": {"runAsUser": 1000}},
                           {"name": "web", "env": [{"name": "Z", "value": "on"}]}]}}}}}}}))
    dep = find(docs, "Deployment", "web")
    pod = pod_spec(dep)
    assert dep["metadata"]["namespace"] == "prod"
    assert pod["serviceAccountName"] == "runner" and "enableServiceLinks" not in pod
    assert container(dep, "side") == {"name": "side", "image": "y", "securityContext": {"runAsUser": 1000}}
    # Lists of named mappings merge by name (merge.py); patched values are the user's own Kubernetes.
    assert container(dep)["env"] == [{"name": "A", "value": "$$(B)"}, {"name": "Z", "value": "on"}]
    assert validate(docs) == []


def test_translate_app_extension_patches_and_resources() -> None:
    bundle = translate({
        "metadata": {"name": "t", "labels": {"team": "a"}},
        "services": {"web": {"image": "x", "ports": [{"name": "h", "port": 80}]}},
        "x-kubernetes": {
            "patches": [{"kind": "Service", "name": "web", "patch": {"metadata": {"annotations": {"lb": "yes"}}}}],
            "resources": [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "runner",
                                                                                      "labels": {"team": "b"}}}]}})
    docs = docs_of(bundle)
    assert find(docs, "Service", "web")["metadata"]["annotations"] == {"lb": "yes"}
    sa = find(docs, "ServiceAccount", "runner")
    assert sa == {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {
        "name": "runner", "labels": {**OWNED, "team": "b"}}}
    assert docs[-1] is not None and docs[-1]["kind"] == "ServiceAccount"
    assert bundle.warnings == []


def test_translate_unpatched_documents_stay_template_output() -> None:
    body: dict[str, Any] = {"services": {"web": {"image": "x", "ports": [{"name": "h", "port": 80}]}}}
    plain = translate(body).files["kubernetes/t.yaml"]
    patched_body = copy.deepcopy(body)
    patched_body["services"]["web"]["x-kubernetes"] = {"spec": {"paused": True}}
    patched = translate(patched_body).files["kubernetes/t.yaml"]
    assert plain.split("---\n")[1] == patched.split("---\n")[1]  # the Service
    assert plain.split("---\n")[2] != patched.split("---\n")[2]


# --- layout ----------------------------------------------------------------------------------

def test_translate_directory_layout_has_a_kustomization_listing_every_file() -> None:
    spec = load(str(EXAMPLE), environ={})
    single = KubernetesTranslator().translate(spec)
    directory = KubernetesTranslator("directory").translate(spec)
    assert list(single.files) == ["kubernetes/shop.yaml"] and single.primary == "kubernetes/shop.yaml"
    assert directory.primary == "kubernetes/kustomization.yaml"
    kustomization = yaml.safe_load(directory.files["kubernetes/kustomization.yaml"])
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    others = sorted(f.removeprefix("kubernetes/") for f in directory.files if not f.endswith("/kustomization.yaml"))
    assert sorted(kustomization["resources"]) == others
    per_file = [list(yaml.safe_load_all(directory.files[f"kubernetes/{f}"])) for f in kustomization["resources"]]
    assert all(len(docs) == 1 for docs in per_file)
    for f, (doc,) in zip(kustomization["resources"], per_file):
        assert f == f"{doc['kind'].lower()}-{doc['metadata']['name']}.yaml"
    assert [d for (d,) in per_file] == docs_of(single)
    assert directory.warnings == single.warnings


def test_translate_directory_layout_file_names_stay_in_the_folder() -> None:
    bundle = translate({"x-kubernetes": {"resources": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "../../etc/passwd"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "../../etc/passwd"}}]}}, layout="directory")
    names = [f.removeprefix("kubernetes/") for f in bundle.files]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*\.yaml", n) for n in names), names
    assert len(set(names)) == 3
