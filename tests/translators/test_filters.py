"""Every quoting filter gives back the exact string when its target's parser reads it."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers import hcl
from crossdock.translators.filters import compose_scalar, go_template_literal, hcl_scalar, yaml_scalar

HOSTILE = ["on", "off", "yes", "no", "y", "n", "Y", "NO", "~", "null", "Null", "", "0755", "0o17", "1e3", ".inf",
           "0x1F", "1_000", "12:30:00", "2001-12-14", "- x", "* x", "& x", "! x", "? x", "| x", "> x", "@x", "`x`",
           "%x", "{{ x }}", "${X}", "$${X}", "%{x}", "%%{x}", "$", "$$", "$(X)", "a: b", "#", "a #b", '"', "'",
           "\\", "\\n", "\n", "\r\n", "\t", " lead", "trail ", "é", "😀", "\u2028", "\u2029", "\x85", "\x7f",
           "\x01", "\b", "\f", "\ufeff", "[a]", "{a: b}", "=", "<<", "a,b"]

any_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), max_size=6).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
)


@pytest.mark.parametrize("text", HOSTILE)
def test_filters_yaml_round_trip_table(text: str) -> None:
    assert yaml.safe_load(f"k: {yaml_scalar(text)}\n") == {"k": text}


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_filters_yaml_round_trip(text: str) -> None:
    assert yaml.safe_load(f"k: {yaml_scalar(text)}\n") == {"k": text}
    assert yaml.safe_load(f"- {yaml_scalar(text)}\n") == [text]


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_filters_compose_doubles_every_dollar(text: str) -> None:
    parsed = yaml.safe_load(f"k: {compose_scalar(text)}\n")["k"]
    assert parsed.replace("$$", "$") == text and parsed.count("$") == 2 * text.count("$")


def _hcl_value(literal: str) -> str:
    """What HashiCorp's HCL parser makes of the literal (see tests/checkers/hcl.py)."""
    value = hcl.attribute(f"k = {literal}\n")
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize("text", HOSTILE)
def test_filters_hcl_round_trip_table(text: str) -> None:
    assert _hcl_value(hcl_scalar(text)) == text
    assert len(hcl_scalar(text).splitlines()) == 1  # no raw NEL, U+2028/2029 or newline: one line


@settings(max_examples=150, deadline=None)
@given(any_text)
def test_filters_hcl_round_trip(text: str) -> None:
    assert _hcl_value(hcl_scalar(text)) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_filters_hcl_escapes_templates(text: str) -> None:
    out = hcl_scalar(text)
    body = out[1:-1]
    assert out.startswith('"') and out.endswith('"')
    assert "\n" not in body and "\r" not in body
    # Every ${ and %{ of the text is escaped; no unescaped one is left for HCL to evaluate.
    assert body.replace("$${", "").find("${") == -1
    assert body.replace("%%{", "").find("%{") == -1


@pytest.mark.parametrize(("text", "rendered"), [
    ("{{ x }}", '{{"{{"}} x }}'),
    ("a {{{ b", 'a {{"{{"}}{ b'),
    ("no braces }}", "no braces }}"),
])
def test_filters_go_template_literal(text: str, rendered: str) -> None:
    assert go_template_literal(text) == rendered
