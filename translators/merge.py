"""Deep merge for the x-<target> escape hatch.

Mappings merge key by key; a ``null`` removes a key; lists replace, except lists of mappings
that all carry a ``name`` (containers, ports, volumes), which merge item by item on that name,
so ``x-kubernetes`` can patch one container without restating the others.
"""

from __future__ import annotations

import copy
from typing import Any


def deep_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = deep_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if _named_list(base) and _named_list(patch):
        out_list = list(base)
        index = {item["name"]: i for i, item in enumerate(out_list)}
        for item in patch:
            if item["name"] in index:
                out_list[index[item["name"]]] = deep_merge(out_list[index[item["name"]]], item)
            else:
                out_list.append(copy.deepcopy(item))
        return out_list
    return copy.deepcopy(patch)


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and "name" in i for i in value)
