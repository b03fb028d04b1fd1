"""Kubernetes documents checked against the official OpenAPI schemas, strict mode.

The schemas are the ones shipped inside the ``kubernetes-validate`` package (its
``*-local-strict`` folders: every object has ``additionalProperties: false``, so an
unknown or misspelt field fails). The package's own ``validate()`` re-reads the 1.8 MB
``_definitions.json`` on every call and stops at the first error; here each version's
definitions are loaded once and each (version, apiVersion, kind) validator is built once,
and every error of a document is reported. ``test_kubernetes_agrees_with_package`` keeps
this in line with the package's own verdict.

The schemas say only "string" where the API server's Go validation is stricter; the
rules a rendered manifest most plausibly breaks (DNS-1123/1035 names, port names, label
syntax, quantities such as ``cpu: lots``) are added by ``kubernetes_rules`` and reported
the same way, marked "(API server rule)". Not checked at all: int32 ranges, selector and
label agreement, cross-field rules (e.g. ``maxSurge`` and ``maxUnavailable`` both 0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import jsonschema.exceptions  # type: ignore[import-untyped]
from referencing import Registry, Resource

from .kubernetes_rules import rule_errors

__all__ = ["VERSIONS", "all_versions", "validate"]

_SCHEMAS = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
_STRICT_DIR = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-local-strict$")


def all_versions() -> tuple[str, ...]:
    """Every Kubernetes minor version ("1.25" ...) the installed package has strict schemas for."""
    found = {
        (int(m[1]), int(m[2]))
        for entry in _SCHEMAS.iterdir()
        if (m := _STRICT_DIR.match(entry.name))
    }
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


# The three newest minors the pinned package knows (1.35, 1.36, 1.37 for 1.37.0).
VERSIONS: tuple[str, ...] = all_versions()[-3:]


@lru_cache(maxsize=None)
def _schema_dir(version: str) -> str:
    names = [e.name for e in _SCHEMAS.iterdir() if e.name.startswith(f"v{version}.")]
    strict = sorted(n for n in names if _STRICT_DIR.match(n))
    if not strict:
        raise ValueError(f"kubernetes-validate has no strict schemas for Kubernetes {version}")
    return strict[-1]


def _load(version: str, filename: str) -> Any:
    return json.loads(_SCHEMAS.joinpath(_schema_dir(version), filename).read_text("utf-8"))


@lru_cache(maxsize=None)
def _registry(version: str) -> Registry[Any]:
    definitions = Resource.from_contents(_load(version, "_definitions.json"))
    return definitions @ Registry()


def _schema_file(api_version: str, kind: str) -> str:
    # The package's naming: rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@lru_cache(maxsize=None)
def _validator(version: str, api_version: str, kind: str) -> jsonschema.Draft202012Validator | None:
    try:
        schema = _load(version, _schema_file(api_version, kind))
    except FileNotFoundError:
        return None
    return jsonschema.Draft202012Validator(schema, registry=_registry(version))


def _path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _explain(error: jsonschema.exceptions.ValidationError) -> jsonschema.exceptions.ValidationError:
    # oneOf/anyOf failures (IntOrString, Quantity) hide the useful message in their context.
    if error.context:
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None:
            return best
    return error


def _doc_errors(doc: Any, version: str) -> list[str]:
    tag = f"v{version}"
    if not isinstance(doc, Mapping):
        return [f"{tag} (document): expected a mapping, got {type(doc).__name__}"]
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    label = f"{tag} {kind}/{name}"
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return [f"{label}: apiVersion and kind must both be strings"]
    validator = _validator(version, api_version, kind)
    if validator is None:
        return [f"{label}: Kubernetes {version} has no kind {kind} in apiVersion {api_version}"]
    found = []
    for error in validator.iter_errors(doc):
        best = _explain(error)
        found.append((_path(best.absolute_path), best.message))
    found += [(path, f"{message} (API server rule)") for path, message in rule_errors(doc)]
    return [f"{label}: {path}: {message}" for path, message in sorted(set(found))]


def validate(docs: Sequence[Any], versions: Sequence[str] = VERSIONS) -> list[str]:
    """Check every document against every version's strict schema.

    Returns one human-readable line per problem, ``"v1.36 Deployment/web:
    spec.template.spec.containers[0]: Additional properties are not allowed ('foo' was
    unexpected)"``; an empty list means all documents are valid for all versions. A kind
    or apiVersion unknown to a version is a problem of that version (e.g. a removed beta).
    Raises ValueError for a version the package has no schemas for.
    """
    errors: list[str] = []
    for version in versions:
        for doc in docs:
            errors.extend(_doc_errors(doc, version))
    return errors
