"""The imported spec as YAML a person would write: keys in the model's order, comments where helpful.

Keys follow the field order of ``specs/model.py`` (x- blocks last; apiVersion, kind, metadata, variables,
secrets... and within a service image, command, args, env...); names (services, env vars,
labels) keep the order the importer gave them.  A string is written plain where YAML reads it
back as the same string, double-quoted otherwise (``"yes"``, ``"0755"``, ``": "``), and
multi-line text as a literal block when that reads back exactly.
"""

from __future__ import annotations

import os
import types
import typing
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

import yaml

from crossdock.specs.model import App
from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.filters import yaml_scalar

if TYPE_CHECKING:
    from crossdock.translators.importers.base import ImportResult

SCHEMA_LINE = "# yaml-language-server: $schema=crossdock.schema.json"


def _unwrap_model(annotation: Any) -> tuple[str, type[Any] | None]:
    """('model'|'map'|'list'|'scalar', the model class inside) for one field's annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            kind, model = _unwrap_model(arg)
            if model is not None:
                return kind, model
        return "scalar", None
    if origin is typing.Annotated:
        return _unwrap_model(args[0])
    if origin is dict and len(args) == 2:
        kind, model = _unwrap_model(args[1])
        return ("map", model) if model is not None else ("scalar", None)
    if origin is list and args:
        kind, model = _unwrap_model(args[0])
        return ("list", model) if model is not None else ("scalar", None)
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return "model", annotation
    return "scalar", None


_ORDERS: dict[type[Any], dict[str, tuple[int, str, type[Any] | None]]] = {}


def _field_order(model: type[Any]) -> dict[str, tuple[int, str, type[Any] | None]]:
    """YAML key -> (position in the model, how it nests, nested model)."""
    if model not in _ORDERS:
        out: dict[str, tuple[int, str, type[Any] | None]] = {}
        fields = list(model.model_fields.items())
        # The escape hatches are inherited, hence first in the model; a person writes them last.
        fields.sort(key=lambda item: (item[1].alias or item[0]).startswith("x-"))
        for i, (name, info) in enumerate(fields):
            kind, nested = _unwrap_model(info.annotation)
            out[info.alias or name] = (i, kind, nested)
        _ORDERS[model] = out
    return _ORDERS[model]


@lru_cache(maxsize=65536)
def _scalar_text(value: str) -> str:
    """A plain scalar where YAML reads it back as the same string; double-quoted otherwise."""
    if (value and value.isprintable() and value == value.strip() and value[0] not in "-?:,[]{}#&*!|>'\"%@`"
            and ": " not in value and " #" not in value and not value.endswith(":")
            and _Loader("").resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"):
        return value
    return yaml_scalar(value)


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(value: Any) -> str:
    return _scalar_text(value) if isinstance(value, str) else yaml_scalar(value)


def _block(value: str, indent: str) -> str | None:
    """A literal block scalar for multi-line text, when YAML reads it back unchanged.

    Multi-line config files read far better as a block; the few strings a block cannot carry
    exactly (control characters, odd leading blank lines) are double-quoted instead.  The block
    is parsed back to make sure, which only multi-line strings pay for.
    """
    body = value.rstrip("\n")
    if not body.strip() or any(not (c.isprintable() or c in "\n\t") for c in value):
        return None
    trailing = len(value) - len(body)
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    lead = "2" if body.lstrip("\n")[:1] in (" ", "\t") else ""
    inner = indent + "  "
    lines = [(inner + line) if line else "" for line in body.split("\n")] + [""] * max(trailing - 1, 0)
    block = f"|{lead}{chomp}\n" + "\n".join(lines)
    try:
        back = load_yaml(f"{indent}k: {block}\n")
    except yaml.YAMLError:
        return None
    return block if isinstance(back, dict) and back.get("k") == value else None


class _Writer:
    def __init__(self, comments: Mapping[tuple[str, ...], str]) -> None:
        self.comments = comments
        self.lines: list[str] = []

    def comment(self, path: tuple[str, ...], indent: str) -> None:
        text = self.comments.get(path)
        if text:
            for part in text.splitlines():
                self.lines.append(f"{indent}# {part}".rstrip())

    def mapping(self, data: Mapping[str, Any], model: type[Any] | None, kind: str, indent: str,
                path: tuple[str, ...], first_prefix: str | None = None) -> None:
        order = _field_order(model) if model is not None and kind == "model" else {}
        keys = [k for k in data if data[k] is not None]
        if order:
            keys.sort(key=lambda k: order[k][0] if k in order else len(order))
        for n, key in enumerate(keys):
            value = data[key]
            sub_kind, sub_model = ("scalar", None)
            if kind == "model" and key in order:
                _, sub_kind, sub_model = order[key]
            elif kind == "map":  # a name -> model mapping: each value is that model
                sub_kind, sub_model = ("model", model)
            lead = first_prefix if (first_prefix is not None and n == 0) else indent
            if n > 0 or first_prefix is None:
                self.comment(path + (str(key),), indent)
            self.value(f"{lead}{_scalar_text(str(key))}:", value, sub_kind, sub_model, indent, path + (str(key),))

    def value(self, head: str, value: Any, kind: str, model: type[Any] | None, indent: str,
              path: tuple[str, ...]) -> None:
        inner = indent + "  "
        if isinstance(value, dict):
            if not value:
                self.lines.append(f"{head} {{}}")
                return
            self.lines.append(head)
            self.mapping(value, model, kind, inner, path)
        elif isinstance(value, list):
            if not value:
                self.lines.append(f"{head} []")
                return
            self.lines.append(head)
            item_kind = "model" if kind == "list" and model is not None else "scalar"
            for i, item in enumerate(value):
                self.item(item, item_kind, model, inner, path + (str(i),))
        elif isinstance(value, str) and "\n" in value and (block := _block(value, indent)) is not None:
            self.lines.append(f"{head} {block}")
        elif path[-1] == "mode" and isinstance(value, int) and not isinstance(value, bool):
            self.lines.append(f"{head} 0{value:o}")  # a file mode reads best in octal, as chmod writes it
        else:
            self.lines.append(f"{head} {_scalar(value)}")

    def item(self, item: Any, kind: str, model: type[Any] | None, indent: str, path: tuple[str, ...]) -> None:
        self.comment(path, indent)
        if isinstance(item, dict) and item:
            self.mapping(item, model, kind, indent + "  ", path, first_prefix=indent + "- ")
        elif isinstance(item, list) and item:
            self.lines.append(f"{indent}-")
            for i, sub in enumerate(item):
                self.item(sub, "scalar", None, indent + "  ", path + (str(i),))
        elif isinstance(item, str) and "\n" in item and (block := _block(item, indent)) is not None:
            self.lines.append(f"{indent}- {block}")
        elif isinstance(item, (dict, list)):
            self.lines.append(f"{indent}- {'{}' if isinstance(item, dict) else '[]'}")
        else:
            self.lines.append(f"{indent}- {_scalar(item)}")


def write_spec(result: ImportResult) -> str:
    """The spec as YAML a person would write: keys in the model's order, comments where helpful."""
    header = [SCHEMA_LINE]
    if result.sources:
        header.append(f"# Imported by `crossdock import` from {', '.join(result.sources)}.")
    if result.losses:
        header.append(f"# {len(result.losses)} thing(s) could not be carried over as they were: "
                      "see the loss report of the import.")
    writer = _Writer(result.comments)
    writer.lines.extend(header)
    writer.mapping(result.doc, App, "model", "", ())
    return "\n".join(writer.lines) + "\n"


