"""The hostile-input harness: one `Case` is a folder of input files, one crossdock command, and
what must hold afterwards (issue 19, "Trust at the input boundary").

Every case runs ``python3 -m crossdock ...`` in a subprocess (cwd = the case's tmp_path, the
caller's PYTHONPATH kept, 30 s timeout: a command that blocks on a FIFO or expands a bomb fails
the test instead of hanging the suite) and is checked the same generic way:

- the exit code (2 for a refusal, 0 for a valid import that had to move secrets aside);
- the location regex (``app.yaml:12:``, an option name...) in standard error, or, for an import
  that succeeded, in standard error or the written spec (the comment that says where a value was);
- no PLANTED value anywhere the command writes: stdout, stderr, and the bytes of every file under
  tmp_path that is not an input (the imported spec, render output...), in its raw form, Python
  repr form and JSON-escaped form (a redaction that matches only the raw value misses the others);
- no "internal error", "Traceback" or "bug" in the output;
- standard error holds no ESC or other raw control character (only newlines);
- optionally, the inputs are byte-identical afterwards (``render -o`` must not delete them).
"""

from __future__ import annotations

import json
import os
import re
import resource
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Generous for one crossdock run (~0.3 s here); a FIFO read or an unbounded expansion never
# finishes, and this turns it into a failure with the case's name.
TIMEOUT_S = 30

FORBIDDEN_OUTPUT = re.compile(r"internal error|Traceback|\bbug\b", re.IGNORECASE)
# Control characters that must never reach a terminal raw: C0 but newline, DEL, and C1.
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")

# Stands for the case's tmp_path in file texts, argv and env values (absolute paths outside the
# spec's folder).
ROOT = "{ROOT}"

# The child's address-space cap: a bomb that today's code expands fails fast with MemoryError
# (and the test fails on its exit code) instead of taking the shared machine's memory.
CHILD_MEMORY_CAP = 1536 * 1024 * 1024

Setup = Callable[[Path], None]


def fifo_at(rel: str) -> Setup:
    """A setup that makes a FIFO at ``rel``: reading it blocks until a writer comes (never)."""
    def make(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / rel)
    return make


def link_at(rel: str, target: str) -> Setup:
    """A setup that makes a symlink ``rel`` -> ``target`` (relative targets leave the folder)."""
    def make(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / rel)
    return make


@dataclass(frozen=True)
class Case:
    """One hostile input and what crossdock must do with it.

    ``files`` maps paths relative to tmp_path to their text (or bytes); ``setup`` makes what
    text cannot (symlinks, FIFOs).  ``argv`` follows ``python3 -m crossdock``.  ``where`` is a
    regex searched in stderr (and, when the command succeeds, the written ``spec``).  ``planted``
    are the secret values that must not show anywhere.  ``spec`` is the file an import writes;
    ``spec_has`` are regexes it must contain (e.g. the secret's from_env).  ``unchanged``: every
    input file is byte-identical afterwards.
    """

    id: str
    cls: str
    argv: tuple[str, ...]
    code: int
    where: str
    planted: tuple[str, ...] = ()
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: bytes | None = None
    setup: Setup | None = None
    spec: str | None = None
    spec_has: tuple[str, ...] = ()
    spec_lacks: tuple[str, ...] = ()
    unchanged: bool = False


@dataclass
class Outcome:
    """What one run left behind."""

    code: int
    stdout: bytes
    stderr: bytes
    written: dict[str, bytes]
    changed_inputs: list[str]


