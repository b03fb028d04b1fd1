"""Inline SVG charts for the HTML report, drawn here so the page needs no script, font or
network: replicas healthy over time, bars of the medians, the update's answers as a strip.

Every function returns one ``<svg>`` element as text; all text inside is escaped.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from typing import Callable, Sequence

from crossdock.adapters.compare.model import CompareResult, ProbeResult, Timeline
from crossdock.targets import Connection, all_targets

_RGB = re.compile(r"#[0-9a-fA-F]{6}")
GREY = "#555"  # a target without compare hooks (it has no live figures to draw, only a legend)
ANSWER_COLOR = {"old": "#8c9bab", "new": "#2e9d4f", "failed": "#d93025", "other": "#f2c94c"}
W, H = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 34


@cache
def _colors() -> dict[str, str]:
    hooks = {t.name: t.compare(Connection()) for t in all_targets() if t.compare is not None}
    return {name: h.color for name, h in hooks.items() if _RGB.fullmatch(h.color)}


def target_color(target: str) -> str:
    """The target's colour in every chart and heading: its compare hooks' ``color`` (grey for
    one without hooks, or whose colour is not ``#rrggbb``: it is written into markup as is)."""
    return _colors().get(target, GREY)


def _t(x: float, y: float, text: str, anchor: str = "start", size: int = 11, color: str = "#333") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
            f'font-family="sans-serif">{escape(text)}</text>')


def _ticks(top: float) -> list[float]:
    """About five round tick values from 0 to ``top``."""
    if top <= 0:
        return [0.0]
    raw = top / 5
    step = next(s * 10 ** e for e in range(-3, 6) for s in (1, 2, 5) if s * 10 ** e >= raw)
    return [i * step for i in range(int(top / step) + 1)]


def _steps(points: Sequence[tuple[float, int]], x: Callable[[float], float], y: Callable[[float], float]) -> str:
    """A step line: each value holds until the next sample (the status was polled, not streamed)."""
    pts: list[str] = []
    for i, (t, v) in enumerate(points):
        if i:
            pts.append(f"{x(t):.1f},{y(points[i - 1][1]):.1f}")
        pts.append(f"{x(t):.1f},{y(v):.1f}")
    return " ".join(pts)


