"""The last two passes of a Kubernetes import.

``leftovers``: every field the importer did not carry over is reported; on a controller, those
a patch can say go into the workload's ``x-kubernetes`` block, so that rendering for Kubernetes
keeps them (a Secret's never: its values stay out of the spec).

``validate``: a Kubernetes object set can hold what a spec may not (a probe on a port no
container declares, two Services publishing one port...); such parts are dropped with a loss,
so that the spec written always loads.
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_names import (
    check_aliases, fit_ports, fit_sidecars, fit_workload_name,
)
from crossdock.translators.importers.kubernetes_network import Imported
from crossdock.translators.importers.kubernetes_values import Context

_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_RUNTIME_ANNOTATIONS = ("deployment.kubernetes.io/revision",)
_NAMED_INSIDE = ("containers", "initContainers", "env")  # lists whose items keep their names when rendered
# Lists crossdock renders itself: a patch would replace (or merge into) what it renders.
_RENDERED_LISTS = {"containers", "initContainers", "env", "ports", "volumeMounts", "volumes", "command", "args",
                   "topologySpreadConstraints", "accessModes", "rules", "paths", "metrics", "volumeClaimTemplates",
                   "items", "matchExpressions", "nodeSelectorTerms", "resources"}


# The documents crossdock renders from an object: (kind, workload, suffix), named after the
# workload as it is finally called plus the suffix ("-public"), or (kind, None, name).
Rendered = list[tuple[str, "Imported | None", str]]


def leftovers(ctx: Context, workloads: list[Imported], rendered: dict[int, Rendered]) -> list[dict[str, Any]]:
    """Report what no part of the import used; returns the app's ``x-kubernetes.patches``.

    A controller's unused fields go into its workload's x-kubernetes; those of a Service, Ingress,
    HPA or claim into an app-level patch of each document crossdock renders from it (``rendered``,
    by ``id`` of the manifest).  A Secret's never: its values stay out of the spec.
    """
    owners = {id(i.m): i for i in workloads}
    patches: dict[tuple[str, str], Any] = {}
    for m in ctx.manifests:
        for key in _RUNTIME_ANNOTATIONS:
            m.use("metadata", "annotations", key)
        owner = owners.get(id(m))
        targets = rendered.get(id(m), [])
        keep = m.kind != "Secret" and (owner is not None or bool(targets))
        patch: dict[str, Any] = {}
        for path, value in list(m.leftovers()):
            if path == ("metadata", "annotations", _LAST_APPLIED):
                ctx.lose(m, path, "kubectl's record of the last applied object: not imported")
                continue
            piece = _patch(m.names, m.data_at, path, value) if keep else None
            if piece is not None and owner is not None and m.kind == "Pod":
                piece = {"spec": {"template": piece}}  # a Pod is rendered as its controller's pod template
            if piece is None:
                ctx.lose(m, path, "not imported: the spec has no such field")
                continue
            patch = _merge(patch, piece)
            where = "x-kubernetes" if owner is not None else "x-kubernetes.patches"
            ctx.lose(m, path, f"kept for Kubernetes only, in {where}: the spec has no such field", "changed")
        if owner is not None and patch:
            owner.w["x-kubernetes"] = patch
        elif patch:
            for kind, workload, suffix in targets:
                target = (kind, workload.name + suffix if workload is not None else suffix)
                patches[target] = _merge(patches.get(target, {}), patch)
    return [{"kind": kind, "name": name, "patch": patch} for (kind, name), patch in sorted(patches.items())]


def _patch(names: dict[Path, str], data_at: Any, path: Path, value: Any) -> Any:
    """The x-kubernetes patch that puts ``value`` back at ``path``; None when a patch cannot say it."""
    out: Any = value
    for depth in range(len(path) - 1, -1, -1):
        part = path[depth]
        if not isinstance(part, int):
            out = {part: out}
            continue
        item_path = path[: depth + 1]
        item = data_at(*item_path)
        whole = depth == len(path) - 1
        if whole and depth > 0 and path[depth - 1] not in _RENDERED_LISTS:
            out = [out]  # a list crossdock never renders (envFrom, tolerations...): the items are the list
            continue
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return None
        rendered = names.get(item_path, item["name"])
        if not whole and (depth == 0 or path[depth - 1] not in _NAMED_INSIDE):
            return None
        out = [{**out, "name": rendered}] if whole else [{"name": rendered, **out}]
    return out


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _merge(out[k], v) if k in out else v
        return out
    if isinstance(a, list) and isinstance(b, list):
        out_list = list(a)
        for item in b:
            hit = next((i for i, x in enumerate(out_list) if isinstance(x, dict) and isinstance(item, dict)
                        and "name" in item and x.get("name") == item["name"]), None)
            if hit is None:
                out_list.append(item)
            else:
                out_list[hit] = _merge(out_list[hit], item)
        return out_list
    return b


def validate(ctx: Context, workloads: list[Imported], app: str) -> None:
    published: dict[tuple[int, str], str] = {}
    for i in workloads:
        fit_workload_name(ctx, i, app)
        w, where = i.w, f"{i.section}.{i.name}"
        _ports(ctx, i, published)
        fit_ports(ctx, i, app)
        names = {p["name"] for p in w.get("ports", [])}
        numbers = {p["port"] for p in w.get("ports", [])}
        for kind, probe in list((w.get("health") or {}).items()):
            check = probe.get("http") or probe.get("tcp")
            if check is not None and isinstance(check["port"], str) and check["port"] not in names:
                ctx.lose(i.m, (), f"its {kind} probe checks the port '{check['port']}', which no container port "
                         "declares: not imported", "dropped", f"{where}.health.{kind}")
                del w["health"][kind]
        if "health" in w and not w["health"]:
            del w["health"]
        route = w.get("route")
        if route is not None and (route["port"] not in names if isinstance(route["port"], str)
                                  else route["port"] not in numbers):
            ctx.lose(i.m, (), "its Ingress reaches a port the workload does not declare: route not imported",
                     "dropped", f"{where}.route")
            del w["route"]
        _mounts(ctx, i)
        _steps(ctx, i)
    fit_sidecars(ctx, workloads, app)
    check_aliases(ctx, workloads)


def _ports(ctx: Context, i: Imported, published: dict[tuple[int, str], str]) -> None:
    seen: set[tuple[int, str]] = set()
    names: set[str] = set()
    kept = []
    for p in i.w.get("ports", []):
        key = (p["port"], p.get("protocol", "tcp"))
        if key in seen:
            continue
        seen.add(key)
        while p["name"] in names:
            p["name"] = f"port-{p['port']}-{len(names)}"[:15]
        names.add(p["name"])
        if p.get("publish"):
            outside = (p.get("published_port") or p["port"], p.get("protocol", "tcp"))
            if outside in published:
                ctx.lose(i.m, (), f"port {outside[0]}/{outside[1]} is published by {published[outside]} too: "
                         "not published here", "changed", f"services.{i.name}.ports")
                p.pop("publish")
                p.pop("published_port", None)
            else:
                published[outside] = f"services.{i.name}"
        kept.append(p)
    if kept:
        i.w["ports"] = kept


def _mounts(ctx: Context, i: Imported) -> None:
    seen: set[str] = set()
    for key in ("files", "volumes", "secrets"):
        kept = []
        for entry in i.w.get(key, []):
            target = entry.get("path")
            if target is not None and target in seen:
                ctx.lose(i.m, (), f"two mounts at {target}: the second is not imported", "dropped",
                         f"{i.section}.{i.name}.{key}")
                continue
            if target is not None:
                seen.add(target)
            kept.append(entry)
        if key in i.w:
            i.w[key] = kept
    envs = set(i.w.get("env", {}))
    kept = []
    for s in i.w.get("secrets", []):
        if s.get("env") is not None and s["env"] in envs:
            ctx.lose(i.m, (), f"{s['env']} is set twice: the secret one is not imported", "dropped",
                     f"{i.section}.{i.name}.secrets")
            continue
        if s.get("env") is not None:
            envs.add(s["env"])
        kept.append(s)
    if "secrets" in i.w:
        i.w["secrets"] = kept


def _steps(ctx: Context, i: Imported) -> None:
    taken = {i.name}
    for kind in ("init", "sidecars"):
        for step in i.w.get(kind, []):
            base, n = step["name"], 1
            while step["name"] in taken:
                n += 1
                step["name"] = f"{base[:48]}-{n}"
            taken.add(step["name"])
            if step["name"] != base:
                ctx.lose(i.m, (), f"a second container named '{base}': renamed '{step['name']}'", "changed")
                path = i.m.steps.get(id(step))
                if path is not None:
                    i.m.names[path] = step["name"]
