"""Property-based: random valid specs with hostile strings everywhere render for every target,
every output passes its platform's checks, and every string value comes back byte-identical
when the output is read the way the platform reads it."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from checkers import kubernetes, nomad, nomad_hcl, swarm
from checkers.kube_expand import kube_expand
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators import base
from strategies import app_specs, to_yaml

pytestmark = pytest.mark.slow

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(spec: dict[str, Any]) -> LoadedSpec:
    return load("property.yaml", text=to_yaml(spec), environ={})


def _containers(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob") and doc["metadata"]["name"] == name:
            spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
            return {c["name"]: c for c in spec["template"]["spec"]["containers"]}
    raise AssertionError(f"no workload {name}")


def _workloads(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(n, w) for section in ("services", "jobs", "cron_jobs") for n, w in (spec.get(section) or {}).items()]


@SETTINGS
@given(app_specs())
def test_properties_kubernetes_round_trip(spec: dict[str, Any]) -> None:
    bundle = base.get("kubernetes").translate(_load(spec))
    docs = [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d]
    assert kubernetes.validate(docs) == []
    files = [d["data"] for d in docs if d["kind"] == "ConfigMap"]
    contents = sorted(v for data in files for v in data.values())
    want_contents = sorted(f["content"] for _, w in _workloads(spec) for f in w.get("files", []))
    assert contents == want_contents
    for name, w in _workloads(spec):
        main = _containers(docs, name)[name]
        env = {e["name"]: e["value"] for e in main.get("env", []) if "value" in e}
        seen: dict[str, str] = {}
        for e in main.get("env", []):  # expanded in order, as the kubelet does
            if "value" in e:
                seen[e["name"]] = kube_expand(e["value"], seen)
        assert {k: seen[k] for k in env} == w.get("env", {})
        for field in ("command", "args"):
            if w.get(field):
                assert [kube_expand(a, seen) for a in main[field]] == w[field]
    for doc in docs:
        ann = doc["metadata"].get("annotations", {})
        for key, value in spec["metadata"]["annotations"].items():
            assert ann.get(key) == value


def _same_as_printed_by_docker(printed: Any, values: list[str]) -> bool:
    """`docker stack config` prints a value that starts with a line feed as a block scalar
    when its emitter allows one, and then drops that first line feed (a quirk of its YAML
    emitter; the deployed value is whole, as the platform test in tests/translators/test_swarm.py
    shows); values it double-quotes (with a CR, say) come back whole. Anything else differs."""
    return isinstance(printed, list) and len(printed) == len(values) and all(
        p == v or (v.startswith("\n") and p == v[1:]) for p, v in zip(printed, values))


@SETTINGS
@given(app_specs())
def test_properties_swarm_round_trip(spec: dict[str, Any]) -> None:
    bundle = base.get("swarm").translate(_load(spec))
    parsed = swarm.stack_config(bundle.files[bundle.primary])  # docker's own loader and interpolation
    for name, w in spec.get("services", {}).items():
        svc = parsed["services"][name]
        # Swarm renders env values as Go templates when a task starts: read them as it will.
        env = {k: _unescape_go_template(v) for k, v in (svc.get("environment") or {}).items()
               if k not in {s.get("env", "") + "_FILE" for s in w.get("secrets", [])}}
        want = w.get("env", {})
        assert set(env) == set(want)
        assert all(_same_as_printed_by_docker([env[k]], [v]) for k, v in want.items()), (env, want)
        if w.get("command"):
            assert _same_as_printed_by_docker(svc["entrypoint"], w["command"]), (svc["entrypoint"], w["command"])
        if w.get("args"):
            assert _same_as_printed_by_docker(svc["command"], w["args"]), (svc["command"], w["args"])
    templated = {c["file"].rsplit("/", 1)[-1] for c in (parsed.get("configs") or {}).values()
                 if c.get("template_driver") == "golang"}
    contents = sorted(_unescape_go_template(t) if p.rsplit("/", 1)[-1] in templated else t
                      for p, t in bundle.files.items() if p.startswith("swarm/configs/"))
    assert contents == sorted(f["content"] for name, w in spec.get("services", {}).items()
                              for f in w.get("files", []))


def _unescape_go_template(text: str) -> str:
    """What Go's text/template (consul-template, Swarm) renders for a template made only of
    literal text, the actions {{"{{"}} (prints "{{") and {{""}} (prints nothing), and
    comments {{/* ... */}} (print nothing)."""
    text = re.sub(r"\{\{/\*.*?\*/\}\}", "", text, flags=re.S)
    return text.replace('{{"{{"}}', "{{").replace('{{""}}', "")


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


@SETTINGS
@given(app_specs())
def test_properties_nomad_round_trip(spec: dict[str, Any]) -> None:
    bundle = base.get("nomad").translate(_load(spec))
    jsons = {p: t for p, t in bundle.files.items() if p.endswith(".json")}
    assert nomad.check_job_json(list(jsons.values())) == []
    tasks: dict[str, dict[str, Any]] = {}
    for path, text in jsons.items():
        job = json.loads(text)["Job"]
        hcl_text = bundle.files[path.removesuffix(".json") + ".hcl"]
        # HCL normalizes every string to Unicode NFC (HashiCorp's parser, escapes too): the HCL
        # form equals the JSON job up to that, and the report must say where it applies.
        assert nomad_hcl.hcl_to_api(hcl_text) == _nfc(job)
        if _nfc(job) != job:
            assert any(w.feature == "unicode" for w in bundle.warnings), bundle.warnings
        for group in job["TaskGroups"]:
            for task in group["Tasks"]:
                tasks.setdefault(task["Name"], task)
    for name, w in _workloads(spec):
        task = tasks[name]
        for key, value in w.get("env", {}).items():
            if "${" not in value:  # Nomad interpolates ${...} at run time (reported, cannot be escaped)
                assert task["Env"][key] == value
        if w.get("args") and not any("${" in a for a in w["args"]):
            assert task["Config"]["args"] == w["args"]
        templates = sorted(_unescape_go_template(t["EmbeddedTmpl"]) for t in task.get("Templates") or []
                           if "nomadVar" not in t["EmbeddedTmpl"])
        want = sorted(f["content"] for f in w.get("files", []))
        assert [t for t in templates if t in want] == want or templates == want
