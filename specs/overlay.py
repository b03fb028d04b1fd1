"""Environment overlays: ``environments.<name>`` in the spec, or a separate overlay file.

Merge rules, applied in this order (the spec's own ``environments.<name>`` first, then each
``--overlay`` file in the order given):

- a mapping merged onto a mapping merges key by key, recursively;
- a key set to ``null`` in the overlay removes that key;
- anything else (a string, a number, a list) replaces what was there: lists are never
  concatenated, so an overlay states a whole list of ports, env files or args.

An overlay file is a mapping with the same shape as the spec, minus ``apiVersion``/``kind``,
which it may carry but must not change.
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.yamlsrc import Located, Path


def merge(base: Located, overlay: Any, overlay_src: Located, overlay_root: Path) -> None:
    """Merge ``overlay`` (found at ``overlay_root`` in ``overlay_src``) onto ``base`` in place."""
    _merge_map(base, base.data, (), overlay, overlay_src, overlay_root)


def _merge_map(base: Located, target: dict[str, Any], path: Path, overlay: dict[str, Any],
               src: Located, src_path: Path) -> None:
    for key, value in overlay.items():
        here, there = path + (key,), src_path + (key,)
        if value is None:
            target.pop(key, None)
            _drop(base, here)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            base.keys.setdefault(here, src.keys.get(there) or src.values.get(there) or (src.file, 1, 1))
            _merge_map(base, target[key], here, value, src, there)
        else:
            target[key] = value
            _drop(base, here)
            _graft(base, here, src, there)


def _drop(base: Located, path: Path) -> None:
    n = len(path)
    for table in (base.values, base.keys):
        for p in [p for p in table if p[:n] == path]:
            del table[p]
    base.plain -= {p for p in base.plain if p[:n] == path}


def _graft(base: Located, path: Path, src: Located, src_path: Path) -> None:
    n = len(src_path)
    for table, into in ((src.values, base.values), (src.keys, base.keys)):
        for p, loc in list(table.items()):
            if p[:n] == src_path:
                into[path + p[n:]] = loc
    base.plain |= {path + p[n:] for p in src.plain if p[:n] == src_path}
