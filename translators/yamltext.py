"""The YAML writer for documents an ``x-kubernetes`` or ``x-swarm`` block changed.

A document the escape hatch touches is parsed, merged (``translators/merge.py``) and written
again by ``dump``; documents without an ``x-`` block stay template output.  Both targets use
this one writer, with one quoting rule, close to the templates' style:

- every string value is double-quoted, so no value is read back as a boolean, a number, a date
  or null by any reader, YAML 1.1 ones included (the API server's ``sigs.k8s.io/yaml`` reads
  ``y``, ``no`` and ``on`` as booleans); libyaml escapes what YAML cannot hold raw (control
  characters, NEL, LS, PS, BOM) and characters outside the Basic Multilingual Plane
  (``\\U0001F6A2``, which go-yaml, as in ``docker stack deploy``, and PyYAML read back);
- a string key is plain when it is an identifier (dots, slashes and dashes allowed, as in
  ``app.kubernetes.io/name``) other than YAML 1.1's boolean and null words (``y``, ``on``,
  ``null``...): no reader types such a key as anything but a string; any other key is
  double-quoted;
- numbers, booleans, null and dates are written as PyYAML's safe representer writes them,
  plain (``.inf``, ``1.0e+300``, ``2024-01-01``), so a YAML reader types them back the same;
- block collections in insertion order (a list's items at its key's indentation, as kubectl
  writes them), ``{}`` and ``[]`` for empty ones, no line folding, no anchors or aliases (a
  value a document holds twice is written twice); a key over 128 characters is written as an
  explicit key (``? key``), since YAML limits implicit keys to 1,024.

The document is turned straight into emitter events: building a node tree with PyYAML's
representer and resolver costs about six times as much (a 1,000-service stack file: ~0.85 s
instead of ~0.15 s), and every scalar's style is already decided here.  libyaml's emitter is
used when PyYAML has it; PyYAML's pure-Python emitter writes the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.events import (DocumentEndEvent, DocumentStartEvent, Event, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent, StreamStartEvent)
from yaml.representer import SafeRepresenter

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
# Plain words YAML 1.1 reads as booleans or null (any case: a reader may fold it).
_YAML11_WORDS = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})
# Wide enough that libyaml never folds a long string over several lines.
_WIDTH = 2**31 - 1


class _Scalars(SafeRepresenter):
    """PyYAML's safe representer, for numbers, booleans, null and dates; it keeps no table of
    objects already written (no aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_SCALARS = _Scalars()


def dump(doc: dict[Any, Any] | list[Any]) -> str:
    """One YAML document (no ``---``) holding ``doc``, plain data as a YAML loader returns it.

    Raises yaml.representer.RepresenterError for a value that is not plain data."""
    text: str = yaml.emit(_stream(doc), Dumper=_Dumper, allow_unicode=True, width=_WIDTH)
    return text


def _stream(doc: Any) -> Iterator[Event]:
    yield StreamStartEvent()
    yield DocumentStartEvent(explicit=False)
    yield from _events(doc)
    yield DocumentEndEvent(explicit=False)
    yield StreamEndEvent()


def _events(value: Any) -> Iterator[Event]:
    if isinstance(value, str):
        yield ScalarEvent(None, None, (True, True), value, style='"')
    elif isinstance(value, dict):
        yield MappingStartEvent(None, None, True, flow_style=not value)
        for key, item in value.items():
            yield _key(key)
            yield from _events(item)
        yield MappingEndEvent()
    elif isinstance(value, list):
        yield SequenceStartEvent(None, None, True, flow_style=not value)
        for item in value:
            yield from _events(item)
        yield SequenceEndEvent()
    else:
        yield _plain(value)


def _key(key: Any) -> ScalarEvent:
    if not isinstance(key, str):
        return _plain(key)
    plain = _PLAIN_KEY.fullmatch(key) is not None and key.lower() not in _YAML11_WORDS
    return ScalarEvent(None, None, (True, True), key, style=None if plain else '"')


def _plain(value: Any) -> ScalarEvent:
    return ScalarEvent(None, None, (True, False), _SCALARS.represent_data(value).value, style=None)
