"""Property-based: random valid specs with hostile strings everywhere render for every target,
every output passes its platform's checks, and every string value comes back byte-identical
when the output is read the way the platform reads it.  Where a target cannot carry a value
unchanged, the portability report must say so for exactly that value."""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from typing import Any
from urllib.parse import unquote

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
Case = tuple[dict[str, Any], dict[str, str]]
Path = tuple[str | int, ...]


def _load(case: Case) -> LoadedSpec:
    spec, environ = case
    return load("property.yaml", text=to_yaml(spec), environ=environ)


def _workloads(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(s, n, w) for s in ("services", "jobs", "cron_jobs") for n, w in (spec.get(s) or {}).items()]


def _dotted(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + p for i, p in enumerate(path))


def _warned(bundle: base.Bundle, feature: str, path: Path) -> bool:
    return any(w.feature == feature and w.path == _dotted(path) for w in bundle.warnings)


def _steps(w: dict[str, Any]) -> list[dict[str, Any]]:
    return [*w.get("init", []), *w.get("sidecars", [])]


def _from_env_secrets(spec: dict[str, Any], environ: dict[str, str]) -> dict[str, str]:
    return {n: environ[s["from_env"]] for n, s in spec["secrets"].items() if "from_env" in s}


# ---------------------------------------------------------------------------------------------
# Kubernetes: the kubelet expands $(VAR) in env values, command, args and exec probes.

# Label values by the API server's rule (k8s.io/apimachinery IsValidLabelValue): nodeSelector
# values are label values.
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
    pod: dict[str, Any] = spec["template"]["spec"]
    return pod


def _kube_container(c: dict[str, Any], want: dict[str, Any]) -> dict[str, str]:
    """Checks what the container runs against the spec's; returns its expanded env."""
    assert c["image"] == want["image"]
    seen: dict[str, str] = {}
    for e in c.get("env", []):  # expanded in order, as the kubelet does
        if "value" in e:
            seen[e["name"]] = kube_expand(e["value"], seen)
    assert {k: v for k, v in seen.items() if k in want.get("env", {})} == want.get("env", {})
    for field in ("command", "args"):
        got = [kube_expand(a, seen) for a in c[field]] if field in c else None
        assert got == want.get(field), (field, got, want.get(field))
    return seen


@SETTINGS
@given(app_specs())
def test_properties_kubernetes_round_trip(case: Case) -> None:
    spec, environ = case
    bundle = base.get("kubernetes").translate(_load(case))
    docs = [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d]
    assert kubernetes.validate(docs) == []
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for name, value in _from_env_secrets(spec, environ).items():
        assert base64.b64decode(by["Secret", name]["data"]["value"]).decode() == value
    for extra in spec.get("x-kubernetes", {}).get("resources", []):
        assert by["ConfigMap", extra["metadata"]["name"]]["data"] == extra["data"]
    kinds = {"services": ("Deployment", "StatefulSet"), "jobs": ("Job",), "cron_jobs": ("CronJob",)}
    for section, name, w in _workloads(spec):
        doc = next(by[k, name] for k in kinds[section] if (k, name) in by)
        if "x-kubernetes" in w:
            assert doc["metadata"]["annotations"]["example.com/x"] == w["x-kubernetes"]["metadata"]["annotations"][
                "example.com/x"]
        pod = _pod(doc)
        containers = {c["name"]: c for c in pod["containers"] + pod.get("initContainers", [])}
        assert sorted(containers) == sorted([name] + [s["name"] for s in _steps(w)])
        for step in _steps(w):
            _kube_container(containers[step["name"]], step)
        main = containers[name]
        env = _kube_container(main, w)
        refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in main.get("env", []) if "valueFrom" in e}
        assert refs == {s["env"]: s["secret"] for s in w.get("secrets", []) if "env" in s}
        mounts = {m["mountPath"]: m for m in main.get("volumeMounts", [])}
        paths = [f["path"] for f in w["files"]] + [s["path"] for s in w.get("secrets", []) if "path" in s]
        assert sorted(mounts) == sorted(paths + [v["path"] for v in w["volumes"]])
        if w["files"]:
            data = by["ConfigMap", f"{name}-files"]["data"]
            assert {f["path"]: data[mounts[f["path"]]["subPath"]] for f in w["files"]} == {
                f["path"]: f["content"] for f in w["files"]}
        for kind, probe in w.get("health", {}).items():
            got = main[f"{kind}Probe"]
            if "http" in probe:
                assert got["httpGet"]["path"] == probe["http"]["path"]
            if "exec" in probe:
                assert [kube_expand(a, env) for a in got["exec"]["command"]] == probe["exec"]
        for key, value in w.get("placement", {}).get("constraints", {}).items():
            if len(value) <= 63 and _LABEL_VALUE.fullmatch(value):
                assert pod["nodeSelector"][key] == value
            else:  # no node can carry it, and the API server refuses the pod: reported, not rendered
                assert key not in pod.get("nodeSelector", {})
                assert _warned(bundle, "placement_constraints", (section, name, "placement", "constraints", key))
        if "route" in w:
            rule = by["Ingress", name]["spec"]["rules"][0]
            assert rule["host"] == w["route"]["host"]
            assert rule["http"]["paths"][0]["path"] == w["route"]["path"]
    for doc in docs:
        ann = doc["metadata"].get("annotations", {})
        for key, value in spec["metadata"]["annotations"].items():
            assert ann.get(key) == value


