"""The ``x-nomad`` escape hatch, written in the API's JSON form (PascalCase, durations in
integer nanoseconds), so it reads like ``nomad job inspect`` output.

- App level: merged (``translators.merge.deep_merge``: mappings key by key, ``null`` removes a
  key, lists replace) into every job the app renders, e.g. ``{Priority: 70, Datacenters: [dc1]}``.
- Workload level: ``{group: {...}, task: {...}}``, merged into that workload's task group and
  into its main task, e.g. ``{group: {ShutdownDelay: 5000000000}, task: {KillTimeout: 30000000000}}``.

Both forms of the job carry the merged content: the HCL writer (``hcl``) knows the jobspec
name of every key in ``schema.SCHEMA`` (job, group, task, service, check, update, restart,
reschedule, periodic, scaling, network, volume, template, resources...).  A key outside it
cannot be written in HCL, so it is reported and left out of both forms rather than making
them disagree; ``x-nomad`` keys other than ``group`` and ``task`` at workload level likewise.
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.model import App
from crossdock.translators.base import Report
from crossdock.translators.merge import deep_merge
from crossdock.translators.nomad.schema import Dropped, prune
from crossdock.translators.nomad.tasks import Path


class Extensions:
    def __init__(self, app: App, report: Report) -> None:
        self._report = report
        self._model = app
        block = app.extension("nomad")
        self._app = self._checked(block, "Job", ("x-nomad",)) if block else None
        if block:
            report.note("extensions", ("x-nomad",))

    def job(self, job: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = deep_merge(job, self._app) if self._app else job
        return merged

    def group(self, path: Path, group: dict[str, Any], task_name: str) -> dict[str, Any]:
        """``group`` with the workload's ``x-nomad`` merged into it and into its main task."""
        section, name = path
        block = self._app_workload(section, name).extension("nomad")
        if not block:
            return group
        xpath = path + ("x-nomad",)
        self._report.note("extensions", xpath)
        for key, value in block.items():
            if key not in ("group", "task"):
                self._report.note("extensions", xpath + (key,), "expected 'group' or 'task': not rendered")
            elif not isinstance(value, dict):
                self._report.note("extensions", xpath + (key,), "expected an object: not rendered")
        if isinstance(block.get("task"), dict):
            patch = self._checked(block["task"], "Task", xpath + ("task",))
            group["Tasks"] = [deep_merge(t, patch) if t["Name"] == task_name else t for t in group["Tasks"]]
        if isinstance(block.get("group"), dict):
            group = deep_merge(group, self._checked(block["group"], "TaskGroup", xpath + ("group",)))
        return group

    def _app_workload(self, section: str | int, name: str | int) -> Any:
        return getattr(self._model, str(section))[name]

    def _checked(self, patch: dict[str, Any], type_: str, path: Path) -> dict[str, Any]:
        dropped: Dropped = []
        out: dict[str, Any] = prune(patch, type_, path, dropped)
        for p, why in dropped:
            self._report.note("extensions", p, f"{why}: not rendered in either form")
        return out
