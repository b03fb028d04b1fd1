"""Writing bundles: to stdout, or into a directory all or nothing.

Everything is rendered in memory first.  A directory write stages every target's folder in a
temporary sibling (``DIR/.crossdock-*``), moves the old ``DIR/<target>`` folders aside into it,
then moves the new ones in.  Any failure puts every old folder back and removes the staged
ones; only if that fails too does the message say which folder is where (the old ones are then
kept in the staging folder, never deleted).
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
    """Write each bundle under ``root/<target>/``, replacing those folders whole, all of them or
    none.  Returns the paths written.  Raises InputError (the output folder cannot be written;
    the message says what state it was left in)."""
    base = Path(root)
    written: list[str] = []
    try:
        base.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".crossdock-", dir=base))
    except OSError as e:
        raise InputError(f"cannot write to {root}: {_why(e)}; nothing was written") from e
    staged, aside = staging / "new", staging / "old"
    try:
        for bundle in bundles:
            (staged / bundle.target).mkdir(parents=True, exist_ok=True)
            for path, text in bundle.files.items():
                dest = staged / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8")
                written.append(str(base / path))
        aside.mkdir()
    except BaseException as e:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, OSError):
            raise InputError(f"cannot write to {root}: {_why(e)}; nothing was replaced") from e
        raise
    _swap_all([b.target for b in bundles], base, staged, aside)
    shutil.rmtree(staging, ignore_errors=True)
    return written


def _swap_all(targets: list[str], base: Path, staged: Path, aside: Path) -> None:
    """Move the old ``base/<target>`` folders to ``aside``, then the ``staged`` ones in; on any
    failure undo every move done, newest first."""
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for t in targets:
            if os.path.lexists(base / t):
                os.replace(base / t, aside / t)
                moved_aside.append(t)
        for t in targets:
            os.replace(staged / t, base / t)
            moved_in.append(t)
    except BaseException as e:
        stuck = _roll_back(base, staged, aside, moved_aside, moved_in)
        if not stuck:
            shutil.rmtree(aside.parent, ignore_errors=True)
            if isinstance(e, OSError):
                raise InputError(f"cannot write to {base}: {_why(e)}; "
                                 "the old output was put back, nothing was replaced") from e
            raise
        shutil.rmtree(staged, ignore_errors=True)
        raise InputError(f"cannot write to {base}: {_why(e)}; putting the old output back failed too: "
                         f"{'; '.join(stuck)}; everything else is as it was") from e


def _roll_back(base: Path, staged: Path, aside: Path, moved_aside: list[str], moved_in: list[str]) -> list[str]:
    """Undo the moves; returns, for each folder that could not be restored, where things are."""
    stuck: list[str] = []
    occupied: set[str] = set()
    for t in reversed(moved_in):
        try:
            os.replace(base / t, staged / t)
        except OSError as e:
            occupied.add(t)
            old = f"its old content is in {aside / t}" if t in moved_aside else "there was none before"
            stuck.append(f"{base / t} holds the new output ({old}; {_why(e)})")
    for t in reversed(moved_aside):
        if t in occupied:
            continue
        try:
            os.replace(aside / t, base / t)
        except OSError as e:
            stuck.append(f"{base / t} is missing, its old content is in {aside / t} ({_why(e)})")
    return stuck


def _why(e: BaseException) -> str:
    return (e.strerror if isinstance(e, OSError) else None) or str(e) or type(e).__name__


def _ordered(bundle: Bundle) -> list[tuple[str, str]]:
    rest = sorted((p, t) for p, t in bundle.files.items() if p != bundle.primary)
    return [(bundle.primary, bundle.files[bundle.primary])] + rest if bundle.primary in bundle.files else rest
