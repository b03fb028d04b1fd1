"""The one YAML writer of the x-kubernetes and x-swarm merges (translators/yamltext.py): what a
block holds comes back unchanged when the written document is read, through both targets, and
the written files still pass each platform's checks.

Expected values are the spec's own values (for Swarm with every ``$`` doubled, compose's
escape, which ``docker stack config`` turns back into the value), never the writer's output.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from checkers import kubernetes, swarm
from crossdock.specs.loader import load
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from crossdock.translators.swarm.translator import SwarmTranslator
from crossdock.translators.yamltext import dump

# Text each YAML reader would type, or read as structure, if it were written plain.
HOSTILE = [*strategies.HOSTILE,
           "true", "False", "NULL", "Null", "Y", "N", "ON", "Off", "TRUE", "~x", "0o17", "0b101", "+1", "-1", ".5",
           "1_000", "12:30:45", "1:20", "2024-01-01", "2024-01-01 10:00:00", "2001-12-14t21:59:43.10-05:00",
           ".inf", "-.inf", ".nan", "NaN", "Infinity", "1e400", "0.", "00", "-0",
           "#x", "a #b", "a# b", "key: value", "a:", ":a", ":", "-", "- ", "-a", "--- x", "---", "...", "*a", "&a",
           "!tag", "!!str x", "%YAML 1.2", "%", "@x", "`x`", "?", "|", ">-", "[", "]", "{", "}", ",a", "'", '"',
           "\x01\x02\x1b\x7f", "\x0b\x0c", "\r", "\b", "trailing ", " leading", "  ", "\ufeff", "\ufeffx", "\u2029",
           "\ufffe", "\uffff", "\xa0", "\x9f", "\U0001F6A2", "🚢 ship", "\U0010FFFD", "𝔘𝔫𝔦", "a\u0301",
           "x" * 5000, "word " * 2000, "a\nb\n" * 50, "é" * 3000 + "\n", "y" * 129, "\\U0001F6A2", "\\"]
SCALARS = [0, -1, 493, 2**70, 1.5, -0.0, 1e300, float("inf"), -float("inf"), True, False, None,
           datetime.date(2024, 1, 1), datetime.datetime(2024, 1, 1, 10, 0, 0)]
TEXT = st.one_of(strategies.text, st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                                  blacklist_characters="\x00")))


@pytest.mark.parametrize("value", HOSTILE)
def test_dump_round_trips_strings_as_keys_and_values(value: str) -> None:
    doc = {"a": value, value: [value, {value: value}, [value]], "e": {}, "n": [], "nested": {"k": {"k": value}}}
    assert yaml.safe_load(dump(doc)) == doc


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_dump_round_trips_other_scalars(value: Any) -> None:
    doc = {"v": value, "l": [value], "k": {str(value): value}}
    assert yaml.safe_load(dump(doc)) == doc


def test_dump_writes_block_style_in_order_without_aliases() -> None:
    shared = {"x": "1"}
    doc = {"b": shared, "a": [shared, shared], "on": "on", "app.kubernetes.io/name": "y", "": {}, "l": []}
    text = dump(doc)
    assert text == ('b:\n  x: "1"\na:\n- x: "1"\n- x: "1"\n"on": "on"\napp.kubernetes.io/name: "y"\n"": {}\n'
                    'l: []\n')
    assert "&" not in text and "*" not in text


# go-yaml v2's resolve table (gopkg.in/yaml.v2 resolve.go), which the API server's
# sigs.k8s.io/yaml uses: plain words it reads as booleans or null, so a key it would not
# give back as the same string (PyYAML's resolver misses y and n).
GO_YAML_V2_WORDS = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
                    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "null", "Null", "NULL", "~"]


@pytest.mark.parametrize("word", GO_YAML_V2_WORDS)
def test_dump_quotes_keys_go_yaml_reads_as_booleans_or_null(word: str) -> None:
    assert dump({word: "v"}) == f'"{word}": "v"\n'


def test_dump_never_folds_long_strings() -> None:
    value = "word " * 2000
    assert dump({"k": value}) == f'k: "{value}"\n'


def _spec(key: str, value: Any) -> dict[str, Any]:
    """A spec that puts ``key: value`` into every place an x-kubernetes or x-swarm block reaches."""
    return {
        "apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"},
        "x-kubernetes": {"resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"},
                                        "data": {key: value, "list": [value]}}]},
        "x-swarm": {"x-data": {key: value, "list": [value, {key: value}]}},
        "services": {"web": {
            "image": "nginx",
            "x-kubernetes": {"metadata": {"annotations": {key: value}},
                             "spec": {"template": {"spec": {"containers": [
                                 {"name": "web", "env": [{"name": "V", "value": value}]}]}}}},
            "x-swarm": {"labels": {key: value}, "deploy": {"labels": {key: value}}},
        }},
    }


def _rendered(key: str, value: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The Kubernetes documents (by kind) and the Swarm stack, as YAML reads them."""
    spec = load("app.yaml", text=strategies.to_yaml(_spec(key, value)), environ={})
    k8s = KubernetesTranslator().translate(spec)
    docs = {d["kind"]: d for text in k8s.files.values() for d in yaml.safe_load_all(text) if d}
    stack = SwarmTranslator().translate(spec)
    return docs, yaml.safe_load(stack.files[stack.primary])


