"""Bounded expansion: YAML aliases and compose interpolation are measured before they are built.

A file under the size cap can still describe gigabytes: one 1 MiB scalar aliased 3,000 times
(3 GB once rendered), or a 3 MB .env value referenced 900 times by a compose file.  Both must be
refused with exit 2, at the place that crosses the budget, fast and in little memory.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crossdock.errors import InputError, SpecError
from crossdock.specs import yamlsrc
from crossdock.translators.importers.compose_interp import MAX_TOTAL_BYTES, MAX_VALUE_BYTES, Interpolator
from crossdock.translators.importers.kubernetes_read import parse_file

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\nservices:\n  web:\n    image: nginx:1.27\n"
MIB = 1024 * 1024
# A refused file must not come close to what its expansion would take (gigabytes): 300 MiB is
# the interpreter, crossdock's imports and the file's own few MiB, with room to spare.
MAX_RSS_KIB = 300 * 1024
MAX_SECONDS = 10


def _limit_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))  # a run that never ends is killed, not waited on


# The command as `python -m crossdock` runs it, reporting its own peak memory at exit: VmHWM of
# /proc/self/status belongs to the process's memory map since exec.  (ru_maxrss would not do:
# Linux carries it over the fork from the test process, whose size it would then measure.)
_PEAK = ("import runpy, sys\n"
         "sys.argv = ['crossdock', *sys.argv[2:]]\n"
         "try:\n"
         "    runpy.run_module('crossdock', run_name='__main__', alter_sys=True)\n"
         "finally:\n"
         "    with open('/proc/self/status') as f, open(sys.argv_peak, 'w') as out:\n"
         "        out.write(next(line for line in f if line.startswith('VmHWM:')).split()[1])\n")


def _run(tmp_path: Path, *argv: str) -> tuple[int, str, float, int]:
    """Exit code, stderr, seconds and peak memory (KiB, this child's own) of ``crossdock *argv``."""
    peak = tmp_path / ".peak"
    code = _PEAK.replace("sys.argv_peak", repr(str(peak)))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, "-", *argv], cwd=tmp_path, capture_output=True, text=True,
                          preexec_fn=_limit_cpu, check=False)
    seconds = time.monotonic() - start
    return proc.returncode, proc.stderr, seconds, int(peak.read_text())


def _assert_clean_refusal(code: int, err: str, want: str) -> None:
    assert code == 2, err
    assert want in err, err
    assert "Traceback" not in err and "internal error" not in err and "bug" not in err, err


# ---- YAML aliases: bytes --------------------------------------------------------------------

def test_yaml_limits_big_scalar_aliased_3000_times_is_refused_at_the_alias(tmp_path: Path) -> None:
    # Lines: 1-7 HEAD, 8 the anchor, 9 x-list:, 10.. one alias a line.  Each alias adds 1 MiB;
    # 4 MiB are allowed, so the fifth alias (line 14, x-list[4]) crosses the budget.
    big = "x" * MIB
    (tmp_path / "bomb.yaml").write_text(HEAD + f"x-big: &b {big}\nx-list:\n" + "  - *b\n" * 3000)
    code, err, seconds, rss = _run(tmp_path, "validate", "bomb.yaml")
    _assert_clean_refusal(code, err, "bomb.yaml:14:5: x-list[4]: aliases expand to more than 4 MiB of text")
    assert seconds < MAX_SECONDS and rss < MAX_RSS_KIB, (seconds, rss)


def test_yaml_limits_render_refuses_the_big_alias_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(HEAD + f"x-big: &b {'y' * MIB}\nx-list: [{', '.join(['*b'] * 3000)}]\n")
    code, err, seconds, rss = _run(tmp_path, "render", "bomb.yaml", "-t", "all", "-o", "out")
    # x-list: [*b, *b, ... : the fifth alias stands at column 10 + 4 * 4 = 26 of line 9.
    _assert_clean_refusal(code, err, "bomb.yaml:9:26: x-list[4]: aliases expand to more than 4 MiB")
    assert not (tmp_path / "out").exists()
    assert seconds < MAX_SECONDS and rss < MAX_RSS_KIB, (seconds, rss)


@pytest.mark.parametrize(("text", "where"), [
    # a mapping whose key and value are counted (1 MiB + 1 byte a use: the fourth use crosses)
    (f"x-big: &b {{k: {'z' * MIB}}}\n" + "".join(f"x-m{i}: {{<<: *b}}\n" for i in range(10)), (12, 12, "x-m3")),
    # an alias inside an aliased list counts as often as the list is used: x-two's own aliases
    # spend 2 MiB, the first *two 2 MiB more (4 MiB: allowed), the second (column 16) crosses
    (f"x-one: &one {'w' * MIB}\nx-two: &two [*one, *one]\nx-uses: [*two, *two]\n", (10, 16, "x-uses[1]")),
])
def test_yaml_limits_bytes_counted_through_merges_and_nested_aliases(text: str, where: tuple[int, int, str]) -> None:
    with pytest.raises(SpecError) as info:
        yamlsrc.parse("t.yaml", HEAD + text)
    (problem,) = info.value.problems
    assert problem.message == "aliases expand to more than 4 MiB of text"
    assert problem.location is not None
    assert (problem.location.line, problem.location.column, problem.path) == where


