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
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Protocol, Sequence

from crossdock.errors import InputError, Location, Problem, shown
from crossdock.specs import files
from crossdock.specs.classify import NO_RULES, SecretRules
from crossdock.specs.loader import LoadedSpec, load
from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.importers import name_fit
from crossdock.translators.importers.name_fit import shorten

Source = Literal["compose", "kubernetes", "nomad"]
SOURCES: tuple[Source, ...] = ("compose", "kubernetes", "nomad")

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # the spec loader's own cap; a 1,000-service compose file is ~0.3 MiB


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
        return shown(f"{where}: {self.path}: {prefix}{self.message}")  # a key may hold a newline or ESC


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

    def permits(self, path: str) -> bool:
        """Whether ``path`` may be read: under the folders being imported or an --allow-path
        folder (symlinks resolved). A path refused here makes ``read`` raise."""
        ...


def outside(where: Location | str, field: str, path: str) -> InputError:
    """The error for a file a field names that resolves outside the folders being imported."""
    return InputError(f"{where}: {field}: {shown(path)} is outside the folders being imported; "
                      f"crossdock reads only files under them ({files.ALLOW_HINT})")


class FileSources:
    """Real files, relative to the current directory; only regular files (a FIFO would block),
    none over 4 MiB.

    With ``named`` (the paths given on the command line), reads are confined: a file named there
    is read where it is, any other (an ``env_file:``, an ``include:``, a bind-mounted file, a file
    found in a folder) only when it resolves, symlinks included, under the folder of a path named
    (the folder itself for a folder) or one of ``allowed`` (``--allow-path``).  Without ``named``
    every path is read (callers that chose the files themselves: tests, tools).  ``read_paths``
    collects what was read, resolved (`import -o` never writes over one of them).
    """

    def __init__(self, named: Sequence[str] | None = None, allowed: Sequence[str] = ()) -> None:
        self.named = None if named is None else {os.path.realpath(p) for p in named}
        roots = [p if os.path.isdir(p) else os.path.dirname(p) or "." for p in named or ()]
        self.roots = tuple(dict.fromkeys(os.path.realpath(r) for r in roots))
        self.allowed = tuple(os.path.realpath(a) for a in allowed)
        self.read_paths: list[str] = []

    def permits(self, path: str) -> bool:
        """Whether ``path`` may be read (always, without ``named``)."""
        if self.named is None:
            return True
        real = os.path.realpath(path)
        return real in self.named or any(files.is_under(real, r) for r in self.roots + self.allowed)

    def read(self, path: str) -> str:
        if not self.permits(path):
            folders = ", ".join(shown(r) for r in self.roots)
            raise files.FileRefused(Problem("", f"{shown(path)} is outside the folders being imported "
                                            f"({folders}); crossdock reads only files under them", Location(path),
                                            files.ALLOW_HINT))
        if os.path.isdir(path):
            raise InputError(f"{shown(path)}: cannot read: it is a folder (give the files in it, or the folder "
                             "as an argument of its own)")
        try:
            raw = files.read_head(path, limit=MAX_SOURCE_BYTES, subject="")
        except files.FileRefused as e:
            raise InputError(f"{shown(path)}: {e.problem.message} ({e.problem.hint})") from e
        self.read_paths.append(os.path.realpath(path))
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

    def permits(self, path: str) -> bool:
        return True  # files held in memory were chosen by the caller


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
                     environ: Mapping[str, str], secret_rules: SecretRules = NO_RULES) -> ImportResult:
        """Import ``paths`` (files or folders). Raises InputError on input it cannot read.
        ``secret_rules``: the shared secret classifier with the user's --secret/--not-secret."""
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


# ---- names of the variables a secret is read from -----------------------------------------------

