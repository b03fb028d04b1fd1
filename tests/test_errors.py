"""Messages: one escape for every key, value, path and file name shown (errors.shown), the
shape of content that may not be quoted (errors.shape), and the CLI's last print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossdock.cli.main import main
from crossdock.specs import loader  # noqa: F401 - PyYAML imported at collection, as in the other tests
from crossdock.errors import InputError, Location, Problem, SpecError, shape, shown, shown_lines

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("plain text, é ü 日本", "plain text, é ü 日本"),
    ("a\nb", "a\\nb"),
    ("a\tb\rc", "a\\tb\\rc"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("\x00\x07\x7f", "\\x00\\x07\\x7f"),
    ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL and CSI
    ("\u202aa\u202bb\u202cc\u202dd\u202ee", "\\u202aa\\u202bb\\u202cc\\u202dd\\u202ee"),  # bidi embeddings/overrides
    ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),  # bidi isolates
    ("a\u200bb\u200dc\ufeff", "a\\u200bb\\u200dc\\ufeff"),  # zero-width space, joiner, BOM
    ("\u2028\u2029", "\\u2028\\u2029"),  # line and paragraph separators
    ("\udc80", "\\udc80"),  # a lone surrogate (surrogateescape): not even writable as UTF-8
    ("back\\slash 'q' \"dq\"", "back\\slash 'q' \"dq\""),  # printable: unchanged
])
def test_shown_escapes_unsafe_characters(text: str, expected: str) -> None:
    assert shown(text) == expected


@pytest.mark.parametrize("text", ["a\nb\x1b\u202e\udc80", "x\\ny", "'quoted\\t'", repr("a\x1b\n")])
def test_shown_twice_is_shown_once(text: str) -> None:
    once = shown(text)
    assert shown(once) == once
    assert once.isprintable()


def test_shown_lines_keeps_line_breaks_only() -> None:
    assert shown_lines("one\x1b\ntwo\tthree") == "one\\x1b\ntwo\\tthree"


def test_problem_str_escapes_every_part() -> None:
    p = Problem("services.we\nb", "unknown field 'k\x1b[2J'", Location("dir\n/app.yaml", 3, 4), "did you mean\u202e 'x'?")
    text = str(p)
    assert "\n" not in text and "\x1b" not in text and "\u202e" not in text
    assert text == "dir\\n/app.yaml:3:4: services.we\\nb: unknown field 'k\\x1b[2J' (did you mean\\u202e 'x'?)"


def test_problem_str_does_not_escape_escaped_text_again() -> None:
    # A value shown by repr is already escaped: its backslashes stay single.
    p = Problem("a", f"got {'x' + chr(10)!r}")
    assert str(p) == "a: got 'x\\n'"


@pytest.mark.parametrize(("value", "expected"), [
    (None, "an empty value"),
    (True, "a boolean"),
    (3, "a number"),
    ("x", "a text of 1 character"),
    ("root:$6$abc$def:19000:0:99999:7:::", "a text of 34 characters"),
    ("a\nb\nc", "a text of 5 characters on 3 lines"),
    ({"a": 1, "b": 2}, "a mapping of 2 keys"),
    ([1], "a list of 1 item"),
])
def test_shape_describes_without_quoting(value: object, expected: str) -> None:
    assert shape(value) == expected


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_key_with_newline_and_escape_is_printed_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + 'services:\n  web:\n    image: nginx\n    "ima\\nge\\e[2J": x\n    env: {"A\\tB\\u202e": 1}\n')
    code, out, err = _run(capsys, "validate", str(spec))
    assert code == 2 and out == "", err
    assert "\x1b" not in err and "\t" not in err and "\u202e" not in err
    lines = err.splitlines()
    assert lines[-1] == "2 problems found"
    assert any(line.endswith("services.web.ima\\nge\\x1b[2J: unknown field 'ima\\nge\\x1b[2J' (did you mean 'image'?)")
               for line in lines), err
    assert any("services.web.env.A\\tB\\u202e" in line for line in lines), err


def test_cli_input_error_text_is_escaped(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from crossdock.cli import main as cli_main

    def broken_load(*_: object, **__: object) -> None:
        raise InputError("bad\x1b[31m value\nsecond line\u202e")

    monkeypatch.setattr(cli_main, "_load", broken_load)
    code, _, err = _run(capsys, "validate", "x.yaml")
    assert code == 2
    assert err == "bad\\x1b[31m value\nsecond line\\u202e\n"


def test_cli_spec_error_lines_are_the_problems(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from crossdock.cli import main as cli_main

    def broken_load(*_: object, **__: object) -> None:
        raise SpecError([Problem("a\nb", "m\x1b", Location("f", 1, 2))])

    monkeypatch.setattr(cli_main, "_load", broken_load)
    code, _, err = _run(capsys, "validate", "x.yaml")
    assert code == 2 and err == "f:1:2: a\\nb: m\\x1b\n1 problem found\n"


def test_cli_click_usage_error_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "render", "x.yaml", "-t", "kube\x1b[2Jrnetes")
    assert code == 2 and "\x1b" not in err and "kube\\x1b[2Jrnetes" in err


INTERNAL_ERROR_WITH_CONTENT = """
import sys
from crossdock.cli import main as m
def broken_load(*a, **k):
    raise ValueError("root:$6$PLANTED-HASH:19000 from the user's file")
