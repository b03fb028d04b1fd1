"""The ``x-kubernetes`` escape hatch.

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
merged and written again by ``translators.yamltext.dump``, the writer ``x-swarm`` uses too;
documents without patches stay template output.  Malformed entries are reported as warnings and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossdock.specs.model import App
from crossdock.specs.yamlsrc import load_yaml
from crossdock.translators.base import Report
from crossdock.translators.merge import deep_merge
from crossdock.translators.yamltext import dump

@dataclass
class Doc:
    """One rendered document: its kind and name (for patches and file names) and its text;
    ``secret`` is the spec secret whose value it holds (a rendered Secret, patched or not)."""

    kind: str
    name: str
    text: str
    secret: str | None = None


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
