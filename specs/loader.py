"""Load a spec file: read, overlay, expand variables, validate, check, resolve.

Every problem found in one run is reported together, each with file:line:col and spec path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Mapping, Sequence

from pydantic import ValidationError

from crossdock.errors import Location, Problem, SpecError, shape, shown
from crossdock.specs import checks, fields, files, overlay, secret_sources, variables, yamlsrc
from crossdock.specs.model import API_VERSION, App
from crossdock.specs.spec_inputs import MAX_INCLUDED_FILE_BYTES, SecretValue, read_files, read_secrets
from crossdock.specs.types import describe
from crossdock.specs.yamlsrc import Located, Path, format_path

@dataclass(frozen=True)
class LoadedSpec:
    """A valid app and what was read for it: what the translators take."""

    app: App
    source: str
    located: Located = field(repr=False, compare=False)
    # Values of secrets declared from_env / from_file; external secrets have none.
    secret_values: Mapping[str, SecretValue] = field(default_factory=dict, repr=False)
    # Contents of config files given as `file:`, keyed by (section, workload, index).
    file_contents: Mapping[tuple[str, str, int], str] = field(default_factory=dict, repr=False)
    # Every file read for it, resolved (symlinks included): the spec, overlays, `file:` and
    # `from_file:`; `render -o` never replaces a folder holding one of them.
    read_files: tuple[str, ...] = ()

    def where(self, path: Path) -> Location:
        return self.located.where(path)

    def unavailable_secrets(self) -> list[str]:
        """Secrets (from_env) whose value was not available: loaded with
        ``require_secret_values=False`` and their variable unset.  Sorted."""
        return sorted(n for n, s in self.app.secrets.items() if not s.external and n not in self.secret_values)


def load(file: str, *, env: str | None = None, overlays: Sequence[str] = (),
         set_vars: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None,
         text: str | bytes | None = None, allowed: Sequence[str] = (),
         require_secret_values: bool = True) -> LoadedSpec:
    """Load and validate one spec file.

    The files it names (``file:``, ``from_file:``) are read only under the spec's folder (the
    current one for ``-``) or one of the ``allowed`` folders (``--allow-path``), see specs.files.
    ``require_secret_values``: whether a ``from_env`` secret whose variable is unset is a problem
    (what deploy needs); without it the secret simply has no value (``unavailable_secrets``):
    validate, render and explain write or show no value, so they need none.
    Raises SpecError with every problem found (file:line:col, spec path, hint).
    """
    return _load(file, env, overlays, set_vars, os.environ if environ is None else environ, text, allowed,
                 require_secret_values)


def _load(file: str, env: str | None, overlays: Sequence[str], set_vars: Mapping[str, str] | None,
          environ: Mapping[str, str], text: str | bytes | None, allowed: Sequence[str] = (),
          require_secret_values: bool = True) -> LoadedSpec:
    located = yamlsrc.parse(file, text)
    data = located.data
    if not isinstance(data, dict):
        raise SpecError([Problem("", f"expected a mapping with apiVersion, kind, metadata, got {shape(data)}",
                                 located.where(()), f"start with 'apiVersion: {API_VERSION}'")])
    problem = _not_a_spec(located, "a crossdock spec", f"a spec starts with 'apiVersion: {API_VERSION}'")
    if problem is not None:
        raise SpecError([problem])
    hidden = _Hidden()
    try:
        return _load_mapping(file, located, env, overlays, set_vars, environ, hidden, allowed, require_secret_values)
    except SpecError as e:
        lookup = {**environ, **(set_vars or {})}
        names = hidden.names | secret_sources.hidden_names(located.data, lookup, ())
        secrets = hidden.texts | secret_sources.texts(located.data, lookup, names)
        raise SpecError(secret_sources.redacted(e.problems, secrets)) from None


@dataclass
class _Hidden:
    """What no message of this load may show, learnt on the way: the variables holding secrets,
    the fields their values went into, the secret texts read (from_file)."""

    names: set[str] = field(default_factory=set)
    paths: set[Path] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)


def _not_a_spec(src: Located, what: str, hint: str) -> Problem | None:
    """A mapping none of whose keys is, or looks like, a spec field: a file that is not a spec
    at all (a password file, /etc/shadow, a .env: `root:$6$...:::` reads as a YAML key).  It is
    described by its shape, never quoted: its content may be anyone's secret."""
    known = fields.allowed_keys(())
    keys = [k for k in src.data if isinstance(k, str)]
    if not src.data or any(k in known or k.startswith("x-") for k in keys):
        return None
    import difflib  # only for files that are no spec: not on every run's import path

    if any(difflib.get_close_matches(k, known, n=1, cutoff=0.6) for k in keys):
        return None  # a spec with misspelt keys: each is reported with a suggestion
    first = next(iter(src.data))
    loc = src.where((first,), key=True)
    return Problem("", f"not {what}: no top-level key is a spec field; line {loc.line} holds a key that is "
                   f"{shape(first)} (the top level is {shape(src.data)})", loc, f"check the file's path: {hint}")


