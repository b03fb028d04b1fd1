"""The static comparison: what the spec becomes on each target, no platform needed.

Per target: files, platform objects, lines of generated configuration, the level of every
feature the spec uses (native / approximated / unsupported) and the portability score, and
the render time (median of a few renders: one render of a small app takes milliseconds, so a
single reading would mostly measure noise).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Sequence

from crossdock import targets
from crossdock.adapters.compare.features import features_used
from crossdock.adapters.compare.model import Figure, StaticResult
from crossdock.specs.loader import LoadedSpec
from crossdock.targets import Connection
from crossdock.translators.base import Bundle, get
from crossdock.translators.support import BY_ID, on

if TYPE_CHECKING:
    from crossdock.adapters.compare.hooks import CompareHooks

RENDERS = 5
_RANK = {"native": 0, "approximated": 1, "unsupported": 2}


def _hooks(target: str) -> CompareHooks | None:
    factory = targets.get(target).compare
    return None if factory is None else factory(Connection())


def config_files(bundle: Bundle) -> dict[str, str]:
    """The files a person would deploy (a second form of the same object left out, so it is
    not counted twice): the target's ``CompareHooks.config_files``, else every file."""
    hooks = _hooks(bundle.target)
    return dict(bundle.files) if hooks is None else hooks.config_files(bundle)


def count_objects(bundle: Bundle) -> int:
    """Platform objects in the bundle: the target's ``CompareHooks.count_objects``, else one
    per file (a target without compare hooks says nothing of what its files hold)."""
    hooks = _hooks(bundle.target)
    return len(bundle.files) if hooks is None else hooks.count_objects(bundle)


def feature_levels(spec: LoadedSpec, bundle: Bundle) -> dict[str, str]:
    """Feature id -> level on the bundle's target, for every feature the spec uses.

    The bundle's warnings win (a translator knows when a feature that the matrix calls
    approximated is, for this spec, fully expressed, and when it is worse); a used feature
    without a warning is native on this target, unless the matrix says the target never
    expresses it (a cron job's time zone on Swarm, which drops the whole cron job with one
    warning of its own).  A feature the target's support column does not list is taken as
    unsupported (``support.on``)."""
    levels = {f: "unsupported" if on(f, bundle.target).level == "unsupported" else "native"
              for f in features_used(spec.app)}
    for w in bundle.warnings:
        if w.feature in BY_ID:
            old = levels.get(w.feature, "native")
            levels[w.feature] = w.level if _RANK[w.level] > _RANK[old] else old
    return dict(sorted(levels.items()))


def compare_static(spec: LoadedSpec, names: Sequence[str], renders: int = RENDERS) -> list[StaticResult]:
    """The static comparison for each registered target in ``names``. Raises CrossdockError if
    a translator does, InputError for a name no distribution registers."""
    out: list[StaticResult] = []
    for target in names:
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
