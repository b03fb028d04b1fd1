"""The ``x-<target>`` blocks a spec mapping may hold beside its fields: one per registered target
(crossdock.targets), each an opaque mapping (or empty) that only that target's translator reads.

The model cannot list them as fields (the targets are whatever is installed), so an extensible
mapping takes extra keys typed ``XBlock``; ``mark_unknown`` wraps the value of every key that
is neither a field nor a registered block, and ``XBlock``'s check refuses it as pydantic's
``extra="forbid"`` would: one ``unknown field`` error at the key's own place, among the
mapping's other errors.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticKnownError

from crossdock import targets


@cache
def extension_keys() -> frozenset[str]:
    """``x-<name>`` for every registered target."""
    return frozenset(f"x-{name}" for name in targets.names())


class _Unknown:
    """The value of a key that is neither a field nor a registered block."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _refuse_unknown(value: Any) -> Any:
    if isinstance(value, _Unknown):
        raise PydanticKnownError("extra_forbidden")
    return value


XBlock = Annotated[dict[str, Any] | None, BeforeValidator(_refuse_unknown)]


def mark_unknown(data: Any, fields: frozenset[str]) -> Any:
    """``data`` (a mapping's raw input) with the value of every key that is neither one of
    ``fields`` (spelled as in a spec) nor ``x-<registered target>`` marked for refusal."""
    if not isinstance(data, dict):
        return data
    blocks = extension_keys()
    if all(k in fields or k in blocks for k in data):
        return data
    return {k: v if k in fields or k in blocks else _Unknown(v) for k, v in data.items()}
