"""What the importers share: the loss they report, where they read, what they return.

An importer turns files of another tool (compose, Kubernetes manifests, Nomad jobs) into a
crossdock spec as plain data (``ImportResult.doc``) plus a loss report: every field or object not
carried over, or carried over with another meaning, with its source file:line:col.  Importers do
no file I/O of their own; they read through a ``Sources`` the CLI gives them (``FileSources``)
or a test builds (``MemorySources``), so the same code runs on disk and in memory.

``write_spec`` turns the data into a spec a person would have written (canonical key order,
comments where helpful); ``check_spec`` loads that text back through the spec loader: a spec an
importer writes that does not load is a bug in the importer, never the user's problem.
"""

from __future__ import annotations

import importlib
import os
import posixpath
import re
import tempfile
import types
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Mapping, Protocol, Sequence

import yaml

from crossdock.errors import InputError
from crossdock.specs.loader import LoadedSpec, load
from crossdock.specs.model import App
from crossdock.translators.filters import yaml_scalar

Source = Literal["compose", "kubernetes", "nomad"]
SOURCES: tuple[Source, ...] = ("compose", "kubernetes", "nomad")

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # the spec loader's own cap; a 1,000-service compose file is ~0.3 MiB
SCHEMA_LINE = "# yaml-language-server: $schema=crossdock.schema.json"


@dataclass(frozen=True, order=True)
class Loss:
    """Something in the source that the spec does not carry, or carries with another meaning."""

    file: str
    line: int
    col: int
    path: str
    message: str
    kind: Literal["dropped", "changed"] = "dropped"
    # The spec path this loss leaves missing or different ("services.web.health"), when there is
    # one: the round-trip tests compare everything else.
    spec_path: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line > 0 else self.file
        prefix = "changed: " if self.kind == "changed" else ""
        return f"{where}: {self.path}: {prefix}{self.message}"


class Sources(Protocol):
    """Where an importer reads its input; paths are as the user typed them."""

    def read(self, path: str) -> str:
        """The file's text. Raises InputError (with the path and a hint) if it cannot be read."""
        ...

    def is_dir(self, path: str) -> bool: ...

    def list_dir(self, path: str) -> list[str]:
        """Child paths (files and folders), joined with ``path``, sorted."""
        ...

    def exists(self, path: str) -> bool: ...


class FileSources:
    """Real files, relative to the current directory; refuses files over 4 MiB."""

    def read(self, path: str) -> str:
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_SOURCE_BYTES + 1)
        except IsADirectoryError as e:
            raise InputError(f"{path}: cannot read: it is a folder (give the files in it, or the folder "
                             "as an argument of its own)") from e
        except OSError as e:
            raise InputError(f"{path}: cannot read: {e.strerror or e} (check the path)") from e
        return _decoded(path, raw)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def list_dir(self, path: str) -> list[str]:
        try:
            names = os.listdir(path)
        except OSError as e:
            raise InputError(f"{path}: cannot list the folder: {e.strerror or e}") from e
        return sorted(os.path.join(path, n) for n in names)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)


class MemorySources:
    """Files held in a dict {path: text}; folders are implied by the paths ("a/b.yaml")."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = {_norm(k): v for k, v in files.items()}

    def read(self, path: str) -> str:
        key = _norm(path)
        if key not in self.files:
            hint = "it is a folder" if self.is_dir(path) else "no such file"
            raise InputError(f"{path}: cannot read: {hint} (check the path)")
        return _decoded(path, self.files[key].encode("utf-8"))

    def is_dir(self, path: str) -> bool:
        key = _norm(path)
        prefix = "" if key == "." else key + "/"
        return any(k.startswith(prefix) for k in self.files) and key not in self.files

    def list_dir(self, path: str) -> list[str]:
        key = _norm(path)
        prefix = "" if key == "." else key + "/"
        children = {k[len(prefix):].split("/", 1)[0] for k in self.files if k.startswith(prefix)}
        return sorted(posixpath.join(path, c) for c in children)

    def exists(self, path: str) -> bool:
        return _norm(path) in self.files or self.is_dir(path)


def _norm(path: str) -> str:
    return posixpath.normpath(path.replace(os.sep, "/"))


def _decoded(path: str, raw: bytes) -> str:
    if len(raw) > MAX_SOURCE_BYTES:
        raise InputError(f"{path}: file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB "
                         "(an app definition is far smaller; check the file)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(f"{path}:{line}:{col}: file is not valid UTF-8 (save it as UTF-8)") from e


@dataclass
class ImportResult:
    """The imported spec as plain data (keys as in YAML), what was lost, and what was read."""

    doc: dict[str, Any]
    losses: list[Loss] = field(default_factory=list)
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)  # spec path -> comment above it
    sources: list[str] = field(default_factory=list)


class Importer(Protocol):
    name: Source

    def claims(self, path: str, text: str) -> bool:
        """For --from auto: does this file look like this importer's format?"""
        ...

    def import_files(self, paths: Sequence[str], sources: Sources, *, name: str | None,
                     environ: Mapping[str, str]) -> ImportResult:
        """Import ``paths`` (files or folders). Raises InputError on input it cannot read."""
        ...


