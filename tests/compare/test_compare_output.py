"""The side-by-side table, the Markdown summary and the HTML report, from a hand-made result
(no platform)."""

from __future__ import annotations

import json
from pathlib import Path

from crossdock.adapters.compare.model import (
    CompareResult, Figure, ProbeResult, ScenarioResult, StaticResult, TargetResult, Timeline,
)
from crossdock.cli.compare import charts, report, rows, table

SPEC_TEXT = "apiVersion: crossdock/v1\nkind: App\nmetadata: {name: demo}\n# <b>not markup</b>\n"


def _static(target: str, objects: int, lines: int, levels: dict[str, str], ms: list[float]) -> StaticResult:
    return StaticResult(target, 1, objects, lines, Figure("render time", "ms", ms), levels, [])


def make_result() -> CompareResult:
    r = CompareResult("app.yaml", SPEC_TEXT, "local", "demo", 3, ["deploy", "update", "heal"],
                      machine={"cpus": "2"}, started="2026-11-28T00:00:00Z")
    r.static = [_static("kubernetes", 6, 200, {"services": "native", "depends_on": "unsupported"}, [1.0, 2.0, 3.0]),
                _static("swarm", 4, 90, {"services": "native", "depends_on": "unsupported"}, [5.0, 6.0, 7.0]),
                _static("nomad", 5, 150, {"services": "native", "depends_on": "unsupported"}, [2.0, 2.0, 2.0])]
    k8s = TargetResult("kubernetes", measured=True, app="demo-cmp-0001", endpoint="Kubernetes: nodePort 31000")
    dep = ScenarioResult("deploy", figures=[Figure("all replicas healthy", "s", [3.0, 4.0, 5.0])],
                         timelines=[Timeline("deploy", 1, [(0.0, 0, 2), (1.0, 1, 2), (2.0, 2, 2)], {"all healthy": 2.0})])
    upd = ScenarioResult("update", figures=[Figure("availability", "%", [100.0, 99.0, 100.0], "higher")],
                         probes=[ProbeResult(1, 20.0, [(-0.5, "old"), (0.1, "old"), (0.5, "failed"), (1.0, "new")])],
                         timelines=[Timeline("update", 1, [(0.0, 2, 2), (1.0, 2, 2)], {"rolled out": 1.0})])
    heal = ScenarioResult("heal", "not measured", "no Docker Engine reachable")
    k8s.scenarios = [dep, upd, heal]
    sw = TargetResult("swarm", measured=True, app="demo-cmp-0001", endpoint="Swarm: host-mode ports")
    sw.scenarios = [ScenarioResult("deploy", figures=[Figure("all replicas healthy", "s", [10.0, 12.0, 11.0])]),
                    ScenarioResult("update", "failed", "not rolled out within 300s"),
                    ScenarioResult("heal", figures=[Figure("healthy again", "s", [8.0, 8.5, 9.0])])]
    nomad = TargetResult("nomad", reason="not measured: nomad is not reachable (connection refused)")
    r.targets = [k8s, sw, nomad]
    return r


def test_rows_winner_is_best_median() -> None:
    live = {r.label: r for r in rows.live_rows(make_result())}
    assert live["deploy: all replicas healthy"].winners == {"kubernetes"}  # median 4 < 11
    assert live["deploy: all replicas healthy"].cells["kubernetes"] == "4.00 s (3.00-5.00)"
    assert live["deploy: all replicas healthy"].cells["nomad"] == "not measured"
    # one measured value only: nothing was compared, so no winner
    assert live["update: availability"].winners == set()
    assert live["update: availability"].cells["swarm"] == "failed"
    assert live["heal: healthy again"].cells["kubernetes"] == "not measured"


def test_rows_static_winners() -> None:
    st = {r.label: r for r in rows.static_rows(make_result())}
    assert st["objects"].winners == {"swarm"}
    assert st["lines of configuration"].winners == {"swarm"}
    assert st["render time"].winners == {"kubernetes", "nomad"}  # medians 2.0 and 2.0: a tie, both win
    assert st["portability score"].winners == {"kubernetes", "swarm", "nomad"}  # a tie: all win


def test_rows_reasons_name_every_gap() -> None:
    why = rows.reasons(make_result())
    assert "nomad: not measured: nomad is not reachable (connection refused)" in why
    assert "swarm update: failed: not rolled out within 300s" in why
    assert "kubernetes heal: not measured: no Docker Engine reachable" in why


def test_table_text_marks_winners_and_lists_raw_figures() -> None:
    text = table.text(make_result())
    line = next(x for x in text.splitlines() if x.startswith("deploy: all replicas healthy"))
    assert "4.00 s (3.00-5.00) *" in line and "11.0 s (10.0-12.0)" in line and "not measured" in line
    assert "deploy: all replicas healthy, swarm: 10.0, 12.0, 11.0" in text
    assert "kubernetes update 1: 4 answers: 2 old, 1 new, 1 failed" in text


def test_markdown_has_tables_and_reasons() -> None:
    md = table.markdown(make_result())
    assert md.startswith("## crossdock compare: demo")
    assert "| deploy: all replicas healthy | 4.00 s (3.00-5.00) **best** | 11.0 s (10.0-12.0) | not measured |" in md
    assert "- nomad: not measured: nomad is not reachable (connection refused)" in md


def test_html_is_self_contained_with_charts(tmp_path: Path) -> None:
    written = report.write(make_result(), str(tmp_path / "rep"))
    assert sorted(Path(p).name for p in written) == ["report.html", "report.json", "report.md"]
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html and "src=" not in html
    assert html.count("<svg") >= 4  # medians, two timelines, one update strip
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html  # the exact spec, escaped
    assert "nomad is not reachable" in html
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert data["targets"][0]["scenarios"][1]["probes"][0]["failed"] == 1
    assert data["spec"] == SPEC_TEXT


def test_chart_strip_colours_each_answer() -> None:
    p = ProbeResult(1, 20.0, [(0.0, "old"), (0.1, "new"), (0.2, "failed")])
    svg = charts.strip("swarm", p, 0.15)
    for answer in ("old", "new", "failed"):
        assert svg.count(f'fill="{charts.ANSWER_COLOR[answer]}"') == 1
    assert "rolled out" in svg


def test_chart_timeline_empty_is_omitted() -> None:
    assert charts.timeline([("swarm", Timeline("deploy", 1))], "t") == ""