# ---------------------------------------------------------------------------------------------
# Swarm: `docker stack config` reads the file as `docker stack deploy` does ($$ -> $); the node
# then renders env values and mount targets as Go templates.

# swarmkit's constraint rule (manager/constraint/constraint.go): the value after trimming.
_SWARM_VALUE = re.compile(r"[a-z0-9:\-_\t\n\f\r .*()?+\[\]\\^$|/]+", re.IGNORECASE)


def _same_as_printed_by_docker(printed: Any, values: list[str]) -> bool:
    """`docker stack config` prints a value that starts with a line break (LF, or the Unicode
    line and paragraph separators) as a block scalar when its emitter allows one, ending the
    header line with that break, which a reader then takes as the header's end (a quirk of its
    YAML emitter, seen with docker CLI 28; the deployed value is whole, as the platform test in
    tests/translators/test_swarm.py shows); values it double-quotes (with a CR, say) come back
    whole. Anything else differs."""
    return isinstance(printed, list) and len(printed) == len(values) and all(
        p == v or (v[:1] in ("\n", "\u2028", "\u2029") and p == v[1:]) for p, v in zip(printed, values))


_GO_LITERAL_ACTION = re.compile(r'\{\{/\*.*?\*/\}\}|\{\{"\{\{"\}\}|\{\{""\}\}', re.S)


def _unescape_go_template(text: str) -> str:
    """What Go's text/template (consul-template, Swarm) renders for a template made only of
    literal text, the actions {{"{{"}} (prints "{{") and {{""}} (prints nothing), and
    comments {{/* ... */}} (print nothing).  Any other "{{" starts an action that would run
    (or fail the task): the value did not arrive as literal text."""
    out, pos = [], 0
    for m in [*_GO_LITERAL_ACTION.finditer(text), None]:
        literal = text[pos:m.start() if m else len(text)]
        assert "{{" not in literal, f"a Go template action would run: {text!r}"
        out.append(literal)
        if m:
            out.append("{{" if m.group() == '{{"{{"}}' else "")
            pos = m.end()
    return "".join(out)


def _swarm_container(svc: dict[str, Any], want: dict[str, Any], hidden: set[str]) -> None:
    assert svc["image"] == want["image"]
    env = {k: _unescape_go_template(v) for k, v in (svc.get("environment") or {}).items() if k not in hidden}
    assert set(env) == set(want.get("env", {}))
    assert all(_same_as_printed_by_docker([env[k]], [v]) for k, v in want.get("env", {}).items()), env
    for ours, theirs in (("command", "entrypoint"), ("args", "command")):
        if want.get(ours):  # an empty list is no list: the image's own entrypoint or command runs
            assert _same_as_printed_by_docker(svc[theirs], want[ours]), (svc[theirs], want[ours])


def _swarm_health(svc: dict[str, Any], w: dict[str, Any]) -> None:
    health = w.get("health", {})
    chosen = next((health[k] for k in ("readiness", "liveness", "startup") if k in health), None)
    if chosen is None:
        return
    test = svc["healthcheck"]["test"]
    if "exec" in chosen:
        assert test[0] == "CMD" and _same_as_printed_by_docker(test[1:], chosen["exec"]), test
    elif "http" in chosen:
        port = next(p["port"] for p in w["ports"] if p["name"] == chosen["http"]["port"])
        assert test == ["CMD", "wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{port}{chosen['http']['path']}"]


