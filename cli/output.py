"""Writing bundles: to stdout, or into a directory all or nothing.

Everything is rendered in memory first.  A directory write stages every target's folder in a
temporary sibling (``DIR/.crossdock-*``), moves the old ``DIR/<target>`` folders aside into it,
then moves the new ones in.  Any failure puts every old folder back and removes the staged
ones; only if that fails too does the message say which folder is where (the old ones are then
kept in the staging folder, never deleted).

Before that, ``check_destination`` refuses a destination whose replacement would destroy what
is not crossdock's: ``/`` or the home folder as DIR, a ``DIR/<target>`` holding the spec or a file
it reads, and (unless confirmed or ``--force``) a ``DIR/<target>`` that crossdock did not create.
Each folder crossdock writes carries a ``MARKER`` file saying so; its name has no .yaml/.yml/.json
/.hcl ending, so ``kubectl apply -f DIR``, ``docker stack deploy`` and ``nomad job run`` (which
take named files) never read it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence, TextIO

import click

from crossdock.errors import InputError
from crossdock.errors import shown as _shown
from crossdock.specs.files import is_under
from crossdock.translators.base import Bundle


def withheld_notes(bundles: Sequence[Bundle], root: str | None) -> list[str]:
    """One line per secret a bundle left out (it holds a value), saying how to create it; ``root``
    is the -o folder (None for standard output).  Never the value: the command names its source."""
    return [f"note: secret {_shown(w.name)} is not written to {_shown(os.path.join(root, w.path) if root else w.path)}"
            f" (it holds a value): crossdock deploy creates it, or {w.create}; --include-secrets writes it"
            for b in bundles for w in b.withheld]


def to_stream(bundles: Sequence[Bundle], out: TextIO) -> None:
    files = [(path, text) for b in bundles for path, text in _ordered(b)]
    if len(files) == 1:
        out.write(files[0][1])
        return
    for path, text in files:
        out.write(f"# ==> {path} <==\n")
        out.write(text if text.endswith("\n") or not text else text + "\n")


MARKER = ".crossdock-render"
MARKER_TEXT = ("Written by `crossdock render -o`: this folder is replaced whole on the next render.\n"
               "Delete this file to have crossdock ask before replacing the folder.\n")
LISTED = 20  # names shown of a folder about to be replaced; the rest is a count


def check_destination(root: str, targets: Sequence[str], inputs: Sequence[str], *, force: bool = False) -> None:
    """Refuse, before anything is written, an ``-o`` folder whose ``<target>`` folders cannot be
    replaced safely.  ``inputs`` are the resolved files the spec was read from.

    Raises InputError (exit 2): DIR is ``/`` or the home folder; a ``DIR/<target>`` holds one of
    ``inputs``; a ``DIR/<target>`` exists without ``MARKER`` and neither ``force`` nor a "yes" on
    a terminal allows replacing it (the message lists what it holds).
    """
    real = os.path.realpath(root)
    home = os.path.realpath(os.path.expanduser("~"))
    if real == os.path.realpath(os.sep) or real == home:
        which = "the root folder" if real == os.path.realpath(os.sep) else "your home folder"
        raise InputError(f"-o {_shown(root)}: is {which}; crossdock replaces DIR/<target>/ whole, so it "
                         "writes only into a folder of its own (e.g. -o out/); nothing was written")
    for t in targets:
        folder = os.path.join(real, t)
        held = sorted(p for p in inputs if is_under(p, folder))
        if held:
            raise InputError(f"-o {_shown(root)}: {_shown(os.path.join(root, t))} would be replaced whole, and it "
                             f"holds {_shown(held[0])}" + (f" and {len(held) - 1} other input file(s)" if len(held) > 1
                                                           else "") + ", read for this spec; choose another folder "
                             "(e.g. -o out/); nothing was written")
    foreign = [os.path.join(root, t) for t in targets if _foreign(os.path.join(real, t))]
    if not foreign or force:
        return
    listing = "\n".join(_listing(f) for f in foreign)
    question = f"-o {_shown(root)}: these folders were not written by crossdock and would be replaced whole:\n{listing}"
    if _interactive():
        if click.confirm(f"{question}\nReplace them?", default=False, err=True):
            return
        raise InputError(f"-o {_shown(root)}: not replaced; nothing was written")
    raise InputError(f"{question}\nnothing was written (pass --force to replace them, or choose another folder)")


def _interactive() -> bool:
    return sys.stdin.isatty()


def _foreign(folder: str) -> bool:
    """Whether ``folder`` exists (as anything) and is not one crossdock wrote (no marker file)."""
    if not os.path.lexists(folder):
        return False
    return not (os.path.isdir(folder) and not os.path.islink(folder)
                and os.path.isfile(os.path.join(folder, MARKER)) and not os.path.islink(os.path.join(folder, MARKER)))


def _listing(folder: str) -> str:
    """``folder`` and up to LISTED of the files under it, then how many more."""
    if not os.path.isdir(folder) or os.path.islink(folder):
        return f"  {_shown(folder)} (not a folder)"
    names: list[str] = []
    for top, dirs, found in os.walk(folder):  # does not follow symlinks to folders
        dirs.sort()
        names += [os.path.relpath(os.path.join(top, n), folder) for n in sorted(found)]
    shown = [f"    {_shown(n)}" for n in names[:LISTED]]
    more = [f"    ... and {len(names) - LISTED} more file(s)"] if len(names) > LISTED else []
    head = f"  {_shown(folder)}/ ({len(names)} file(s))"
    return "\n".join([head, *shown, *more])


def to_directory(bundles: Sequence[Bundle], root: str) -> list[str]:
    """Write each bundle under ``root/<target>/``, replacing those folders whole, all of them or
    none; a bundle's ``sensitive`` files (holding a secret's value) get mode 0600, the others
    0666 less the umask.  Returns the paths written.  Raises InputError (the output folder cannot be written;
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
            (staged / bundle.target / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            for path, text in bundle.files.items():
                dest = staged / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                _write(dest, text, SECRET_MODE if path in bundle.sensitive else FILE_MODE)
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


FILE_MODE = 0o666  # what open() creates a file with, less the umask: 0644 with the usual 022
SECRET_MODE = 0o600  # a file holding a secret's value: its owner only, whatever the umask


def _write(dest: Path, text: str, mode: int) -> None:
    """Create ``dest`` with ``mode`` (less the umask) from the start: a secret's file is never
    readable by others, not even between its creation and a chmod."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(text)


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
