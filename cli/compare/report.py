"""``--report DIR``: report.html (self-contained: inline CSS and SVG, no script, nothing
fetched), report.json (``CompareResult.to_dict``) and report.md (the Markdown summary)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from markupsafe import Markup

from crossdock.adapters.compare.model import CompareResult
from crossdock.cli.compare import charts
from crossdock.cli.compare.rows import WORD, Row, live_rows, reasons, static_rows, targets
from crossdock.cli.compare.table import markdown, target_title, update_counts
from crossdock.errors import InputError
from crossdock.translators.support import FEATURES

_HERE = Path(__file__).parent
TIMELINES = (("deploy", "Deploy: replicas healthy after the deploy call"),
             ("scale", "Scale: replicas healthy, up and back down"),
             ("heal", "Heal: replicas healthy after one container is killed"),
             ("update", "Update: replicas healthy during the rolling update, as the platform counts them"))


def _table(rows: list[Row], cols: list[str]) -> Markup:
    head = "<tr><th></th>" + "".join(f"<th>{Markup.escape(target_title(t))}</th>" for t in cols) + "</tr>"
    body = "".join(
        f"<tr><td>{Markup.escape(r.label)}</td>" + "".join(
            f'<td{" class=best" if t in r.winners else ""}>{Markup.escape(r.cells.get(t, "-"))}</td>' for t in cols)
        + "</tr>" for r in rows)
    return Markup(f"<table>{head}{body}</table>")


def html(result: CompareResult) -> str:
    cols = list(targets(result))
    named = [*cols, *(x.target for x in result.targets)]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_HERE / "templates")), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    used = {f for s in result.static for f in s.features}
    timelines = []
    for scenario, title in TIMELINES:
        lines = [(t.target, s.timelines[0]) for t in result.targets
                 for s in [t.scenario(scenario)] if s is not None and s.timelines]
        svg = charts.timeline(lines, title)
        if svg:
            timelines.append((title + " (first run)", Markup(svg)))
    strips = []
    for t in result.targets:
        s = t.scenario("update")
        for p in s.probes if s else []:
            tl = next((x for x in s.timelines if x.run == p.run), None) if s else None
            svg = charts.strip(t.target, p, tl.marks.get("rolled out") if tl else None)
            if svg:
                strips.append((t.target, p.run, update_counts(p), Markup(svg)))
    return env.get_template("report.html.j2").render(
        r=result, cols=cols, titles={t: target_title(t) for t in named}, colors={t: charts.target_color(t) for t in named},
        css=Markup((_HERE / "static" / "report.css").read_text(encoding="utf-8")),
        table=lambda rows: _table(rows, cols), static_rows=static_rows(result),
        live_rows=live_rows(result) if result.targets else [], reasons=reasons(result),
        features=[(f.id, f.title) for f in FEATURES if f.id in used],
        levels={s.target: s.features for s in result.static}, words=WORD,
        bars_s=Markup(charts.bars(result, "s")), bars_ms=Markup(charts.bars(result, "ms")),
        timelines=timelines, strips=strips, answer_colors=list(charts.ANSWER_COLOR.items()))


def as_json(result: CompareResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write(result: CompareResult, folder: str) -> list[str]:
    """Write the three report files into ``folder`` (created if needed); returns their paths.
    Raises InputError when the folder cannot be written."""
    out = Path(folder)
    files = {"report.html": html(result), "report.json": as_json(result), "report.md": markdown(result)}
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
            written.append(str(out / name))
    except OSError as e:
        raise InputError(f"--report {folder}: cannot write the report: {e.strerror or e}") from e
    return written
