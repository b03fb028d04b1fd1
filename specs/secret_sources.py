"""Where a spec's secret values come from, and keeping them out of plain fields and messages.

Two rules, applied by the loader:

- A secret's source must not also feed a plain field: ``${VAR}`` where ``VAR`` is a secret's
  ``from_env``, or a config ``file:`` that is a secret's ``from_file`` (the same file once
  resolved), would put the secret in clear in every target's output.  Each is a problem at the
  plain field, naming the secret's own place.
- No message shows a secret value.  A field that received a secret variable's value never
  shows its value (``hidden_message``); every message is also redacted for each secret text
  in each form a message may give it (``redacted``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path as FsPath
from typing import Any, Iterable, Mapping, Sequence

from crossdock.errors import Problem, shown
from crossdock.specs.classify import classify
from crossdock.specs.model import App
from crossdock.specs.types import describe
from crossdock.specs.yamlsrc import Located, Path, format_path

REDACTED = "<redacted>"
HIDDEN = "a value from a secret's variable (not shown)"


def is_secret(name: str, value: str) -> bool:
    """Whether an env value or a variable named ``name`` holding ``value`` is to be kept out
    of messages: the one place where this is asked of names and values that are not declared as
    secrets (variables referenced by ${...}, the workloads' env values), answered by the
    classifier the importers use (specs/classify.py)."""
    return bool(classify(name, value))


def env_sources(data: Any) -> dict[str, str]:
    """Secrets declared ``from_env``: variable name -> secret name (the first, by name)."""
    secrets = data.get("secrets") if isinstance(data, dict) else None
    out: dict[str, str] = {}
    if isinstance(secrets, dict):
        for name in sorted(secrets, key=str):
            var = secrets[name].get("from_env") if isinstance(secrets[name], dict) else None
            if isinstance(var, str):
                out.setdefault(var, str(name))
    return out


def hidden_names(data: Any, lookup: Mapping[str, str], referenced: Iterable[str]) -> set[str]:
    """Variables whose value no message may show: secrets' sources, and the referenced
    variables the classifier calls secret."""
    names = set(env_sources(data))
    names.update(n for n in referenced if n in lookup and is_secret(n, lookup[n]))
    return names


def plain_uses(located: Located, refs: Mapping[str, Sequence[Path]]) -> list[Problem]:
    """``${VAR}`` in a plain field where VAR is a secret's ``from_env``: one problem per field,
    at the field, naming the secret's place."""
    problems = []
    for var, secret in sorted(env_sources(located.data).items()):
        source = ("secrets", secret, "from_env")
        for path in refs.get(var, ()):
            problems.append(Problem(
                format_path(path),
                f"${{{var}}} is the source of secret '{secret}' ({format_path(source)} at "
                f"{located.where(source)}): this field would carry the secret's value in clear",
                located.where(path),
                f"deliver it with secrets: [{{secret: {secret}, env: {var}}}], or use another variable"))
    return problems


def shared_files(app: App, located: Located, base_dir: FsPath) -> list[Problem]:
    """A config ``file:`` that is, once resolved (symlinks included), a secret's ``from_file``:
    one problem per config file, at its field, naming the secret's place."""
    secret_files: dict[str, str] = {}
    for name, sec in sorted(app.secrets.items()):
        if sec.from_file is not None:
            secret_files.setdefault(os.path.realpath(base_dir / sec.from_file), name)
    problems = []
    for section, wname, w in app.workloads() if secret_files else ():
        for i, cf in enumerate(w.files):
            secret = secret_files.get(os.path.realpath(base_dir / cf.file)) if cf.file is not None else None
            if secret is None:
                continue
            path, source = (section, wname, "files", i, "file"), ("secrets", secret, "from_file")
            problems.append(Problem(
                format_path(path),
                f"this file is also the source of secret '{secret}' ({format_path(source)} at "
                f"{located.where(source)}): a config file would carry the secret's value in clear",
                located.where(path), f"mount the secret instead: secrets: [{{secret: {secret}, path: {cf.path}}}]"))
    return problems


def texts(data: Any, lookup: Mapping[str, str], names: Iterable[str]) -> set[str]:
    """The secret texts a message must not show: the values of ``names`` (secrets' sources and
    classified variables) and the workloads' env values the classifier calls secret."""
    found = {lookup[n] for n in names if n in lookup}
    for section in ("services", "jobs", "cron_jobs"):
        workloads = data.get(section) if isinstance(data, dict) else None
        for w in workloads.values() if isinstance(workloads, dict) else ():
            env = w.get("env") if isinstance(w, dict) else None
            if isinstance(env, dict):
                found.update(v for k, v in env.items() if isinstance(v, str) and is_secret(str(k), v))
    found.discard("")
    return found


def hidden_message(message: str, value: Any) -> str:
    """A field's message with its value (as ``describe`` shows it) replaced: for a field that
    received a secret variable's value."""
    return message.replace(describe(value), HIDDEN)


# A secret of SHORT characters or fewer is replaced only where it stands quoted, as messages
# quote values ('ab', "ab"): replaced anywhere, "a" or "80" would be cut out of words, numbers
# and field names in every message.  Fields that received a secret variable's value do not show
# it at all (hidden_message), so this quoted match is the second line of defence for short
# secrets.  From SHORT + 1 characters on, an accidental match in a message's own words is rare and
# costs only wording, where a miss would cost the secret: every occurrence is replaced.
SHORT = 3
_DESCRIBED = 37  # describe() shows a longer string as its first 37 characters and "..."


def _forms(secret: str) -> set[str]:
    """How ``secret`` can appear inside a message: as it is, escaped for display (``shown``),
    inside repr's quotes, JSON's and YAML's (single quotes doubled)."""
    return {secret, shown(secret), repr(secret)[1:-1], json.dumps(secret)[1:-1],
            json.dumps(secret, ensure_ascii=False)[1:-1], secret.replace("'", "''")}


def _patterns(secret: str) -> set[str]:
    if len(secret) > SHORT:
        forms = _forms(secret)
        if len(secret) > _DESCRIBED + 3:
            forms |= _forms(secret[:_DESCRIBED])
        return forms
    return {q + form + q for form in _forms(secret) for q in ("'", '"')} | {repr(secret)}


def redacted(problems: Sequence[Problem], secrets: Iterable[str]) -> list[Problem]:
    """``problems`` with every form of every secret text in their messages and hints replaced
    by ``<redacted>``, in one pass per text, longest form first (a secret's prefix never
    leaves its tail shown, and ``<redacted>`` itself is never matched again)."""
    patterns = sorted({p for s in secrets if s for p in _patterns(s)}, key=len, reverse=True)

    def clean(text: str) -> str:
        found = [p for p in patterns if p in text]  # a message is short: most forms are not in it
        return re.sub("|".join(map(re.escape, found)), REDACTED, text) if found else text

    return [Problem(p.path, clean(p.message), p.location, clean(p.hint) if p.hint else p.hint) for p in problems]
