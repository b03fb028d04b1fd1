"""What a case's source files say, read independently of crossdock's importers.

- ``secret_values``: every (name, value) the source holds that the shared classifier
  (``crossdock.specs.classify``, the rule the issue names) calls secret, plus the contents of
  files declared as compose secrets; ``in_clear`` tells which of them appear in a text.
- ``source_names``: the names other workloads can reach (compose services and the container
  names or network aliases another service or another file of the case mentions; Kubernetes Services, and workloads no
  Service selects; Nomad service names, or the group's name when it registers none) with the
  port numbers each offers.  ``kept_names`` / ``kept_ports`` compare them with a spec.

These feed bench/corpus.py's counts and the corpus tests' generic assertions; the per-file
expectations are in corpus_expectations.py.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import hcl2
import yaml

from crossdock.specs.classify import classify

_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*\"([^\"\n]*)\"", re.M)
_DEFAULT = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$", re.M)
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod", "Job",
                  "CronJob"}


def _yaml_docs(path: Path) -> list[Any]:
    try:
        return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError):
        return []


def _env_items(environment: Any) -> Iterator[tuple[str, str]]:
    if isinstance(environment, dict):
        for k, v in environment.items():
            if v is not None:
                yield str(k), str(v)
    elif isinstance(environment, list):
        for item in environment:
            name, sep, value = str(item).partition("=")
            if sep:
                yield name, value


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _pairs(path: Path, kind: str) -> Iterator[tuple[str, str, bool]]:
    """(name, value, forced_secret) for every named value in one source file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".nomad", ".hcl"):
        for m in _ASSIGN.finditer(text):
            yield m[1], m[2], False
        return
    if path.name.endswith(".env") or path.name == ".env":
        for m in _ENV_LINE.finditer(text):
            yield m[1], m[2].strip().strip("\"'"), False
        return
    if path.suffix not in (".yaml", ".yml", ".json"):
        return
    for m in _DEFAULT.finditer(text):
        yield m[1], m[2], False
    for doc in _yaml_docs(path):
        if not isinstance(doc, dict):
            continue
        if kind == "compose":
            for service in (doc.get("services") or {}).values():
                if isinstance(service, dict):
                    for name, value in _env_items(service.get("environment")):
                        yield name, value, False
            for name, secret in (doc.get("secrets") or {}).items():
                if isinstance(secret, dict) and secret.get("file"):
                    file = path.parent / str(secret["file"])
                    if file.is_file():
                        yield str(name), file.read_text(encoding="utf-8", errors="replace").strip(), True
        for node in _walk(doc):
            if isinstance(node.get("name"), str) and isinstance(node.get("value"), (str, int)):
                yield node["name"], str(node["value"]), False
            if doc.get("kind") == "Secret" and node is doc:
                for key, value in (doc.get("stringData") or {}).items():
                    yield str(key), str(value), True
                for key, value in (doc.get("data") or {}).items():
                    yield str(key), base64.b64decode(str(value)).decode("utf-8", "replace"), True


def secret_values(files: Iterable[Path], kind: str) -> list[tuple[str, str]]:
    """The source's secret-looking (name, value) pairs, each once."""
    found: dict[tuple[str, str], None] = {}
    for path in files:
        for name, value, forced in _pairs(path, kind):
            value = value.strip()
            if value and (forced or classify(name, value)):
                found[(name, value)] = None
    return list(found)


def in_clear(pairs: Iterable[tuple[str, str]], text: str) -> list[str]:
    """The names whose secret value appears in ``text``: anywhere (or base64-encoded) when it is
    12 characters or more (8 if not only letters), else right after its own name (``NAME: v``, ``NAME=v``, ``"NAME": "v"``,
    a Kubernetes ``name: NAME`` / ``value: v`` pair) - a short value such as ``root`` or a word such as
    ``postgres`` is too common to count elsewhere."""
    leaked = []
    for name, value in pairs:
        if len(value) >= 12 or (len(value) >= 8 and not value.isalpha()):
            hit = value in text or base64.b64encode(value.encode()).decode() in text
        else:
            v, n = re.escape(value), re.escape(name)
            pattern = (rf"{n}[\"']?\s*[:=]\s*[\"']?{v}(?![\w.-])"
                       rf"|name:\s*[\"']?{n}[\"']?\s*\n\s*value:\s*[\"']?{v}(?![\w.-])")
            hit = re.search(pattern, text) is not None
        if hit:
            leaked.append(name)
    return leaked


# -- names and ports ---------------------------------------------------------------------------

def _compose_port(entry: Any) -> int | None:
    if isinstance(entry, dict):
        target = entry.get("target")
        return int(str(target)) if str(target).isdigit() else None
    last = str(entry).split("/")[0].rsplit(":", 1)[-1]
    return int(last) if last.isdigit() else None


def _compose_names(files: list[Path]) -> dict[str, set[int]]:
    names: dict[str, set[int]] = {}
    composes = [p for p in files if "compose" in p.name or p.name in ("stack.yml", "docker-stack.yml")]
    # The case's other files (a pipeline config sending to http://es:9200) name hosts too.
    configs = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files
                        if p not in composes and p.stat().st_size < 1_000_000)
    for path in composes:
        for doc in _yaml_docs(path):
            services = (doc.get("services") if isinstance(doc, dict) else None) or {}
            for name, svc in services.items():
                if not isinstance(svc, dict) or svc.get("profiles"):
                    continue
                ports = {p for p in map(_compose_port, list(svc.get("ports") or []) + list(svc.get("expose") or []))
                         if p is not None}
                names[str(name)] = ports
                others = yaml.safe_dump({k: v for k, v in services.items() if k != name}) + configs
                networks = svc.get("networks")
                aliases = [a for n in (networks.values() if isinstance(networks, dict) else [])
                           if isinstance(n, dict) for a in n.get("aliases") or []]
                for alias in [svc.get("container_name"), *aliases]:
                    if alias and alias != name and re.search(rf"(?<![\w.-]){re.escape(str(alias))}(?![\w-])", others):
                        names[str(alias)] = ports
    return names


