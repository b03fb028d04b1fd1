"""The portability report as people read it: a table of every target side by side."""

from __future__ import annotations

import json
from typing import Sequence

from crossdock.translators.base import PortabilityWarning
from crossdock import targets
from crossdock.translators.support import BY_ID, on

_WORD = {"native": "native", "approximated": "approximated", "unsupported": "not supported"}


def rows(warnings: Sequence[PortabilityWarning]) -> list[dict[str, object]]:
    """One row per (spec path, feature) that some target does not express natively."""
    names = targets.names()
    keyed: dict[tuple[str, str], dict[str, object]] = {}
    for w in sorted(warnings):
        row = keyed.setdefault((w.path, w.feature), {
            "path": w.path, "feature": w.feature,
            "title": BY_ID[w.feature].title if w.feature in BY_ID else w.feature,
            **{t: {"level": on(w.feature, t).level if w.feature in BY_ID else "native", "message": ""}
               for t in names}})
        row[w.target] = {"level": w.level, "message": w.message}
    return [keyed[k] for k in sorted(keyed)]


def as_json(warnings: Sequence[PortabilityWarning]) -> str:
    return json.dumps({"warnings": [w.__dict__ for w in sorted(warnings)], "rows": rows(warnings)},
                      indent=2, ensure_ascii=False) + "\n"


def as_table(warnings: Sequence[PortabilityWarning], markdown: bool = False) -> str:
    data = rows(warnings)
    if not data:
        return "Every target expresses this spec natively.\n"
    names = targets.names()
    header = ["spec path", "feature", *names]
    body = [[str(r["path"]), str(r["title"]), *(_WORD[r[t]["level"]] for t in names)]  # type: ignore[index]
            for r in data]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        table = "\n".join(lines) + "\n"
    else:
        widths = [max(len(x) for x in col) for col in zip(header, *body)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        table = "\n".join(fmt.format(*line).rstrip() for line in [header, *body]) + "\n"
    notes = "".join(f"  {w}\n" for w in sorted(warnings))
    return table + "\nWhat happens instead:\n" + notes