def timeline(lines: Sequence[tuple[str, Timeline]], title: str) -> str:
    """Healthy replicas over seconds since the scenario started, one step line per target."""
    if not any(tl.samples for _, tl in lines):
        return ""
    t_max = max((s[0] for _, tl in lines for s in tl.samples), default=1.0) or 1.0
    y_max = max((max(s[1], s[2]) for _, tl in lines for s in tl.samples), default=1) or 1
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + pw * v / t_max

    def y(v: float) -> float:
        return TOP + ph * (1 - v / y_max)

    out = [f'<svg width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'role="img" aria-label="{escape(title)}">', f'<rect width="{W}" height="{H}" fill="#fff"/>']
    for v in range(0, y_max + 1):
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e5e5"/>')
        out.append(_t(LEFT - 6, y(v) + 4, str(v), "end"))
    for tick in _ticks(t_max):
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#f0f0f0"/>')
        out.append(_t(x(tick), H - BOTTOM + 14, f"{tick:g}s", "middle"))
    for target, tl in lines:
        color = target_color(target)
        healthy = _steps([(t, h) for t, h, _ in tl.samples], x, y)
        out.append(f'<polyline points="{healthy}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        desired = _steps([(t, d) for t, _, d in tl.samples], x, y)
        out.append(f'<polyline points="{desired}" fill="none" stroke="{color}" stroke-width="1" '
                   'stroke-dasharray="4 3" opacity="0.6"/>')
        for name, t in tl.marks.items():
            out.append(f'<circle cx="{x(t):.1f}" cy="{TOP + 4}" r="3" fill="{color}"><title>{escape(target)}: '
                       f'{escape(name)} at {t:.2f}s</title></circle>')
    lx = LEFT
    for target, _ in lines:
        out.append(f'<rect x="{lx}" y="{H - 12}" width="12" height="4" fill="{target_color(target)}"/>')
        out.append(_t(lx + 16, H - 7, target))
        lx += 110
    out.append(_t(W - RIGHT, H - 7, "solid: healthy, dashed: desired", "end", 10, "#777"))
    out.append("</svg>")
    return "\n".join(out)


def bars(result: CompareResult, unit: str = "s") -> str:
    """Horizontal bars of every live figure in ``unit``: the median, a whisker from min to max."""
    rows: list[tuple[str, str, float, float, float]] = []
    for t in result.targets:
        for s in t.scenarios:
            for f in s.figures:
                if f.unit == unit and f.values and f.median is not None and f.low is not None and f.high is not None:
                    rows.append((f"{s.name}: {f.name}", t.target, f.median, f.low, f.high))
    if not rows:
        return ""
    labels = list(dict.fromkeys(r[0] for r in rows))
    per = len({r[1] for r in rows})
    bar_h, gap, label_w = 12, 10, 190
    height = TOP + len(labels) * (per * bar_h + gap) + BOTTOM
    top = max(r[4] for r in rows) or 1.0
    pw = W - label_w - RIGHT - 40

    def x(v: float) -> float:
        return label_w + pw * v / top

    out = [f'<svg width="{W}" height="{height}" viewBox="0 0 {W} {height}" '
           f'role="img" aria-label="medians">', f'<rect width="{W}" height="{height}" fill="#fff"/>']
    yy = TOP
    targets = list(dict.fromkeys(r[1] for r in rows))
    for label in labels:
        out.append(_t(label_w - 8, yy + per * bar_h / 2 + 4, label, "end"))
        for target in targets:
            row = next((r for r in rows if r[0] == label and r[1] == target), None)
            if row is not None:
                _, _, med, lo, hi = row
                color = target_color(target)
                out.append(f'<rect x="{label_w}" y="{yy + 1}" width="{max(1.0, x(med) - label_w):.1f}" '
                           f'height="{bar_h - 2}" fill="{color}"><title>{escape(target)}: median {med:g}{unit}'
                           f'</title></rect>')
                out.append(f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{yy + bar_h / 2}" y2="{yy + bar_h / 2}" '
                           'stroke="#222" stroke-width="1"/>')
                out.append(_t(x(hi) + 4, yy + bar_h - 2, f"{med:.2f}{unit}", size=10))
            yy += bar_h
        yy += gap
    for v in _ticks(top):
        out.append(_t(x(v), height - BOTTOM + 14, f"{v:g}{unit}", "middle", 10, "#777"))
    lx = label_w
    for target in targets:
        out.append(f'<rect x="{lx}" y="{height - 12}" width="12" height="6" fill="{target_color(target)}"/>')
        out.append(_t(lx + 16, height - 6, target))
        lx += 110
    out.append("</svg>")
    return "\n".join(out)


def strip(target: str, p: ProbeResult, rolled_out: float | None) -> str:
    """Every answer of one update as a thin bar at the time it was sent: old, new or failed."""
    if not p.answers:
        return ""
    h, pad = 46, 8
    t0 = min(t for t, _ in p.answers)
    t1 = max(t for t, _ in p.answers)
    span = (t1 - t0) or 1.0
    pw = W - 2 * pad
    step = max(1.5, pw / max(1, len(p.answers)))

    def x(v: float) -> float:
        return pad + pw * (v - t0) / span

    out = [f'<svg width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img" '
           f'aria-label="update answers on {escape(target)}">', f'<rect width="{W}" height="{h}" fill="#fff"/>']
    for t, a in p.answers:
        out.append(f'<rect x="{x(t):.1f}" y="4" width="{step:.1f}" height="22" fill="{ANSWER_COLOR[a]}"/>')
    for mark, at in (("update submitted", 0.0), ("rolled out", rolled_out)):
        if at is not None and t0 <= at <= t1:
            out.append(f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="2" y2="30" stroke="#111" stroke-width="1.5"/>')
            out.append(_t(x(at), 42, mark, "middle", 10))
    out.append("</svg>")
    return "\n".join(out)