def _load_mapping(file: str, located: Located, env: str | None, overlays: Sequence[str],
                  set_vars: Mapping[str, str] | None, environ: Mapping[str, str], hidden: _Hidden,
                  allowed: Sequence[str] = (), require_secret_values: bool = True) -> LoadedSpec:
    data = located.data
    problems: list[Problem] = []
    read: list[str] = [] if file == "-" else [os.path.realpath(file)]
    _apply_environment(located, env, problems)
    for path in overlays:
        _apply_overlay_file(located, path, problems)
        read.append(os.path.realpath(path))
    if problems:
        raise SpecError(problems)
    data.pop("environments", None)
    spec_vars = data.get("variables") if isinstance(data.get("variables"), dict) else {}
    sources = [dict(set_vars or {}), environ, {k: str(v) for k, v in (spec_vars or {}).items()}]
    refs: dict[str, list[Path]] = {}
    lookup = {**sources[2], **environ, **sources[0]}
    try:
        problems += variables.expand(located, sources, fields.scalar_kind, refs=refs)
    finally:  # the expansion may stop at its size cap: what it saw is hidden all the same
        hidden.names |= secret_sources.hidden_names(data, lookup, refs.keys())
        hidden.paths = {p for n in hidden.names for p in refs.get(n, ())}
    problems += secret_sources.plain_uses(located, refs)
    try:
        app = App.model_validate(data)
    except ValidationError as e:
        # A value whose variable is unset is already reported; its type error would be noise.
        unset = {p.path for p in problems}
        errors = _without_implied_missing(e.errors())
        problems += [p for p in (_problem(located, err, hidden.paths) for err in errors) if p.path not in unset]
        problems += _partial_checks(located, data, e)
        raise SpecError(_dedupe(problems)) from None
    problems += [Problem(format_path(p), msg, located.where(p, key=_is_mapping(data, p)), hint)
                 for p, msg, hint in checks.check(app)]
    # A symlinked spec's paths are relative to the folder of the file it points to, as before.
    base_dir = os.path.dirname(os.path.realpath(file)) if file != "-" else os.getcwd()
    shared = secret_sources.shared_files(app, located, FsPath(base_dir))
    if shared:  # not read at all: the config file would be the secret in clear
        raise SpecError(_dedupe(problems + shared))
    confinement = files.Confinement.of(base_dir, allowed)
    secret_values = read_secrets(app, located, confinement, environ, problems, read, require_secret_values)
    hidden.texts.update(v.reveal() for v in secret_values.values())
    contents = read_files(app, located, confinement, problems, read)
    if problems:
        raise SpecError(_dedupe(problems))
    return LoadedSpec(app, file, located, secret_values, contents, tuple(dict.fromkeys(read)))


_ENTRY_SECTIONS = ("services", "jobs", "cron_jobs", "secrets", "volumes")


def _partial_checks(located: Located, data: dict[str, Any], error: ValidationError) -> list[Problem]:
    """The cross-spec checks (references, cycles, port clashes...) despite field errors, so that
    one run reports those problems too.  A named entry with an error (services.web...,
    secrets.x...) is set aside; a top-level field with one is replaced by a valid stand-in (or
    dropped), and without a valid app name the derived names are not checked."""
    broken: set[tuple[str, str]] = set()
    replaced: set[str] = set()
    for err in error.errors():
        loc = tuple(err["loc"])
        if len(loc) >= 2 and loc[0] in _ENTRY_SECTIONS and isinstance(loc[1], str):
            broken.add((str(loc[0]), loc[1]))
        elif loc and isinstance(loc[0], str):
            replaced.add(loc[0])
        else:
            return []
    pruned = {k: ({n: v for n, v in data[k].items() if (k, n) not in broken} if k in _ENTRY_SECTIONS
                  and isinstance(data[k], dict) else data[k]) for k in data if k not in replaced}
    pruned.update({k: v for k, v in _STAND_INS.items() if k in replaced})
    try:
        app = App.model_validate(pruned)
    except ValidationError:
        return []
    unchecked = frozenset(name for _, name in broken)
    # A workload that failed validation still takes part in the reference and cycle checks,
    # through what its raw mapping names (a bad port must not hide a depends_on cycle).
    unvalidated = {name: checks.Refs.of(section, data[section][name]) for section, name in sorted(broken)
                   if section in ("services", "jobs", "cron_jobs")}
    return [Problem(format_path(p), msg, located.where(p, key=_is_mapping(data, p)), hint)
            for p, msg, hint in checks.check(app, unchecked, unvalidated, derived_names="metadata" not in replaced)]


# Valid values for required top-level fields that failed validation (the others are dropped).
_STAND_INS: dict[str, Any] = {"apiVersion": API_VERSION, "kind": "App", "metadata": {"name": "app"}}


