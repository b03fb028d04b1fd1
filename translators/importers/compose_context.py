"""What the compose mapping shares while it builds one spec: the project, the app-level
sections being filled (secrets, volumes), comments, and the two ways of reading a value.

``text`` keeps variables as spec variables (``${VAR}``); ``value`` resolves them, for fields the
spec types as numbers or units, and reports that it did.  Files rendered by crossdock itself (their
services carry ``app.kubernetes.io/managed-by: crossdock``) are read with crossdock's own
conventions undone (``<ENV>_FILE`` secrets, ownership labels, escaped Go templates): that is what
makes ``import(render(spec, swarm))`` give the spec back.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.base import Sources
from crossdock.translators.importers.compose_load import Project, as_mapping

_LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
MANAGED_BY = "app.kubernetes.io/managed-by"


def label_key_ok(key: str) -> bool:
    return bool(_LABEL_KEY.fullmatch(key)) and len(key) <= 253
OWNERSHIP = {MANAGED_BY, "app.kubernetes.io/part-of", "app.kubernetes.io/name"}


def spec_path(*parts: str | int) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + p
    return out


@dataclass
class Context:
    project: Project
    sources: Sources
    app: str
    crossdock: bool = False
    names: dict[str, str] = field(default_factory=dict)  # compose service name -> workload name
    sections: dict[str, str] = field(default_factory=dict)  # compose service name -> services/jobs
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    # Secrets made from plain env values: name -> digest of the value, to tell apart two
    # services whose same-named variable holds different values (the value itself is not kept).
    env_secret_digests: dict[str, str] = field(default_factory=dict)
    # host port -> (service, container port) publishing it
    published: dict[tuple[int, str], tuple[str, int]] = field(default_factory=dict)
    secret_origins: dict[str, str] = field(default_factory=dict)  # spec secret name -> what it stands for
    link_aliases: dict[str, list[tuple[str, Path]]] = field(default_factory=dict)  # service -> (alias, where)
    sidecar_secrets: set[str] = field(default_factory=set)  # secrets only a service turned sidecar used
    valueless: dict[str, Path] = field(default_factory=dict)  # `- KEY` env entries: variable -> first place
    left_out: set[str] = field(default_factory=set)  # services no chosen profile enables
    joined: dict[str, str] = field(default_factory=dict)  # service -> the service whose network it shares

    def loss(self, path: Path, message: str, kind: str = "dropped", spec: str = "") -> None:
        self.project.loss(path, message, kind, spec)

    def where(self, path: Path) -> str:
        loc = self.project.where(path)
        return f"{loc.file}:{loc.line}" if loc.line else loc.file

    def text(self, value: Any, path: Path) -> str:
        """A string field: variables kept as spec variables."""
        if isinstance(value, bool):
            value = "true" if value else "false"
        out, resolved = self.project.interp.to_spec(str(value))
        if resolved:
            self.loss(path, "a ${VAR:+...} or nested default was resolved at import time: the spec keeps "
                      "only ${VAR}, ${VAR:-default} and ${VAR-default}", "changed")
        return out

    def value(self, value: Any, path: Path) -> Any:
        """A field the spec types (number, unit, port): variables resolved now, and reported."""
        if isinstance(value, str) and "$" in value:
            resolved = self.project.interp.resolve(value)
            if "$" in value.replace("$$", ""):
                self.loss(path, f"the variable in '{value}' was resolved at import time to '{resolved}': "
                          "this spec field cannot hold a variable", "changed")
            return resolved
        return value

    def claim_secret(self, name: str, origin: str) -> str:
        """``name``, or ``name-2``... when another secret (a compose secret, an env variable) has it."""
        candidate, n = name, 2
        while self.secret_origins.setdefault(candidate, origin) != origin:
            candidate, n = f"{name[:60]}-{n}", n + 1
        return candidate

    def labels(self, at: Path, value: Any) -> dict[str, str]:
        """Labels (a list or a mapping) valid on every platform; the others are reported."""
        out = {}
        for key, val in as_mapping(value).items():
            if self.crossdock and key in OWNERSHIP:
                continue
            text = "" if val is None else self.text(val, at + (key,))
            if not _LABEL_KEY.fullmatch(key) or not _LABEL_VALUE.fullmatch(text) or len(text) > 63:
                self.loss(at + (key,), "not a valid label for every platform (keys like example.com/name, values "
                          "of at most 63 letters, digits, '-', '_', '.'): not carried")
                continue
            out[key] = text
        return out

    def secret_digest(self, value: str) -> str:
        return hashlib.sha256(value.encode("utf-8")).hexdigest()
