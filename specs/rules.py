"""Rules across a mapping's fields (exactly one of, one requires another), stated twice: as a
validator (the message a person sees) and in the JSON Schema (``json_schema_extra``), which
tests/specs/test_schema_mutations.py holds to the same answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


def given(name: str, flag: bool = False) -> dict[str, Any]:
    """Schema: the field is set (for a flag: set to true), as the validators count it."""
    unset: list[Any] = [None, False] if flag else [None]
    return {"required": [name], "properties": {name: {"not": {"enum": unset}}}}


def one_of(*names: str, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"oneOf": [given(n, n in flags) for n in names]}


def requires(name: str, other: str, flag: bool = False) -> dict[str, Any]:
    return {"if": given(name), "then": given(other, flag)}


def rules(*parts: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra=parts[0] if len(parts) == 1 else {"allOf": list(parts)})


def exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    chosen = [n for n in names if getattr(model, n) not in (None, False)]
    if len(chosen) != 1:
        listed = ", ".join(f"'{n}'" for n in names)
        raise ValueError(f"expected exactly one of {listed} {what}, got {len(chosen)}")
