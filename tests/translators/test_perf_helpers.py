"""Helpers that exist for speed give exactly the text of what they replace."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdock.translators import jsontext

HOSTILE = ["", "on", "~", "0755", "${X}", "%{x}", "{{ x }}", '"', "'", "\\", "\\n", "\n", "\r\n", "\t", "é", "😀",
           "\u2028", "\u2029", "\x85", "\x7f", "\x00", "\x01", "\x1f", "\ufeff", "\ud800", "</script>", "<>&",
           "a: b", "[a]", "{}", "[]", ",", ": "]

text = st.one_of(st.sampled_from(HOSTILE), st.lists(st.sampled_from(HOSTILE), max_size=4).map("".join), st.text())
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
                    st.floats(), text)
keys = st.one_of(text, st.integers(-5, 5).map(str), st.sampled_from(["", "a", "A", "aa", "b", "_", "0"]))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4),
                            st.just([]), st.just({}), st.lists(st.just([]), max_size=2),
                            st.dictionaries(keys, st.just({}), max_size=2)),
    max_leaves=30)


def _reference(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)


@settings(max_examples=600, deadline=None)
@given(values)
def test_jsontext_dumps_matches_json(obj: Any) -> None:
    assert jsontext.dumps(obj) == _reference(obj)


@pytest.mark.parametrize("obj", [
    {}, [], [[]], [{}], {"a": []}, {"a": {}}, {"a": [[], {}, [[]], [{}]]}, [[[[]]]], {"": {"": ""}},
    {"b": 1, "a": 2, "A": 3, "é": 4, "😀": 5, "_": 6}, [float("nan"), float("inf"), -float("inf"), -0.0, 1e300, 1.5],
    {1: "int", 2.5: "float"}, {True: "t", False: "f"}, {None: "n"}, (1, (2, 3)), {"t": ()},
    [2**64, -2**64, True, False, None], {"Job": {"TaskGroups": [{"Tasks": [{"Env": {"A": "${B}", "C": "\u2028"}}]}]}},
    [{"k": HOSTILE}, {h: h for h in HOSTILE}],
])
def test_jsontext_dumps_matches_json_table(obj: Any) -> None:
    assert jsontext.dumps(obj) == _reference(obj)


class _Str(str):
    pass


class _Int(int):
    pass


class _Float(float):
    pass


def test_jsontext_dumps_subclasses_as_json_does() -> None:
    obj = {_Str("k"): [_Str("v"), _Int(3), _Float(2.5), {"n": _Int(-1)}]}
    assert jsontext.dumps(obj) == _reference(obj)


@pytest.mark.parametrize("obj", [{1: "a", "b": 2}, {"a": object()}, [set()], {(1, 2): 3}])
def test_jsontext_dumps_raises_type_error_as_json_does(obj: Any) -> None:
    with pytest.raises(TypeError):
        _reference(obj)
    with pytest.raises(TypeError):
        jsontext.dumps(obj)


def test_jsontext_dumps_refuses_circular_references() -> None:
    loop: list[Any] = []
    loop.append({"a": loop})
    with pytest.raises(ValueError, match="Circular reference"):
        jsontext.dumps(loop)


def test_bytecode_cache_recompiles_edited_and_damaged_templates(tmp_path: Any) -> None:
    import subprocess
    import sys

    package = tmp_path / "pkg"
    (package / "templates").mkdir(parents=True)
    template = package / "templates" / "t.j2"
    code = ("import sys\nfrom crossdock.translators import render\n"
            f"render.use_bytecode_cache({str(tmp_path / 'cache')!r})\n"
            f"sys.stdout.write(render.render({str(package)!r}, 't.j2', x='a b'))\n")

    def run() -> str:  # a new process each time, as the CLI runs
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    template.write_text("one {{ x | yaml }}\n")
    assert run() == 'one "a b"\n'
    assert run() == 'one "a b"\n'
    [cached] = list((tmp_path / "cache").glob("templates-*/*.cache"))
    template.write_text("two {{ x | yaml }}\n")
    assert run() == 'two "a b"\n'
    cached.write_bytes(cached.read_bytes()[:40])
    assert run() == 'two "a b"\n'
    cached.write_bytes(b"garbage")
    assert run() == 'two "a b"\n'
