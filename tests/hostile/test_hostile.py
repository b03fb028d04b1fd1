"""Issue 19's hostile-input corpus: every case of hostile_cases_spec / hostile_cases_import runs
the real CLI in a subprocess and goes through the same generic checks (hostile_harness.check):
exit code, location in the message, no planted secret anywhere written, no internal error, no raw
control character in stderr, inputs intact where asked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import hostile_cases_import
import hostile_cases_spec
from hostile_harness import Case, Outcome, check, run

CASES = hostile_cases_spec.cases() + hostile_cases_import.cases()


def test_corpus_covers_every_class_and_importer() -> None:
    classes = {c.cls.split("-")[0] for c in CASES}
    assert classes >= {"1", "2", "3", "4", "5", "6", "7", "8"}
    for fmt in ("compose", "kubernetes", "nomad"):
        assert {c.cls.split("-")[0] for c in CASES if c.cls.endswith(fmt)} >= {"1", "2", "3", "4", "5"}, fmt
    assert len({c.id for c in CASES}) == len(CASES)
    for case in CASES:
        for value in case.planted:
            assert value and all(value not in other for other in case.argv)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.cls}:{c.id}" for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    check(case, run(case, tmp_path))


ROOT_TARGETS = [Path("/nomad")]


def test_hostile_render_output_root_refused(tmp_path: Path) -> None:
    """``render -o /`` must be refused (exit 2, naming the option) before anything is written.

    The run would create /nomad if accepted: the test refuses to run when /nomad already exists
    (it is never touched then), and removes only the /nomad this very run created."""
    present = [p for p in ROOT_TARGETS if p.exists() or p.is_symlink()]
    assert not present, f"{present} exist: cannot check `render -o /` without touching them"
    case = Case("render-o-root", "6-output", ("render", "proj/app.yaml", "-t", "nomad", "-o", "/"), 2,
                r"(-o|--output)", files={"proj/app.yaml": hostile_cases_spec.HEAD
                                         + "services:\n  web:\n    image: nginx:1.25\n"})
    try:
        out = run(case, tmp_path)
    finally:
        created = [p for p in ROOT_TARGETS if p.exists()]
        for path in created:
            shutil.rmtree(path)
    assert not created, f"render -o / wrote {created}"
    check(case, out)


@pytest.mark.parametrize("value, shown", [
    ('Pl"4\\n', b'Pl\\"4\\\\n'),  # JSON-escaped
    ("Pl'4\t", b"Pl'4\\t"),  # repr
    ("Pl\x014", b"Pl\\x014"),  # repr of a control character
    ("Pl\x014", b"Pl\\u00014"),  # JSON of a control character
])
def test_harness_check_catches_escaped_leaks(value: str, shown: bytes) -> None:
    """The generic check must fail when a planted value shows in any displayed form, in stderr
    or in a written file: otherwise every case above could pass vacuously."""
    case = Case("leak", "5-messages", ("validate", "x"), 2, "x", (value,))
    for out in (Outcome(2, b"", b"x: got '" + shown + b"'", {}, []),
                Outcome(2, b"", b"x", {"out/k.yaml": b"v: " + shown}, [])):
        with pytest.raises(AssertionError, match="planted value #0"):
            check(case, out)
    check(case, Outcome(2, b"", b"x: got '***'", {}, []))


def test_harness_check_catches_raw_control_and_internal_error() -> None:
    case = Case("raw", "5-messages", ("validate", "x"), 2, "x")
    with pytest.raises(AssertionError, match="raw control character"):
        check(case, Outcome(2, b"", b"x: key 'a\x1b[31m'", {}, []))
    with pytest.raises(AssertionError, match="internal error"):
        check(case, Outcome(2, b"", b"x: internal error", {}, []))
