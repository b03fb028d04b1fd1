"""The comparison as text: the terminal's side-by-side table and the Markdown summary (for a
pull request).  The winner of each row is marked with ``*``."""

from __future__ import annotations

from crossdock.adapters.compare.model import CompareResult, ProbeResult
from crossdock.cli.compare.rows import Row, live_rows, reasons, static_rows, targets
from crossdock.targets import all_targets

MARK = "*"


def target_title(target: str) -> str:
    """The registered target's title ("Docker Swarm"), or its name when none is registered so."""
    return next((t.title for t in all_targets() if t.name == target), target)


def _mark(row: Row, target: str) -> str:
    text = row.cells.get(target, "-")
    return f"{text} {MARK}" if target in row.winners else text


def _grid(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


def update_counts(p: ProbeResult) -> str:
    return (f"{p.total} answers: {p.count('old')} old, {p.count('new')} new, {p.count('failed')} failed"
            + (f", {p.count('other')} without the value" if p.count("other") else ""))


def _probe_lines(result: CompareResult) -> list[str]:
    out = []
    for t in result.targets:
        s = t.scenario("update")
        for p in s.probes if s else []:
            out.append(f"{t.target} update {p.run}: {update_counts(p)} (prober at {p.rate:.0f} req/s)")
    return out


def text(result: CompareResult) -> str:
    """The terminal table, then the raw figures, the update answers and every reason."""
    cols = list(targets(result))
    header = ["", *[target_title(t) for t in cols]]
    lines = [f"crossdock compare: {result.app}" + (f" (--env {result.env})" if result.env else "")
             + f", {result.repeat} repeat(s); median (min-max); {MARK} best of the row", ""]
    lines += _grid(header, [[r.label, *(_mark(r, t) for t in cols)] for r in static_rows(result)])
    live = live_rows(result) if result.targets else []
    if live:
        lines += [""] + _grid(header, [[r.label, *(_mark(r, t) for t in cols)] for r in live])
        raw = [f"  {r.label}, {t}: {', '.join(str(v) for v in vs)}" for r in live for t, vs in r.raw.items()]
        if raw:
            lines += ["", "raw figures:", *raw]
    probes = _probe_lines(result)
    if probes:
        lines += ["", "update availability:", *(f"  {p}" for p in probes)]
    endpoints = [f"  {t.target}: {t.endpoint}" for t in result.targets if t.endpoint]
    if endpoints:
        lines += ["", "HTTP endpoint:", *endpoints]
    why = reasons(result)
    if why:
        lines += ["", "not measured / failed:", *(f"  {w}" for w in why)]
    if result.interrupted:
        lines += ["", "interrupted: the figures above are what was measured before the signal"]
    return "\n".join(lines) + "\n"


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def markdown(result: CompareResult) -> str:
    cols = list(targets(result))
    head = "| | " + " | ".join(target_title(t) for t in cols) + " |\n|---|" + "---|" * len(cols) + "\n"

    def table(rows: list[Row]) -> str:
        return head + "".join(
            f"| {_md_escape(r.label)} | " + " | ".join(
                _md_escape(r.cells.get(t, "-")) + (" **best**" if t in r.winners else "") for t in cols) + " |\n"
            for r in rows)

    out = [f"## crossdock compare: {result.app}", "",
           f"Spec `{result.spec_file}`" + (f" with `--env {result.env}`" if result.env else "")
           + f", measured {result.started}, {result.repeat} repeat(s) per scenario; median (min-max).", "",
           "### Static comparison", "", table(static_rows(result))]
    live = live_rows(result) if result.targets else []
    if live:
        out += ["### Live comparison", "", table(live)]
    probes = _probe_lines(result)
    if probes:
        out += ["Update availability:", "", *(f"- {p}" for p in probes), ""]
    endpoints = [f"- {t.target}: {t.endpoint}" for t in result.targets if t.endpoint]
    if endpoints:
        out += ["HTTP endpoint:", "", *endpoints, ""]
    why = reasons(result)
    if why:
        out += ["Not measured / failed:", "", *(f"- {_md_escape(w)}" for w in why), ""]
    machine = ", ".join(f"{k} {v}" for k, v in result.machine.items())
    out += [f"Machine: {machine}.", ""]
    for t in result.targets:
        if t.platform:
            out.append(f"- {t.target}: " + "; ".join(f"{k}: {v}" for k, v in t.platform.items()))
    return "\n".join(out).rstrip() + "\n"
