"""The ``x-swarm`` escape hatch: blocks merged into the rendered stack file.

An app-level ``x-swarm`` is deep-merged (``translators.merge.deep_merge``: mappings key by
key, ``null`` removes a key, lists replace) into the top-level stack document; a workload's
``x-swarm`` into that workload's service entry.  Strings in the blocks are literal like every
other spec string: their ``$`` is doubled so that ``docker stack deploy`` does not interpolate
them.  Only a spec with an ``x-swarm`` block pays for this: the rendered file is parsed,
merged and written again by ``dump``, in the template's style (block YAML, every string
double-quoted, keys kept in order).
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.filters import yaml_scalar
from crossdock.translators.merge import deep_merge

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
# Plain keys YAML 1.1 would read as something other than a string.
_SPECIAL_KEYS = frozenset({"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
                           "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null",
                           "NULL", "_"})


def escape_dollars(value: Any) -> Any:
    """``value`` with every string's ``$`` doubled (keys are left alone: compose does not
    interpolate keys)."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: escape_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape_dollars(v) for v in value]
    return value


def apply(text: str, app_block: dict[str, Any] | None, service_blocks: dict[str, dict[str, Any]]) -> str:
    """``text`` (a rendered stack file) with the x-swarm blocks merged in, written again."""
    doc: dict[str, Any] = load_yaml(text)
    services = doc.get("services") or {}
    for name, block in service_blocks.items():
        services[name] = deep_merge(services[name], escape_dollars(block))
    if services:
        doc["services"] = services
    if app_block is not None:
        doc = deep_merge(doc, escape_dollars(app_block))
    return dump(doc)


def _key(key: Any) -> str:
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) and key not in _SPECIAL_KEYS:
        return key
    return yaml_scalar(key)


def _lines(value: Any, indent: str) -> list[str]:
    """Block YAML lines for a mapping or a list, each starting with ``indent``."""
    out: list[str] = []
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, item in items:
        head = f"{indent}{_key(key)}:" if isinstance(value, dict) else f"{indent}-"
        if isinstance(item, (dict, list)) and item:
            nested = _lines(item, indent + "  ")
            if isinstance(value, list) and isinstance(item, dict):
                out.append(f"{head} {nested[0].lstrip()}")  # "- key: value" on the dash line
                out.extend(nested[1:])
            else:
                out.append(head)
                out.extend(nested)
        else:
            scalar = ("{}" if isinstance(item, dict) else "[]") if isinstance(item, (dict, list)) else yaml_scalar(item)
            out.append(f"{head} {scalar}")
    return out


def dump(doc: dict[str, Any]) -> str:
    return "".join(line + "\n" for line in _lines(doc, ""))