@SETTINGS
@given(app_specs())
def test_properties_swarm_round_trip(case: Case) -> None:
    spec, environ = case
    bundle = base.get("swarm").translate(_load(case))
    parsed = swarm.stack_config(bundle.files[bundle.primary])  # docker's own loader and interpolation
    for name in _from_env_secrets(spec, environ):  # a stack file cannot carry a value
        assert _warned(bundle, "secret_values", ("secrets", name))
    annotations = spec["metadata"]["annotations"]
    for section, name, w in _workloads(spec):
        at = (section, name)
        if section == "cron_jobs":
            assert name not in parsed["services"] and _warned(bundle, "cron_jobs", (*at, "schedule"))
            continue
        svc = parsed["services"][name]
        _swarm_container(svc, w, {s["env"] + "_FILE" for s in w.get("secrets", []) if "env" in s})
        if w["init"]:
            assert _warned(bundle, "init", (*at, "init"))
        for i, side in enumerate(w["sidecars"]):
            if section == "jobs":
                assert _warned(bundle, "job_sidecars", (*at, "sidecars", i))
            else:
                _swarm_container(parsed["services"][f"{name}-{side['name']}"], side, set())
        labels = svc["deploy"].get("labels") or {}
        want = {**annotations, **w["labels"], **w.get("x-swarm", {}).get("deploy", {}).get("labels", {})}
        assert all(_same_as_printed_by_docker([labels.get(k)], [v]) for k, v in want.items()), (labels, want)
        targets = sorted(_unescape_go_template(v["target"]) for v in svc.get("volumes") or [])
        assert targets == sorted(v["path"] for v in w["volumes"])
        assert sorted(c["target"] for c in svc.get("configs") or []) == sorted(f["path"] for f in w["files"])
        secret_targets = {s["target"] for s in svc.get("secrets") or []}
        assert {s["path"] for s in w.get("secrets", []) if "path" in s} <= secret_targets
        _swarm_health(svc, w)
        constraints = (svc["deploy"].get("placement") or {}).get("constraints") or []
        for key, value in w.get("placement", {}).get("constraints", {}).items():
            attribute = {"kubernetes.io/hostname": "node.hostname"}.get(key, f"node.labels.{key}")
            if "/" not in attribute and _SWARM_VALUE.fullmatch(value) and value == value.strip():
                assert f"{attribute} == {value}" in constraints, (constraints, value)
            else:
                assert _warned(bundle, "placement_constraints", (*at, "placement", "constraints", key))
    templated = {c["file"].rsplit("/", 1)[-1] for c in (parsed.get("configs") or {}).values()
                 if c.get("template_driver") == "golang"}
    contents = sorted(_unescape_go_template(t) if p.rsplit("/", 1)[-1] in templated else t
                      for p, t in bundle.files.items() if p.startswith("swarm/configs/"))
    assert contents == sorted(f["content"] for s, _, w in _workloads(spec) if s != "cron_jobs" for f in w["files"])


# ---------------------------------------------------------------------------------------------
# Nomad: the JSON job is what the agent reads; the HCL form must be the same job.  Nomad
# interpolates ${...} at run time in the driver config, env, template destinations, check paths,
# constraints and meta, which no escaping prevents: the report names exactly those values.

