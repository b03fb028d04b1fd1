"""JSON text as ``json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)`` writes it, faster.

With ``indent``, ``json`` falls back to its pure-Python encoder, one generator step per token:
for a big Nomad job that is most of the JSON file's cost.  ``dumps`` here builds the same text
with one ``str.join`` per object or array and json's own C encoder for strings; the numbers,
keys, ``NaN``/``Infinity`` and errors follow ``json.encoder``.  ``tests/translators/
test_perf_helpers.py`` proves the texts identical, hostile strings and empty containers included.
"""

from __future__ import annotations

import json.encoder
from typing import Any, Callable

_encode_str: Callable[[str], str] = (getattr(json.encoder, "c_encode_basestring", None)
                                     or json.encoder.py_encode_basestring)
_INF = float("inf")


def dumps(obj: Any) -> str:
    """``json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)``.

    Raises TypeError for what json cannot encode (and for keys that do not sort), ValueError for
    a circular reference, as json does."""
    return _value(obj, "\n", set())


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _encode_str(key)
    if isinstance(key, float):
        return _encode_str(_float(key))
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return _encode_str(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _value(value: Any, newline: str, seen: set[int]) -> str:
    """``newline``: a line break and the indentation of the line ``value`` starts on."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is dict:
        return _object(value, newline, seen)
    if kind is list:
        return _array(value, newline, seen)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    # Subclasses, in json.encoder's order of tests.
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple)):
        return _array(value, newline, seen)
    if isinstance(value, dict):
        return _object(value, newline, seen)
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _array(value: list[Any] | tuple[Any, ...], newline: str, seen: set[int]) -> str:
    if not value:
        return "[]"
    marker = id(value)
    if marker in seen:
        raise ValueError("Circular reference detected")
    seen.add(marker)
    inner = newline + "  "
    text = "[" + inner + ("," + inner).join([_encode_str(v) if type(v) is str else _value(v, inner, seen)
                                             for v in value]) + newline + "]"
    seen.discard(marker)
    return text


def _object(value: dict[Any, Any], newline: str, seen: set[int]) -> str:
    if not value:
        return "{}"
    marker = id(value)
    if marker in seen:
        raise ValueError("Circular reference detected")
    seen.add(marker)
    inner = newline + "  "
    # Strings are most values: encoded here without a call to _value.
    text = ("{" + inner + ("," + inner).join([
        (_encode_str(k) if type(k) is str else _key(k)) + ": " + (_encode_str(v) if type(v) is str
                                                                 else _value(v, inner, seen))
        for k, v in sorted(value.items())]) + newline + "}")
    seen.discard(marker)
    return text
