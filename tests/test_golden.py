"""Golden files: the main translator test.  `pytest --update-golden` rewrites them; review
the diff like code.  Every registered target has its golden files in each case (a new
target adds tests/golden/<case>/expected/<target>/ and its lines in warnings.txt)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossdock.translators import base
from crossdock import targets
from golden_cases import case_dirs, load_case


def _read_tree(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("target", targets.names())
@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_golden_output(case: Path, target: str, update_golden: bool) -> None:
    spec = load_case(case)
    bundle = base.get(target).translate(spec)
    got = {path.removeprefix(f"{target}/"): text for path, text in bundle.files.items()}
    expected_dir = case / "expected" / target
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in got.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_text(text, encoding="utf-8")
    expected = _read_tree(expected_dir)
    assert expected, f"no golden files in {expected_dir}; run pytest --update-golden and review them"
    assert sorted(got) == sorted(expected)
    for rel in expected:
        assert got[rel] == expected[rel], f"{case.name}/{target}/{rel} differs from the golden file"


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_golden_warnings(case: Path, update_golden: bool) -> None:
    spec = load_case(case)
    lines = [str(w) for t in targets.names() for w in base.get(t).translate(spec).warnings]
    text = "".join(line + "\n" for line in lines)
    path = case / "expected" / "warnings.txt"
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("target", targets.names())
@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_golden_deterministic(case: Path, target: str) -> None:
    first = base.get(target).translate(load_case(case))
    second = base.get(target).translate(load_case(case))
    assert first.files == second.files
