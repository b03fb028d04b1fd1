"""The job diff of the Nomad STAND-IN's plan endpoint (``POST /v1/job/:id/plan`` with ``Diff``).

Not Nomad's diff: it has the documented shape (developer.hashicorp.com/nomad/api-docs/jobs,
"Create Job Plan": ``Diff.Type`` Added/Deleted/Edited/None, ``Fields`` with Type/Name/Old/New,
``Objects``, ``TaskGroups[].Tasks[]``), and names fields the way Nomad does for maps
(``Env[KEY]``, ``Meta[key]``), but it is a plain recursive comparison of the submitted JSON,
not Nomad's per-struct diff rules.
"""

from __future__ import annotations

import json
from typing import Any

from nomad_standin_state import spec_of


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True)


def _kind(old: Any, new: Any) -> str:
    if old is None:
        return "Added"
    if new is None:
        return "Deleted"
    return "Edited" if old != new else "None"


def _fields_and_objects(old: dict[str, Any], new: dict[str, Any], skip: set[str]) -> tuple[list[Any], list[Any]]:
    fields: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        if key in skip:
            continue
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        sample = b if b is not None else a
        if isinstance(sample, dict) and all(not isinstance(v, (dict, list)) for v in sample.values()) \
                and not isinstance(a, list) and not isinstance(b, list):
            for k in sorted(set(a or {}) | set(b or {})):
                x, y = (a or {}).get(k), (b or {}).get(k)
                if x != y:
                    fields.append(_field(f"{key}[{k}]", x, y))
        elif isinstance(sample, dict):
            objects.append(_object(key, a, b))
        elif isinstance(sample, list) and any(isinstance(i, dict) for i in sample):
            la, lb = a or [], b or []
            for i in range(max(len(la), len(lb))):
                x = la[i] if i < len(la) else None
                y = lb[i] if i < len(lb) else None
                if x != y:
                    objects.append(_object(key, x, y))
        else:
            fields.append(_field(key, a, b))
    return fields, objects


def _field(name: str, old: Any, new: Any) -> dict[str, Any]:
    return {"Type": _kind(old, new), "Name": name, "Old": "" if old is None else _text(old),
            "New": "" if new is None else _text(new), "Annotations": None}


def _object(name: str, old: Any, new: Any) -> dict[str, Any]:
    fields, objects = _fields_and_objects(old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {},
                                          set())
    return {"Type": _kind(old, new), "Name": name, "Fields": fields, "Objects": objects}


def _by_name(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {str(i.get("Name")): i for i in items or []}


def job_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    a = spec_of(old) if old is not None and not old.get("Stop") else {}
    b = {"Type": "service", "Priority": 50, "ParentID": ""} | spec_of(new)  # the defaults register applies
    fields, objects = _fields_and_objects(a, b, {"TaskGroups"})
    groups = []
    ga, gb = _by_name(a.get("TaskGroups")), _by_name(b.get("TaskGroups"))
    for name in sorted(set(ga) | set(gb)):
        x, y = ga.get(name), gb.get(name)
        gf, go = _fields_and_objects(x or {}, y or {}, {"Tasks", "Name"})
        tasks = []
        ta, tb = _by_name((x or {}).get("Tasks")), _by_name((y or {}).get("Tasks"))
        for tname in sorted(set(ta) | set(tb)):
            tf, to = _fields_and_objects(ta.get(tname) or {}, tb.get(tname) or {}, {"Name"})
            tasks.append({"Type": _kind(ta.get(tname), tb.get(tname)), "Name": tname, "Fields": tf, "Objects": to,
                          "Annotations": None})
        kind = _kind(x, y)
        updates = {"create": int((y or {}).get("Count", 1))} if kind == "Added" else \
            {"destroy": int((x or {}).get("Count", 1))} if kind == "Deleted" else \
            {"create/destroy update": int((y or {}).get("Count", 1))} if kind == "Edited" else \
            {"ignore": int((y or {}).get("Count", 1))}
        groups.append({"Type": kind, "Name": name, "Fields": gf, "Objects": go, "Tasks": tasks, "Updates": updates})
    kind = "Added" if not a else ("Edited" if a != b else "None")
    return {"Type": kind, "ID": new.get("ID"), "Fields": fields, "Objects": objects, "TaskGroups": groups}
