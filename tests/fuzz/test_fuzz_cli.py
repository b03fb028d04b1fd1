"""Mutation fuzzing of the CLI (issue 19, "How it is checked"): the example, the golden specs,
the broken specs and the importer fixtures, mutated at byte, line and YAML/HCL-node level, each
run through ``crossdock validate``/``render`` (specs) or ``crossdock import`` (fixtures) in its own
subprocess, under a 1.5 GB address-space cap.  Every case must:

- exit 0, 2 or 3 (never 1, never a signal);
- never print "internal error", "Traceback" or "bug";
- peak at under 1 GB of memory (ru_maxrss of that one child, from wait4);
- finish in under 10 s.

CI runs ``CASES`` cases (default 100, 25-50 s here: 0.25-0.5 s of Python start-up and work per
case on a 2-core machine) from the fixed seed 19.  By hand, more or another seed::

    CROSSDOCK_FUZZ_CASES=5000 CROSSDOCK_FUZZ_SEED=7 python3 -m pytest -q tests/fuzz -p no:cacheprovider

A case is a pure function of (seed, index), so a failure reproduces from the two numbers printed.
Failing inputs are kept under the test's tmp_path (``failures/case-<index>/``, the mutated file in
its copied seed folder); the report names them, the mutations and the command, and shows the
output with the seeds' secret files' contents masked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import fuzz_runner

CASES = int(os.environ.get("CROSSDOCK_FUZZ_CASES", "100"))
SEED = int(os.environ.get("CROSSDOCK_FUZZ_SEED", "19"))


def _secret_texts(seeds: list[fuzz_runner.Seed]) -> list[bytes]:
    """Contents of the seeds' secret and key files: never printed in a failure report."""
    texts = set()
    for seed in seeds:
        for path in seed.folder.rglob("*"):
            name = str(path.relative_to(seed.folder)).lower()
            if path.is_file() and any(w in name for w in ("secret", "password", ".crt", ".key", "token")):
                texts.update(line.strip() for line in path.read_bytes().splitlines() if len(line.strip()) >= 3)
    return sorted(texts, key=len, reverse=True)


def _masked(data: bytes, secrets: list[bytes]) -> str:
    for text in secrets:
        data = data.replace(text, b"<SECRET>")
    tail = data.decode("utf-8", "replace")[-600:]
    return ascii(tail)


def test_fuzz_cli_mutated_inputs(tmp_path: Path) -> None:
    seeds = fuzz_runner.seeds()
    assert {s.kind for s in seeds} == {"spec", "compose", "kubernetes", "nomad"}
    secrets = _secret_texts(seeds)
    failures = []
    for index in range(CASES):
        case = fuzz_runner.plan(SEED, index, seeds)
        folder = tmp_path / "cases" / f"case-{index}"
        fuzz_runner.materialize(case, folder)
        result = fuzz_runner.run_cli(case.argv, folder)
        found = fuzz_runner.problems(result)
        if found:
            kept = tmp_path / "failures" / f"case-{index}"
            kept.parent.mkdir(exist_ok=True)
            folder.rename(kept)
            failures.append(f"seed {SEED} case {index}: {', '.join(found)}\n"
                            f"  input: {kept / case.file} (from {case.seed.name}; mutations: {', '.join(case.mutations)})\n"
                            f"  command: crossdock {' '.join(case.argv)} (cwd {kept})\n"
                            f"  stderr: {_masked(result.stderr, secrets)}")
        else:
            _remove(folder)
    if failures:
        pytest.fail(f"{len(failures)} of {CASES} fuzz cases failed:\n" + "\n".join(failures), pytrace=False)


def _remove(folder: Path) -> None:
    """A passing case's folder is dropped (thousands of cases by hand would fill the disk)."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    folder.rmdir()


def test_fuzz_plan_reproducible_from_seed_and_index() -> None:
    """A failure report's (seed, index) must rebuild the very same input and command."""
    seeds = fuzz_runner.seeds()
    for index in (0, 7, 99):
        assert fuzz_runner.plan(SEED, index, seeds) == fuzz_runner.plan(SEED, index, seeds)
    assert fuzz_runner.plan(SEED, 1, seeds) != fuzz_runner.plan(SEED + 1, 1, seeds)


@pytest.mark.parametrize("result, expected", [
    (fuzz_runner.Result(1, 0.3, 40_000, b"", b"internal error: boom", False), ["exit code 1", "internal error"]),
    (fuzz_runner.Result(2, 0.3, 1_100_000, b"", b"x", False), ["peak memory"]),
    (fuzz_runner.Result(0, 12.0, 40_000, b"", b"", True), ["took 12.0 s (killed)"]),
    (fuzz_runner.Result(-9, 0.3, 40_000, b"", b"", False), ["exit code -9"]),
    (fuzz_runner.Result(3, 0.3, 40_000, b"LOG_LEVEL: debug", b"warning", False), []),
])
def test_fuzz_problems_rules(result: fuzz_runner.Result, expected: list[str]) -> None:
    found = " | ".join(fuzz_runner.problems(result))
    assert all(e in found for e in expected) and (found == "") == (not expected), found
