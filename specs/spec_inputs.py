"""What a spec reads besides itself: secrets' values (from the environment or a file) and config
files, each confined (specs.files) and capped; and the wrapper that keeps a value out of logs."""

from __future__ import annotations

import os
from typing import Mapping

from crossdock.errors import Location, Problem, shown
from crossdock.specs import files
from crossdock.specs.model import App
from crossdock.specs.yamlsrc import Located, format_path

MAX_INCLUDED_FILE_BYTES = 1024 * 1024  # a config file or secret read from disk


class SecretValue:
    """A secret's value: shown as ``***`` by str/repr so it cannot leak into logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretValue('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def read_local(confinement: files.Confinement, name: str, where: Location, field: str, read: list[str]) -> str:
    """A file a spec names, confined (specs.files). Raises FileRefused."""
    real, raw = files.read_confined(name, confinement=confinement, limit=MAX_INCLUDED_FILE_BYTES, where=where,
                                    field=field)
    read.append(real)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise files.FileRefused(Problem(field, f"{shown(name)} is not valid UTF-8 text (byte {e.start + 1})",
                                        where, "save it as UTF-8")) from e


def read_secrets(app: App, located: Located, confinement: files.Confinement, environ: Mapping[str, str],
                 problems: list[Problem], read: list[str], required: bool = True) -> dict[str, SecretValue]:
    """The values of the from_env and from_file secrets.  An unset variable, a missing file or one
    outside the spec's folder is a problem only when ``required`` (deploy); otherwise that secret
    has no value (validate and render need none).  Problems are appended to ``problems``."""
    out: dict[str, SecretValue] = {}
    for name, sec in sorted(app.secrets.items()):
        path = ("secrets", name)
        if sec.from_env is not None:
            if sec.from_env not in environ and required:
                problems.append(Problem(format_path(path + ("from_env",)),
                                        f"environment variable {sec.from_env} is not set",
                                        located.where(path + ("from_env",)),
                                        "set it, or use external: true if the secret is already on the platform"))
            elif sec.from_env in environ:
                out[name] = SecretValue(environ[sec.from_env])
        elif sec.from_file is not None:
            at = path + ("from_file",)
            if not required and not _available(confinement, sec.from_file):
                continue  # not read: outside the spec's folder (--allow-path) or not there
            try:
                out[name] = SecretValue(read_local(confinement, sec.from_file, located.where(at), format_path(at),
                                                   read))
            except files.FileRefused as e:
                problems.append(e.problem)
    return out


def _available(confinement: files.Confinement, path: str) -> bool:
    real = os.path.realpath(os.path.join(confinement.base, path))
    return confinement.permits(real) and os.path.exists(real)


def read_files(app: App, located: Located, confinement: files.Confinement, problems: list[Problem],
               read: list[str]) -> dict[tuple[str, str, int], str]:
    """Config files' contents (``file:``), keyed by (section, workload, index)."""
    out: dict[tuple[str, str, int], str] = {}
    for section, wname, w in app.workloads():
        for i, cf in enumerate(w.files):
            if cf.file is None:
                continue
            path = (section, wname, "files", i, "file")
            try:
                out[(section, wname, i)] = read_local(confinement, cf.file, located.where(path), format_path(path),
                                                      read)
            except files.FileRefused as e:
                problems.append(e.problem)
    return out
