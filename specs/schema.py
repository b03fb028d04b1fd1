"""The JSON Schema of the app spec, generated from the model (the model is the contract).

specs/crossdock.schema.json is this output, committed so editors can point at it:
``# yaml-language-server: $schema=<path or URL>/crossdock.schema.json``; a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any

from crossdock import targets
from crossdock.specs.model import App, Workload

SCHEMA_ID = "https://crossdock.dev/schema/crossdock-v1.json"

# What the schema cannot state, so that only `crossdock validate` checks it; tests/specs/
# test_schema_mutations.py holds schema and model to the same answer everywhere else.
EXCEPTIONS = (
    "autoscale: min <= max (JSON Schema cannot compare two values)",
    "cron_jobs.*.schedule: a range that runs backwards, such as 5-1 (a regular expression cannot compare two numbers)",
    "cron_jobs.*.timezone: membership in the IANA tz database (the list changes with each tzdata release; "
    "the schema checks the shape of the name)",
    "a ${NAME} reference in a number or boolean field: the value it brings is checked after substitution",
)
DESCRIPTION = ("A crossdock application, validated as written (before ${NAME} substitution). "
               "The schema accepts exactly what crossdock accepts field by field, except: "
               + "; ".join(EXCEPTIONS) + ". Cross-references (unknown secrets, volumes, depends_on, "
               "cycles, port clashes) are checked by crossdock validate.")


def json_schema() -> dict[str, Any]:
    schema = App.model_json_schema(by_alias=True, mode="validation")
    _extension_properties(schema)
    _close_pattern_maps(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "crossdock app spec (apiVersion crossdock/v1)", **schema, "description": DESCRIPTION}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _extension_properties(schema: dict[str, Any]) -> None:
    """One ``x-<target>`` property per registered target on the app and every workload, and no
    other extra key: the model takes them as extra keys (the targets are whatever is installed),
    which pydantic describes as ``additionalProperties``."""
    names = {"App"}
    todo: list[type] = [Workload]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    block = {"anyOf": [{"additionalProperties": True, "type": "object"}, {"type": "null"}], "default": None}
    defs = schema.get("$defs", {})
    for node in [schema, *(defs[n] for n in sorted(names) if n in defs)]:
        node["additionalProperties"] = False
        node.setdefault("properties", {}).update(
            {f"x-{t.name}": {**block, "title": f"x-{t.name}".title()} for t in targets.all_targets()})


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
