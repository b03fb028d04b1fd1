"""A compose file read as docker compose reads it: YAML 1.2 scalars, with locations.

The spec reader (``specs.yamlsrc``) first checks the file (size, UTF-8, syntax, duplicate keys,
alias bombs, depth) and gives the location of every key and value.  Values are then read again
with YAML 1.2's core schema, as compose-go (go-yaml v3) does, and not PyYAML's YAML 1.1: a
``DEBUG: yes`` stays the string ``yes`` and ports written ``22:22`` stay ``"22:22"`` (YAML 1.1
reads them as booleans and base-60 integers).  ``<<`` merge keys work as in compose; custom tags
(``!reset``, ``!override``) are refused with their place.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from crossdock.errors import InputError, SpecError
from crossdock.specs import yamlsrc
from crossdock.specs.yamlsrc import Located, Path

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_KNOWN_TAGS = {_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
               "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", _MERGE}


def parse(file: str, text: str) -> Located:
    """The file's data (YAML 1.2 scalars) and locations. Raises SpecError or InputError."""
    try:
        located = yamlsrc.parse(file, text)
    except SpecError as e:
        if any(p.message == "the file is empty" for p in e.problems):
            raise InputError(f"{file}: the file is empty (expected a compose file with services:)") from None
        raise
    except yaml.YAMLError as e:  # a tag PyYAML cannot construct
        raise InputError(_tag_message(file, e)) from None
    if _MAYBE_TAG.search(text):  # only then is the node tree walked again, for tags on collections
        node = yaml.compose(text, Loader=_Loader)
        if node is not None:
            _check_tags(file, node)
    lines = text.split("\n")
    located.data = _yaml12(located.data, (), located, lines)
    return located


_MAYBE_TAG = re.compile(r"(^|[\s\[{,:-])!(?!!)")


def _tag_message(file: str, e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None)
    where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file
    return f"{where}: YAML tag not supported: {getattr(e, 'problem', e)} (write the merged value out in full)"


def _check_tags(file: str, node: yaml.Node) -> None:
    if node.tag not in _KNOWN_TAGS:
        m = node.start_mark
        raise InputError(f"{file}:{m.line + 1}:{m.column + 1}: YAML tag {node.tag} is not supported "
                         "(compose's !reset and !override: write the merged value out in full)")
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _check_tags(file, child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _check_tags(file, value)


_TOKEN = re.compile(r"[^\s,\[\]{}#]+")


def _yaml12(value: Any, path: Path, located: Located, lines: list[str]) -> Any:
    """Read again, as YAML 1.2, the scalars YAML 1.1 typed: their text is at their location.

    Only booleans and numbers can differ (YAML 1.1's yes/no/on/off, base-60 and '_' numbers);
    a quoted scalar is a string in both, and PyYAML typed it so already."""
    if isinstance(value, dict):
        return {k: _yaml12(v, path + (k,), located, lines) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml12(v, path + (i,), located, lines) for i, v in enumerate(value)]
    if isinstance(value, (bool, int, float)) and path in located.values:
        _, line, col = located.values[path]
        m = _TOKEN.match(lines[line - 1], col - 1) if 0 < line <= len(lines) else None
        if m is not None:
            return _scalar(m.group(0))
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
