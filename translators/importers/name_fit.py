"""Names an import chooses that must fit the targets' limits once crossdock derives others from them.

An importer takes the app's name from the input (a compose project's folder, a manifest file's
name, a Nomad job's ID), cut to the 40 characters an app name may have.  The targets then build
names from it (``<app>_<workload>`` for a Swarm service, ``<app>_<secret>`` for a Swarm secret,
``<app>-<service>-<port>`` for a Nomad service: specs/names.py) with limits of 63 or 64
characters, which a long folder name and a long secret name together pass.  Import never refuses
a file for that: ``fit_names`` shortens the app's name (deterministically, with a hash of the
full name so two long names stay apart) and says so in the loss report; a secret whose own name
leaves no room is shortened the same way.  A name given with ``--name`` is never changed: one
that cannot fit is refused with the limit it passes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Iterator

from crossdock.errors import InputError, shown
from crossdock.specs import names
from crossdock.specs.types import DNS_LABEL

APP_NAME_MAX = 40  # the spec's AppName
# The shortest app name fit_names makes: below it a name says nothing; objects whose own names
# leave less room than this are shortened themselves.
APP_NAME_MIN = 16
_HASH = 6  # hex digits of sha256: 16.7 million values, for names that share a long prefix


def shorten(name: str, limit: int, *, digits: int = _HASH, seed: str = "") -> str:
    """``name`` if it has at most ``limit`` characters, else its head, '-' and ``digits`` hex digits
    of the sha256 of ``seed`` (default: the full name), in ``limit`` characters.  Deterministic;
    a DNS label (lowercase letters, digits, '-') stays one, and a name starting with a letter
    still does when ``limit`` >= ``digits`` + 2."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256((seed or name).encode("utf-8")).hexdigest()
    if limit <= digits + 1:
        return (name[:1] + digest)[:limit]
    head = name[: limit - digits - 1].rstrip("-_.")
    return f"{head}-{digest[:digits]}" if head else digest[:limit]


# (spec path a person would change, length of the derived name without the app's name, limit, how)
_Tail = tuple[str, int, int, str]


def _tails(doc: dict[str, Any]) -> Iterator[_Tail]:
    """The names specs/names.derived builds, from the spec as plain data (what an importer has)."""
    sections: dict[str, dict[str, Any]] = {s: _mapping(doc.get(s)) for s in ("services", "jobs", "cron_jobs")}
    workloads = {str(k) for items in sections.values() for k in items}
    for section, items in sections.items():
        for key, w in items.items():
            key = str(key)
            yield (f"{section}.{key}", len(names.swarm_service("", key)), names.SWARM_SERVICE_MAX,
                   "Swarm names services <app>_<workload>")
            if section != "services" or not isinstance(w, dict):
                continue
            for i, step in enumerate(_dicts(w.get("sidecars"))):
                derived = names.swarm_service("", names.swarm_sidecar_key(workloads, key, str(step.get("name"))))
                yield (f"{section}.{key}.sidecars[{i}]", len(derived), names.SWARM_SERVICE_MAX,
                       "Swarm runs a sidecar as the service <app>_<workload>-<sidecar>")
            for i, port in enumerate(_dicts(w.get("ports"))):
                derived = names.nomad_service("", key, str(port.get("name")), i == 0)
                yield (f"{section}.{key}.ports[{i}]", len(derived), names.NOMAD_SERVICE_MAX,
                       "Nomad names a port's service <app>-<service>[-<port>]")
    secrets = doc.get("secrets")
    for key in sorted(secrets) if isinstance(secrets, dict) else []:
        yield (f"secrets.{key}", len(names.swarm_secret("", str(key))), names.SWARM_SECRET_MAX,
               "Swarm names secrets <app>_<secret>")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def room_for_app(doc: dict[str, Any]) -> tuple[int, _Tail | None]:
    """How many characters the app's name may have so that every derived name fits, and the
    derived name that sets it (None when nothing is derived)."""
    tightest = min(_tails(doc), key=lambda t: t[2] - t[1], default=None)
    room = APP_NAME_MAX if tightest is None else min(APP_NAME_MAX, tightest[2] - tightest[1])
    return room, tightest


