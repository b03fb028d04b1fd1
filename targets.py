"""The target registry: every platform crossdock renders for and deploys to is one ``Target``,
registered under the entry-point group ``crossdock.targets``.

The three built-in targets register the same way (``[project.entry-points."crossdock.targets"]``
in pyproject.toml); another distribution adds a target by shipping a translator package, an
adapter package and one entry point naming its ``Target``, with nothing in crossdock edited.
Every list of targets (the CLI's ``--target`` choices and ``all``, the support matrix, compare,
the spec's ``x-<target>`` blocks) is read from here.

This module sits below every layer: it imports none of them at run time, and a ``Target`` holds
functions that import its translator, adapter and support column only when called, so that
``crossdock --help`` loads no translator and ``status APP`` no spec model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Callable, Mapping

from crossdock.errors import CrossdockError, InputError

if TYPE_CHECKING:  # annotations only: loading the registry imports no layer
    from crossdock.adapters.base import Adapter
    from crossdock.adapters.compare.hooks import CompareHooks
    from crossdock.translators.base import Translator
    from crossdock.translators.support import Support

GROUP = "crossdock.targets"
_NAME = re.compile(r"[a-z][a-z0-9]{0,19}")  # -t NAME, the x-NAME block, a column header


@dataclass(frozen=True)
class Connection:
    """How the user asked to reach a platform: ``--context``, ``--namespace``, ``--kubeconfig``
    (None when not given), and the adapter's status poll interval (None: its default)."""

    context: str | None = None
    namespace: str | None = None
    kubeconfig: str | None = None
    poll_interval: float | None = None


@dataclass(frozen=True)
class RenderOptions:
    """What a translator is asked beyond the spec; a target takes what applies to it and
    ignores the rest."""

    layout: str = "single"  # `render --layout`: one file, or one file per object ("directory")
    secret_values: bool = True  # secret values in the files, where they can hold one (deploy and
    # diff need them; `render` passes False unless --include-secrets)


@dataclass(frozen=True)
class Target:
    """One target.  ``translator``, ``support``, ``adapter`` and ``compare`` are factories that
    import their package when called; ``adapter`` is None for a target that only renders."""

    name: str  # `-t NAME`, the spec's `x-NAME` block, the support matrix column
    title: str  # what a person reads: "Kubernetes", "Docker Swarm"
    translator: Callable[[RenderOptions], Translator]
    support: Callable[[], Mapping[str, Support]]  # feature id -> how this target expresses it
    adapter: Callable[[Connection], Adapter] | None = None
    compare: Callable[[Connection], CompareHooks] | None = None  # live compare scenarios
    options: frozenset[str] = frozenset()  # the connection options it takes: context, namespace, kubeconfig
    connects: str = ""  # how it finds its platform, said when an option it does not take is given
    order: int = 1000  # position among the targets (the built-in three: 10, 20, 30)
    holds_secret_values: bool = False  # its files can hold a secret's value (only if RenderOptions asks)


class TargetError(CrossdockError):
    """An installed distribution registers a target that cannot be used."""


@cache
def _registry() -> dict[str, Target]:
    found: dict[str, Target] = {}
    sources: dict[str, str] = {}
    for ep in entry_points(group=GROUP):
        where = f"the entry point {ep.name} = {ep.value} (group {GROUP}, distribution " \
                f"{ep.dist.name if ep.dist else 'unknown'})"
        if ep.name in found:
            if sources[ep.name] == ep.value:
                continue  # the same distribution seen twice on the path
            raise TargetError(f"two targets are registered as {ep.name!r}: {sources[ep.name]} and {ep.value}; "
                              "uninstall one of the distributions")
        try:
            target = ep.load()
        except Exception as e:  # noqa: BLE001 - a broken plugin is one message, not a traceback
            raise TargetError(f"{where} failed to load: {type(e).__name__}: {e}") from e
        if not isinstance(target, Target):
            raise TargetError(f"{where} is a {type(target).__name__}, not a crossdock.targets.Target")
        if target.name != ep.name or not _NAME.fullmatch(target.name):
            raise TargetError(f"{where} names its target {target.name!r}: a target's name must equal its entry "
                              "point's name and be 1-20 lower-case letters and digits")
        found[ep.name] = target
        sources[ep.name] = ep.value
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def all_targets() -> list[Target]:
    """Every registered target, built-in ones first."""
    return list(_registry().values())


def names() -> list[str]:
    return list(_registry())


def get(name: str) -> Target:
    """The target called ``name``. Raises InputError naming the registered ones."""
    try:
        return _registry()[name]
    except KeyError:
        raise InputError(f"no target {name!r} (targets: {', '.join(names())})") from None
