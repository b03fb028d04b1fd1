"""Reading Kubernetes manifests: files, folders, kustomizations, multi-document YAML, ``List``s.

Each object becomes a ``Manifest``: its data, where each of its values stands in its file, and
which of its fields the importer has used.  The importer marks what it carries over (``get``,
``use``); ``leftovers`` then lists everything else, so that no field is dropped silently.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Iterator

import yaml

from crossdock.errors import InputError, SpecError, shape
from crossdock.specs import yamlsrc
from crossdock.specs.yamlsrc import Path, format_path
from crossdock.translators.importers.base import Loss, Sources

_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass
class Manifest:
    """One Kubernetes object read from a file, with the locations of its values."""

    file: str
    data: dict[str, Any]
    located: yamlsrc.Located
    prefix: Path = ()  # where the object stands in its document (``items[3]`` of a List)
    used: set[Path] = field(default_factory=set)
    # List items whose rendered name differs from the source (a container renamed after its
    # workload): x-kubernetes patches must name them as crossdock renders them.
    names: dict[Path, str] = field(default_factory=dict)
    steps: dict[int, Path] = field(default_factory=dict)  # id of an imported step -> its container's path
    main: Path | None = None  # the path of the main container
    generated_name: str = ""  # the name derived from metadata.generateName when there is no metadata.name

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""

    @property
    def name(self) -> str:
        name = self.dict_at("metadata").get("name")
        return name if isinstance(name, str) and name else self.generated_name

    @property
    def ref(self) -> str:
        if not self.kind:
            return posixpath.basename(self.file)
        return f"{self.kind}/{self.name}" if self.name else self.kind

    def data_at(self, *path: str | int) -> Any:
        """The value at ``path`` without marking it: the caller decides what it carries over."""
        value: Any = self.data
        for part in path:
            if isinstance(value, dict) and isinstance(part, str):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                value = value[part]
            else:
                return None
        return value

    def dict_at(self, *path: str | int) -> dict[str, Any]:
        """The mapping at ``path``; {} when absent or of another type (left unused, so reported)."""
        value = self.data_at(*path)
        return value if isinstance(value, dict) else {}

    def list_at(self, *path: str | int) -> list[Any]:
        value = self.data_at(*path)
        return value if isinstance(value, list) else []

    def int_at(self, *path: str | int) -> int | None:
        value = self.data_at(*path)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def get(self, *path: str | int) -> Any:
        """The value at ``path`` (None when absent), marked as carried over."""
        value = self.data_at(*path)
        if value is not None:
            self.used.add(tuple(path))
        return value

    def use(self, *path: str | int) -> None:
        self.used.add(tuple(path))

    def loss(self, path: Path, message: str, kind: str = "dropped", spec_path: str = "") -> Loss:
        loc = self.located.where(self.prefix + tuple(path), key=True)
        where = f"{self.ref}: {format_path(path)}" if path else self.ref
        return Loss(loc.file, loc.line, loc.column, where, message,
                    "changed" if kind == "changed" else "dropped", spec_path)

    def where(self, path: Path) -> str:
        loc = self.located.where(self.prefix + tuple(path))
        return f"{loc.file}:{loc.line}"

    def leftovers(self) -> Iterator[tuple[Path, Any]]:
        """(path, value) of every part of the object the importer has not used, largest first."""
        used_prefixes: set[Path] = set()
        for p in self.used:
            for i in range(len(p) + 1):
                used_prefixes.add(p[:i])

        def walk(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
            if path in self.used:
                return
            if path not in used_prefixes:
                if value not in (None, {}, []):
                    yield path, value
                return
            if isinstance(value, dict):
                for k, v in value.items():
                    yield from walk(v, path + (k,))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    yield from walk(v, path + (i,))

        yield from walk(self.data, ())


def manifest_files(paths: list[str] | tuple[str, ...], sources: Sources) -> tuple[list[str], list[Loss]]:
    """The manifest files of ``paths``: files as named, folders recursively (*.yaml, *.yml, *.json).

    A folder with a kustomization file is read through its ``resources:`` list; the rest of the
    kustomization (patches, generators, name prefixes...) is reported, not applied.
    Raises InputError for a path that does not exist.
    """
    files: list[str] = []
    losses: list[Loss] = []
    for path in paths:
        if sources.is_dir(path):
            _folder(path, sources, files, losses, set())
        elif not sources.exists(path):
            raise InputError(f"{path}: no such file or folder (check the path)")
        elif posixpath.basename(path) in KUSTOMIZATION:
            _kustomization(path, sources, files, losses, set())
        else:
            files.append(path)
    seen: set[str] = set()
    unique = [f for f in files if not (f in seen or seen.add(f))]  # type: ignore[func-returns-value]
    return unique, losses


def _folder(path: str, sources: Sources, files: list[str], losses: list[Loss], visiting: set[str]) -> None:
    children = sources.list_dir(path)
    for k in children:
        if posixpath.basename(k) in KUSTOMIZATION and not sources.is_dir(k):
            _kustomization(k, sources, files, losses, visiting)
            return
    for child in children:
        if sources.is_dir(child):
            _folder(child, sources, files, losses, visiting)
        elif child.endswith(_MANIFEST_SUFFIXES):
            files.append(child)


def _kustomization(path: str, sources: Sources, files: list[str], losses: list[Loss], visiting: set[str]) -> None:
    if path in visiting:
        raise InputError(f"{path}: kustomizations include each other in a cycle (check its resources:)")
    visiting = visiting | {path}
    docs = parse_file(path, sources.read(path))
    base = posixpath.dirname(path)
    for m in docs:
        for key in m.data:
            if key not in ("apiVersion", "kind", "resources"):
                losses.append(m.loss((key,), "not applied: crossdock reads the kustomization's resources only; "
                                     "render the kustomization first (kubectl kustomize) to import its result"))
        resources = m.data.get("resources") or []
        for i, entry in enumerate(resources if isinstance(resources, list) else []):
            target = posixpath.normpath(posixpath.join(base, str(entry))) if base else posixpath.normpath(str(entry))
            if "://" in str(entry) or not sources.exists(target):
                losses.append(m.loss(("resources", i), "not read: not a file or folder beside the kustomization"))
            elif not sources.permits(target):  # as a bind mount outside a compose project: not refused
                losses.append(m.loss(("resources", i), "not read: outside the folders being imported "
                                     "(--allow-path DIR would let crossdock read files under DIR)"))
            elif sources.is_dir(target):
                _folder(target, sources, files, losses, visiting)
            else:
                files.append(target)


def parse_file(path: str, text: str) -> list[Manifest]:
    """Every object of one file (documents, and the items of ``List`` objects).

    Raises InputError with file:line:col for text that is not YAML, or a document that is not a
    mapping; refuses what the spec loader refuses (aliases past a budget, deep nesting).
    """
    try:
        return _parse_file(path, yamlsrc.read_text(path, text))
    except SpecError as e:
        message = "\n".join(str(p) for p in e.problems)
        if "{{" in text and "YAML syntax error" in message:
            message += " (this looks like a Helm template: render it first, e.g. helm template ... > manifests.yaml)"
        raise InputError(message) from e


def _parse_file(path: str, source: str) -> list[Manifest]:
    out: list[Manifest] = []
    for located, node in yamlsrc.parse_all(path, source):  # a manifest file has many documents
        out += _objects(path, located.data, located, node)
    return out


def _objects(path: str, data: Any, located: yamlsrc.Located, node: yaml.Node) -> list[Manifest]:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if not isinstance(data, dict):
        raise InputError(f"{path}:{line}:{col}: expected a Kubernetes object (a mapping with apiVersion and "
                         f"kind), got {shape(data)} (each document of a manifest file is one object)")
    if data.get("kind") == "List" or str(data.get("kind", "")).endswith("List") and "items" in data:
        items = data.get("items") or []
        out = []
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                loc = located.where(("items", i))
                raise InputError(f"{loc}: items[{i}]: expected a Kubernetes object, got {shape(item)}")
            out.append(Manifest(path, item, located, ("items", i)))
        return out
    return [Manifest(path, data, located)]
