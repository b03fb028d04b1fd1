"""A compose project as docker compose assembles it: files, ``.env``, ``include``, ``-f`` merges, ``extends``.

The result is one merged model (``Project.data``) and one table of where each of its values came
from (file:line:col), so that every loss points into the file the user wrote.  Merge rules are
compose's (https://docs.docker.com/compose/how-tos/multiple-compose-files/merge/): mappings
merge key by key; ``environment``, ``labels`` and the like merge as mappings whichever way they
are written; ``ports``, ``expose``, ``dns``... are appended; ``volumes`` merge by target,
``secrets`` and ``configs`` by source; ``command``, ``entrypoint`` and ``healthcheck.test`` are
replaced.  Relative paths are relative to the folder of the file that names them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from crossdock.errors import InputError, Location, shape
from crossdock.specs.yamlsrc import Located, Mark, Path
from crossdock.translators.importers import compose_yaml
from crossdock.translators.importers.base import Loss, Sources, outside
from crossdock.translators.importers.compose_interp import DotEnv, Interpolator, parse_dotenv

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")
TOP_LEVEL = {"version", "name", "services", "volumes", "configs", "secrets", "networks", "include", "models"}
MAX_NESTING = 10  # include/extends chains: compose has no limit; real projects use two or three

_MAPPING_KEYS = {"environment", "labels", "extra_hosts", "sysctls", "annotations", "depends_on", "args"}
_REPLACED_KEYS = {"command", "entrypoint", "test"}


@dataclass
class Project:
    data: dict[str, Any]
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    base_dir: str = "."
    dirs: dict[Path, str] = field(default_factory=dict)  # ("services", name) / ("configs", name) -> folder
    interp: Interpolator = field(default_factory=lambda: Interpolator({}, {}))
    dotenv: DotEnv = field(default_factory=DotEnv)
    dotenv_file: str | None = None
    losses: list[Loss] = field(default_factory=list)

    def where(self, path: Path, *, key: bool = False) -> Location:
        return Located(self.data, self.files[0] if self.files else "", self.values, self.keys).where(path, key=key)

    def loss(self, path: Path, message: str, kind: str = "dropped", spec_path: str = "") -> None:
        loc = self.where(path, key=True)  # a loss is about a field: point at its name
        shown = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        self.losses.append(Loss(loc.file, loc.line, loc.column, shown, message,
                                "changed" if kind == "changed" else "dropped", spec_path))

    def dir_of(self, section: str, name: str) -> str:
        return self.dirs.get((section, name), self.base_dir)


def compose_files(paths: Sequence[str], sources: Sources) -> list[str]:
    """The files to read: the ones named, or for a folder its compose file and override."""
    out: list[str] = []
    for path in paths:
        if not sources.is_dir(path):
            if not sources.exists(path):
                raise InputError(f"{path}: no such file or folder (check the path)")
            out.append(path)
            continue
        found = [posixpath.join(path, n) for n in DEFAULT_FILES if sources.exists(posixpath.join(path, n))]
        if not found:
            raise InputError(f"{path}: no compose file in this folder (looked for {', '.join(DEFAULT_FILES)})")
        out.append(found[0])
        out += [posixpath.join(path, n) for n in OVERRIDE_FILES if sources.exists(posixpath.join(path, n))][:1]
    return out


def load_project(paths: Sequence[str], sources: Sources, environ: Mapping[str, str]) -> Project:
    """Read and merge the project. Raises InputError/SpecError on files that cannot be read."""
    files = compose_files(paths, sources)
    base_dir = posixpath.dirname(files[0]) or "."
    project = Project(data={}, base_dir=base_dir)
    env_path = posixpath.join(base_dir, ".env") if base_dir != "." else ".env"
    if sources.exists(env_path) and not sources.is_dir(env_path):
        project.dotenv, bad = parse_dotenv(sources.read(env_path))
        project.dotenv_file = env_path
        for line, why in bad:
            project.losses.append(Loss(env_path, line, 1, ".env", f"line ignored: {why}"))
    project.interp = Interpolator(project.dotenv.values, environ)
    loader = _Loader(project, sources)
    for i, file in enumerate(files):
        # Relative paths in every -f file are relative to the first file's folder, as in compose.
        loader.merge_file(file, base_dir if i else None, depth=0)
    loader.resolve_extends()
    project.interp.prescan(project.data, project.where)
    return project


class _Loader:
    def __init__(self, project: Project, sources: Sources) -> None:
        self.project = project
        self.sources = sources
        self.parsed: dict[str, Located] = {}
        self.stack: list[str] = []
        # file -> (section, name) -> its marks: one pass over a file's table, not one per entry
        self.entries: dict[str, dict[Path, list[tuple[bool, Path, Mark]]]] = {}

    def read(self, file: str) -> Located:
        if file not in self.parsed:
            located = compose_yaml.parse(file, self.sources.read(file))
            if not isinstance(located.data, dict):
                raise InputError(f"{located.where(())}: expected a compose file (a mapping with services:), "
                                 "got a list or a single value")
            self.parsed[file] = located
            if file not in self.project.files:
                self.project.files.append(file)
        return self.parsed[file]

    def merge_file(self, file: str, rel_dir: str | None, depth: int) -> None:
        if file in self.stack or depth > MAX_NESTING:
            chain = " -> ".join(self.stack + [file])
            raise InputError(f"{file}: include loop or chain too deep ({chain})")
        self.stack.append(file)
        located = self.read(file)
        folder = rel_dir or posixpath.dirname(file) or "."
        data = located.data
        for key in data:
            if key not in TOP_LEVEL and not key.startswith("x-"):
                loc = located.where((key,), key=True)
                if not any(k in TOP_LEVEL or str(k).startswith("x-") for k in data):  # not quoted: maybe a password file
                    raise InputError(f"{loc}: not a compose file: no top-level key is a compose key (the top level "
                                     f"is {shape(data)})")
                raise InputError(f"{loc}: {key}: unknown top-level key of a compose file (expected one of "
                                 f"{', '.join(sorted(TOP_LEVEL - {'models'}))}, or x-... for extensions)")
        for i, item in enumerate(_as_list(data.get("include"))):
            for included, sub_dir in self.include_paths(located, i, item, folder):
                if not self.sources.permits(included):
                    raise outside(located.where(("include", i)), f"include[{i}]", included)
                self.merge_file(included, sub_dir, depth + 1)
        # version: is obsolete in the Compose Specification; every version is read the same way.
        if isinstance(data.get("name"), str):
            self.project.data["name"] = data["name"]
        for section in ("services", "volumes", "configs", "secrets", "networks"):
            entries = data.get(section)
            if entries is None:
                continue
            if not isinstance(entries, dict):
                raise InputError(f"{located.where((section,))}: {section}: expected a mapping of names")
            target = self.project.data.setdefault(section, {})
            for name, value in entries.items():
                value = {} if value is None else value
                if section == "services" and not isinstance(value, dict):
                    raise InputError(f"{located.where((section, name))}: services.{name}: expected a mapping")
                if name in target and isinstance(target[name], dict) and isinstance(value, dict):
                    target[name] = merge(target[name], value, ())
                else:
                    target[name] = value
                    self.project.dirs[(section, name)] = folder
                first_value, first_key = self.project.values.get((section, name)), self.project.keys.get((section, name))
                self.copy_marks(located, (section, name), (section, name))
                if first_value is not None and first_key is not None:  # an entry is where it was first written
                    self.project.values[(section, name)], self.project.keys[(section, name)] = first_value, first_key
        self.stack.pop()

    def include_paths(self, located: Located, i: int, item: Any, folder: str) -> list[tuple[str, str | None]]:
        if isinstance(item, str):
            paths: list[Any] = [item]
            sub_dir = None
        elif isinstance(item, dict):
            paths = _as_list(item.get("path"))
            sub_dir = item.get("project_directory")
            for key in sorted(set(item) - {"path", "project_directory"}):
                self.project.loss(("include", i, key), f"include option '{key}' is not read: the project's "
                                  ".env is used for every file")
        else:
            raise InputError(f"{located.where(('include', i))}: include[{i}]: expected a path or a mapping with path:")
        out = []
        for p in paths:
            rel = self.project.interp.resolve(str(p))
            full = posixpath.normpath(posixpath.join(folder, rel))
            out.append((full, posixpath.normpath(posixpath.join(folder, sub_dir)) if sub_dir else None))
        return out

    def copy_marks(self, located: Located, src: Path, dst: Path) -> None:
        """The marks of the entry ``src`` (section, name) of ``located``, as those of ``dst``."""
        if located.file not in self.entries:
            index: dict[Path, list[tuple[bool, Path, Mark]]] = {}
            for is_key, table in ((False, located.values), (True, located.keys)):
                for path, mark in table.items():
                    if len(path) >= 2:
                        index.setdefault(path[:2], []).append((is_key, path, mark))
            self.entries[located.file] = index
        for is_key, path, mark in self.entries[located.file].get(src, []):
            (self.project.keys if is_key else self.project.values)[dst + path[2:]] = mark

    def resolve_extends(self) -> None:
        services = self.project.data.get("services") or {}
        done: set[str] = set()
        for name in list(services):
            services[name] = self.extended(name, services, done, [])

    def extended(self, name: str, services: dict[str, Any], done: set[str], chain: list[str]) -> Any:
        svc = services[name]
        if name in done or not isinstance(svc, dict) or "extends" not in svc:
            return svc
        at: Path = ("services", name, "extends")
        if name in chain or len(chain) > MAX_NESTING:
            raise InputError(f"{self.project.where(at)}: services.{name}.extends: extends loop "
                             f"({' -> '.join(chain + [name])})")
        ext = svc["extends"]
        base_name, base_file = (ext, None) if isinstance(ext, str) else (
            (ext.get("service"), ext.get("file")) if isinstance(ext, dict) else (None, None))
        if not isinstance(base_name, str):
            raise InputError(f"{self.project.where(at)}: services.{name}.extends: expected a service name "
                             "or a mapping with service: (and file:)")
        own = {k: v for k, v in svc.items() if k != "extends"}
        if base_file is None:
            if base_name not in services:
                raise InputError(f"{self.project.where(at)}: services.{name}.extends: no service '{base_name}' "
                                 "in this project")
            base = self.extended(base_name, services, done, chain + [name])
            src_marks: Located | None = None
        else:
            folder = self.project.dir_of("services", name)
            path = posixpath.normpath(posixpath.join(folder, self.project.interp.resolve(str(base_file))))
            if not self.sources.permits(path):
                raise outside(self.project.where(at + ("file",)), f"services.{name}.extends.file", path)
            located = self.read(path)
            others = located.data.get("services") or {}
            if base_name not in others:
                raise InputError(f"{self.project.where(at)}: services.{name}.extends: no service '{base_name}' "
                                 f"in {path}")
            sub = dict(others)
            base = self.extended_in_file(base_name, sub, located, chain + [name])
            src_marks = located
        merged = merge(base, own, ())
        marks_before = {p: m for p, m in self.project.values.items() if p[:2] == ("services", name)}
        keys_before = {p: m for p, m in self.project.keys.items() if p[:2] == ("services", name)}
        if src_marks is not None:
            self.copy_marks(src_marks, ("services", base_name), ("services", name))
        else:
            for table in (self.project.values, self.project.keys):
                for p, m in list(table.items()):
                    if p[:2] == ("services", base_name):
                        table.setdefault(("services", name) + p[2:], m)
        self.project.values.update(marks_before)
        self.project.keys.update(keys_before)
        done.add(name)
        return merged

    def extended_in_file(self, name: str, services: dict[str, Any], located: Located, chain: list[str]) -> Any:
        svc = services[name]
        if not isinstance(svc, dict) or "extends" not in svc:
            return svc
        ext = svc["extends"]
        if not isinstance(ext, str) and not (isinstance(ext, dict) and "file" not in ext):
            raise InputError(f"{located.where(('services', name, 'extends'))}: an extends chain across more "
                             "than two files is not supported (merge the files first)")
        base_name = ext if isinstance(ext, str) else ext.get("service")
        if name in chain or base_name not in services or len(chain) > MAX_NESTING:
            raise InputError(f"{located.where(('services', name, 'extends'))}: extends of '{base_name}' "
                             "cannot be resolved (missing service or a loop)")
        base = self.extended_in_file(str(base_name), services, located, chain + [name])
        return merge(base, {k: v for k, v in svc.items() if k != "extends"}, ())


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_mapping(value: Any) -> dict[str, Any]:
    """``[K=V, K]`` or ``{K: V}`` as a mapping (a bare ``K`` maps to None, as compose reads it)."""
    if isinstance(value, dict):
        return dict(value)
    out: dict[str, Any] = {}
    for item in _as_list(value):
        key, sep, val = str(item).partition("=")
        out[key] = val if sep else None
    return out


def _volume_target(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("target")
    parts = str(item).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _source(item: Any) -> Any:
    return item.get("source") if isinstance(item, dict) else item


def merge(base: Any, override: Any, path: tuple[str, ...]) -> Any:
    """``override`` merged onto ``base`` with compose's rules for the key ``path[-1]``."""
    key = path[-1] if path else ""
    if key in _REPLACED_KEYS:
        return override
    if key in _MAPPING_KEYS and not isinstance(base, dict) or key in _MAPPING_KEYS and not isinstance(override, dict):
        if base is not None and override is not None:
            return {**as_mapping(base), **as_mapping(override)}
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = merge(base[k], v, path + (k,)) if k in base else v
        return out
    if isinstance(base, list) and isinstance(override, list):
        if key in ("volumes", "devices"):
            return _merge_keyed(base, override, _volume_target)
        if key in ("secrets", "configs"):
            return _merge_keyed(base, override, _source)
        return base + [v for v in override if v not in base]
    return override


def _merge_keyed(base: list[Any], override: list[Any], key: Any) -> list[Any]:
    out = {key(v): v for v in base}
    for v in override:
        out[key(v)] = v
    return list(out.values())
