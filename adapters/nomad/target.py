"""HashiCorp Nomad as a crossdock target: its registration (entry point ``nomad`` in the group
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
    from crossdock.translators.nomad.translator import NomadTranslator
    return NomadTranslator()


def _support() -> Mapping[str, Support]:
    from crossdock.translators.nomad.support import COLUMN
    return COLUMN


def _adapter(c: Connection) -> Adapter:
    from crossdock.adapters.nomad.adapter import NomadAdapter
    return NomadAdapter(namespace=c.namespace, poll_interval=1.0 if c.poll_interval is None else c.poll_interval)


def _compare(c: Connection) -> CompareHooks:
    from crossdock.adapters.nomad.compare import NomadCompare
    return NomadCompare(c)


TARGET = Target("nomad", "Nomad", _translator, _support, _adapter, compare=_compare,
                options=frozenset({"namespace"}),
                connects="Nomad connects through NOMAD_ADDR and NOMAD_TOKEN",
                order=30)