# Variables a shell or a login sets in every session (POSIX sh, bash, zsh, login(1), pam_env,
# sshd, systemd user sessions): a secret read from one of them would silently get the current
# folder, the user's name... as its value.  Compared without case (Windows' environment is
# case-insensitive, and a Vault item ``pwd`` must not become ``PWD``).
SHELL_SET_VARIABLES = frozenset({
    # POSIX shell and bash/zsh internals
    "PWD", "OLDPWD", "IFS", "PS1", "PS2", "PS3", "PS4", "PPID", "SHLVL", "_", "OPTIND", "OPTARG",
    "LINENO", "RANDOM", "SECONDS", "UID", "EUID", "GROUPS", "HOSTTYPE", "OSTYPE", "MACHTYPE",
    "HISTFILE", "HISTSIZE", "HISTFILESIZE", "HISTCMD", "BASH", "BASHPID", "BASHOPTS", "SHELLOPTS",
    "COLUMNS", "LINES", "DIRSTACK", "PIPESTATUS", "EPOCHSECONDS", "EPOCHREALTIME", "ZSH_VERSION",
    # login(1), pam, sshd, terminals
    "HOME", "PATH", "USER", "USERNAME", "LOGNAME", "SHELL", "TERM", "HOSTNAME", "HOST", "MAIL",
    "MAILPATH", "TMPDIR", "TMP", "TEMP", "LANG", "LANGUAGE", "DISPLAY", "TZ", "COLORTERM",
    "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SSH_AUTH_SOCK",
    # systemd / desktop sessions
    "XDG_RUNTIME_DIR", "XDG_SESSION_ID", "XDG_SESSION_TYPE", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
    "XDG_CACHE_HOME", "DBUS_SESSION_BUS_ADDRESS", "MOTD_SHOWN",
})
# Whole families: locale (LC_ALL, LC_CTYPE...) and the shell's own (BASH_VERSION, BASH_SOURCE...).
_SHELL_SET_PREFIXES = ("LC_", "BASH_")
SAFE_ENV_PREFIX = "SECRET_"


def safe_env_source(name: str) -> str:
    """The environment variable a secret is read from: ``name``, unless the shell or the login
    sets that variable in every session (``PWD``, ``HOME``...), then ``SECRET_<name>``.

    The importers call this wherever they choose a ``from_env`` name, so a secret never gets the
    current folder or the user's name as its value with nobody told.  Deterministic, never raises.
    """
    upper = name.upper()
    if upper in SHELL_SET_VARIABLES or upper.startswith(_SHELL_SET_PREFIXES):
        return SAFE_ENV_PREFIX + name.lstrip("_") if name.strip("_") else SAFE_ENV_PREFIX.rstrip("_")
    return name


def fit_names(result: ImportResult, given_name: str | None = None) -> None:
    """Shorten the app's name (and secrets' names that leave it no room) so that every name the
    targets derive from them fits, with a loss line each (see name_fit).  Idempotent.
    Raises InputError when ``given_name`` (--name) is not an app name or cannot fit."""
    file = result.sources[0] if result.sources else ""
    found = name_fit.fit_names(result.doc, result.comments, given_name)
    result.losses[:0] = [Loss(file, 0, 0, path, message, "changed", path) for path, message in found]


# ---- checking what was written ------------------------------------------------------------------

CHECK_SECRET_PLACEHOLDER = "imported-secret-placeholder"


def check_spec(text: str, *, base_dir: str | None = None, environ: Mapping[str, str] | None = None,
               allowed: Sequence[str] = ()) -> LoadedSpec:
    """Load ``text`` through the spec loader, as ``crossdock validate`` would.

    Without ``base_dir``, files the spec reads (secrets' ``from_file``, files' ``file``) are
    stood in for by placeholders in a temporary folder, and secrets' ``from_env`` variables by a
    placeholder value: the check is of the spec, not of the machine it runs on (the placeholders'
    folder is allowed: a `../` path is the user's layout, checked when the spec is used).  Raises
    SpecError: for text an importer wrote, that is a bug in the importer.
    """
    data = load_yaml(text)
    env = dict(environ) if environ is not None else placeholder_environ(text, data)
    if base_dir is not None:
        return load(os.path.join(base_dir, "app.yaml"), text=text, environ=env, allowed=allowed)
    with tempfile.TemporaryDirectory(prefix="crossdock-import-check-") as tmp:
        spec_dir = os.path.join(tmp, "a", "b", "c", "d")  # room for '../' in relative paths
        os.makedirs(spec_dir)
        for rel in _read_paths(data):
            target = os.path.normpath(os.path.join(spec_dir, rel))
            if not os.path.isabs(rel) and target.startswith(tmp + os.sep) and not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write("placeholder\n")
        return load(os.path.join(spec_dir, "app.yaml"), text=text, environ=env, allowed=(tmp, *allowed))


_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholder_environ(text: str, data: Any = None) -> dict[str, str]:
    """Placeholder values for what a spec needs from the environment to load: the variables of
    its secrets' ``from_env``, and variables it uses without a default (set when deploying)."""
    data = load_yaml(text) if data is None else data
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


# The writer takes an ImportResult: imported last; its names stay available from here.
from crossdock.translators.importers.spec_writer import SCHEMA_LINE, write_spec  # noqa: E402

__all__ = ["SCHEMA_LINE", "SOURCES", "FileSources", "ImportResult", "Importer", "Loss", "MemorySources", "Source",
           "Sources", "check_spec", "detect", "expand_paths", "fit_names", "get_importer", "outside",
           "placeholder_environ", "safe_env_source", "shorten", "write_spec"]
