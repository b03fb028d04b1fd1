"""The ``x-swarm`` escape hatch: blocks merged into the rendered stack file.

An app-level ``x-swarm`` is deep-merged (``translators.merge.deep_merge``: mappings key by
key, ``null`` removes a key, lists replace) into the top-level stack document; a workload's
``x-swarm`` into that workload's service entry.  Strings in the blocks are literal like every
other spec string: their ``$`` is doubled so that ``docker stack deploy`` does not interpolate
them.  Only a spec with an ``x-swarm`` block pays for this: the rendered file is parsed,
merged and written again by ``translators.yamltext.dump``, the writer ``x-kubernetes`` uses
too (every string double-quoted, keys kept in order).
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.merge import deep_merge
from crossdock.translators.yamltext import dump


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