_INTERPOLATES = "interpolates ${...}"


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def _interpolated_paths(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(feature, path) of every spec value that Nomad would interpolate."""
    out: set[tuple[str, Path]] = set()

    def container(at: Path, c: dict[str, Any]) -> None:
        out.update(("env", (*at, "env", k)) for k, v in c.get("env", {}).items() if "${" in v)
        if "${" in c["image"]:
            out.add(("command", (*at, "image")))
        for field in ("command", "args"):
            out.update(("command", (*at, field, i)) for i, a in enumerate(c.get(field) or []) if "${" in a)

    out.update(("metadata", ("metadata", "annotations", k)) for k, v in spec["metadata"]["annotations"].items()
               if "${" in v)
    for section, name, w in _workloads(spec):
        at: Path = (section, name)
        container(at, w)
        for kind in ("init", "sidecars"):
            for i, step in enumerate(w[kind]):
                container((*at, kind, i), step)
        out.update(("files", (*at, "files", i, "path")) for i, f in enumerate(w["files"]) if "${" in f["path"])
        out.update(("secret_file", (*at, "secrets", i, "path")) for i, s in enumerate(w.get("secrets", []))
                   if "${" in s.get("path", ""))
        out.update(("scratch" if v.get("scratch") else "volumes", (*at, "volumes", i, "path"))
                   for i, v in enumerate(w["volumes"]) if "${" in v["path"])
        out.update(("placement_constraints", (*at, "placement", "constraints", k))
                   for k, v in w.get("placement", {}).get("constraints", {}).items() if "${" in v)
        for kind, probe in w.get("health", {}).items():
            if kind != "startup" and "${" in probe.get("http", {}).get("path", ""):
                out.add(("health_http", (*at, "health", kind, "http", "path")))
        if "${" in w.get("route", {}).get("path", ""):
            out.add(("route", (*at, "route", "path")))
    return {(f, _dotted(p)) for f, p in out}


def _nomad_container(task: dict[str, Any], want: dict[str, Any]) -> None:
    config = task["Config"]
    assert config["image"] == want["image"]
    assert task.get("Env", {}) == want.get("env", {})
    assert config.get("entrypoint") == want.get("command")
    assert config.get("args") == want.get("args")


def _rule_strings(rule: str) -> list[str]:
    """The string arguments of a Traefik rule: Go raw strings `...` or quoted "..."."""
    return [json.loads(q) if q else r for r, q in re.findall(r'`([^`]*)`|("(?:[^"\\]|\\.)*")', rule)]


def _nomad_workload(bundle: base.Bundle, tasks: dict[tuple[str, str], dict[str, Any]],
                    groups: dict[str, dict[str, Any]], section: str, name: str, w: dict[str, Any]) -> None:
    at: Path = (section, name)
    task = tasks[name, name]
    _nomad_container(task, w)
    for step in _steps(w):
        _nomad_container(tasks[name, step["name"]], step)
    templates = {t["DestPath"]: t["EmbeddedTmpl"] for t in task.get("Templates") or []}
    assert {p: _unescape_go_template(templates["local/files" + p]) for p in (f["path"] for f in w["files"])} == {
        f["path"]: f["content"] for f in w["files"]}
    secret_paths = [s["path"] for s in w.get("secrets", []) if "path" in s]
    assert all("secrets/files" + p in templates for p in secret_paths)
    mounts = sorted(m["target"] for m in task["Config"].get("mount", []))
    scratch = [v["path"] for v in w["volumes"] if v.get("scratch")]
    assert mounts == sorted([f["path"] for f in w["files"]] + secret_paths + scratch)
    assert sorted(v["Destination"] for v in task.get("VolumeMounts") or []) == sorted(
        v["path"] for v in w["volumes"] if not v.get("scratch"))
    group = groups[name]
    constraints = {c["LTarget"]: c["RTarget"] for c in group.get("Constraints") or []}
    for key, value in w.get("placement", {}).get("constraints", {}).items():
        attribute = "${node.unique.name}" if key == "kubernetes.io/hostname" else "${meta." + key + "}"
        assert constraints[attribute] == value
    if "x-nomad" in w:
        assert task["Meta"]["x"] == w["x-nomad"]["task"]["Meta"]["x"]
        assert group["Meta"]["y"] == w["x-nomad"]["group"]["Meta"]["y"]
    checks = {c["Name"]: c for s in group.get("Services") or [] for c in s.get("Checks") or []}
    for kind, probe in w.get("health", {}).items():
        if kind != "startup" and "exec" in probe:
            assert _warned(bundle, "health_exec", (*at, "health", kind, "exec"))
        elif kind != "startup" and "http" in probe:
            want, got = probe["http"]["path"], checks[kind]["Path"]
            if "%" in want or "\x7f" in want or re.search("[\x00-\x1f]", want) or want.startswith("//"):
                # Nomad's url.Parse may refuse it as written: escaped, reported, decoded the same.
                assert got == want or _warned(bundle, "health_http", (*at, "health", kind, "http", "path"))
                assert unquote(got) == unquote(want)
            else:
                assert got == want
    if "route" in w:
        tags = [t for s in group["Services"] for t in s.get("Tags") or [] if ".rule=" in t]
        want = [w["route"]["host"]] + ([w["route"]["path"]] if w["route"]["path"] != "/" else [])
        assert [_rule_strings(t.partition(".rule=")[2]) for t in tags] == [want]


@SETTINGS
@given(app_specs())
def test_properties_nomad_round_trip(case: Case) -> None:
    spec, environ = case
    bundle = base.get("nomad").translate(_load(case))
    jsons = {p: t for p, t in bundle.files.items() if p.endswith(".json")}
    assert nomad.check_job_json(list(jsons.values())) == []
    tasks: dict[tuple[str, str], dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for path, text in jsons.items():
        job = json.loads(text)["Job"]
        hcl_text = bundle.files[path.removesuffix(".json") + ".hcl"]
        # HCL normalizes every string to Unicode NFC (HashiCorp's parser, escapes too): the HCL
        # form equals the JSON job up to that, and the report must say where it applies.
        assert nomad_hcl.hcl_to_api(hcl_text) == _nfc(job)
        if _nfc(job) != job:
            assert any(w.feature == "unicode" for w in bundle.warnings), bundle.warnings
        for key, value in {**spec["metadata"]["annotations"], **spec.get("x-nomad", {}).get("Meta", {})}.items():
            assert job["Meta"][key] == value
        for group in job["TaskGroups"]:
            groups[group["Name"]] = group
            tasks.update({(group["Name"], t["Name"]): t for t in group["Tasks"]})
    for section, name, w in _workloads(spec):
        _nomad_workload(bundle, tasks, groups, section, name, w)
        for i, s in enumerate(w.get("secrets", [])):
            if "from_env" in spec["secrets"][s["secret"]]:  # the value goes to a Nomad Variable
                assert _warned(bundle, "secret_values", (section, name, "secrets", i, "secret"))
    warned = {(w.feature, w.path) for w in bundle.warnings if _INTERPOLATES in w.message}
    assert warned == _interpolated_paths(spec)