def get_importer(name: str) -> Importer:
    """The importer for ``name``; its module is imported on demand. Raises InputError."""
    if name not in SOURCES:
        raise InputError(f"--from {name}: expected one of {', '.join(SOURCES)} or auto")
    module = importlib.import_module(f"crossdock.translators.importers.{name}")
    importer: Importer = module.IMPORTER
    return importer


_EXTENSIONS = (".yaml", ".yml", ".json", ".hcl", ".nomad", ".env")


def expand_paths(paths: Sequence[str], sources: Sources) -> list[str]:
    """Files named, and the files of the folders named (not recursive, known extensions only)."""
    out: list[str] = []
    for path in paths:
        if sources.is_dir(path):
            out += [p for p in sources.list_dir(path)
                    if not sources.is_dir(p) and p.endswith(_EXTENSIONS) and not p.endswith(".env")]
        elif not sources.exists(path):
            raise InputError(f"{path}: no such file or folder (check the path)")
        else:
            out.append(path)
    return out


def detect(paths: Sequence[str], sources: Sources) -> Source:
    """Which format ``paths`` are in, for --from auto. Raises InputError when it is unclear."""
    votes: dict[Source, list[str]] = {}
    files = expand_paths(paths, sources)
    if not files:
        raise InputError(f"{', '.join(paths)}: no .yaml, .yml, .json, .hcl or .nomad file to import")
    for path in files:
        text = sources.read(path)
        for name in SOURCES:
            try:
                importer = get_importer(name)
            except ImportError:  # an importer not installed (or not written yet) claims nothing
                continue
            if importer.claims(path, text):
                votes.setdefault(name, []).append(path)
                break
    if len(votes) == 1:
        return next(iter(votes))
    if not votes:
        raise InputError(f"{files[0]}: cannot tell whether this is a compose file, Kubernetes manifests or a "
                         "Nomad job (say which with --from compose|kubernetes|nomad)")
    found = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(votes.items()))
    raise InputError(f"the files are of different formats ({found}); import one format at a time, "
                     "or say which with --from")


# ---- writing the spec ---------------------------------------------------------------------------

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
        for i, (name, info) in enumerate(model.model_fields.items()):
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
        back = yaml.load(f"{indent}k: {block}\n", Loader=_Loader)
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


# ---- checking what was written ------------------------------------------------------------------

CHECK_SECRET_PLACEHOLDER = "imported-secret-placeholder"


def check_spec(text: str, *, base_dir: str | None = None,
               environ: Mapping[str, str] | None = None) -> LoadedSpec:
    """Load ``text`` through the spec loader, as ``crossdock validate`` would.

    Without ``base_dir``, files the spec reads (secrets' ``from_file``, files' ``file``) are
    stood in for by placeholders in a temporary folder, and secrets' ``from_env`` variables by a
    placeholder value: the check is of the spec, not of the machine it runs on.  Raises
    SpecError: for text an importer wrote, that is a bug in the importer.
    """
    data = yaml.load(text, Loader=_Loader)
    env = dict(environ) if environ is not None else placeholder_environ(text, data)
    if base_dir is not None:
        return load(os.path.join(base_dir, "app.yaml"), text=text, environ=env)
    with tempfile.TemporaryDirectory(prefix="crossdock-import-check-") as tmp:
        spec_dir = os.path.join(tmp, "a", "b", "c", "d")  # room for '../' in relative paths
        os.makedirs(spec_dir)
        for rel in _read_paths(data):
            target = os.path.normpath(os.path.join(spec_dir, rel))
            if not os.path.isabs(rel) and target.startswith(tmp + os.sep) and not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write("placeholder\n")
        return load(os.path.join(spec_dir, "app.yaml"), text=text, environ=env)


_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholder_environ(text: str, data: Any = None) -> dict[str, str]:
    """Placeholder values for what a spec needs from the environment to load: the variables of
    its secrets' ``from_env``, and variables it uses without a default (set when deploying)."""
    data = yaml.load(text, Loader=_Loader) if data is None else data
    env = {n: CHECK_SECRET_PLACEHOLDER for n in _from_env_names(data)}
    declared: Any = data.get("variables") if isinstance(data, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    for name in _VARIABLE.findall(text.replace("$$", "")):
        if name not in declared:
            env.setdefault(name, "placeholder")
    return env


def _from_env_names(data: Any) -> list[str]:
    secrets = data.get("secrets") if isinstance(data, dict) else None
    if not isinstance(secrets, dict):
        return []
    return [str(s["from_env"]) for s in secrets.values() if isinstance(s, dict) and s.get("from_env")]


def _read_paths(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return []
    out = [str(s["from_file"]) for s in (data.get("secrets") or {}).values()
           if isinstance(s, dict) and s.get("from_file")]
    for section in ("services", "jobs", "cron_jobs"):
        for w in (data.get(section) or {}).values():
            for f in (w.get("files") or []) if isinstance(w, dict) else []:
                if isinstance(f, dict) and f.get("file"):
                    out.append(str(f["file"]))
    return out
