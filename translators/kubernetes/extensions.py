"""The ``x-kubernetes`` escape hatch, and the YAML writer for documents it changes.

Workload level: a mapping deep-merged (``translators/merge.py``) into that workload's
controller object, the Deployment, StatefulSet, Job or CronJob; e.g. ``{spec: {template:
{spec: {serviceAccountName: runner}}}}``.  Containers merge by name, so one container can be
patched without restating the others; ``null`` removes a key.

App level: a mapping with two optional keys:

- ``patches``: a list of ``{kind, name, patch}``, each deep-merged into the rendered
  document of that kind and name (a Service, Ingress, ConfigMap... or a controller);
- ``resources``: a list of extra manifests appended after the rendered ones, unchanged except
  that ``app.kubernetes.io/part-of`` and ``app.kubernetes.io/managed-by`` (and the app's labels
  and annotations) are added under their own labels and annotations, so that crossdock can find
  and remove them.

Values are written as given: the escape hatch is the user's own Kubernetes, so ``$(VAR)``
in a patched env value is expanded by Kubernetes as usual.  A patched document is parsed,
merged and written again by ``dump`` (block style, insertion order, every string
double-quoted by the ``yaml`` filter); documents without patches stay template output.
Malformed entries are reported as warnings and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crossdock.specs.model import App
from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.base import Report
from crossdock.translators.filters import yaml_scalar
from crossdock.translators.merge import deep_merge

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Keys YAML 1.1 (and so the API server's YAML reader) would not read back as the same string.
_YAML11_SPECIAL = {"y", "yes", "n", "no", "on", "off", "true", "false", "null"}


@dataclass
class Doc:
    """One rendered document: its kind and name (for patches and file names) and its text;
    ``secret`` is the spec secret whose value it holds (a rendered Secret, patched or not)."""

    kind: str
    name: str
    text: str
    secret: str | None = None


def dump(doc: Any) -> str:
    """A YAML document in the templates' style: block collections, quoted strings."""
    if not _collection(doc):
        return _scalar(doc) + "\n"
    return "".join(line + "\n" for line in _block(doc, ""))


def _collection(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return yaml_scalar(value)


def _key(key: Any) -> str:
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML11_SPECIAL:
        return key
    return yaml_scalar(key)


def _block(value: Any, pad: str) -> list[str]:
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if _collection(v):
                lines.append(f"{pad}{_key(k)}:")
                lines.extend(_block(v, pad + "  "))
            else:
                lines.append(f"{pad}{_key(k)}: {_scalar(v)}")
        return lines
    for item in value:
        if _collection(item):
            sub = _block(item, pad + "  ")
            sub[0] = f"{pad}- {sub[0][len(pad) + 2:]}"
            lines.extend(sub)
        else:
            lines.append(f"{pad}- {_scalar(item)}")
    return lines


def patch_doc(doc: Doc, patch: dict[str, Any]) -> Doc:
    merged = deep_merge(load_yaml(doc.text), patch)
    meta = merged.get("metadata") if isinstance(merged.get("metadata"), dict) else {}
    # A patch may rename the object; later patches and file names follow the new name.
    kind, name = merged.get("kind"), meta.get("name")
    return Doc(kind if isinstance(kind, str) else doc.kind, name if isinstance(name, str) else doc.name,
               dump(merged), doc.secret)


def apply_app_extension(app: App, docs: list[Doc], report: Report) -> list[Doc]:
    """``docs`` with the app-level ``x-kubernetes`` patches applied and its resources appended."""
    ext = app.extension("kubernetes")
    if not ext:
        return docs
    where = ("x-kubernetes",)
    for key in sorted(set(ext) - {"patches", "resources"}, key=str):
        report.note("extensions", (*where, str(key)), "unknown key (expected 'patches' or 'resources'): ignored")
    out = list(docs)
    patches = ext.get("patches") or []
    if not isinstance(patches, list):
        report.note("extensions", (*where, "patches"), "expected a list of {kind, name, patch}: ignored")
        patches = []
    for i, p in enumerate(patches):
        path = (*where, "patches", i)
        if not (isinstance(p, dict) and isinstance(p.get("kind"), str) and isinstance(p.get("name"), str)
                and isinstance(p.get("patch"), dict) and set(p) == {"kind", "name", "patch"}):
            report.note("extensions", path, "expected {kind, name, patch} with a mapping as patch: ignored")
            continue
        hits = [j for j, d in enumerate(out) if d.kind == p["kind"] and d.name == p["name"]]
        if not hits:
            report.note("extensions", path, f"no rendered {p['kind']} named '{p['name']}': ignored")
        for j in hits:
            out[j] = patch_doc(out[j], p["patch"])
    extras = ext.get("resources") or []
    if not isinstance(extras, list):
        report.note("extensions", (*where, "resources"), "expected a list of manifests: ignored")
        extras = []
    for i, r in enumerate(extras):
        if not (isinstance(r, dict) and isinstance(r.get("kind"), str) and isinstance(r.get("metadata"), dict)
                and isinstance(r["metadata"].get("name"), str)):
            report.note("extensions", (*where, "resources", i), "expected a manifest with kind and metadata.name: "
                        "ignored")
            continue
        out.append(Doc(r["kind"], r["metadata"]["name"], dump(_owned(app, r))))
    return out


def _owned(app: App, manifest: dict[str, Any]) -> dict[str, Any]:
    meta = dict(manifest["metadata"])
    labels = {**app.metadata.labels, "app.kubernetes.io/part-of": app.name, "app.kubernetes.io/managed-by": "crossdock"}
    meta["labels"] = {**dict(sorted(labels.items())), **(meta.get("labels") or {})}
    if app.metadata.annotations:
        meta["annotations"] = {**dict(sorted(app.metadata.annotations.items())), **(meta.get("annotations") or {})}
    return {**manifest, "metadata": meta}
