"""The types compose's own schema gives each service field, checked before anything is mapped.

docker compose refuses a file whose ``ports`` is a number or whose ``deploy.replicas`` is a word
(its JSON Schema); the importer says the same, once, with the place and what was expected,
instead of failing somewhere inside the mapping.
"""

from __future__ import annotations

from typing import Any

from crossdock.errors import InputError
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.compose_load import Project

_LIST, _MAP, _STR, _INT = "a list", "a mapping", "a string", "an integer"
_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("image",): (_STR,), ("command",): (_STR, _LIST), ("entrypoint",): (_STR, _LIST),
    ("environment",): (_LIST, _MAP), ("labels",): (_LIST, _MAP), ("env_file",): (_STR, _LIST),
    ("ports",): (_LIST,), ("expose",): (_LIST,), ("volumes",): (_LIST,), ("tmpfs",): (_STR, _LIST),
    ("configs",): (_LIST,), ("secrets",): (_LIST,), ("depends_on",): (_LIST, _MAP), ("profiles",): (_LIST,),
    ("healthcheck",): (_MAP,), ("healthcheck", "test"): (_STR, _LIST), ("healthcheck", "retries"): (_INT,),
    ("deploy",): (_MAP,), ("deploy", "replicas"): (_INT,), ("deploy", "labels"): (_LIST, _MAP),
    ("deploy", "resources"): (_MAP,), ("deploy", "resources", "limits"): (_MAP,),
    ("deploy", "resources", "reservations"): (_MAP,), ("deploy", "placement"): (_MAP,),
    ("deploy", "placement", "constraints"): (_LIST,), ("deploy", "placement", "preferences"): (_LIST,),
    ("deploy", "update_config"): (_MAP,), ("deploy", "update_config", "parallelism"): (_INT,),
    ("deploy", "rollback_config"): (_MAP,), ("deploy", "restart_policy"): (_MAP,),
    ("deploy", "restart_policy", "max_attempts"): (_INT,), ("scale",): (_INT,), ("links",): (_LIST,),
    ("cpus",): (_STR,), ("mem_limit",): (_STR,), ("mem_reservation",): (_STR,),
    ("cap_add",): (_LIST,), ("cap_drop",): (_LIST,), ("security_opt",): (_LIST,), ("network_mode",): (_STR,),
    ("networks",): (_LIST, _MAP),
}
_ITEMS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("depends_on",): (_STR,), ("healthcheck", "test"): (_STR,), ("expose",): (_STR, _INT),
    ("ports",): (_STR, _INT, _MAP), ("volumes",): (_STR, _MAP), ("configs",): (_STR, _MAP),
    ("secrets",): (_STR, _MAP), ("profiles",): (_STR,), ("deploy", "placement", "constraints"): (_STR,),
    ("links",): (_STR,), ("cap_add",): (_STR,), ("cap_drop",): (_STR,), ("security_opt",): (_STR,),
}


def _is(value: Any, kind: str, project: Project) -> bool:
    if kind == _LIST:
        return isinstance(value, list)
    if kind == _MAP:
        return isinstance(value, dict)
    if kind == _INT:
        text = project.interp.resolve(value) if isinstance(value, str) else value
        return not isinstance(text, bool) and (isinstance(text, int) or (isinstance(text, str) and text.isdigit()))
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) or kind == _STR and value is None


def check_service(project: Project, name: str, svc: dict[str, Any]) -> None:
    """Raises InputError at the first field whose type compose itself would refuse."""
    for key, kinds in _SHAPES.items():
        value: Any = svc
        for part in key:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            continue
        at: Path = ("services", name) + key
        if not any(_is(value, k, project) for k in kinds):
            _fail(project, at, kinds, value)
        items = _ITEMS.get(key)
        if items and isinstance(value, list):
            for i, item in enumerate(value):
                if not any(_is(item, k, project) for k in items):
                    _fail(project, at + (i,), items, item)
        if key == ("healthcheck", "test") and value == []:
            _fail(project, at, ("a non-empty list or a string",), value)


def _fail(project: Project, at: Path, kinds: tuple[str, ...], value: Any) -> None:
    got = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)
    shown = ".".join(str(p) for p in at)
    raise InputError(f"{project.where(at)}: {shown}: expected {' or '.join(kinds)}, got {got} "
                     "(docker compose refuses this too)")