def _selected(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _kubernetes_names(files: list[Path]) -> dict[str, set[int]]:
    docs = [d for p in files if p.suffix in (".yaml", ".yml", ".json") for d in _yaml_docs(p) if isinstance(d, dict)]
    items = [i for d in docs for i in (d.get("items") if d.get("kind") == "List" else [d]) or []]
    workloads = []
    for doc in items:
        if doc.get("kind") not in WORKLOAD_KINDS:
            continue
        meta = doc.get("metadata") or {}
        spec = doc.get("spec") or {}
        if doc["kind"] == "CronJob":
            spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
        template = doc if doc["kind"] == "Pod" else spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        pod = template.get("spec") or {}
        ports = {p["containerPort"] for c in pod.get("containers") or [] for p in c.get("ports") or []
                 if isinstance(p.get("containerPort"), int)}
        name = meta.get("name") or str(meta.get("generateName", "")).rstrip("-") + "*"
        workloads.append((name, labels, ports))
    names: dict[str, set[int]] = {}
    selected: set[str] = set()
    for doc in items:
        if doc.get("kind") != "Service":
            continue
        spec = doc.get("spec") or {}
        hits = [w for w in workloads if _selected(spec.get("selector") or {}, w[1])]
        if hits:
            selected.update(w[0] for w in hits)
            names[doc["metadata"]["name"]] = {p["port"] for p in spec.get("ports") or [] if isinstance(p.get("port"), int)}
    for name, _, ports in workloads:
        if name not in selected:
            names[name] = ports
    return names


def _unquote(node: Any) -> Any:
    if isinstance(node, str):
        return node[1:-1] if len(node) >= 2 and node[0] == node[-1] == '"' else node
    if isinstance(node, list):
        return [_unquote(v) for v in node]
    if isinstance(node, dict):
        return {_unquote(k): _unquote(v) for k, v in node.items() if not str(k).startswith("__")}
    return node


def _blocks(node: Any, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for entry in (node.get(key) or []) if isinstance(node, dict) else []:
        for label, body in entry.items():
            yield label, body


def _nomad_names(files: list[Path]) -> dict[str, set[int]]:
    names: dict[str, set[int]] = {}
    for path in files:
        if path.suffix not in (".nomad", ".hcl"):
            continue
        try:
            tree = _unquote(hcl2.loads(path.read_text(encoding="utf-8")))
        except Exception:  # noqa: BLE001 - a file python-hcl2 cannot read adds no names
            continue
        for _, job in _blocks(tree, "job"):
            for group_name, group in _blocks(job, "group"):
                tasks = list(_blocks(group, "task"))
                nets = list(group.get("network") or [])
                nets += [n for _, t in tasks for r in t.get("resources") or [] for n in r.get("network") or []]
                ports = {v for n in nets for _, p in _blocks(n, "port") for k, v in p.items()
                         if k in ("to", "static") and isinstance(v, int)}
                ports |= {v for _, t in tasks for c in t.get("config") or [] for pm in [c.get("port_map")]
                          for m in (pm if isinstance(pm, list) else [pm] if pm else []) for v in m.values()
                          if isinstance(v, int)}
                services = [s for s in group.get("service") or []] + [s for _, t in tasks for s in t.get("service") or []]
                service_names = [s.get("name") for s in services if s.get("name") and "$" not in str(s.get("name"))]
                for name in service_names or [group_name]:
                    names[str(name)] = ports
    return names


def source_names(files: list[Path], kind: str) -> dict[str, set[int]]:
    """The reachable names of a case's source and the port numbers each offers (see the module
    doc); a Kubernetes generateName is given as its prefix followed by ``*``."""
    if kind == "compose":
        return _compose_names(files)
    if kind == "kubernetes":
        return _kubernetes_names(files)
    return _nomad_names(files)


def spec_names(spec: dict[str, Any]) -> dict[str, set[int]]:
    """Every name a spec's workloads answer to (their own, their aliases, their sidecars' and
    init steps') with the workload's port numbers (``port`` and ``published_port``)."""
    names: dict[str, set[int]] = {}
    for section in ("services", "jobs", "cron_jobs"):
        for name, workload in (spec.get(section) or {}).items():
            if not isinstance(workload, dict):
                continue
            ports = {n for p in workload.get("ports") or [] for n in (p.get("port"), p.get("published_port"))
                     if isinstance(n, int)}
            steps = [s.get("name") for s in (workload.get("sidecars") or []) + (workload.get("init") or [])]
            for alias in [name, *(workload.get("aliases") or []), *steps]:
                if alias:
                    names.setdefault(str(alias), set()).update(ports)
    return names


def find_name(name: str, names: dict[str, set[int]]) -> str | None:
    """The spec name that keeps source ``name`` (a ``prefix*`` matches a derived name)."""
    if name.endswith("*"):
        return next((n for n in sorted(names) if n.startswith(name[:-1])), None)
    return name if name in names else None


def kept(source: dict[str, set[int]], spec: dict[str, Any]) -> tuple[int, int, int, int]:
    """(names kept, names, ports kept, ports) of a source against a spec."""
    have = spec_names(spec)
    names_kept = ports_kept = ports_total = 0
    for name, ports in source.items():
        found = find_name(name, have)
        names_kept += found is not None
        ports_total += len(ports)
        ports_kept += len(ports & have[found]) if found is not None else 0
    return names_kept, len(source), ports_kept, ports_total