def _check(key: str, value: Any) -> None:
    docs, stack = _rendered(key, value)
    assert docs["ConfigMap"]["data"][key] == value and docs["ConfigMap"]["data"]["list"] == [value]
    deployment = docs["Deployment"]
    assert deployment["metadata"]["annotations"][key] == value
    assert deployment["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "V", "value": value}]
    literal = value.replace("$", "$$") if isinstance(value, str) else value  # compose's escape of '$'
    assert stack["x-data"] == {key: literal, "list": [literal, {key: literal}]}
    web = stack["services"]["web"]
    assert web["labels"][key] == literal and web["deploy"]["labels"][key] == literal


@pytest.mark.parametrize("value", HOSTILE)
def test_x_blocks_round_trip_hostile_strings_for_both_targets(value: str) -> None:
    _check(value if value else "empty", value)


@pytest.mark.parametrize("value", [v for v in SCALARS if v is not None], ids=repr)  # null removes a key
def test_x_blocks_round_trip_other_scalars_for_both_targets(value: Any) -> None:
    _check("k", value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=TEXT, value=TEXT)
def test_x_blocks_round_trip_any_text_for_both_targets(key: str, value: str) -> None:
    _check(key if key not in ("", "list") else "k" + key, value)


def test_x_blocks_with_every_hostile_value_pass_the_platform_checks() -> None:
    values = {f"example.com/v{i}": v for i, v in enumerate(HOSTILE)}
    spec = _spec("example.com/v", "x")
    web = spec["services"]["web"]
    web["x-kubernetes"]["metadata"]["annotations"] = values
    web["x-swarm"]["labels"] = values
    spec["x-kubernetes"]["resources"][0]["data"] = {f"v{i}": v for i, v in enumerate(HOSTILE)}
    loaded = load("app.yaml", text=strategies.to_yaml(spec), environ={})
    k8s = KubernetesTranslator().translate(loaded)
    docs = [d for text in k8s.files.values() for d in yaml.safe_load_all(text) if d]
    assert kubernetes.validate(docs) == []
    [deployment] = [d for d in docs if d["kind"] == "Deployment"]
    assert deployment["metadata"]["annotations"] == values
    assert [d for d in docs if d["kind"] == "ConfigMap"][0]["data"] == {f"v{i}": v for i, v in enumerate(HOSTILE)}
    stack = SwarmTranslator().translate(loaded)
    parsed = swarm.stack_config(stack.files[stack.primary])  # as `docker stack deploy` reads it
    # The CLI prints "\n" as a literal block with no content line (`|2+`), which reads back as
    # "": a quirk of its printed YAML, not of the stack file, so those values are not compared.
    printed_whole = {k: v for k, v in values.items() if v == "" or v.strip("\n")}
    assert {k: v for k, v in parsed["services"]["web"]["labels"].items() if k in printed_whole} == printed_whole
    assert len(printed_whole) > len(values) - 3
