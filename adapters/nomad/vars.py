"""Secret values as Nomad Variables: one Variable per job, ``nomad/jobs/<job-id>``, one item per
secret (what the translator's templates read: ``nomadVar "nomad/jobs/<job-id>"``, item
``<secret>``).

A Variable has no labels, and an external secret lives in the same Variable as the ones
crossdock writes (the user puts it there), so ownership is kept at item level: crossdock writes
the item ``crossdock-managed``, the comma-separated names of the items it wrote.  Deploy
replaces only those items (and adds new ones), destroy removes only those items and deletes the
Variable only when nothing else is left in it: an external secret stays where the user put it.
Values never leave this module except in the request body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # annotations only: status, logs and destroy by app name load no spec model
    from crossdock.specs.loader import SecretValue


MARKER = "crossdock-managed"
_REF = re.compile(r'nomadVar "([^"]+)"')
_ITEM = re.compile(r'\(index \. "([^"]+)"\)')


def variable_path(job_id: str) -> str:
    return f"nomad/jobs/{job_id}"


def referenced(job: Mapping[str, Any]) -> dict[str, set[str]]:
    """{variable path: item names} that the job's templates read."""
    out: dict[str, set[str]] = {}
    for group in job.get("TaskGroups") or []:
        for task in group.get("Tasks") or []:
            for tmpl in task.get("Templates") or []:
                text = tmpl.get("EmbeddedTmpl") or ""
                for path in _REF.findall(text):
                    out.setdefault(path, set()).update(_ITEM.findall(text))
    return out


def managed(items: Mapping[str, str]) -> set[str]:
    return {n for n in items.get(MARKER, "").split(",") if n}


@dataclass(frozen=True)
class ItemChange:
    """What writing a Variable means: the new items (None: delete it), the changed item names,
    and whether it is the same as what is there."""

    items: dict[str, str] | None
    changed: tuple[str, ...]
    same: bool


def merge(existing: Mapping[str, str] | None, wanted: Mapping[str, SecretValue]) -> ItemChange:
    """The Variable's items after writing ``wanted`` (crossdock's own items; an empty mapping
    removes them): items crossdock did not write are kept as they are."""
    current = dict(existing or {})
    foreign = {k: v for k, v in current.items() if k not in managed(current) and k != MARKER}
    items = foreign | {k: v.reveal() for k, v in wanted.items()}
    if wanted:
        items[MARKER] = ",".join(sorted(wanted))
    changed = tuple(sorted(k for k in set(current) | set(items) if k != MARKER and current.get(k) != items.get(k)))
    return ItemChange(items or None, changed, items == current)
