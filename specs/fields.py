"""The model's field types by spec path: which keys a mapping allows (for "did you mean") and
what type a value must have (for typing a substituted variable)."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

from crossdock.specs.model import App, Workload
from crossdock.specs.xblocks import extension_keys

_UNKNOWN = object()


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp


def _type_at(loc: tuple[Any, ...]) -> Any:
    tp: Any = App
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {(f.alias or n): f.annotation for n, f in tp.model_fields.items()}
            if part in extension_keys() and _extensible(tp):
                fields[part] = dict[str, Any]
            if part not in fields:
                return _UNKNOWN
            tp = fields[part]
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return Any if tp is Any else _UNKNOWN
    return _unwrap(tp)


def allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the mapping at ``loc`` may hold; [] where it is free-form or unknown."""
    tp = _type_at(loc)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        keys = [(f.alias or n) for n, f in tp.model_fields.items() if not f.exclude]
        return sorted(keys + list(extension_keys()) if _extensible(tp) else keys)
    return []


def _extensible(tp: type) -> bool:
    """Whether the model takes ``x-<target>`` blocks (the app and every workload)."""
    return tp is App or issubclass(tp, Workload)


def scalar_kind(loc: tuple[Any, ...]) -> Literal["typed", "text", "free"]:
    """What the value at ``loc`` is: a number or boolean ("typed"), a string ("text"), or
    anything ("free": an x- block, or a key the model does not know)."""
    tp = _type_at(loc)
    if tp in (int, bool, float):
        return "typed"
    if tp is str or typing.get_origin(tp) is Literal:
        return "text"
    return "free"
