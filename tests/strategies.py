"""Hypothesis strategies: random valid app specs with hostile strings wherever a string goes.

A spec is built as data, written out as YAML the way a person would write it (every `$`
doubled, since `$$` is the spec's literal dollar), and loaded through the real loader.  A case
is ``(spec, environ)``: secrets ``from_env`` read their (hostile) values from ``environ``.

Free text is hostile everywhere the model takes free text (``Text``, ``EnvValue``): env values,
command, args, config file content, annotations, placement constraint values, exec probes,
the strings inside x-kubernetes/x-swarm/x-nomad blocks, secret values, for every kind of
workload and its init steps and sidecars.  Constrained fields get hostile text within their
rule: mount paths (``AbsPath``: absolute, no NUL) and HTTP paths (``HttpPath``: no white
space) are built from the hostile pieces that fit; image references are valid references with
registries, ports, tags and digests.
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
env_name = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
dns = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
label_value = st.from_regex(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?)?", fullmatch=True)
durations = st.sampled_from(["1s", "5s", "10s", "1m", "1m30s", "500ms", "2h"])

# Path pieces: no '/' (a piece is one name), no control character or line break (a mount point
# is a file name a person could type), no ':' (Docker's volume syntax splits on it).
_PATH_HOSTILE = [h for h in HOSTILE if h and not any(c in h for c in "/:\n\r\t\x85\x7f\u2028")]
path_piece = st.lists(st.sampled_from(_PATH_HOSTILE), min_size=1, max_size=3).map("".join)
# HttpPath: '/' then anything but white space (str.isspace: what the model's \s refuses).
_HTTP_HOSTILE = [h for h in HOSTILE if h and not any(c.isspace() for c in h)] + ["/", "?a=b&c", "%20", "#f", "`", '"']
http_path = st.lists(st.sampled_from(_HTTP_HOSTILE), max_size=4).map(lambda parts: "/" + "".join(parts))

# The distribution reference grammar (github.com/distribution/reference): [domain[:port]/]path[:tag][@digest].
_component = r"[a-z0-9]+([._-][a-z0-9]+)?"
image = st.builds(
    lambda domain, path, tag, digest: domain + path + tag + digest,
    st.sampled_from(["", "registry.example.com/", "localhost:5000/", "r-1.example.com:443/"]),
    st.from_regex(rf"{_component}(/{_component}){{0,2}}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"@sha256:[0-9a-f]{64}", fullmatch=True)),
)
# Constraint keys: a plain label, a prefixed one, and the one every target maps to a node name.
constraint_key = st.sampled_from(["zone", "example.com/disk", "kubernetes.io/hostname"])
# Values near each target's rule as well as past it: a label value (what Kubernetes accepts),
# swarmkit's value characters (letters, digits, :-_.*()?+[]\^$|/ and white space), any text.
_swarm_piece = st.lists(st.sampled_from(["a", "Z9", ":", "_", ".", "*", "(", ")", "?", "+", "[", "]", "\\", "^", "$",
                                          "|", "/", "-"]), min_size=1, max_size=3).map("".join)
_CONSTRAINT_VALUES = {"text": text, "label": label_value.filter(bool),
                      "swarm": st.builds(lambda a, space, b: a + space + b, _swarm_piece,
                                         st.sampled_from(["", " ", "\t", "\n", "\r", "\f"]), _swarm_piece)}
constraint_value = st.sampled_from(sorted(_CONSTRAINT_VALUES)).flatmap(_CONSTRAINT_VALUES.__getitem__)


def _probe(port_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    kinds: list[st.SearchStrategy[dict[str, Any]]] = [
        st.builds(lambda c: {"exec": c}, st.lists(text, min_size=1, max_size=3))]
    if port_names:
        kinds.append(st.builds(lambda p, path: {"http": {"path": path, "port": p}},
                               st.sampled_from(port_names), http_path))
        kinds.append(st.builds(lambda p: {"tcp": {"port": p}}, st.sampled_from(port_names)))
    return st.builds(lambda k, i, r: {**k, "interval": i, "retries": r}, st.one_of(*kinds), durations,
                     st.integers(1, 5))


def _container(draw: st.DrawFn, into: dict[str, Any]) -> None:
    """image, env, command and args: what a workload and each of its steps have."""
    into["image"] = draw(image)
    into["env"] = draw(st.dictionaries(env_name, text, max_size=3))
    if draw(st.booleans()):
        into["command"] = draw(st.lists(text, min_size=1, max_size=3))
    if draw(st.booleans()):
        into["args"] = draw(st.lists(text, max_size=3))


def _steps(draw: st.DrawFn, prefix: str, taken: set[str]) -> list[dict[str, Any]]:
    steps = []
    for i in range(draw(st.integers(0, 1))):
        step: dict[str, Any] = {"name": f"{prefix}{i}"}
        _container(draw, step)
        steps.append(step)
        taken.add(step["name"])
    return steps


@st.composite
def workloads(draw: st.DrawFn, name: str, secrets: list[str], volumes: list[str]) -> dict[str, Any]:
    """What services, jobs and cron jobs share, every free-text field hostile."""
    w: dict[str, Any] = {}
    _container(draw, w)
    w["files"] = [{"path": f"/etc/{name}/f{i}-" + draw(path_piece), "content": c}
                  for i, c in enumerate(draw(st.lists(text, max_size=2)))]
    if secrets and draw(st.booleans()):
        sec = draw(st.sampled_from(secrets))
        var = draw(env_name.filter(lambda v: v not in w["env"]))
        w["secrets"] = [{"secret": sec, "env": var},
                        {"secret": sec, "path": f"/run/secrets/{sec}-" + draw(path_piece)}]
    mounts = [{"path": f"/scratch{i}-" + draw(path_piece), "scratch": True} for i in range(draw(st.integers(0, 1)))]
    if volumes and draw(st.booleans()):
        mounts.append({"path": "/data-" + draw(path_piece), "volume": draw(st.sampled_from(volumes))})
    w["volumes"] = mounts
    if draw(st.booleans()):
        w["placement"] = {"constraints": draw(st.dictionaries(constraint_key, constraint_value, min_size=1, max_size=2))}
    w["labels"] = draw(st.dictionaries(st.sampled_from(["team", "tier", "example.com/x"]), label_value, max_size=2))
    taken: set[str] = {name}
    w["init"] = _steps(draw, "init", taken)
    w["sidecars"] = _steps(draw, "side", taken)
    if draw(st.booleans()):
        w["x-kubernetes"] = {"metadata": {"annotations": {"example.com/x": draw(text)}}}
    if draw(st.booleans()):
        w["x-swarm"] = {"deploy": {"labels": {"example.com/x": draw(text)}}}
    if draw(st.booleans()):
        w["x-nomad"] = {"task": {"Meta": {"x": draw(text)}}, "group": {"Meta": {"y": draw(text)}}}
    return w


@st.composite
def services(draw: st.DrawFn, name: str, secrets: list[str], volumes: list[str]) -> dict[str, Any]:
    svc: dict[str, Any] = draw(workloads(name, secrets, volumes))
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
    if names and draw(st.booleans()):
        svc["route"] = {"host": draw(st.from_regex(r"(\*\.)?[a-z0-9]{1,5}\.example\.com", fullmatch=True)),
                        "path": draw(http_path), "port": names[0]}
    if draw(st.booleans()):
        svc["autoscale"] = {"min": 1, "max": draw(st.integers(1, 5))}
        svc["resources"] = {"requests": {"cpu": "100m"}}
        for side in svc["sidecars"]:
            side["resources"] = {"requests": {"cpu": "10m"}}
    else:
        svc["replicas"] = draw(st.integers(0, 5))
    return svc


@st.composite
def app_specs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """(spec, environ): a random valid spec and the environment its secrets read."""
    name = draw(dns)
    secret_names = draw(st.lists(dns, max_size=2, unique=True))
    secrets: dict[str, Any] = {}
    environ: dict[str, str] = {}
    for i, s in enumerate(secret_names):
        if draw(st.booleans()):
            secrets[s] = {"external": True}
        else:
            secrets[s] = {"from_env": f"CD_SECRET_{i}"}
            environ[f"CD_SECRET_{i}"] = draw(text)
    volumes = draw(st.lists(dns, max_size=1, unique=True))
    spec: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App",
                            "metadata": {"name": name,
                                         "labels": draw(st.dictionaries(st.sampled_from(["team", "example.com/o"]),
                                                                        label_value, max_size=2)),
                                         "annotations": draw(st.dictionaries(
                                             st.sampled_from(["note", "example.com/desc"]), text, max_size=2))},
                            "secrets": secrets, "volumes": {v: {} for v in volumes}}
    if draw(st.booleans()):
        spec["x-kubernetes"] = {"resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"},
                                               "data": {"k": draw(text)}}]}
    if draw(st.booleans()):
        spec["x-nomad"] = {"Meta": {"z": draw(text)}}
    names = draw(st.lists(dns, min_size=1, max_size=2, unique=True))
    spec["services"] = {n: draw(services(n, secret_names, volumes)) for n in names}
    published = 30000
    for svc in spec["services"].values():
        for port in svc["ports"]:
            if port.get("publish"):
                port["published_port"] = published
                published += 1
    if draw(st.booleans()):
        job = draw(workloads("job-" + names[0], secret_names, volumes))
        spec["jobs"] = {"job-" + names[0]: job}
    if draw(st.booleans()):
        cron = draw(workloads("cron-" + names[0], secret_names, volumes))
        spec["cron_jobs"] = {"cron-" + names[0]: cron | {"schedule": "0 3 * * *"}}
    return spec, environ


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