def rebase_paths(doc: dict[str, Any], from_dir: str, spec_dir: str) -> list[tuple[str, str]]:
    """Make the relative paths an importer wrote (secrets' ``from_file``, files' ``file``, which
    are relative to ``from_dir``: the current folder, as the user named the inputs) relative to
    ``spec_dir``, the folder the spec is written to: a spec's paths are relative to its own
    folder.  Returns (spec path, new path) for each path that now leaves ``spec_dir``: the spec
    reads those only with --allow-path (deploy, render --include-secrets).  Changes ``doc``."""
    outside: list[tuple[str, str]] = []

    def rebased(where: str, path: str) -> str:
        if os.path.isabs(path):
            new = path
        else:
            new = os.path.relpath(os.path.normpath(os.path.join(from_dir, path)), spec_dir).replace(os.sep, "/")
        if new.startswith("../") or os.path.isabs(new):
            outside.append((where, new))
        return new

    secrets = doc.get("secrets")
    for key, s in secrets.items() if isinstance(secrets, dict) else []:
        if isinstance(s, dict) and isinstance(s.get("from_file"), str):
            s["from_file"] = rebased(f"secrets.{key}.from_file", s["from_file"])
    for section in ("services", "jobs", "cron_jobs"):
        items = doc.get(section)
        for name, w in items.items() if isinstance(items, dict) else []:
            for i, f in enumerate(w.get("files") or []) if isinstance(w, dict) else []:
                if isinstance(f, dict) and isinstance(f.get("file"), str):
                    f["file"] = rebased(f"{section}.{name}.files[{i}].file", f["file"])
    return outside
