"""Docker Swarm as a crossdock target: its registration (entry point ``swarm`` in the group
``crossdock.targets``).  Each factory imports its package only when called."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from crossdock.targets import Connection, RenderOptions, Target

if TYPE_CHECKING:
    from crossdock.adapters.base import Adapter
    from crossdock.adapters.compare.hooks import CompareHooks
    from crossdock.translators.base import Translator
    from crossdock.translators.support import Support


def _translator(options: RenderOptions) -> Translator:  # its files never hold a value
    from crossdock.translators.swarm.translator import SwarmTranslator
    return SwarmTranslator()


def _support() -> Mapping[str, Support]:
    from crossdock.translators.swarm.support import COLUMN
    return COLUMN


def _adapter(c: Connection) -> Adapter:
    from crossdock.adapters.swarm.adapter import SwarmAdapter
    return SwarmAdapter(context=c.context, poll_interval=1.0 if c.poll_interval is None else c.poll_interval)


def _compare(c: Connection) -> CompareHooks:
    from crossdock.adapters.swarm.compare import SwarmCompare
    return SwarmCompare(c)


TARGET = Target("swarm", "Docker Swarm", _translator, _support, _adapter, compare=_compare,
                options=frozenset({"context"}),
                connects="Swarm connects through DOCKER_HOST or a docker context, --context NAME; "
                         "a stack is named after the app",
                order=20)