def fit_names(doc: dict[str, Any], comments: dict[tuple[str, ...], str],
              given_name: str | None = None) -> list[tuple[str, str]]:
    """Shorten ``doc``'s app name (and, when even a short one leaves no room, its secrets'
    names) so that every name the targets derive fits; returns (spec path, message) for the
    loss report.  Changes ``doc`` and ``comments`` in place; calling it again changes nothing.

    Raises InputError when ``given_name`` (``--name``) is not an app name or cannot fit.
    """
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        return []
    app: str = meta["name"]
    if given_name is not None:
        _check_given(given_name, app)
        room, tightest = room_for_app(doc)
        # A name that fits once shortened is the user's to shorten; objects that leave even a
        # short name no room are shortened here as without --name.
        out = _fit_secrets(doc, comments, app) if room < min(len(app), APP_NAME_MIN) else []
        room, tightest = room_for_app(doc)
        if tightest is not None and len(app) > room:
            raise InputError(f"--name {shown(given_name)}: too long for the names the targets derive from it "
                             f"({tightest[3]}: at most {tightest[2]} characters, which leaves {max(room, 0)} for "
                             f"the app's name with {tightest[0]}); give a name of at most {max(room, 1)} characters")
        return out
    room, tightest = room_for_app(doc)
    out = []
    if len(app) > room:
        short = shorten(app, max(room, APP_NAME_MIN)).rstrip("-") or "app"
        meta["name"] = short
        assert tightest is not None  # room < 40 only when a derived name sets it
        out.append(("metadata.name", f"the app name '{app}' is shortened to '{short}' so that the names the "
                    f"targets derive from it fit ({tightest[3]}: at most {tightest[2]} characters, for "
                    f"{tightest[0]}); --name sets another"))
        app = short
    out += _fit_secrets(doc, comments, app)
    return out


def _check_given(given: str, app: str) -> None:
    """Raises InputError unless the app name the importer made of --name is one."""
    if len(app) > APP_NAME_MAX or not re.fullmatch(DNS_LABEL, app):
        raise InputError(f"--name {shown(given)}: expected an app name of lowercase letters, digits and '-', "
                         f"starting and ending with a letter or digit, at most {APP_NAME_MAX} characters "
                         "(e.g. --name shop)")


def _fit_secrets(doc: dict[str, Any], comments: dict[tuple[str, ...], str], app: str) -> list[tuple[str, str]]:
    """Secrets whose ``<app>_<secret>`` passes Swarm's 64 characters even with the short app name:
    each secret's key is shortened, and every workload's mount of it follows."""
    secrets = doc.get("secrets")
    if not isinstance(secrets, dict):
        return []
    limit = names.SWARM_SECRET_MAX - len(names.swarm_secret(app, ""))
    renamed = {k: shorten(k, limit) for k in secrets if isinstance(k, str) and len(k) > limit}
    if not renamed:
        return []
    doc["secrets"] = {renamed.get(k, k): v for k, v in secrets.items()}
    for section in ("services", "jobs", "cron_jobs"):
        items = doc.get(section)
        for w in items.values() if isinstance(items, dict) else []:
            if not isinstance(w, dict):
                continue
            for mount in _dicts(w.get("secrets")):
                if mount.get("secret") in renamed:
                    mount["secret"] = renamed[mount["secret"]]
    for old, new in renamed.items():
        if ("secrets", old) in comments:
            comments[("secrets", new)] = comments.pop(("secrets", old))
    return [(f"secrets.{new}", f"the secret '{old}' is named '{new}' so that Swarm's <app>_<secret> fits in "
             f"{names.SWARM_SECRET_MAX} characters") for old, new in sorted(renamed.items())]
