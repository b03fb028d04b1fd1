"""The JSON Schema and the model give the same answer for every mutation of every known-good spec.

Bases: the canonical example and each golden spec.  Mutations, at every place they apply: drop a
key (required ones must be refused by both, optional ones accepted by both), add an unknown key
to a mapping, spell an aliased key by its Python name, put a value of the wrong type in place of
each scalar; then the cases an audit found the two disagreeing on.  The schema sees the file as
written; the model sees it after ``${NAME}`` substitution, as the loader runs it.  The rules the
schema cannot state are named in ``crossdock.specs.schema.EXCEPTIONS`` and below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from crossdock.specs import fields, variables, yamlsrc
from crossdock.specs.model import App
from crossdock.specs.schema import EXCEPTIONS, json_schema
from golden_cases import EXAMPLES, GOLDEN

VALIDATOR = jsonschema.Draft202012Validator(json_schema())
ROOT = Path(__file__).parent.parent.parent
BASES = [EXAMPLES / "shop" / "app.yaml"] + sorted(GOLDEN.glob("*/app.yaml"))
UNKNOWN_KEY = "zz-unknown"
# Field names that a spec spells differently (the model takes only the spelling of the schema).
PYTHON_NAMES = {"apiVersion": "api_version", "x-kubernetes": "x_kubernetes", "x-swarm": "x_swarm", "x-nomad": "x_nomad"}

Tree = Any
Mutation = tuple[str, Tree]  # (what was done where, the mutated spec)


def schema_accepts(data: Tree) -> bool:
    return bool(VALIDATOR.is_valid(data))


def model_errors(data: Tree) -> list[tuple[Any, ...]]:
    """Where the model refuses ``data``, validated as the loader does: ``${NAME}`` substituted
    first from the spec's own ``variables:``, each value typed by its field."""
    if "${" in json.dumps(data):
        spec_vars = data.get("variables") if isinstance(data.get("variables"), dict) else {}
        located = yamlsrc.Located(json.loads(json.dumps(data)), "mutant.yaml")
        variables.expand(located, [{k: str(v) for k, v in spec_vars.items()}], fields.scalar_kind)
        data = located.data
    try:
        App.model_validate(data)
    except ValidationError as e:
        return [tuple(err["loc"]) for err in e.errors()]
    return []


def model_accepts(data: Tree) -> bool:
    return not model_errors(data)


