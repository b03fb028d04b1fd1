"""Pure parts of the Kubernetes plan: reading the bundle, comparing objects, choosing a rollback.

"Changed" is decided by the API server: ``plan`` sends each object as a server-side apply dry
run (``dryRun=All``) and compares the object the server would store with the one it stores.
Both went through the same defaulting and admission, so what differs is exactly what a deploy
would change; bookkeeping the server rewrites on every write (managedFields, resourceVersion,
generation, timestamps) and status are left out.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import yaml

from crossdock.adapters.kubernetes.conn import MANAGED_BY, PART_OF
from crossdock.errors import PlatformRejected

_IGNORED_META = frozenset({"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp",
                           "selfLink"})
# Annotations that controllers write after a create: the revision appears on a new Deployment
# moments after it is stored, so a plan that read the live object just before that write and
# dry-ran just after it would report a change nobody made (seen once in the adapter tests).
_CONTROLLER_ANNOTATIONS = frozenset({"deployment.kubernetes.io/revision"})
# Names that identify an item of a list, in the order they are tried: containers, env, volumes
# and ports are keyed by name in the API's own strategic merge, mounts by path.
_LIST_KEYS = ("name", "mountPath", "containerPort", "port", "key", "ip")
MAX_FIELDS = 20  # a plan line names at most this many changed paths (then "...")
_POD_TEMPLATE_HASH = "pod-template-hash"
# libyaml's safe loader where PyYAML has it: the same documents, read ~10x faster
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def documents(files: dict[str, str], primary: str, app: str) -> list[dict[str, Any]]:
    """The objects of the rendered bundle, in file order.

    Raises PlatformRejected when a document is not a Kubernetes object or lacks the app's
    ownership labels (status, prune and destroy could never find it again)."""
    text = files.get(primary)
    if text is None:
        raise PlatformRejected(f"the bundle has no {primary}")
    try:
        docs = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
    except yaml.YAMLError as e:
        raise PlatformRejected(f"{primary} is not valid YAML: {e}") from e
    for i, d in enumerate(docs):
        meta = d.get("metadata") if isinstance(d, dict) else None
        if not isinstance(meta, dict) or not d.get("kind") or not d.get("apiVersion") or not meta.get("name"):
            raise PlatformRejected(f"{primary}: document {i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)")
        labels = meta.get("labels") or {}
        if labels.get(MANAGED_BY) != "crossdock" or labels.get(PART_OF) != app:
            raise PlatformRejected(f"{primary}: {d['kind']} {meta['name']} lacks the labels {MANAGED_BY}=crossdock, "
                           f"{PART_OF}={app}")
    return docs


def comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without status and the metadata the server rewrites on every write."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _IGNORED_META}
    notes = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in _CONTROLLER_ANNOTATIONS}
    meta.pop("annotations", None)
    if notes:
        meta["annotations"] = notes
    out["metadata"] = meta
    return out


def changed_paths(live: Any, wanted: Any) -> list[str]:
    """Dotted paths where ``wanted`` (a dry-run result) differs from ``live``, both compared
    whole (``comparable``); list items with a name are shown by it: ``containers[web].env``."""
    out: list[str] = []
    _diff(comparable(live), comparable(wanted), "", out, subset=False)
    return out


def subset_paths(live: Any, desired: Any) -> list[str]:
    """Paths of the values ``desired`` (a rendered object, before server defaults) sets
    differently from ``live``; what ``desired`` leaves out is not compared."""
    out: list[str] = []
    _diff(live, desired, "", out, subset=True)
    return out


def _diff(a: Any, b: Any, path: str, out: list[str], subset: bool) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = b.keys() if subset else sorted(set(a) | set(b))
        for k in keys:
            sub = f"{path}.{k}" if path else str(k)
            if k not in a or k not in b:
                out.append(sub)
            else:
                _diff(a[k], b[k], sub, out, subset)
        return
    if isinstance(a, list) and isinstance(b, list):
        key = _list_key(a, b)
        if key is None:
            if len(a) != len(b):
                out.append(path)
                return
            for i, (x, y) in enumerate(zip(a, b)):
                _diff(x, y, f"{path}[{i}]", out, subset)
            return
        left = {str(x[key]): x for x in a}
        right = {str(y[key]): y for y in b}
        names = list(right) if subset else sorted(set(left) | set(right))
        for n in names:
            if n not in left or n not in right:
                out.append(f"{path}[{n}]")
            else:
                _diff(left[n], right[n], f"{path}[{n}]", out, subset)
        return
    if a != b and not (subset and _same_scalar(a, b)):
        out.append(path)


def _same_scalar(live: Any, desired: Any) -> bool:
    # A rendered "8080" and a stored 8080 (IntOrString), or a quantity written as given: same.
    return str(live) == str(desired)


def _list_key(a: list[Any], b: list[Any]) -> str | None:
    items = a + b
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    for key in _LIST_KEYS:
        if all(key in x for x in items) and len({str(x[key]) for x in a}) == len(a) \
                and len({str(x[key]) for x in b}) == len(b):
            return key
    return None


def shorten(paths: Iterable[str]) -> tuple[str, ...]:
    """At most MAX_FIELDS paths, with "..." when some were left out."""
    ps = list(dict.fromkeys(paths))
    return tuple(ps[:MAX_FIELDS] + (["..."] if len(ps) > MAX_FIELDS else []))


def revision(obj: dict[str, Any]) -> int:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get("deployment.kubernetes.io/revision")
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def previous_template(deployment: dict[str, Any], replica_sets: list[dict[str, Any]]) -> tuple[int, dict[str, Any]] | None:
    """The pod template of the Deployment's previous revision (what ``kubectl rollout undo``
    restores): its ReplicaSet with the highest revision below the current one, without the
    ``pod-template-hash`` label the controller added.  None when there is no earlier revision."""
    uid = deployment["metadata"].get("uid")
    current = revision(deployment)
    owned = [rs for rs in replica_sets
             if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or [])]
    earlier = sorted((rs for rs in owned if 0 < revision(rs) < current), key=revision)
    if not earlier:
        return None
    rs = earlier[-1]
    template = dict(rs["spec"]["template"])
    meta = dict(template.get("metadata") or {})
    meta["labels"] = {k: v for k, v in (meta.get("labels") or {}).items() if k != _POD_TEMPLATE_HASH}
    template["metadata"] = meta
    return revision(rs), template


def claim_pattern(docs: list[dict[str, Any]]) -> re.Pattern[str]:
    """The names of the PersistentVolumeClaims the StatefulSets of ``docs`` make from their
    ``volumeClaimTemplates`` (``<claim>-<statefulset>-<ordinal>``): they carry the app's labels
    but are not in the bundle, and pruning them would throw away each replica's data."""
    names = [re.escape(f"{t['metadata']['name']}-{d['metadata']['name']}-")
             for d in docs if d.get("kind") == "StatefulSet"
             for t in (d.get("spec") or {}).get("volumeClaimTemplates") or []]
    return re.compile(f"(?:{'|'.join(names)})[0-9]+" if names else "(?!)")
