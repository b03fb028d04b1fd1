"""The static comparison: what the spec becomes on each target, no platform needed.

Per target: files, platform objects, lines of generated configuration, the level of every
feature the spec uses (native / approximated / unsupported) and the portability score, and
the render time (median of a few renders: one render of a small app takes milliseconds, so a
single reading would mostly measure noise).
"""

from __future__ import annotations

import re
import time
from typing import Sequence

from crossdock.adapters.compare.features import features_used
from crossdock.adapters.compare.model import Figure, StaticResult
from crossdock.specs.loader import LoadedSpec
from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.base import Bundle, get
from crossdock.translators.support import BY_ID, Target, on

RENDERS = 5
_RANK = {"native": 0, "approximated": 1, "unsupported": 2}
_SWARM_SECTIONS = ("services", "configs", "secrets", "volumes", "networks")
_NOMAD_BLOCK = re.compile(r'^\s*(job|group|task)\s+"', re.MULTILINE)
_K8S_KIND = re.compile(r"^kind:", re.MULTILINE)


def config_files(bundle: Bundle) -> dict[str, str]:
    """The files a person would deploy: a Nomad job's JSON twin of its HCL file is left out,
    so the same job is not counted twice."""
    files = bundle.files
    return {p: t for p, t in files.items()
            if not (p.endswith(".nomad.json") and p[: -len(".json")] + ".hcl" in files)}


def count_objects(bundle: Bundle) -> int:
    """Platform objects in the bundle: Kubernetes documents; Swarm services, configs, secrets,
    volumes and networks of the stack file; Nomad jobs, groups and tasks."""
    files = config_files(bundle)
    if bundle.target == "kubernetes":
        return sum(len(_K8S_KIND.findall(t)) for p, t in files.items() if p.endswith((".yaml", ".yml")))
    if bundle.target == "swarm":
        total = 0
        for p, t in files.items():
            if p.endswith((".stack.yml", ".stack.yaml")):
                doc = load_yaml(t) or {}
                total += sum(len(doc.get(s) or {}) for s in _SWARM_SECTIONS)
        return total
    return sum(len(_NOMAD_BLOCK.findall(t)) for p, t in files.items() if p.endswith(".hcl"))


def feature_levels(spec: LoadedSpec, bundle: Bundle) -> dict[str, str]:
    """Feature id -> level on the bundle's target, for every feature the spec uses.

    The bundle's warnings win (a translator knows when a feature that the matrix calls
    approximated is, for this spec, fully expressed, and when it is worse); a used feature
    without a warning is native on this target, unless the matrix says the target never
    expresses it (a cron job's time zone on Swarm, which drops the whole cron job with one
    warning of its own)."""
    levels = {f: "unsupported" if on(f, bundle.target).level == "unsupported" else "native"
              for f in features_used(spec.app)}
    for w in bundle.warnings:
        if w.feature in BY_ID:
            old = levels.get(w.feature, "native")
            levels[w.feature] = w.level if _RANK[w.level] > _RANK[old] else old
    return dict(sorted(levels.items()))


def compare_static(spec: LoadedSpec, targets: Sequence[Target], renders: int = RENDERS) -> list[StaticResult]:
    """The static comparison for each target. Raises CrossdockError if a translator does."""
    out: list[StaticResult] = []
    for target in targets:
        translator = get(target)
        timing = Figure("render time", "ms")
        bundle = translator.translate(spec)
        for _ in range(renders):
            start = time.perf_counter()
            translator.translate(spec)
            timing.values.append(round((time.perf_counter() - start) * 1000, 2))
        files = config_files(bundle)
        out.append(StaticResult(
            target=target, files=len(files), objects=count_objects(bundle),
            lines=sum(t.count("\n") + (0 if t.endswith("\n") or not t else 1) for t in files.values()),
            render_ms=timing, features=feature_levels(spec, bundle),
            warnings=[str(w) for w in sorted(bundle.warnings)]))
    return out
