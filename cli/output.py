"""Writing bundles: to stdout, or into a directory without leaving anything half-written.

Everything is rendered in memory first; a directory is filled in a temporary sibling and then
swapped in per target (``DIR/<target>``), so a failure part-way leaves the old output as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence, TextIO

from crossdock.errors import InputError
from crossdock.translators.base import Bundle


def to_stream(bundles: Sequence[Bundle], out: TextIO) -> None:
    files = [(path, text) for b in bundles for path, text in _ordered(b)]
    if len(files) == 1:
        out.write(files[0][1])
        return
    for path, text in files:
        out.write(f"# ==> {path} <==\n")
        out.write(text if text.endswith("\n") or not text else text + "\n")


def to_directory(bundles: Sequence[Bundle], root: str) -> list[str]:
    """Write each bundle under ``root/<target>/``, replacing that folder whole. Returns paths."""
    base = Path(root)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create output folder {root}: {e.strerror or e}") from e
    written: list[str] = []
    staging = Path(tempfile.mkdtemp(prefix=".crossdock-", dir=base))
    try:
        for bundle in bundles:
            for path, text in bundle.files.items():
                dest = staging / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8")
                written.append(str(base / path))
        for bundle in bundles:
            _swap(staging / bundle.target, base / bundle.target)
    except OSError as e:
        raise InputError(f"cannot write to {root}: {e.strerror or e}; nothing was replaced") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _swap(new: Path, dest: Path) -> None:
    if not new.exists():
        new.mkdir(parents=True)
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(new, dest)
    shutil.rmtree(old, ignore_errors=True)


def _ordered(bundle: Bundle) -> list[tuple[str, str]]:
    rest = sorted((p, t) for p, t in bundle.files.items() if p != bundle.primary)
    return [(bundle.primary, bundle.files[bundle.primary])] + rest if bundle.primary in bundle.files else rest
