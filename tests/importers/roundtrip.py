"""The round trip every importer proves: import(render(spec, T), T) gives the spec back.

``assert_round_trip(case, target, importer_name)`` renders a golden case for ``target``, imports
the files back through the importer (in memory), loads the written spec, and compares both apps
field by field.  Fields the translator warned about (its portability report) or the importer
reported as lost (``Loss.spec_path``) are left out of the comparison: for those the report is
the proof that nothing differs silently.  List indices in those paths stand for every item
(``services.api.secrets[0].env`` leaves out ``env`` of each of api's secrets), and lists of
mappings are compared as multisets (a stack file lists secrets in its own order) except
``init``, whose order is its meaning.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from crossdock.specs.loader import LoadedSpec
from crossdock.specs.types import duration_seconds
from crossdock.translators import base as translators
from crossdock.translators.importers import base
from golden_cases import load_case

ORDERED_LISTS = {"init", "command", "args", "exec"}
DURATIONS = {"stop_grace_period", "interval", "timeout", "start_period", "min_ready", "deadline"}
_INDEX = re.compile(r"\[\d+\]")


def assert_passes_output_checks(spec: LoadedSpec) -> None:
    """An imported spec renders for every target and passes the core's offline output checks
    (those of tests/test_output_checks.py), as every importer's fixtures must."""
    from checkers import kubernetes, nomad, swarm
    k8s = translators.get("kubernetes").translate(spec)
    assert kubernetes.validate([d for t in k8s.files.values() for d in yaml.safe_load_all(t) if d]) == []
    stack = translators.get("swarm").translate(spec)
    assert swarm.stack_config(stack.files[stack.primary]).get("services")
    jobs = translators.get("nomad").translate(spec)
    assert nomad.check_job_json([t for p, t in sorted(jobs.files.items()) if p.endswith(".json")]) == []


def default_paths(target: str, bundle: translators.Bundle) -> list[str]:
    """The rendered files an importer is given: what a person would point it at."""
    if target == "swarm":
        return [bundle.primary]
    if target == "nomad":
        return sorted(p for p in bundle.files if p.endswith(".hcl"))
    return sorted(bundle.files)


def round_trip(case: Path, target: str, importer_name: str,
               paths: Sequence[str] | None = None) -> tuple[LoadedSpec, LoadedSpec, base.ImportResult, list[str]]:
    """(original, imported, import result, excluded spec paths) for one case and target."""
    original = load_case(case)
    bundle = translators.get(target).translate(original)
    sources = base.MemorySources(bundle.files)
    importer = base.get_importer(importer_name)
    result = importer.import_files(list(paths or default_paths(target, bundle)), sources,
                                   name=original.app.name, environ={})
    text = base.write_spec(result)
    imported = base.check_spec(text)
    excluded = sorted({w.path for w in bundle.warnings} | {loss.spec_path for loss in result.losses if loss.spec_path})
    return original, imported, result, excluded


def differences(original: Any, imported: Any, excluded: Sequence[str]) -> list[str]:
    """Readable lines, one per leaf that differs outside ``excluded``; empty when equal.

    ``excluded`` paths may use ``*`` for any one mapping key (``services.*.x-nomad``); list
    indices stand for every item.  Empty mappings and lists count as absent, and false counts as
    absent too (a block the import left out whole, such as a security block whose one field a
    target cannot say, leaves its false flags absent; the one flag defaulting to true,
    update.wait_healthy, sits in a block every import writes)."""
    patterns = [_pattern(p) for p in excluded]
    left = _flatten(_normalized(_pruned(original, "", patterns), ""), "")
    right = _flatten(_normalized(_pruned(imported, "", patterns), ""), "")
    out = []
    for key in sorted(set(left) | set(right)):
        a, b = left.get(key, "<absent>"), right.get(key, "<absent>")
        if a != b and {a, b} != {False, "<absent>"}:
            out.append(f"{key}: original {json.dumps(a)} != imported {json.dumps(b)}")
    return out


def assert_round_trip(case: Path, target: str, importer_name: str, paths: Sequence[str] | None = None, *,
                      inexpressible: Sequence[str] = (),
                      normalize: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """``inexpressible``: spec paths the target's files cannot carry at all although no warning
    says so (say why where you list them); ``normalize``: applied to both apps' data first, for
    what the target carries in another but equivalent form."""
    original, imported, result, excluded = round_trip(case, target, importer_name, paths)
    left = files_inline(original)
    right = imported.app.model_dump(mode="json", exclude_defaults=False)
    if normalize is not None:
        left, right = normalize(left), normalize(right)
    excluded = [*excluded, *inexpressible]
    diff = differences(left, right, excluded)
    losses = "\n".join(f"  {loss}" for loss in result.losses)
    assert not diff, (f"{case.name} via {target}: imported spec differs from the original\n  "
                      + "\n  ".join(diff) + f"\nexcluded: {excluded}\nlosses:\n{losses}")


def container_ports(data: dict[str, Any]) -> dict[str, Any]:
    """Each port as the container port it reaches (``target_port`` folded into ``port``): all a
    Swarm stack or a Nomad job carries, as their portability report says at ``target_port``."""
    for section in ("services", "jobs", "cron_jobs"):
        for w in (data.get(section) or {}).values():
            for p in w.get("ports") or []:
                if p.get("target_port") is not None:
                    p["port"], p["target_port"] = p["target_port"], None
    return data


def files_inline(spec: LoadedSpec) -> dict[str, Any]:
    """The original's data with config files given as ``file:`` read in as ``content:``: no
    target's output keeps the file's name, only its content (which is what is compared)."""
    data = spec.app.model_dump(mode="json", exclude_defaults=False)
    for (section, name, i), text in spec.file_contents.items():
        data[section][name]["files"][i].update(file=None, content=text)
    return data


def _child(path: str, key: Any) -> str:
    return f"{path}[*]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\[\*\]|\*)", _INDEX.sub("[*]", path))
    body = "".join(re.escape(p) if p != "*" else r"[^.\[]+" for p in parts if p)
    return re.compile(body + r"(?=$|[.\[])")


def _excluded(path: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    return any(p.match(path) for p in patterns)


def _pruned(value: Any, path: str, patterns: Sequence[re.Pattern[str]]) -> Any:
    if isinstance(value, dict):
        return {k: _pruned(v, _child(path, k), patterns) for k, v in value.items()
                if not _excluded(_child(path, k), patterns)}
    if isinstance(value, list):
        return [_pruned(v, _child(path, i), patterns) for i, v in enumerate(value)
                if isinstance(v, (dict, list)) or not _excluded(_child(path, i), patterns)]
    return value


def _normalized(value: Any, key: str) -> Any:
    if key in DURATIONS and isinstance(value, str) and re.fullmatch(r"([0-9]+(ms|s|m|h))+", value):
        return _canonical_duration(value)  # 90s and 1m30s say the same
    if isinstance(value, dict):
        return {k: _normalized(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normalized(v, key) for v in value]
        if key not in ORDERED_LISTS and all(isinstance(v, dict) for v in items):
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


def _canonical_duration(text: str) -> str:
    """'90s' -> '1m30s', '1500ms' -> '1s500ms': hours, minutes, seconds, milliseconds, largest first."""
    ms, out = round(duration_seconds(text) * 1000), ""
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out or "0s"


def _flatten(value: Any, path: str) -> dict[str, Any]:
    if value in ({}, [], None):
        return {}
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{path}[{i}]"))
        return out
    return {path: value}
