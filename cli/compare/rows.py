"""The comparison as rows of one side-by-side table, shared by the terminal table, the Markdown
summary and the HTML report: every cell formatted once, the winner of each row decided once.

A row's winner is the target with the best median (lowest time, highest score...); ties all
win; a row with fewer than two measured values has no winner, since nothing was compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from crossdock.adapters.compare.model import CompareResult, Figure

WORD = {"native": "native", "approximated": "approximated", "unsupported": "not supported"}


@dataclass
class Row:
    section: str  # "static", or the scenario's name
    label: str
    cells: dict[str, str]  # target -> text
    winners: set[str] = field(default_factory=set)
    raw: dict[str, list[float]] = field(default_factory=dict)


def number(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit in ("requests", "objects", "lines", "files", "features") or float(v).is_integer() and unit != "s":
        return f"{v:.0f}"
    if unit == "ms":
        return f"{v:.1f}" if v < 100 else f"{v:.0f}"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def cell(f: Figure) -> str:
    """median (min-max) unit; just the value when there is one."""
    if not f.values:
        return "-"
    unit = "" if f.unit in ("requests",) else (f.unit if f.unit == "%" else f" {f.unit}")
    text = f"{number(f.median, f.unit)}{unit}"
    if len(f.values) > 1:
        text += f" ({number(f.low, f.unit)}-{number(f.high, f.unit)})"
    return text


def _winners(values: dict[str, float | None], better: str) -> set[str]:
    known = {t: v for t, v in values.items() if v is not None}
    if len(known) < 2 or better == "none":
        return set()
    best = min(known.values()) if better == "lower" else max(known.values())
    return {t for t, v in known.items() if v == best}


def static_rows(result: CompareResult) -> list[Row]:
    rows: list[Row] = []
    by = {s.target: s for s in result.static}

    def add(label: str, value: dict[str, float], fmt: dict[str, str], better: str) -> None:
        rows.append(Row("static", label, fmt, _winners(dict(value), better)))

    add("objects", {t: s.objects for t, s in by.items()}, {t: str(s.objects) for t, s in by.items()}, "lower")
    add("lines of configuration", {t: s.lines for t, s in by.items()},
        {t: f"{s.lines} in {s.files} file{'s' if s.files != 1 else ''}" for t, s in by.items()}, "lower")
    for level, better in (("native", "higher"), ("approximated", "lower"), ("unsupported", "lower")):
        add(f"features {WORD[level]}", {t: s.level_count(level) for t, s in by.items()},
            {t: str(s.level_count(level)) for t, s in by.items()}, better)
    add("portability score", {t: round(s.score, 1) for t, s in by.items()},
        {t: f"{s.score:.1f}%" for t, s in by.items()}, "higher")
    r = Row("static", "render time", {t: cell(s.render_ms) for t, s in by.items()},
            _winners({t: s.render_ms.median for t, s in by.items()}, "lower"),
            {t: s.render_ms.values for t, s in by.items()})
    rows.append(r)
    return rows


def live_rows(result: CompareResult) -> list[Row]:
    """One row per scenario figure, in scenario order; targets without the figure get the
    scenario's state ("not measured", "failed")."""
    rows: list[Row] = []
    for scenario in result.scenarios:
        labels: list[tuple[str, str, str]] = []  # (name, unit, better), first-seen order
        for t in result.targets:
            s = t.scenario(scenario)
            for f in s.figures if s else []:
                if f.name not in [x[0] for x in labels]:
                    labels.append((f.name, f.unit, f.better))
        if not labels:
            labels.append(("", "s", "none"))
        for name, _unit, better in labels:
            cells: dict[str, str] = {}
            medians: dict[str, float | None] = {}
            raw: dict[str, list[float]] = {}
            for t in result.targets:
                s = t.scenario(scenario)
                fig = next((f for f in s.figures if f.name == name), None) if s else None
                if fig is not None and fig.values:
                    cells[t.target] = cell(fig)
                    medians[t.target] = fig.median
                    raw[t.target] = fig.values
                elif not t.measured:
                    cells[t.target] = "not measured"
                elif s is None:
                    cells[t.target] = "-"
                else:
                    cells[t.target] = s.state if s.state != "ok" else "-"
            rows.append(Row(scenario, f"{scenario}: {name}" if name else scenario, cells,
                            _winners(medians, better), raw))
    return rows


def reasons(result: CompareResult) -> list[str]:
    """Why something was not measured or failed, one line each."""
    out: list[str] = []
    for t in result.targets:
        if t.reason or not t.measured:
            out.append(f"{t.target}: {t.reason}")
        for s in t.scenarios:
            if s.state != "ok":
                out.append(f"{t.target} {s.name}: {s.state}: {s.reason}")
        out += [f"{t.target}: left behind: {x}" for x in t.leftovers]  # a run stopped halfway leaves some too
    return out


def targets(result: CompareResult) -> Sequence[str]:
    return [s.target for s in result.static] or [t.target for t in result.targets]