def _apply_environment(located: Located, env: str | None, problems: list[Problem]) -> None:
    envs = located.data.get("environments")
    if env is None:
        return
    if not isinstance(envs, dict) or env not in envs:
        known = sorted(envs) if isinstance(envs, dict) else []
        hint = _did_you_mean(env, known) or (f"known: {', '.join(known)}" if known else
                                             "add environments: {" + env + ": {...}} to the spec")
        problems.append(Problem("environments", f"no environment named '{env}'",
                                located.where(("environments",), key=True), hint))
        return
    chosen = envs[env]
    if chosen is None:
        return
    if not isinstance(chosen, dict):
        problems.append(Problem(f"environments.{env}", "expected a mapping",
                                located.where(("environments", env))))
        return
    _check_overlay_header(located, chosen, ("environments", env), problems)
    overlay.merge(located, chosen, located, ("environments", env))


def _apply_overlay_file(located: Located, path: str, problems: list[Problem]) -> None:
    # An overlay file is named on the command line, as the spec is: read where it is (a regular
    # file, capped: yamlsrc.read_text), not confined to the spec's folder (overlays kept beside
    # it, `--overlay ../env/prod.yaml`, are common and are the user's own choice).
    try:
        src = yamlsrc.parse(path)
    except SpecError as e:
        problems.extend(e.problems)
        return
    if not isinstance(src.data, dict):
        problems.append(Problem("", f"an overlay file must be a mapping, got {shape(src.data)}", src.where(())))
        return
    if (problem := _not_a_spec(src, "an overlay", "an overlay has the spec's own keys")) is not None:
        problems.append(problem)
        return
    _check_overlay_header(src, src.data, (), problems)
    overlay.merge(located, src.data, src, ())


def _check_overlay_header(src: Located, data: dict[str, Any], root: Path, problems: list[Problem]) -> None:
    for key, want in (("apiVersion", API_VERSION), ("kind", "App")):
        if key in data and data[key] != want:
            problems.append(Problem(format_path(root + (key,)), f"an overlay cannot change {key}",
                                    src.where(root + (key,)), f"remove it or set it to {want}"))
    if "environments" in data:
        problems.append(Problem(format_path(root + ("environments",)), "overlays cannot nest environments",
                                src.where(root + ("environments",), key=True)))


# ---- pydantic errors -> problems ------------------------------------------------------------

def _problem(located: Located, err: Any, hidden: set[Path] | frozenset[Path] = frozenset()) -> Problem:
    loc = tuple(err["loc"])
    # A field that received a secret variable's value (pydantic may add parts, a union's tag,
    # after the field's own path): its value is not shown.
    if hidden and any(loc[:len(p)] == p for p in hidden):
        err = {**err, "msg": secret_sources.hidden_message(err["msg"], err.get("input")), "hidden": True}
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if loc and loc[-1] == "[key]":
        path = loc[:-1]
        return Problem(format_path(path), f"invalid name '{path[-1]}': {_message(kind, err, ctx)}",
                       located.where(path, key=True))
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = fields.allowed_keys(loc[:-1])
        hint = _did_you_mean(name, allowed) or (f"expected one of: {', '.join(allowed)}" if allowed else None)
        return Problem(format_path(loc), f"unknown field '{name}'", located.where(loc, key=True), hint)
    if kind == "missing":
        return Problem(format_path(loc[:-1]), f"missing required field '{loc[-1]}'",
                       located.where(loc[:-1], key=True))
    # A rule about a whole mapping ("set either 'replicas' or 'autoscale'") points at its key.
    whole = kind == "value_error" and isinstance(err.get("input"), dict)
    return Problem(format_path(loc), _message(kind, err, ctx), located.where(loc, key=whole))


def _is_mapping(data: Any, path: Path) -> bool:
    """Whether ``path`` holds a mapping: a problem with a whole entry points at its key."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(data, dict)


def _without_implied_missing(errors: list[Any]) -> list[Any]:
    """Drop "missing 'image'" where the same mapping has 'imgae': one mistake, one message."""
    import difflib  # only for invalid specs: not on every run's import path

    misspelt: set[tuple[tuple[Any, ...], str]] = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            parent = tuple(err["loc"][:-1])
            close = difflib.get_close_matches(str(err["loc"][-1]), fields.allowed_keys(parent), n=1, cutoff=0.6)
            misspelt.update((parent, name) for name in close)
    return [err for err in errors
            if not (err["type"] == "missing" and (tuple(err["loc"][:-1]), err["loc"][-1]) in misspelt)]


def _message(kind: str, err: Any, ctx: Mapping[str, Any]) -> str:
    got = secret_sources.HIDDEN if err.get("hidden") else describe(err.get("input"))
    msg: str = err["msg"]
    if kind == "crossdock":
        return msg
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {got}"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f"expected a mapping, got {got}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {got}"
    if kind == "string_type":
        return f"expected a string, got {got}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s)"
    return msg[0].lower() + msg[1:] if msg else kind


def _did_you_mean(name: str, choices: Sequence[str]) -> str | None:
    import difflib  # only for invalid specs: not on every run's import path

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out


__all__ = ["MAX_INCLUDED_FILE_BYTES", "LoadedSpec", "SecretValue", "load"]
