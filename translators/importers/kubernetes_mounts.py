"""Volume mounts and scheduling of a pod template -> files, secrets, volumes and placement.

A ConfigMap mounted by ``subPath`` is one file; mounted whole, one file per key (or per
``items`` entry) under the mount path.  Secrets the same, as secret mounts: their values are
never read.  Claims are named volumes, emptyDirs scratch space.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Any

from crossdock.specs.classify import classify_file
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_values import env_name, memory, valid

if TYPE_CHECKING:
    from crossdock.translators.importers.kubernetes_pod import PodReader

_DEFAULT_MODE = 0o644
# crossdock names the volume of a workload's secrets[i] "secret-<i>" (with "cd-" prefixes when taken).
_SLOT = re.compile(r"(?:cd-)*secret-([0-9]{1,4})")


def _mode(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0o7777 and value != _DEFAULT_MODE:
        return format(value, "04o")
    return None


def read_mount(r: PodReader, path: Path, mount: dict[str, Any],
               volumes: dict[Any, tuple[int, dict[str, Any]]], w: dict[str, Any]) -> None:
    """One volumeMount of the main container into ``w``; what it cannot carry is left unused."""
    m, name = r.m, mount.get("name")
    target = mount.get("mountPath")
    sub = mount.get("subPath")
    if not isinstance(name, str) or not valid("path", target) or not isinstance(sub, (str, type(None))):
        return
    assert isinstance(target, str)
    if name in r.templates:
        _use(r, path, "name", "mountPath", "readOnly")
        w.setdefault("volumes", []).append(_named(r.templates[str(name)], target, mount))
        return
    if name not in volumes:
        return
    vi, vol = volumes[name]
    vpath: Path = (*r.spec, "volumes", vi)
    if isinstance(vol.get("configMap"), dict):
        _config_map(r, path, vpath, vol["configMap"], target, sub, w)
    elif isinstance(vol.get("secret"), dict):
        _secret(r, path, vpath, vol["secret"], target, sub, w)
    elif isinstance(vol.get("persistentVolumeClaim"), dict) and sub is None and isinstance(
            vol["persistentVolumeClaim"].get("claimName"), str):
        claim = vol["persistentVolumeClaim"]["claimName"]
        volume = r.ctx.claim(m, (*vpath, "persistentVolumeClaim", "claimName"), claim)
        m.use(*vpath, "name")
        m.use(*vpath, "persistentVolumeClaim", "claimName")
        entry = _named(volume, target, mount)
        if m.get(*vpath, "persistentVolumeClaim", "readOnly"):
            entry["read_only"] = True
        _use(r, path, "name", "mountPath", "readOnly")
        w.setdefault("volumes", []).append(entry)
    elif "emptyDir" in vol and sub is None:
        empty = vol.get("emptyDir") or {}
        entry = {"path": target, "scratch": True}
        m.use(*vpath, "name")
        m.use(*vpath, "emptyDir")
        if isinstance(empty, dict) and empty.get("sizeLimit") is not None:
            size = memory(empty["sizeLimit"])
            if size is None:
                r.lose((*vpath, "emptyDir", "sizeLimit"), "not a size the spec can hold: the scratch space has no "
                       "size limit", "changed", "volumes")
            else:
                entry["size"] = size
        if isinstance(empty, dict) and empty.get("medium") == "Memory":
            r.lose((*vpath, "emptyDir", "medium"), "the spec's scratch space is on disk, not in memory (tmpfs)",
                   "changed")
        if mount.get("readOnly"):
            entry["read_only"] = True
        _use(r, path, "name", "mountPath", "readOnly")
        w.setdefault("volumes", []).append(entry)


def _use(r: PodReader, path: Path, *keys: str) -> None:
    for key in keys:
        r.m.use(*path, key)


def _named(volume: str, target: str, mount: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": target, "volume": volume}
    if mount.get("readOnly"):
        entry["read_only"] = True
    return entry


def _keys(r: PodReader, vpath: Path, source: str, block: dict[str, Any], available: list[str] | None,
          sub: Any) -> list[tuple[str, str, Any]] | None:
    """(key, path relative to the mount, mode) of each file a ConfigMap or Secret volume shows."""
    items = block.get("items")
    default_mode = block.get("defaultMode")
    if items is not None and not (isinstance(items, list) and all(
            isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("path", ""), str)
            for i in items)):
        return []
    r.m.use(*vpath, source, "defaultMode")
    r.m.use(*vpath, source, "optional")
    if isinstance(items, list):
        r.m.use(*vpath, source, "items")
        listed = [(str(i.get("key")), str(i.get("path") or i.get("key")), i.get("mode", default_mode))
                  for i in items if isinstance(i, dict)]
    elif available is not None:
        listed = [(k, k, default_mode) for k in available]
    elif sub is not None:
        return [(str(sub), "", default_mode)]
    else:
        return None
    if sub is not None:
        return [(k, "", mode) for k, p, mode in listed if p == str(sub)] or (
            [(str(sub), "", default_mode)] if items is None else [])
    return listed


def _config_map(r: PodReader, path: Path, vpath: Path, block: dict[str, Any], target: str, sub: Any,
                w: dict[str, Any]) -> None:
    cm_name = str(block.get("name"))
    if not isinstance(block.get("name"), str):
        return
    cm = r.ctx.config_maps.get(cm_name)
    data = cm.data.get("data") if cm is not None else None
    if not isinstance(data, dict):
        r.lose((*vpath, "configMap", "name"), f"the ConfigMap '{cm_name}' is not in the manifests: its files are "
               "not imported", "dropped", "files")
        _use(r, path, "name", "mountPath", "subPath", "readOnly")
        r.m.use(*vpath)
        return
    r.ctx.used_config_maps.add(cm_name)
    keys = _keys(r, vpath, "configMap", block, [str(k) for k in data], sub)
    for key, rel, mode in keys or []:
        if key not in data:
            r.lose(path, f"the ConfigMap '{cm_name}' has no key '{key}': not imported", "dropped", "files")
            continue
        entry = _entry({"content": str(data[key])}, target, rel, mode)
        verdict = classify_file(entry["path"], entry["content"])
        if verdict and cm is not None:  # a key or a credentials file: a secret from the environment
            var = env_name(f"{cm_name}_{key}")
            name = r.ctx.literal_secret(cm, ("data", key), var, f"{r.where}.secrets", verdict.reason,
                                        r.ctx.config_where(cm_name, key))
            entry = {"secret": name, **{k: v for k, v in entry.items() if k != "content"}}
            w.setdefault("secrets", []).append(entry)
            continue
        w.setdefault("files", []).append(entry)
    _mounted(r, path, vpath, "configMap", "name")


def _secret(r: PodReader, path: Path, vpath: Path, block: dict[str, Any], target: str, sub: Any,
            w: dict[str, Any]) -> None:
    obj = block.get("secretName")
    if not isinstance(obj, str):
        return
    keys = _keys(r, vpath, "secret", block, r.ctx.secret_keys(obj), sub)
    if keys is None:
        r.lose((*vpath, "secret"), f"the Secret '{obj}' is not in the manifests and the mount lists no items: which "
               "files it holds is unknown; not imported", "dropped", "secrets")
        r.m.use(*vpath)
        _use(r, path, "name", "mountPath", "readOnly")
        return
    slot = _SLOT.fullmatch(str(r.m.data_at(*vpath, "name")))
    for key, rel, mode in keys:
        secret = r.ctx.secret_ref(r.m, (*vpath, "secret"), obj, key)
        entry = _entry({"secret": secret}, target, rel, mode)
        w.setdefault("secrets", []).append(entry)
        if slot is not None and len(keys) == 1:
            r.slots[id(entry)] = int(slot.group(1))
    _mounted(r, path, vpath, "secret", "secretName")


def _entry(first: dict[str, Any], target: str, rel: str, mode: Any) -> dict[str, Any]:
    """A file or secret mount at ``target`` (or ``rel`` inside it), with its mode if not the default."""
    entry = {**first, "path": posixpath.join(target, rel) if rel else target}
    if _mode(mode):
        entry["mode"] = _mode(mode)
    return entry


def _mounted(r: PodReader, path: Path, vpath: Path, source: str, name_key: str) -> None:
    r.m.use(*vpath, "name")
    r.m.use(*vpath, source, name_key)
    _use(r, path, "name", "mountPath", "subPath", "readOnly")


def read_placement(r: PodReader) -> dict[str, Any]:
    """nodeSelector, simple required node affinity, spread constraints -> placement."""
    m, spec = r.m, r.spec
    constraints: dict[str, str] = {}
    spread: list[str] = []
    selector = m.dict_at(*spec, "nodeSelector")
    if selector and all(valid("label_key", k) and isinstance(v, str) for k, v in selector.items()):
        m.use(*spec, "nodeSelector")
        constraints.update(selector)
    terms_path = (*spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                  "nodeSelectorTerms")
    terms = m.data_at(*terms_path)
    if isinstance(terms, list) and len(terms) == 1 and isinstance(terms[0], dict) and set(terms[0]) == {
            "matchExpressions"}:
        exprs = terms[0]["matchExpressions"]
        if isinstance(exprs, list) and all(isinstance(e, dict) and e.get("operator") == "In"
                                           and valid("label_key", e.get("key")) and isinstance(e.get("values"), list)
                                           and len(e["values"]) == 1 and isinstance(e["values"][0], str)
                                           for e in exprs):
            constraints.update({str(e["key"]): str(e["values"][0]) for e in exprs})
            m.use(*terms_path)
    anti = (*spec, "affinity", "podAntiAffinity")
    for key in ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"):
        for i, term in enumerate(m.list_at(*anti, key)):
            inner = term.get("podAffinityTerm", term) if isinstance(term, dict) else None
            if isinstance(inner, dict) and valid("label_key", inner.get("topologyKey")):
                spread.append(inner["topologyKey"])
                m.use(*anti, key, i)
                r.lose((*anti, key, i), "pod anti-affinity becomes spread over its topology key: replicas are "
                       "spread evenly (max skew 1), preferably, not kept apart", "changed")
    for i, c in enumerate(m.list_at(*spec, "topologySpreadConstraints")):
        if not isinstance(c, dict) or not valid("label_key", c.get("topologyKey")):
            continue
        path = (*spec, "topologySpreadConstraints", i)
        spread.append(c["topologyKey"])
        for k in ("topologyKey", "labelSelector"):
            m.use(*path, k)
        if c.get("maxSkew") == 1:
            m.use(*path, "maxSkew")
        if c.get("whenUnsatisfiable") == "ScheduleAnyway":
            m.use(*path, "whenUnsatisfiable")
        else:
            m.use(*path, "whenUnsatisfiable")
            r.lose((*path, "whenUnsatisfiable"), "the spec's spread is a preference (ScheduleAnyway): pods are "
                   "scheduled even when the spread cannot be kept", "changed", "placement.spread")
        if c.get("maxSkew") != 1:
            m.use(*path, "maxSkew")
            r.lose((*path, "maxSkew"), "the spec spreads with a max skew of 1", "changed", "placement.spread")
    out: dict[str, Any] = {}
    if constraints:
        out["constraints"] = constraints
    if spread:
        out["spread"] = list(dict.fromkeys(spread))
    return out
