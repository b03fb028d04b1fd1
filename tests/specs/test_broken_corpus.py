"""The broken-spec corpus: every file in tests/broken fails with exactly the problems it states.

Each corpus file starts with comment lines that say what must happen:

    # what the case is about (free text)
    # expect-exit: 2
    # expect: 12:9 services.web.ports[1].port: expected an integer 1-65535, got 'eighty'
    # expect: overlays/x.yaml:5:5 services.web.replicas: duplicate key ...   (a problem in another file)
    # expect: overlays/missing.yaml cannot read the file                     (a file with no line)
    # args: --env staging
    # environ: NAME=VALUE
    # max-seconds: 2

An `# expect:` gives the location and the start of the message (path, message and, when it
matters, the hint); the run must report exactly that many problems.  Files that cannot be
committed as text (not UTF-8, too large, control characters) are generated at test time.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crossdock.errors import SpecError
from crossdock.specs.loader import load
from crossdock.specs.yamlsrc import MAX_FILE_BYTES

BROKEN = Path(__file__).resolve().parent.parent / "broken"
FILES = sorted(BROKEN.glob("*.yaml"))
HEADER = re.compile(r"^# (?P<key>[a-z-]+): ?(?P<value>.*)$")
KEYS = {"expect-exit", "expect", "args", "environ", "max-seconds"}
# Every run gets a fresh process: a cold start costs ~0.3 s, so a slow case means a slow loader.
SUBPROCESS_TIMEOUT = 30


@dataclass(frozen=True)
class Expect:
    file: str
    line: int  # 0: the problem has no line (a file that cannot be read)
    column: int
    text: str

    def rendered(self) -> str:
        """As the CLI prints it: ``file:line:col: path: message (hint)``."""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.text}"


@dataclass(frozen=True)
class Case:
    name: str
    exit_code: int
    expects: tuple[Expect, ...]
    args: tuple[str, ...] = ()
    environ: dict[str, str] = field(default_factory=dict)
    max_seconds: float | None = None


def _location(token: str, own: str) -> tuple[str, int, int]:
    if m := re.fullmatch(r"(\d+):(\d+)", token):
        return own, int(m[1]), int(m[2])
    if m := re.fullmatch(r"(.+):(\d+):(\d+)", token):
        return m[1], int(m[2]), int(m[3])
    return token, 0, 0


def read_case(path: Path) -> Case:
    """The case a corpus file's header describes. Raises ValueError on a malformed header."""
    exit_code: int | None = None
    expects: list[Expect] = []
    args: list[str] = []
    environ: dict[str, str] = {}
    max_seconds: float | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = HEADER.match(line)
        if not m:
            continue  # the free-text description
        key, value = m["key"], m["value"]
        if key not in KEYS:
            raise ValueError(f"{path.name}: unknown header '{key}' (known: {', '.join(sorted(KEYS))})")
        if key == "expect-exit":
            exit_code = int(value)
        elif key == "expect":
            token, _, text = value.partition(" ")
            expects.append(Expect(*_location(token, path.name), text))
        elif key == "args":
            args += shlex.split(value)
        elif key == "environ":
            name, _, val = value.partition("=")
            environ[name] = val
        else:
            max_seconds = float(value)
    if exit_code is None or not expects:
        raise ValueError(f"{path.name}: needs '# expect-exit:' and at least one '# expect:'")
    return Case(path.name, exit_code, tuple(expects), tuple(args), environ, max_seconds)


CASES = [read_case(p) for p in FILES]


Run = tuple[subprocess.CompletedProcess[str], float]


def _clean_environ(extra: dict[str, str]) -> dict[str, str]:
    # Variables the corpus relies on being unset must not leak in from the caller's shell.
    # Read in the main thread only: pytest sets PYTEST_CURRENT_TEST there while the pool's
    # threads run, and iterating os.environ meanwhile can raise KeyError.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSDOCK_")}
    return {**env, **extra}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "crossdock", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=SUBPROCESS_TIMEOUT)
    return proc, time.monotonic() - start