def test_yaml_limits_aliases_within_the_budget_expand() -> None:
    # 3 uses of 1 MiB (3 MiB) stay under 4 MiB: valid, and every use holds the text.
    big = "v" * MIB
    located = yamlsrc.parse("t.yaml", HEAD + f"x-big: &b {big}\nx-list: [*b, *b, *b]\n")
    assert located.data["x-list"] == [big, big, big]


def test_yaml_limits_byte_budget_is_per_file_across_documents() -> None:
    # Three documents with two 1 MiB aliases each: 6 MiB for the file, though 2 MiB a document.
    # The first two spend 4 MiB; the third document's first alias (line 14, after "data: {a: &a ",
    # the text and ", b: ") crosses.
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{n}}}\ndata: {{a: &a {big}, b: *a, c: *a}}\n"
    text = "---\n".join(doc.format(n=n, big="q" * MIB) for n in range(3))
    column = len("data: {a: &a ") + MIB + len(", b: ") + 1
    with pytest.raises(InputError, match=rf"m\.yaml:14:{column}: data\.b: aliases expand to more than 4 MiB"):
        parse_file("m.yaml", text)


def test_yaml_limits_byte_budget_equals_the_file_cap() -> None:
    assert yamlsrc.MAX_ALIAS_BYTES == yamlsrc.MAX_FILE_BYTES


# ---- compose interpolation ------------------------------------------------------------------

def _compose_project(tmp_path: Path, env: str, refs: int, ref: str = "${BIG}") -> None:
    (tmp_path / ".env").write_text(env)
    lines = "".join(f"      V{i}: {ref}\n" for i in range(refs))
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n    environment:\n" + lines)


def test_yaml_limits_compose_env_value_referenced_900_times_is_refused(tmp_path: Path) -> None:
    _compose_project(tmp_path, "BIG=" + "x" * 3_000_000 + "\n", 900)
    code, err, seconds, rss = _run(tmp_path, "import", "compose.yaml", "-o", "app.yaml")
    # The first reference (line 5, column 11) is already past the 1 MiB a value may reach.
    _assert_clean_refusal(code, err, "compose.yaml:5:11: services.web.environment.V0: variables expand this "
                                     "value to more than 1 MiB")
    assert not (tmp_path / "app.yaml").exists()
    assert seconds < MAX_SECONDS and rss < MAX_RSS_KIB, (seconds, rss)


def test_yaml_limits_compose_total_expansion_is_capped_at_the_crossing_field(tmp_path: Path) -> None:
    # 300,000 bytes a reference: 13 fit in 4 MiB (3.9 M), the 14th (V13, line 18, column 12) crosses it.
    _compose_project(tmp_path, "MID=" + "y" * 300_000 + "\n", 900, "${MID}")
    code, err, _, _ = _run(tmp_path, "import", "compose.yaml", "-o", "app.yaml")
    _assert_clean_refusal(code, err, "compose.yaml:18:12: services.web.environment.V13: variables expand the "
                                     "project's values to more than 4 MiB")


@pytest.mark.parametrize(("text", "size"), [
    ("${A}", 3), ("x${A}y", 5), ("$$", 1), ("${NOPE}", 0), ("${NOPE:-dflt}", 4), ("${A:+alt}", 3),
    ("${NOPE:+alt}", 0), ("${EMPTY:-d}", 1), ("${EMPTY-d}", 0), ("$A$A", 6), ("é${A}", 5),
])
def test_yaml_limits_compose_measure_is_the_resolved_size(text: str, size: int) -> None:
    interp = Interpolator({"A": "abc", "EMPTY": ""}, {})
    assert interp.measure(text) == size == len(interp.resolve(text).encode())


def test_yaml_limits_compose_resolve_refuses_past_the_value_cap() -> None:
    interp = Interpolator({"BIG": "b" * (MAX_VALUE_BYTES // 2 + 1)}, {})
    assert interp.resolve("${BIG}") == "b" * (MAX_VALUE_BYTES // 2 + 1)
    with pytest.raises(InputError, match="more than 1 MiB"):
        interp.resolve("${BIG}${BIG}")


def test_yaml_limits_compose_caps_are_justified_sizes() -> None:
    assert (MAX_VALUE_BYTES, MAX_TOTAL_BYTES) == (MIB, yamlsrc.MAX_FILE_BYTES)


# ---- typing a substituted value -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("3", 3), ("1.5", 1.5), ("yes", True), ("~", None), ("web", "web"), ("=", "="), ("<<", "<<"),
    ("9" * 5000, "9" * 5000), ("0x" + "f" * 4000, "0x" + "f" * 4000), ("2001-13-45", "2001-13-45"),
])
def test_yaml_limits_typed_plain_never_raises(text: str, expected: object) -> None:
    from crossdock.specs.yamlconvert import typed_plain
    assert typed_plain(text) == expected