def _is_variable(data: Tree, loc: tuple[Any, ...]) -> bool:
    """Whether the raw value at ``loc`` is a ``${NAME}`` reference (what it brings is checked
    only after substitution: an exception the schema documents)."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(data, str) and "${" in data


def _replace(tree: Tree, path: tuple[Any, ...], make: Any) -> Tree:
    """A copy of ``tree`` with the node at ``path`` replaced by ``make(node)``; only the nodes
    along the path are copied."""
    if not path:
        return make(tree)
    head, rest = path[0], path[1:]
    copy: Any = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[head] = _replace(tree[head], rest, make)
    return copy


def _without(node: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k != key}


def _renamed(node: dict[str, Any], key: str, new: str) -> dict[str, Any]:
    return {(new if k == key else k): v for k, v in node.items()}


def _wrong_type(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return ["not-a-boolean", 1]
    if isinstance(value, int):
        return ["not-a-number", 1.5, [value]]
    return [12345, True, [value]]


def mutations(data: Tree) -> Iterator[Mutation]:
    def walk(node: Any, path: tuple[Any, ...]) -> Iterator[Mutation]:
        where = yamlsrc.format_path(path) or "(top)"
        if isinstance(node, dict):
            for key in node:
                yield f"drop {where}.{key}", _replace(data, path, lambda n, k=key: _without(n, k))
                if key in PYTHON_NAMES:
                    yield (f"rename {where}.{key}",
                           _replace(data, path, lambda n, k=key: _renamed(n, k, PYTHON_NAMES[k])))
            yield f"unknown key at {where}", _replace(data, path, lambda n: {**n, UNKNOWN_KEY: "x"})
            for key, value in node.items():
                # x- blocks and environments are free-form: a mutation inside one changes nothing.
                if not (str(key).startswith("x-") or key == "environments"):
                    yield from walk(value, path + (key,))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, path + (i,))
        elif node is not None:
            for wrong in _wrong_type(node):
                yield f"{where}: {node!r} -> {wrong!r}", _replace(data, path, lambda _, w=wrong: w)

    yield from walk(data, ())


@pytest.mark.parametrize("base", BASES, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_schema_and_model_agree_on_every_mutation(base: Path) -> None:
    data = yamlsrc.parse(str(base)).data
    assert schema_accepts(data) and model_accepts(data), "the base itself must be valid"
    disagreements = []
    answers = {True: 0, False: 0}
    for what, mutant in mutations(data):
        errors = model_errors(mutant)
        schema_ok, model_ok = schema_accepts(mutant), not errors
        answers[model_ok] += 1
        if schema_ok and errors and all(_is_variable(mutant, loc) for loc in errors):
            continue  # VARIABLE_VALUE: e.g. `variables:` dropped, so ${REPLICAS} stays text
        if schema_ok != model_ok:
            disagreements.append(f"{what}: schema {'accepts' if schema_ok else 'refuses'}, "
                                 f"model {'accepts' if model_ok else 'refuses'}")
    assert disagreements == []
    # The mutations bite: many are refused, and the harmless ones (dropping an optional key) pass.
    assert answers[False] > 10 and answers[True] > 0, answers


# ---- the cases an audit found, on a minimal spec ----------------------------------------------

MINIMAL: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"},
                           "services": {"web": {"image": "x:1"}}}
WEB = ("services", "web")
CRON = ("cron_jobs", "nightly")

# The named exceptions: the schema accepts, the model refuses (EXCEPTIONS says why).
AUTOSCALE_RANGE = "autoscale: min <= max"
CRON_BACKWARDS = "cron_jobs.*.schedule: a range that runs backwards"
TIMEZONE_DB = "cron_jobs.*.timezone: membership in the IANA tz database"
VARIABLE_VALUE = "a ${NAME} reference in a number or boolean field"

# (case, where, value, valid, exception)
CASES: list[tuple[str, tuple[Any, ...], Any, bool, str | None]] = [
    ("probe http", WEB + ("health",), {"liveness": {"http": {"port": 80}}}, True, None),
    ("probe http and tcp", WEB + ("health",), {"liveness": {"http": {"port": 80}, "tcp": {"port": 80}}}, False, None),
    ("probe http and exec", WEB + ("health",), {"liveness": {"http": {"port": 80}, "exec": ["true"]}}, False, None),
    ("probe no check", WEB + ("health",), {"liveness": {"interval": "5s"}}, False, None),
    ("probe tcp, http null", WEB + ("health",), {"liveness": {"http": None, "tcp": {"port": 80}}}, True, None),
    ("replicas and autoscale", WEB, {"image": "x", "replicas": 2, "autoscale": {"min": 1, "max": 3}}, False, None),
    ("autoscale, replicas null", WEB, {"image": "x", "replicas": None, "autoscale": {"min": 1, "max": 3}}, True, None),
    ("autoscale max < min", WEB + ("autoscale",), {"min": 3, "max": 2}, False, AUTOSCALE_RANGE),
    ("published_port without publish", WEB + ("ports",), [{"name": "h", "port": 80, "published_port": 8080}],
     False, None),
    ("published_port, publish false", WEB + ("ports",),
     [{"name": "h", "port": 80, "publish": False, "published_port": 8080}], False, None),
    ("published_port with publish", WEB + ("ports",),
     [{"name": "h", "port": 80, "publish": True, "published_port": 8080}], True, None),
    ("secret env and file", ("secrets",), {"s": {"from_env": "S", "from_file": "s.txt"}}, False, None),
    ("secret env and external", ("secrets",), {"s": {"from_env": "S", "external": True}}, False, None),
    ("secret env, external false", ("secrets",), {"s": {"from_env": "S", "external": False}}, True, None),
    ("secret no source", ("secrets",), {"s": {"description": "d"}}, False, None),
    ("secret external only", ("secrets",), {"s": {"external": True}}, True, None),
    ("secret mount env and path", WEB + ("secrets",), [{"secret": "s", "env": "S", "path": "/s"}], False, None),
    ("secret mount mode on env", WEB + ("secrets",), [{"secret": "s", "env": "S", "mode": "0400"}], False, None),
    ("secret mount mode on path", WEB + ("secrets",), [{"secret": "s", "path": "/s", "mode": "0400"}], True, None),
    ("config neither content nor file", WEB + ("files",), [{"path": "/a"}], False, None),
    ("config content and file", WEB + ("files",), [{"path": "/a", "content": "x", "file": "a.txt"}], False, None),
    ("config content, file null", WEB + ("files",), [{"path": "/a", "content": "x", "file": None}], True, None),
    ("volume named and scratch", WEB + ("volumes",), [{"path": "/d", "volume": "v", "scratch": True}], False, None),
    ("volume neither", WEB + ("volumes",), [{"path": "/d"}], False, None),
    ("volume size on named", WEB + ("volumes",), [{"path": "/d", "volume": "v", "size": "1Gi"}], False, None),
    ("volume size on scratch", WEB + ("volumes",), [{"path": "/d", "scratch": True, "size": "1Gi"}], True, None),
    ("replicas variable", WEB + ("replicas",), "${N}", True, None),
    ("replicas variable with default", WEB + ("replicas",), "${UNSET:-2}", True, None),
    ("replicas variable that is not a number", WEB + ("replicas",), "${WORD}", False, VARIABLE_VALUE),
    ("replicas text around a variable", WEB + ("replicas",), "1${N}", False, None),
    ("publish variable", WEB + ("ports",), [{"name": "h", "port": "${N}", "publish": "${YES}"}], True, None),
    ("apiVersion by its Python name", ("api_version",), "crossdock/v1", False, None),
    ("cron ranges, steps, names", CRON, {"image": "x", "schedule": "*/15 8-18/2 1,15 jan-JUN MON-FRI"}, True, None),
    ("cron macro", CRON, {"image": "x", "schedule": "@weekly"}, True, None),
    ("cron hour 24", CRON, {"image": "x", "schedule": "0 24 * * *"}, False, None),
    ("cron day of week 7", CRON, {"image": "x", "schedule": "0 0 * * 7"}, False, None),
    ("cron unknown macro", CRON, {"image": "x", "schedule": "@fortnightly"}, False, None),
    ("cron four fields", CRON, {"image": "x", "schedule": "0 3 * *"}, False, None),
    ("cron backwards range", CRON, {"image": "x", "schedule": "0 0 * * FRI-MON"}, False, CRON_BACKWARDS),
    ("timezone", CRON, {"image": "x", "schedule": "@daily", "timezone": "Europe/Paris"}, True, None),
    ("timezone with a space", CRON, {"image": "x", "schedule": "@daily", "timezone": "America/New York"}, False, None),
    ("timezone not in the database", CRON, {"image": "x", "schedule": "@daily", "timezone": "Europe/Atlantis"},
     False, TIMEZONE_DB),
]


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(MINIMAL))
    data["variables"] = {"N": "3", "WORD": "many", "YES": "true"}
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(("case", "path", "value", "valid", "exception"), CASES, ids=[c[0] for c in CASES])
def test_schema_and_model_agree_on_audited_case(case: str, path: tuple[Any, ...], value: Any, valid: bool,
                                                exception: str | None) -> None:
    data = _with(path, value)
    model_ok = model_accepts(data)
    assert model_ok == valid
    if exception is None:
        assert schema_accepts(data) == valid
    else:
        # The schema cannot state this rule: it accepts, and the exception is documented.
        assert schema_accepts(data) and not valid
        assert any(e.startswith(exception) for e in EXCEPTIONS), exception
        assert exception.split(":")[0].split(".")[0] in json_schema()["description"]


def test_schema_exceptions_are_each_exercised() -> None:
    used = {c[4] for c in CASES if c[4] is not None}
    assert {e for e in EXCEPTIONS if not any(e.startswith(u) for u in used)} == set()
