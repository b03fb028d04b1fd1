"""Hostile Nomad jobs: rendered golden jobs and the fixtures with values of the wrong type,
odd text and renamed blocks put in at random (fixed seeds).  Each import either stops with one
InputError or gives a spec that loads, with the losses reported; never another exception."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from crossdock.errors import InputError
from crossdock.translators import base as translators
from crossdock.translators.importers.base import MemorySources, check_spec, write_spec
from crossdock.translators.importers.nomad import IMPORTER
from golden_cases import case_dirs, load_case

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"
ODD_JSON: list[Any] = [None, 1, -5, 0, "", "x y", "${var.q}", "{{ .x }}", [], {}, [1], {"a": 1}, True, 1.5, "0999",
                       "a" * 300, "\U0001f642", "$${", "%{", "../..", "/"]
ODD_HCL = ['""', '"x y"', "[]", "{}", "1", "-3", "true", "null", '"${var.zz}"', "var.zz", '"{{ .x }}"', '["a", 1]',
           "{ a = 1 }", '"0999"', '"\U0001f642"', "local.q", '"$${x}"', '"%%{y}"', '"a\\nb"', "5.5", 'upper("x")']


def _rendered() -> list[str]:
    files: list[str] = []
    for case in case_dirs():
        files += translators.get("nomad").translate(load_case(case)).files.values()
    return files


RENDERED = _rendered()
JSON_JOBS = [json.loads(t) for t in RENDERED if t.lstrip().startswith("{")]
JSON_JOBS += [json.loads(p.read_text()) for p in FIXTURES.glob("nomad-*/*.json")]
HCL_JOBS = [t for t in RENDERED if not t.lstrip().startswith("{")]
HCL_JOBS += [p.read_text() for p in FIXTURES.glob("nomad-*/*.nomad*") if not p.name.endswith(".json")]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        yield from _nodes(child, path + (key,))


def _imports_or_refuses(name: str, text: str) -> None:
    try:
        result = IMPORTER.import_files([name], MemorySources({name: text}), name=None, environ={})
    except InputError:
        return
    check_spec(write_spec(result))


@pytest.mark.parametrize("seed", range(4))
def test_nomad_import_mutated_json_jobs(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        job = json.loads(json.dumps(rng.choice(JSON_JOBS)))
        for _ in range(rng.randint(1, 4)):
            path = rng.choice([p for p in _nodes(job) if p])
            node = job
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = json.loads(json.dumps(rng.choice(ODD_JSON)))
        _imports_or_refuses("job.json", json.dumps(job))


@pytest.mark.parametrize("seed", range(4))
def test_nomad_import_mutated_hcl_jobs(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        lines = rng.choice(HCL_JOBS).split("\n")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            attr = re.match(r"^(\s*[A-Za-z_]+\s*=\s*)(.*)$", lines[i])
            block = re.match(r"^(\s*)([a-z_]+)(.*\{)$", lines[i])
            if attr:
                lines[i] = attr.group(1) + rng.choice(ODD_HCL)
            elif block:
                other = rng.choice(["foo", "config", "template", "network", "env", "meta", "lifecycle", "check"])
                lines[i] = block.group(1) + other + block.group(3)
            else:
                del lines[i]
        _imports_or_refuses("job.nomad", "\n".join(lines))
