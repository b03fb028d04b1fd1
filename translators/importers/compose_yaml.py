"""A compose file read as docker compose reads it: YAML 1.2 scalars, with locations.

The spec reader (``specs.yamlsrc``) first checks the file (size, UTF-8, syntax, duplicate keys,
alias bombs, depth) and gives the location of every key and value.  Values are then read again
with YAML 1.2's core schema, as compose-go (go-yaml v3) does, and not PyYAML's YAML 1.1: a
``DEBUG: yes`` stays the string ``yes`` and ports written ``22:22`` stay ``"22:22"`` (YAML 1.1
reads them as booleans and base-60 integers).  ``<<`` merge keys work as in compose; custom tags
(``!reset``, ``!override``) are refused with their place.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from crossdock.errors import InputError, SpecError
from crossdock.specs import yamlsrc
from crossdock.specs.yamlsrc import Located, Path

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


# Compose's own tags (!reset, !override) undo what an override file merges: crossdock cannot.
_TAG_HINT = "compose's !reset and !override are not supported: write the merged value out in full"


def parse(file: str, text: str) -> Located:
    """The file's data (YAML 1.2 scalars) and locations. Raises SpecError or InputError."""
    try:
        located = yamlsrc.parse(file, text, tag_hint=_TAG_HINT)
    except SpecError as e:
        if any(p.message == "the file is empty" for p in e.problems):
            raise InputError(f"{file}: the file is empty (expected a compose file with services:)") from None
        raise
    lines = text.split("\n")
    located.data = _yaml12(located.data, (), located, lines)
    return located


_TOKEN = re.compile(r"[^\s,\[\]{}#]+")
_DATE_TEXT = re.compile(r"[^\n#,\[\]{}]+")  # YAML 1.1 dates may hold spaces ("2001-12-14 21:59:43 -5")


def _yaml12(value: Any, path: Path, located: Located, lines: list[str]) -> Any:
    """Read again, as YAML 1.2, the scalars YAML 1.1 typed: their text is at their location.

    Only booleans, numbers and dates can differ (YAML 1.1's yes/no/on/off, base-60 and '_'
    numbers; YAML 1.2's core schema has no dates: `RELEASE: 2024-01-01` is a string); a quoted
    scalar is a string in both, and PyYAML typed it so already.  A scalar with an explicit tag
    (`!!int 5`) keeps the type its tag gives."""
    if isinstance(value, dict):
        return {k: _yaml12(v, path + (k,), located, lines) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml12(v, path + (i,), located, lines) for i, v in enumerate(value)]
    if isinstance(value, (bool, int, float, datetime.date)) and path in located.values:
        _, line, col = located.values[path]
        date = isinstance(value, datetime.date)
        m = (_DATE_TEXT if date else _TOKEN).match(lines[line - 1], col - 1) if 0 < line <= len(lines) else None
        if m is not None and not m.group(0).startswith("!"):
            return m.group(0).rstrip() if date else _scalar(m.group(0))
    return value


def _scalar(text: str) -> Any:
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return int(text, 8) if len(text) > 1 and text.startswith("0") and text.isdigit() else int(text)
    if _OCT.fullmatch(text):
        return int(text[2:], 8)
    if _HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text)
    return text