m._load = broken_load
sys.exit(m.main(sys.argv[1:]))
"""


def test_cli_internal_error_prints_no_exception_text() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CROSSDOCK_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", INTERNAL_ERROR_WITH_CONTENT, "validate", "x.yaml"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "PLANTED" not in proc.stdout + proc.stderr
    assert proc.stderr == ("internal error: ValueError (this is a bug in crossdock; "
                           "set CROSSDOCK_DEBUG=1 to see where)\n")


# ---- files that are not specs: described by shape, never quoted -------------------------------

PLANTED = "PLANTED7x"
SHADOW = f"root:$6${PLANTED}salt$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
FILES = {
    "shadow": SHADOW,
    "pw": f"{PLANTED}-password\n",
    "star": f"*{PLANTED}\n",
    "x.env": f"DB_PASSWORD={PLANTED}\nA=1\n",
    "spec.yaml": HEAD + "services:\n  web:\n    image: nginx\n",
    "compose.yml": "include:\n  - shadow\nservices:\n  web:\n    image: nginx\n",
}


@pytest.mark.parametrize(("args", "where"), [
    (["validate", "shadow"], "shadow:1:1: not a crossdock spec"),
    (["validate", "pw"], "pw:1:1: expected a mapping with apiVersion, kind, metadata, got a text of 18 characters"),
    (["validate", "star"], "star:1:1: YAML syntax error: found undefined alias ("),
    (["validate", "x.env"], "x.env:1:1: expected a mapping with apiVersion, kind, metadata, got a text of "),
    (["validate", "spec.yaml", "--overlay", "shadow"], "shadow:1:1: not an overlay"),
    (["validate", "spec.yaml", "--overlay", "pw"], "pw:1:1: an overlay file must be a mapping, got a text"),
    (["import", "--from", "kubernetes", "x.env"], "x.env:1:1: expected a Kubernetes object (a mapping with apiVersion "
                                                  "and kind), got a text of "),
    (["import", "--from", "kubernetes", "pw"], "pw:1:1: expected a Kubernetes object"),
    (["import", "--from", "compose", "compose.yml"], "shadow:1:1: not a compose file"),
    (["import", "--from", "compose", "pw"], "pw:1:1: expected a compose file"),
])
def test_cli_file_that_is_no_spec_is_described_not_quoted(tmp_path: Path, args: list[str], where: str) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "PATH", "HOME")}
    proc = subprocess.run([sys.executable, "-m", "crossdock", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert where in proc.stderr
    assert PLANTED not in proc.stdout + proc.stderr and "root:" not in proc.stderr and "daemon" not in proc.stderr


def test_report_lines_escape_keys_and_values() -> None:
    from crossdock.translators.base import PortabilityWarning
    from crossdock.translators.importers.base import Loss

    loss = Loss("c.yml", 4, 5, "services.web.fo\x1b[31mo\nbar", "not carried")
    warning = PortabilityWarning("swarm", "services.web.x-swarm.k\u202e", "ignored\nhere")
    assert str(loss) == "c.yml:4:5: services.web.fo\\x1b[31mo\\nbar: not carried"
    assert str(warning) == "swarm: services.web.x-swarm.k\\u202e: ignored\\nhere"
