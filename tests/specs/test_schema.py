"""The schema and the model never disagree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from crossdock.errors import SpecError
from crossdock.specs import yamlsrc
from crossdock.specs.model import App
from crossdock.specs.schema import json_schema, json_schema_text
from golden_cases import EXAMPLES, GOLDEN

ROOT = Path(__file__).parent.parent.parent
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def test_schema_file_is_current() -> None:
    committed = (ROOT / "specs" / "crossdock.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), "run: crossdock schema > specs/crossdock.schema.json"


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


SPECS = sorted(EXAMPLES.rglob("app.yaml")) + sorted(GOLDEN.glob("*/app.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_schema_accepts_every_example(path: Path) -> None:
    data = yamlsrc.parse(str(path)).data
    errors = [e.message for e in VALIDATOR.iter_errors(data)]
    assert errors == []


BASE: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"},
                        "services": {"web": {"image": "x:1"}}}

# (where to put it, value): each must be refused by BOTH the model and the schema, or accepted by both.
CASES: list[tuple[tuple[str, ...], Any, bool]] = [
    (("services", "web", "replicas"), 3, True),
    (("services", "web", "replicas"), "3", False),
    (("services", "web", "replicas"), -1, False),
    (("services", "web", "replicas"), True, False),
    (("services", "web", "ports"), [{"name": "http", "port": 80}], True),
    (("services", "web", "ports"), [{"name": "http", "port": 70000}], False),
    (("services", "web", "ports"), [{"name": "HTTP", "port": 80}], False),
    (("services", "web", "ports"), [{"name": "http", "port": 80, "protocol": "sctp"}], False),
    (("services", "web", "env"), {"A": "x", "B": 3}, True),
    (("services", "web", "env"), {"A": True}, False),
    (("services", "web", "env"), {"1A": "x"}, False),
    (("services", "web", "prots"), [], False),
    (("services", "web", "resources"), {"requests": {"cpu": "250m", "memory": "64Mi"}}, True),
    (("services", "web", "resources"), {"requests": {"cpu": "lots"}}, False),
    (("services", "web", "labels"), {"team": "a"}, True),
    (("services", "web", "labels"), {"team": "a b"}, False),
    (("services", "web", "files"), [{"path": "/a", "content": "x", "mode": "0644"}], True),
    (("services", "web", "files"), [{"path": "/a", "content": "x", "mode": "0999"}], False),
    (("services", "web", "files"), [{"path": "relative", "content": "x"}], False),
    (("services", "web", "update"), {"surge": 0, "auto_rollback": True}, True),
    (("services", "web", "update"), {"deadline": "5 minutes"}, False),
    (("metadata", "name"), "Shop", False),
    (("metadata", "name"), "a" * 41, False),
    (("metadata", "name"), "a" * 40, True),
    (("cron_jobs",), {"n": {"image": "x", "schedule": "0 3 * * *"}}, True),
    (("cron_jobs",), {"n": {"image": "x"}}, False),
    (("services",), {"Web": {"image": "x"}}, False),
    (("services",), {"w" * 53: {"image": "x"}}, False),
    (("services",), {"w" * 52: {"image": "x"}}, True),
]


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "valid"), CASES, ids=lambda v: str(v)[:40])
def test_schema_agrees_with_model(path: tuple[str, ...], value: Any, valid: bool) -> None:
    data = _with(path, value)
    schema_ok = not list(VALIDATOR.iter_errors(data))
    try:
        App.model_validate(data)
        model_ok = True
    except Exception:
        model_ok = False
    assert (schema_ok, model_ok) == (valid, valid)


def test_schema_model_errors_are_spec_errors_through_loader(tmp_path: Path) -> None:
    from crossdock.specs.loader import load
    spec = tmp_path / "app.yaml"
    spec.write_text("apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\nservices: {web: {image: 3}}\n")
    with pytest.raises(SpecError) as info:
        load(str(spec))
    assert "services.web.image: expected a string, got 3" in str(info.value)
