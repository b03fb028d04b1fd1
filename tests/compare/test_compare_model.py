"""Statistics and counts of the comparison's data model (no platform)."""

from __future__ import annotations

import pytest

from crossdock.adapters.compare.model import Figure, ProbeResult, ScenarioResult, StaticResult


@pytest.mark.parametrize(("values", "median", "low", "high"), [
    ([3.0, 1.0, 2.0], 2.0, 1.0, 3.0),
    ([4.0, 1.0], 2.5, 1.0, 4.0),
    ([7.5], 7.5, 7.5, 7.5),
])
def test_figure_median_and_spread(values: list[float], median: float, low: float, high: float) -> None:
    f = Figure("x", "s", values)
    assert (f.median, f.low, f.high) == (median, low, high)
    assert f.to_dict()["median"] == median


def test_figure_empty_has_no_median() -> None:
    f = Figure("x", "s")
    assert (f.median, f.low, f.high) == (None, None, None)


def test_probe_result_counts_every_answer_once() -> None:
    p = ProbeResult(1, 20.0, [(0.0, "old"), (0.05, "old"), (0.1, "failed"), (0.15, "new"), (0.2, "other")])
    d = p.to_dict()
    assert (d["total"], d["old"], d["new"], d["failed"], d["other"]) == (5, 2, 1, 1, 1)
    assert d["total"] == d["old"] + d["new"] + d["failed"] + d["other"]


def test_scenario_figure_created_once() -> None:
    s = ScenarioResult("deploy")
    s.figure("all replicas healthy").values.append(1.0)
    s.figure("all replicas healthy").values.append(2.0)
    assert [f.name for f in s.figures] == ["all replicas healthy"]
    assert s.figures[0].values == [1.0, 2.0]


@pytest.mark.parametrize(("levels", "score"), [
    ({"a": "native", "b": "approximated", "c": "unsupported", "d": "native"}, 62.5),
    ({"a": "native"}, 100.0),
    ({"a": "unsupported", "b": "unsupported"}, 0.0),
    ({}, 100.0),
])
def test_static_result_portability_score(levels: dict[str, str], score: float) -> None:
    r = StaticResult("swarm", 1, 1, 1, Figure("render time", "ms", [1.0]), levels, [])
    assert r.score == score
    assert r.to_dict()["native"] == sum(1 for v in levels.values() if v == "native")


@pytest.mark.parametrize(("answer", "version"), [
    ({"config": {"Version": {"Version": "1.9.3", "VersionPrerelease": ""}}}, "1.9.3"),
    ({"config": {"Version": {"Version": "stand-in"}}}, None),  # not a release: never measured as Nomad
    ({"config": {}}, None),
    ({}, None),
    ("not json", None),
])
def test_nomad_version_only_from_a_real_agent(answer: object, version: str | None) -> None:
    from crossdock.adapters.nomad.compare import nomad_version
    assert nomad_version(answer) == version
