"""The JSON Schema of the app spec, generated from the model (the model is the contract).

specs/crossdock.schema.json is this output, committed so editors can point at it:
``# yaml-language-server: $schema=<path or URL>/crossdock.schema.json``; a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any

from crossdock.specs.model import App

SCHEMA_ID = "https://crossdock.dev/schema/crossdock-v1.json"


def json_schema() -> dict[str, Any]:
    schema = App.model_json_schema(by_alias=True, mode="validation")
    _close_pattern_maps(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "crossdock app spec (apiVersion crossdock/v1)", **schema}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _close_pattern_maps(node: Any) -> None:
    """A mapping whose keys must match a pattern: make non-matching keys invalid too.

    pydantic describes ``dict[Name, X]`` with ``patternProperties`` alone, which lets a key that
    does not match through; the model refuses it, so the schema must as well.
    """
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_maps(value)
