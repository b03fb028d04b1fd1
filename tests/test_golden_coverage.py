"""The golden cases together use every spec feature: every field path of the model is set by
at least one case's spec.

A path names a field from App down through every nested model, list item (``[]``) and mapping
value (``*``): ``services.*.health.liveness.http.port``, ``jobs.*.sidecars[].command``.  The
variants of a choice are fields of their own (a probe's ``http``, ``tcp``, ``exec``; a
volume mount's ``volume`` and ``scratch``), so each counts.  A field counts as used when a
case's loaded spec sets it explicitly (pydantic's ``model_fields_set``, after overlays and
variables); ``environments``, which the loader applies and removes, when a case's file has it.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from crossdock.specs.model import App, Workload
from crossdock.specs.xblocks import extension_keys
from golden_cases import case_dirs, case_options, load_case


def _key(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].alias or name


def _unwrap(annotation: Any) -> Any:
    """The type inside Optional[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _step(annotation: Any) -> tuple[str, Any] | None:
    """('[]' or '.*', item type) when ``annotation`` is a list or mapping of models."""
    t = _unwrap(annotation)
    origin = typing.get_origin(t)
    if origin is list:
        item, suffix = _unwrap(typing.get_args(t)[0]), "[]"
    elif origin is dict:
        item, suffix = _unwrap(typing.get_args(t)[1]), ".*"
    else:
        return None
    return (suffix, item) if isinstance(item, type) and issubclass(item, BaseModel) else None


def model_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every leaf field path of ``model``: scalars, lists and mappings of scalars, x- blocks."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        path = prefix + _key(model, name)
        t = _unwrap(info.annotation)
        container = _step(info.annotation)
        if isinstance(t, type) and issubclass(t, BaseModel):
            out |= model_paths(t, path + ".")
        elif container is not None:
            out |= model_paths(container[1], path + container[0] + ".")
        else:
            out.add(path)
    if model is App or issubclass(model, Workload):  # one x-<target> block per registered target
        out |= {prefix + key for key in extension_keys()}
    return out


def used_paths(value: BaseModel, prefix: str = "") -> set[str]:
    """The leaf field paths that ``value`` (and what it holds) sets explicitly."""
    model = type(value)
    out: set[str] = set()
    for name in value.model_fields_set & model.model_fields.keys():  # its extra keys: below
        path = prefix + _key(model, name)
        field_value = getattr(value, name)
        container = _step(model.model_fields[name].annotation)
        if isinstance(field_value, BaseModel):
            out |= used_paths(field_value, path + ".")
        elif container is not None:
            items = field_value.values() if isinstance(field_value, dict) else field_value
            for item in items:
                out |= used_paths(item, path + container[0] + ".")
        else:
            out.add(path)
    out |= {prefix + key for key in value.model_extra or {}}  # the x-<target> blocks it holds
    return out


def _case_paths(case: Path) -> set[str]:
    paths = used_paths(load_case(case).app)
    opts = case_options(case)
    source = (case / opts["spec"]).resolve() if "spec" in opts else case / "app.yaml"
    if "environments" in (yaml.safe_load(source.read_text(encoding="utf-8")) or {}):
        paths.add("environments")
    return paths


def test_model_paths_walks_lists_mappings_and_variants() -> None:
    paths = model_paths(App)
    for path in ("metadata.name", "x-kubernetes", "services.*.x-nomad", "services.*.health.liveness.http.port",
                 "services.*.health.startup.tcp.port", "services.*.health.readiness.exec",
                 "jobs.*.sidecars[].command", "cron_jobs.*.init[].resources.limits.memory",
                 "cron_jobs.*.schedule", "secrets.*.from_env", "volumes.*.per_replica"):
        assert path in paths
    assert "services.*.health" not in paths  # a model is counted by its fields
    assert "jobs.*.schedule" not in paths


@pytest.mark.parametrize("text, expected", [
    ("services: {web: {image: x, health: {startup: {tcp: {port: 80}}}}}",
     {"services.*.image", "services.*.health.startup.tcp.port"}),
    ("jobs: {j: {image: x, sidecars: [{name: s, image: y, command: [a]}]}}",
     {"jobs.*.image", "jobs.*.sidecars[].name", "jobs.*.sidecars[].image", "jobs.*.sidecars[].command"}),
])
def test_used_paths_names_what_a_spec_sets(text: str, expected: set[str]) -> None:
    data = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"}, **yaml.safe_load(text)}
    assert used_paths(App.model_validate(data)) == {"apiVersion", "kind", "metadata.name"} | expected


def test_golden_cases_set_every_model_path() -> None:
    used: set[str] = set()
    for case in case_dirs():
        used |= _case_paths(case)
    missing = sorted(model_paths(App) - used)
    assert not missing, f"{len(missing)} spec field path(s) no golden case sets:\n  " + "\n  ".join(missing)
