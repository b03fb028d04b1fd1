"""Derived names: a spec that loads gets names every target accepts, even with every spec name at
its longest; one character more anywhere that a target would refuse is refused at load.

Limits are the platforms' own: Kubernetes object names (DNS-1123 subdomain, 253; Services a
DNS-1035 label, 63; a CronJob 52, as its Jobs get an 11-character suffix), label values and
container, port and volume names (63, 63, 15, 63); Swarm service names (63, swarmkit's
"name must be 63 characters or fewer") and secret and config names (64); Nomad service names
(an RFC 1123 label, 63).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import pytest
import yaml

from crossdock.errors import SpecError
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import get

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


def _name(prefix: str, length: int) -> str:
    return (prefix + "-" + "x" * length)[:length]


APP = "a" * 10  # short, so that workload names can take their own maximum (52)
LONG = 52  # the longest workload name
SECRET = 64 - len(APP) - 1  # Swarm's <app>_<secret> at its 64
# A service with sidecars: <app>_<service>-<sidecar> at 63 (10 + 1 + 20 + 1 + 31).
SIDE_SVC, SIDE_STEP = _name("side", 20), _name("step", 31)


def maximal_spec() -> str:
    svc, job, cron, per_replica = _name("svc", LONG), _name("job", LONG), _name("cron", LONG), _name("sts", LONG)
    data: dict[str, Any] = {
        "apiVersion": "crossdock/v1", "kind": "App",
        "metadata": {"name": APP, "labels": {"team": "x" * 63}},
        "secrets": {_name("sec", SECRET): {"external": True}},
        "volumes": {_name("vol", 63): {"per_replica": True}, _name("shared", 63): {}},
        "services": {
            svc: {"image": "x", "autoscale": {"min": 1, "max": 3},
                  "ports": [{"name": "p" * 15, "port": 80, "publish": True}],
                  "route": {"host": "a.example.com", "port": "p" * 15},
                  "files": [{"path": "/etc/a", "content": "x"}],
                  "secrets": [{"secret": _name("sec", SECRET), "path": "/run/s"}],
                  "volumes": [{"path": "/shared", "volume": _name("shared", 63)}],
                  "init": [{"name": _name("init", LONG), "image": "x"}]},
            per_replica: {"image": "x", "ports": [{"name": "h", "port": 80}],
                          "volumes": [{"path": "/d", "volume": _name("vol", 63)}]},
            SIDE_SVC: {"image": "x", "ports": [{"name": "a", "port": 1}, {"name": "b" * 15, "port": 2}],
                       "sidecars": [{"name": SIDE_STEP, "image": "x"}]},
        },
        "jobs": {job: {"image": "x", "sidecars": [{"name": _name("js", LONG), "image": "x"}]}},
        "cron_jobs": {cron: {"image": "x", "schedule": "@daily"}},
    }
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture(scope="module")
def spec() -> LoadedSpec:
    return load("app.yaml", text=maximal_spec(), environ={})


def _kubernetes_names(doc: dict[str, Any]) -> Iterator[tuple[str, str, re.Pattern[str], int]]:
    """(what, name, rule, limit) for each name in one Kubernetes document."""
    kind, name = doc["kind"], doc["metadata"]["name"]
    if kind == "Service":
        yield f"Service {name}", name, DNS_1035, 63
    elif kind == "CronJob":
        yield f"CronJob {name}", name, DNS_SUBDOMAIN, 52
    elif kind == "StatefulSet":
        # Its pods are <name>-<ordinal>, and that is also a label value (pod-name).
        yield f"StatefulSet {name}", name + "-99", LABEL_VALUE, 63
    else:
        yield f"{kind} {name}", name, DNS_SUBDOMAIN, 253

    def walk(node: Any, where: str) -> Iterator[tuple[str, str, re.Pattern[str], int]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("labels", "matchLabels") and isinstance(value, dict):
                    for k, v in value.items():
                        yield f"{where}.{key}.{k}", v, LABEL_VALUE, 63
                elif key in ("containers", "initContainers", "volumes", "volumeClaimTemplates") and isinstance(value, list):
                    for item in value:
                        n = item.get("name") or item.get("metadata", {}).get("name")
                        yield f"{where}.{key} {n}", n, DNS_LABEL, 63
                        yield from walk(item, f"{where}.{key}")
                elif key == "ports" and isinstance(value, list):
                    for item in value:
                        if "name" in item:
                            yield f"{where}.ports {item['name']}", item["name"], DNS_LABEL, 15
                else:
                    yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                yield from walk(item, where)

    yield from walk(doc, f"{kind} {name}")


def test_names_kubernetes_fit_with_every_spec_name_at_its_longest(spec: LoadedSpec) -> None:
    bundle = get("kubernetes").translate(spec)
    docs = [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d]
    kinds = {d["kind"] for d in docs}
    # The derived objects this test is about are all there.
    assert {"Deployment", "StatefulSet", "Service", "ConfigMap", "HorizontalPodAutoscaler", "Ingress",
            "PersistentVolumeClaim", "Job", "CronJob"} <= kinds, kinds
    checked = [(what, name, rule, limit) for d in docs for what, name, rule, limit in _kubernetes_names(d)]
    bad = [f"{what}: {name!r} ({len(name)})" for what, name, rule, limit in checked
           if len(name) > limit or not rule.fullmatch(name)]
    assert bad == []
    services = [name for _, name, rule, _ in checked if rule is DNS_1035]
    assert max(map(len, services)) == LONG + len("-headless"), "the longest Service is a StatefulSet's <name>-headless"


def test_names_swarm_fit_with_every_spec_name_at_its_longest(spec: LoadedSpec) -> None:
    bundle = get("swarm").translate(spec)
    (stack,) = [yaml.safe_load(t) for f, t in bundle.files.items() if f.endswith(".stack.yml")]
    services = [f"{APP}_{key}" for key in stack["services"]]
    assert f"{APP}_{SIDE_SVC}-{SIDE_STEP}" in services and len(f"{APP}_{SIDE_SVC}-{SIDE_STEP}") == 63
    assert max(map(len, services)) == 63
    named = [s["name"] for s in stack.get("secrets", {}).values()] + [c["name"] for c in stack.get("configs", {}).values()]
    assert named and max(map(len, named)) == 64


def test_names_nomad_services_fit_with_every_spec_name_at_its_longest(spec: LoadedSpec) -> None:
    bundle = get("nomad").translate(spec)
    jobs = [json.loads(t) for f, t in bundle.files.items() if f.endswith(".json")]
    services = [s["Name"] for j in jobs for g in j["Job"]["TaskGroups"] for s in g.get("Services") or []]
    assert f"{APP}-{SIDE_SVC}-{'b' * 15}" in services
    assert services and all(len(s) <= 63 and DNS_LABEL.fullmatch(s) for s in services), services


@pytest.mark.parametrize(("change", "path", "limit"), [
    (lambda t: t.replace(SIDE_STEP, SIDE_STEP + "y"), f"services.{SIDE_SVC}.sidecars[0].name", 63),
    (lambda t: t.replace(_name("sec", SECRET), _name("sec", SECRET + 1)), f"secrets.{_name('sec', SECRET + 1)}", 64),
    (lambda t: t.replace(f"name: {'b' * 15}", f"name: {'b' * 14}"), None, None),  # shorter: still loads
])
def test_names_one_character_more_is_refused_at_load(change: Any, path: str | None, limit: int | None) -> None:
    text = change(maximal_spec())
    if path is None:
        load("app.yaml", text=text, environ={})
        return
    with pytest.raises(SpecError) as info:
        load("app.yaml", text=text, environ={})
    (problem,) = info.value.problems
    assert problem.path == path
    assert problem.message.endswith(f"is longer than {limit} characters"), problem.message
    assert problem.location is not None and problem.location.line > 1
