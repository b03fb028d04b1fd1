"""Hypothesis strategies: random valid app specs with hostile strings wherever a string goes.

A spec is built as data, written out as YAML the way a person would write it (every `$`
doubled, since `$$` is the spec's literal dollar), and loaded through the real loader.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

HOSTILE = ["on", "off", "yes", "no", "y", "n", "~", "null", "", "0755", "1e3", "0x1F", "- x", "* x", "& x",
           "! x", "? x", "| x", "> x", "{{ x }}", "{{", "}}", "${X}", "$${X}", "%{x}", "%%{x}", "$", "$$",
           "$(X)", "$(HOME)", "a: b", "#", " # c", '"', "'", "\\", "\n", "\r\n", "\t", " ", "é", "😀", "中",
           "\u2028", "\x85", "\x7f", "=", "<<", "[a]", "{a: b}", "@", "`", ",", "%"]

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=5).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"), max_size=12),
)
# Nomad reads ${...} in env values and args at run time, which no escaping prevents (reported
# in the portability report); round-trip checks of those fields use strings without it.
env_name = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
dns = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
label_value = st.from_regex(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?)?", fullmatch=True)
durations = st.sampled_from(["1s", "5s", "10s", "1m", "1m30s", "500ms", "2h"])


def _probe(port_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    kinds: list[st.SearchStrategy[dict[str, Any]]] = [
        st.builds(lambda c: {"exec": c}, st.lists(text, min_size=1, max_size=3))]
    if port_names:
        kinds.append(st.builds(lambda p, path: {"http": {"path": "/" + path, "port": p}},
                               st.sampled_from(port_names), st.from_regex(r"[a-z0-9/._-]{0,10}", fullmatch=True)))
        kinds.append(st.builds(lambda p: {"tcp": {"port": p}}, st.sampled_from(port_names)))
    return st.builds(lambda k, i, r: {**k, "interval": i, "retries": r}, st.one_of(*kinds), durations,
                     st.integers(1, 5))


@st.composite
def services(draw: st.DrawFn, name: str, secrets: list[str]) -> dict[str, Any]:
    svc: dict[str, Any] = {"image": draw(st.sampled_from(["crossdock-test/httpd:1.0", "registry.example.com/a/b:1.2.3"]))}
    svc["env"] = draw(st.dictionaries(env_name, text, max_size=4))
    if draw(st.booleans()):
        svc["command"] = draw(st.lists(text, min_size=1, max_size=3))
    if draw(st.booleans()):
        svc["args"] = draw(st.lists(text, max_size=4))
    files = draw(st.lists(text, max_size=2))
    svc["files"] = [{"path": f"/etc/{name}/f{i}.conf", "content": c} for i, c in enumerate(files)]
    if secrets and draw(st.booleans()):
        sec = draw(st.sampled_from(secrets))
        used = set(svc["env"])
        var = draw(env_name.filter(lambda v: v not in used))
        svc["secrets"] = [{"secret": sec, "env": var}, {"secret": sec, "path": f"/run/secrets/{sec}-file"}]
    n_ports = draw(st.integers(0, 2))
    ports = [{"name": f"p{i}", "port": 8000 + i} for i in range(n_ports)]
    if ports and draw(st.booleans()):
        ports[0]["publish"] = True
    svc["ports"] = ports
    names = [p["name"] for p in ports]
    health = {}
    for kind in ("liveness", "readiness", "startup"):
        if draw(st.booleans()):
            health[kind] = draw(_probe(names))
    if health:
        svc["health"] = health
    if draw(st.booleans()):
        svc["autoscale"] = {"min": 1, "max": draw(st.integers(1, 5))}
        svc["resources"] = {"requests": {"cpu": "100m"}}
    else:
        svc["replicas"] = draw(st.integers(0, 5))
    svc["labels"] = draw(st.dictionaries(st.sampled_from(["team", "tier", "example.com/x"]), label_value, max_size=2))
    return svc


@st.composite
def app_specs(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(dns)
    secrets = draw(st.lists(dns, max_size=2, unique=True))
    spec: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App",
                            "metadata": {"name": name, "annotations": draw(st.dictionaries(
                                st.sampled_from(["note", "example.com/desc"]), text, max_size=2))},
                            "secrets": {s: {"external": True} for s in secrets}}
    names = draw(st.lists(dns, min_size=1, max_size=3, unique=True))
    spec["services"] = {n: draw(services(n, secrets)) for n in names}
    published = 30000
    for svc in spec["services"].values():
        for port in svc["ports"]:
            if port.get("publish"):
                port["published_port"] = published
                published += 1
    if draw(st.booleans()):
        spec["jobs"] = {"job-" + names[0]: {"image": "crossdock-test/job:1.0", "args": draw(st.lists(text, max_size=3)),
                                            "env": draw(st.dictionaries(env_name, text, max_size=3))}}
    if draw(st.booleans()):
        spec["cron_jobs"] = {"cron-" + names[0]: {"image": "crossdock-test/job:1.0", "schedule": "0 3 * * *",
                                                  "env": draw(st.dictionaries(env_name, text, max_size=2))}}
    return spec


def _escape_dollars(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: _escape_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_dollars(v) for v in value]
    return value


def to_yaml(spec: dict[str, Any]) -> str:
    # allow_unicode=False: PyYAML writes NEL/LS/PS raw otherwise, and reads them back as line breaks.
    return str(yaml.safe_dump(_escape_dollars(spec), allow_unicode=False, sort_keys=False))
