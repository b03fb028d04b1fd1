"""HCL variables in the jobs the Nomad importer reads: ``${var.x}`` in a string stays the spec's
``${x}``, with the variable's default under ``variables:`` (left out, with a loss line, when the
classifier calls it secret); a variable standing alone where a number or boolean goes is replaced
by its default.  What the references will expand to is measured here, at the job's lines, against
the spec's own caps: a spec the loader would refuse is refused where it comes from."""

from __future__ import annotations

import json
from typing import Any

from crossdock.errors import InputError
from crossdock.specs.variables import MAX_EXPANDED_BYTES, MAX_VALUE_BYTES
from crossdock.translators.importers.nomad_ctx import Ctx
from crossdock.translators.importers.nomad_hcl import VAR
from crossdock.translators.importers.nomad_schema import LINE


def resolve(jobs: list[tuple[Ctx, dict[str, Any]]], variables: dict[str, Any],
                       shared: Ctx) -> dict[str, str]:
    """Spec variables for the HCL variables used in strings; a variable standing alone where a
    number or boolean goes is replaced by its default."""
    used: dict[str, str] = {}
    withheld: set[str] = set()
    total = 0  # bytes the spec's substitutions will add: refused here, at the HCL line, past the spec's caps
    sizes: dict[str, int] = {}  # bytes of each variable's default, measured once however often it is used

    def measure(parts: list[str], ctx: Ctx, line: int) -> None:
        nonlocal total
        for n in parts[1::2]:
            if n not in sizes:
                sizes[n] = len(str(variables.get(n) or "").encode("utf-8", "surrogatepass"))
        size = sum(len(p.encode("utf-8", "surrogatepass")) for p in parts[0::2]) + sum(sizes[n] for n in parts[1::2])
        total += size
        if size > MAX_VALUE_BYTES or total > MAX_EXPANDED_BYTES:
            what = (f"more than {MAX_VALUE_BYTES // 2**20} MiB in this value" if size > MAX_VALUE_BYTES
                    else f"more than {MAX_EXPANDED_BYTES // 2**20} MiB in the job's values")
            raise InputError(f"{ctx.file}:{line}: HCL variables expand to {what}, more than the spec "
                             "accepts (a variable this large, or used this many times, is almost surely a "
                             "mistake: check the variables' defaults and where they are used)")

    def walk(value: Any, ctx: Ctx, line: int) -> Any:
        if isinstance(value, dict):
            line = value.get(LINE, line) if isinstance(value.get(LINE), int) else line
            return {k: walk(v, ctx, line) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, ctx, line) for v in value]
        if not isinstance(value, str) or VAR not in value:
            return value
        parts = value.split(VAR)
        if len(parts) == 3 and not parts[0] and not parts[2]:
            default = variables.get(parts[1])
            if isinstance(default, (int, float, bool, list, dict)):
                ctx.loss(line, f"var.{parts[1]}", "not a string: replaced by its "
                         f"default {json.dumps(default)[:80]}", "changed")
                return default
        measure(parts, ctx, line)
        for name in parts[1::2]:
            if name not in used and name not in withheld:
                default = variables.get(name)
                if default is None or isinstance(default, (list, dict)):
                    ctx.loss(line, f"var.{name}", "no simple default: the spec variable is empty; set it with "
                             "--set or in the environment", "changed")
                    default = ""
                text = str(default).lower() if isinstance(default, bool) else str(default)
                verdict = shared.rules.classify(name, text) if text else None
                if verdict:  # left out of variables: the spec needs it set when it is used
                    withheld.add(name)
                    ctx.loss(line, f"var.{name}", f"the default looks secret ({verdict.reason}): not copied into "
                             "variables:; set it with --set or in the environment when you render or deploy",
                             "changed", f"variables.{name}")
                    continue
                used[name] = text
        return value

    for i, (ctx, job) in enumerate(jobs):
        jobs[i] = (ctx, walk(job, ctx, job.get(LINE, 0)))
    return used
