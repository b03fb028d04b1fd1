"""Nomad jobs (API JSON form) checked against Nomad's own Go types, without an agent.

``nomadcheck/`` is a small Go program built against ``github.com/hashicorp/nomad/api``
(MPL-2.0; the BUSL ``github.com/hashicorp/nomad`` module is not used). It decodes each job
strictly into ``api.Job`` (or ``api.JobRegisterRequest`` for ``{"Job": ...}``): unknown,
mis-cased and mistyped fields fail with their JSON path (durations must be integer
nanoseconds), then it runs the checks an agent makes at registration (IDs and names,
job type, groups and tasks present, drivers, periodic cron specs parsed by Nomad's own
cronexpr, update/restart rules, check types and intervals, port labels and volumes
referenced but not defined). See ``nomadcheck/checks.go`` for the list.

The binary is built once per source hash into ``~/.cache/crossdock/bin/`` (the first build
takes 18-30 s on 2 cores and needs the Go module proxy or a warm module cache) and run once
for a whole batch of jobs.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from checkers import gotool

__all__ = ["binary", "check_job_json"]

_SOURCE = Path(__file__).with_name("nomadcheck")


def binary() -> Path:
    """The nomadcheck binary for the current sources, built if not cached (see gotool.build)."""
    return gotool.build(_SOURCE)


def check_job_json(texts: Sequence[str]) -> list[str]:
    """Check each job text; return one line per problem, ``"jobs[1] Job.TaskGroups[0]:
    unknown field ..."``. An empty list means every job passed.

    Each text is ``{"Job": {...}}`` (a register request) or a bare job object. Raises
    RuntimeError if the checker cannot be built or crashes.
    """
    if not texts:
        return []
    exe = binary()
    with tempfile.TemporaryDirectory(prefix="crossdock-nomad-") as tmp:
        names = []
        for i, text in enumerate(texts):
            name = f"{i}.json"
            Path(tmp, name).write_text(text, encoding="utf-8")
            names.append(name)
        proc = subprocess.run([str(exe), *names], cwd=tmp, capture_output=True, text=True,
                              timeout=120, check=False)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not proc.stdout):
        raise RuntimeError(f"nomadcheck exited {proc.returncode}: {proc.stderr.strip()}")
    problems = []
    for line in proc.stdout.splitlines():
        name, _, rest = line.partition(": ")
        problems.append(f"jobs[{name.removesuffix('.json')}] {rest}")
    return problems
