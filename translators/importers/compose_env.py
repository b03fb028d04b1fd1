"""A compose service's environment (``env_file`` then ``environment``), secrets kept out of it.

A variable the shared classifier (``specs.classify``, with ``--secret``/``--not-secret``) calls
secret, by its name (PASSWORD, TOKEN, *_KEY...) or by its value (a URL with a password, a private
key, a token...), does not go into the spec: it becomes an app secret read from the environment
variable of the same name when the spec is used (``from_env``), delivered to the container as that
variable, with a comment saying where the value was (file:line, never the value).  A value that is
only a reference, ``${DB_PASSWORD}``, becomes a secret read from that variable (whose default, if
any, is withheld from ``variables:``).  Files rendered by crossdock get no exception: their secrets
were secrets in the spec, and a plain value that looks secret is treated as any other.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from crossdock.errors import InputError
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers import compose_units as units
from crossdock.translators.importers.base import outside, safe_env_source
from crossdock.translators.importers.compose_context import Context, spec_path
from crossdock.specs.classify import Verdict
from crossdock.translators.importers.compose_interp import ONLY_REF, parse_dotenv, references
from crossdock.translators.importers.compose_load import as_mapping
from crossdock.translators.importers.compose_mounts import go_literal_undone

# A container env name as the spec types it (EnvKey): Elasticsearch reads discovery.type and xpack.*
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a shell variable (specs.types.EnvName)


def environment(ctx: Context, at: Path, name: str, svc: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(env, secret mounts made from secret-looking variables)."""
    env: dict[str, str] = {}
    origin: dict[str, Path] = {}
    raw: dict[str, str] = {}
    for file, values, lines in _env_files(ctx, at, name, svc.get("env_file")):
        for key, value in values.items():
            env[key] = value.replace("$", "$$")
            raw[key] = value
            origin[key] = ("@file", file, lines[key])
    for key, value in as_mapping(svc.get("environment")).items():
        path = at + ("environment", key)
        if value is None and not _VARIABLE.fullmatch(key):
            ctx.loss(path, f"'{key}' has no value and cannot be a shell variable: compose sets it only from a "
                     "process environment that has it; not carried")
            continue
        if value is None:  # compose passes the variable through from the shell (or .env), else leaves it unset
            value = "${" + key + "}"
            ctx.valueless.setdefault(key, path)
        value = go_literal_undone(str(value)) if ctx.crossdock and isinstance(value, str) else value
        raw[key] = str(value).lower() if isinstance(value, bool) else str(value)
        env[key] = ctx.text(value, path)
        origin[key] = path
    mounts: list[dict[str, Any]] = []
    for key in list(env):
        if not _ENV_NAME.fullmatch(key) or len(key) > 256:
            ctx.loss(_path(at, origin[key]), f"'{key}' is not a valid environment variable name (letters, digits, "
                     "'_', '.', '-', not starting with a digit): not carried")
            del env[key]
            continue
        ref = ONLY_REF.fullmatch(raw[key])
        # A reference holds no value of its own: the name decides (its default is classified as a
        # variable's value, by the interpolator).
        verdict = ctx.project.interp.rules.classify(key, None if ref else raw[key])
        if not verdict and ref:  # SLACK_URL=${SLACK_URL:-https://hooks.slack.com/...}: the value decides
            verdict = _known_value_verdict(ctx, ref.group(1))
        if not verdict or (ref is None and raw[key] == ""):
            continue
        if ref and ref.group(1) in ctx.project.interp.plain_refs:
            ctx.loss(_path(at, origin[key]), f"'{key}' looks secret ({verdict.reason}), but its variable "
                     f"{ref.group(1)} also feeds a plain field (an image, a label, another value...): it stays "
                     "a variable, whose value is in clear wherever the spec uses it (give the secret a variable "
                     "of its own)", "changed")
            continue
        interp = ctx.project.interp
        interp.secret_vars.update(references(raw[key]))
        secret = _env_secret(ctx, name, key, raw[key], ref.group(1) if ref else None, origin[key], at, verdict)
        mounts.append({"secret": secret, "env": key})
        del env[key]
    return env, mounts


def _known_value_verdict(ctx: Context, var: str) -> Verdict:
    """The verdict on the value a variable has in the project (.env, or its default), if any: a
    secret-looking one is withheld from variables:, so the entry must become a secret to load."""
    interp = ctx.project.interp
    value = interp.dotenv.get(var, interp.defaults.get(var))
    return interp.rules.classify(var, value) if value is not None else Verdict(False)


def _path(at: Path, origin: Path) -> Path:
    return at + ("env_file",) if origin[0] == "@file" else origin


def _env_secret(ctx: Context, service: str, key: str, value: str, ref: str | None, origin: Path, at: Path,
                verdict: Verdict) -> str:
    where = f"{origin[1]}:{origin[2]}" if origin[0] == "@file" else ctx.where(origin)
    source = safe_env_source(ref or key)
    if ref is not None and source != ref:
        ctx.loss(_path(at, origin), f"its variable {ref} is one the shell always sets: the secret is read from "
                 f"{source} instead (set it to the value compose would have taken from {ref})", "changed")
    if ref is None:  # the same name with another value in another service: a variable of its own
        digest = ctx.secret_digest(value)
        if ctx.env_secret_digests.setdefault(source, digest) != digest:
            source = re.sub(r"[^A-Z0-9_]", "_", f"{service}_{key}".upper())
    name = ctx.claim_secret(units.object_name(source.replace("_", "-")), f"env:{source}")
    if ref is None:
        ctx.comments[("secrets", name)] = (f"the value was in clear in {where} ({verdict.reason}); it is not "
                                           f"copied here: set {source} when you deploy")
        message = f"a secret-looking variable ({verdict.reason}) with its value in clear becomes a secret read " \
                  f"from the environment variable {source} (the value is not copied)"
    else:
        ctx.comments[("secrets", name)] = f"from {where}: set {source} when you deploy"
        message = f"a secret-looking variable becomes a secret read from the environment variable {source}"
    ctx.secrets.setdefault(name, {"from_env": source})
    loss_path = _path(at, origin)
    section = ctx.sections.get(service, "services")
    ctx.loss(loss_path, message, "changed", spec_path(section, ctx.names.get(service, service), "env", key))
    return name


def _env_files(ctx: Context, at: Path, name: str, value: Any) -> list[tuple[str, dict[str, str], dict[str, int]]]:
    out = []
    items = value if isinstance(value, list) else [value] if value else []
    for i, item in enumerate(items):
        rel, required = (item.get("path"), item.get("required", True)) if isinstance(item, dict) else (item, True)
        path = at + ("env_file", i) if isinstance(value, list) else at + ("env_file",)
        file = posixpath.normpath(posixpath.join(ctx.project.dir_of("services", name),
                                                 ctx.project.interp.resolve(str(rel))))
        if not ctx.sources.permits(file):  # refused even when not required: it exists, and is not ours to read
            raise outside(ctx.project.where(path), spec_path(*[str(p) for p in path]), str(rel))
        try:
            text = ctx.sources.read(file)
        except InputError as e:
            if required:  # the reason names the file, never its content
                raise InputError(f"{ctx.project.where(path)}: {spec_path(*[str(p) for p in path])}: "
                                 f"cannot read the env file: {e}") from None
            continue
        values, bad = parse_dotenv(text)
        for line, why in bad:
            ctx.loss(path, f"{file}:{line}: line ignored: {why}")
        if file not in ctx.project.files:
            ctx.project.files.append(file)
        out.append((file, values.values, values.lines))
    return out