def _assert_failed_cleanly(proc: subprocess.CompletedProcess[str], exit_code: int, expects: list[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == exit_code, proc.stderr
    assert proc.stdout == "", "errors belong on stderr; nothing on stdout"
    lines = proc.stderr.splitlines()
    for want in expects:
        assert any(line.startswith(want) for line in lines), f"missing: {want}\n--- stderr:\n{proc.stderr}"
    count = len(expects)
    assert lines[-1] == f"{count} problem{'s' if count != 1 else ''} found", proc.stderr


@pytest.fixture(scope="module")
def cli_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future[Run]]]:
    """The selected corpus cases, run by the CLI a few at a time: ~100 cold starts add up."""
    selected = [item.callspec.params["case"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_corpus_cli_reports_each_problem"]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        yield {c.name: pool.submit(_run, ["validate", c.name, *c.args], BROKEN, _clean_environ(c.environ))
               for c in selected}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_cli_reports_each_problem(case: Case, cli_runs: dict[str, Future[Run]]) -> None:
    proc, seconds = cli_runs[case.name].result()
    _assert_failed_cleanly(proc, case.exit_code, [e.rendered() for e in case.expects])
    if case.max_seconds is not None:
        assert seconds < case.max_seconds, f"took {seconds:.2f} s"


def _load_args(case: Case) -> dict[str, object]:
    it = iter(case.args)
    env: str | None = None
    overlays: list[str] = []
    set_vars: dict[str, str] = {}
    for arg in it:
        if arg == "--env":
            env = next(it)
        elif arg == "--overlay":
            overlays.append(next(it))
        elif arg == "--set":
            name, _, value = next(it).partition("=")
            set_vars[name] = value
        else:
            raise ValueError(f"{case.name}: the in-process run does not know {arg}")
    return {"env": env, "overlays": overlays, "set_vars": set_vars, "environ": _clean_environ(case.environ)}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_load_problems_have_path_and_location(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(SpecError) as info:
        load(case.name, **_load_args(case))  # type: ignore[arg-type]
    got = []
    for p in info.value.problems:
        assert p.location is not None, p
        text = f"{p.path}: {p.message}" if p.path else p.message
        got.append((p.location.file, p.location.line, p.location.column, text + (f" ({p.hint})" if p.hint else "")))
    for e in case.expects:
        assert any((f, line, col) == (e.file, e.line, e.column) and text.startswith(e.text)
                   for f, line, col, text in got), f"missing: {e.rendered()}\ngot: {got}"
    assert len(got) == len(case.expects), got


def test_corpus_is_large_and_numbered() -> None:
    names = [c.name for c in CASES]
    assert len(names) >= 55
    assert all(re.fullmatch(r"\d{2,3}-[a-z0-9-]+\.yaml", n) for n in names), names
    numbers = [n.split("-", 1)[0] for n in names]
    assert len(set(numbers)) == len(numbers), "two corpus files share a number"


# ---- files generated at test time -------------------------------------------------------------

HEAD = b"apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\n"
WEB = b"services:\n  web:\n    image: nginx:1.27\n"

GENERATED = [
    # (name, content, expected line on stderr)
    ("empty.yaml", b"", "empty.yaml:1:1: the file is empty"),
    ("not-utf8.yaml", HEAD.replace(b"demo", b"caf\xe9") + WEB, "not-utf8.yaml:4:12: file is not valid UTF-8"),
    ("utf16.yaml", (HEAD + WEB).decode().encode("utf-16"), "utf16.yaml:1:1: file is not valid UTF-8"),
    ("too-large.yaml", HEAD + WEB + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1),
     f"too-large.yaml: file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"),
    ("control-char.yaml", HEAD + WEB + b"    env:\n      BELL: \"ding\x07\"\n",
     "control-char.yaml:9:18: character U+0007 is not allowed in a YAML file"),
    ("nul-char.yaml", HEAD + b"services:\n  web:\n    image: nginx\x00\n",
     "nul-char.yaml:7:17: character U+0000 is not allowed in a YAML file"),
    # libyaml's composer recurses in C: this many levels used to crash the interpreter.  The
    # column ({col}) is where libyaml notices, which differs between libyaml versions.
    ("deep-flow.yaml", HEAD + b"x-deep: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
     "deep-flow.yaml:5:{col}: nesting deeper than 64 levels"),
    ("deep-block.yaml", HEAD + b"x-deep:\n" + b"- " * 100_000 + b"x\n",
     "deep-block.yaml:6:{col}: nesting deeper than 64 levels"),
]


@pytest.mark.parametrize(("name", "content", "expected"), GENERATED, ids=[g[0] for g in GENERATED])
def test_corpus_generated_file_fails_cleanly(name: str, content: bytes, expected: str, tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(content)
    proc, seconds = _run(["validate", name], tmp_path, _clean_environ({}))
    if "{col}" in expected:
        head, tail = expected.split("{col}")
        line = next((x for x in proc.stderr.splitlines() if x.startswith(head)), "")
        assert re.fullmatch(re.escape(head) + r"[0-9]+" + re.escape(tail) + r".*", line), proc.stderr
        expected = line
    _assert_failed_cleanly(proc, 2, [expected])
    assert seconds < 5, f"took {seconds:.2f} s"


# ---- render writes nothing when the spec is broken --------------------------------------------

@pytest.mark.parametrize("name", ["14-type-string-for-int.yaml", "49-cycle-two-nodes.yaml",
                                  "191-secret-file-is-a-config-file.yaml", "72-alias-billion-laughs.yaml"])
def test_corpus_render_writes_nothing(name: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    out = tmp_path / "out"
    previous = out / "kubernetes" / "previous.yaml"
    previous.parent.mkdir(parents=True)
    previous.write_text("kept: true\n")
    proc, _ = _run(["render", name, "-t", "all", "-o", str(out), *case.args], BROKEN, _clean_environ(case.environ))
    _assert_failed_cleanly(proc, case.exit_code, [e.rendered() for e in case.expects])
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["kubernetes", "kubernetes/previous.yaml"]
    assert previous.read_text() == "kept: true\n"