def planted_forms(value: str) -> list[bytes]:
    """The ways a planted value can be displayed: raw, Python repr, JSON-escaped (each without
    its quotes), all in UTF-8.  A message that shows any of them leaks the value."""
    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return sorted({f.encode("utf-8") for f in forms if f}, key=len)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` (symlinks and FIFOs are not followed or opened)."""
    files: dict[str, bytes] = {}
    for dirpath, _dirs, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode):
                files[str(path.relative_to(root))] = path.read_bytes()
    return files


def write_inputs(case: Case, root: Path) -> None:
    for rel, content in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace(ROOT, str(root)), encoding="utf-8")
    if case.setup is not None:
        case.setup(root)


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment (PYTHONPATH selects the code under test) plus the case's."""
    env = dict(os.environ)
    env.update(extra)
    return env


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_CAP, CHILD_MEMORY_CAP))


def run(case: Case, root: Path) -> Outcome:
    """Write the case's inputs under ``root``, run its command there, and collect the result.

    A timeout fails the test (the child is killed by subprocess.run)."""
    write_inputs(case, root)
    before = snapshot(root)
    argv = [a.replace(ROOT, str(root)) for a in case.argv]
    env = child_env({k: v.replace(ROOT, str(root)) for k, v in case.env.items()})
    try:
        proc = subprocess.run([sys.executable, "-m", "crossdock", *argv], cwd=root, preexec_fn=_cap_memory,
                              env=env, input=case.stdin if case.stdin is not None else b"",
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"[{case.id}] crossdock {' '.join(case.argv[:2])}... did not finish "
                             f"within {TIMEOUT_S} s") from None
    after = snapshot(root)
    written = {rel: data for rel, data in after.items() if before.get(rel) != data}
    changed = [rel for rel, data in before.items() if after.get(rel) != data]
    return Outcome(proc.returncode, proc.stdout, proc.stderr, written, changed)


def _show(data: bytes, limit: int = 1500) -> str:
    """Output for an assertion message, with its control characters made visible."""
    text = data.decode("utf-8", "replace")
    return ascii(text[:limit]) + (" ..." if len(text) > limit else "")


def _redact(data: bytes, planted: tuple[str, ...]) -> bytes:
    """``data`` with every planted form masked: an assertion message must not leak them either."""
    for value in planted:
        for form in reversed(planted_forms(value)):
            data = data.replace(form, b"<PLANTED>")
    return data


def check(case: Case, out: Outcome) -> None:
    """Every generic assertion; collects all failures of the case in one message."""
    failures: list[str] = []
    err_text = out.stderr.decode("utf-8", "replace")
    if out.code != case.code:
        failures.append(f"exit code {out.code}, expected {case.code}")
    spec_bytes = out.written.get(case.spec, b"") if case.spec else b""
    where_text = err_text + (spec_bytes.decode("utf-8", "replace") if case.code == 0 else "")
    if case.where and not re.search(case.where, where_text):
        failures.append(f"location /{case.where}/ not in the message")
    for value in case.planted:
        for form in planted_forms(value):
            places = [name for name, data in (("stdout", out.stdout), ("stderr", out.stderr)) if form in data]
            places += [rel for rel, data in sorted(out.written.items()) if form in data]
            if places:
                failures.append(f"planted value #{case.planted.index(value)} (len {len(value)}) found in "
                                f"{', '.join(places[:5])}")
                break
    for name, data in (("stdout", out.stdout), ("stderr", out.stderr)):
        hit = FORBIDDEN_OUTPUT.search(data.decode("utf-8", "replace"))
        if hit:
            failures.append(f"{name} says {hit.group(0)!r}")
    raw = RAW_CONTROL.search(err_text)
    if raw:
        failures.append(f"stderr holds a raw control character {raw.group(0)!r}")
    if case.spec is not None and case.code == 0:
        if case.spec not in out.written:
            failures.append(f"no spec written at {case.spec}")
        spec_text = spec_bytes.decode("utf-8", "replace")
        failures += [f"spec lacks /{rx}/" for rx in case.spec_has if not re.search(rx, spec_text)]
        failures += [f"spec has /{rx}/" for rx in case.spec_lacks if re.search(rx, spec_text)]
    if case.unchanged and out.changed_inputs:
        failures.append(f"inputs changed or deleted: {', '.join(sorted(out.changed_inputs)[:8])}")
    if failures:
        raise AssertionError(f"[{case.cls} {case.id}] " + "; ".join(failures)
                             + f"\n  stderr: {_show(_redact(out.stderr, case.planted))}"
                             + f"\n  stdout: {_show(_redact(out.stdout, case.planted), 400)}")
