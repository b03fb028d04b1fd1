"""Reading the files users name: confined to a folder, regular files only, each with a size cap.

A spec (``file:``, ``from_file:``) and an imported project (``env_file:``, ``include:``, bind
mounts) name files whose content crossdock copies into every output.  A path that leaves the
spec's folder (``../``, an absolute path, a symlink pointing out) would publish whatever it
reaches (``/proc/self/environ``, ``~/.ssh/id_rsa``), and a FIFO or a device would block or never
end.  So every such read goes through ``read_confined``: the path is resolved (symlinks
included) and must stay under the base folder or a folder the user allowed (``--allow-path``);
only a regular file is read, at most ``limit`` bytes.  Files named on the command line (the
spec, an overlay, the files to import) are the user's own choice: ``read_regular`` reads them
without confinement but with the same other checks.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import BinaryIO, Sequence

from crossdock.errors import InputError, Location, Problem, shown

MAX_SPEC_BYTES = 4 * 1024 * 1024  # a spec, an overlay, standard input: a 1,000-service app is ~0.5 MiB
ALLOW_HINT = "move the file into that folder, or pass --allow-path DIR to let crossdock read files under DIR"

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class FileRefused(InputError):
    """A file that cannot or may not be read; ``problem`` says where it is named and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Confinement:
    """Where reads may go: under ``base`` or one of ``allowed`` (all resolved, symlinks included)."""

    base: str
    allowed: tuple[str, ...] = ()
    what: str = "the spec's folder"

    @classmethod
    def of(cls, base: str, allowed: Sequence[str] = (), what: str = "the spec's folder") -> Confinement:
        return cls(os.path.realpath(base), tuple(os.path.realpath(a) for a in allowed), what)

    def permits(self, real: str) -> bool:
        return any(is_under(real, root) for root in (self.base, *self.allowed))


def is_under(path: str, folder: str) -> bool:
    """Whether the resolved ``path`` is ``folder`` or inside it (resolved too)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def read_confined(path: str, *, confinement: Confinement, limit: int, where: Location | None,
                  field: str = "", relative_to: str | None = None) -> tuple[str, bytes]:
    """The resolved path and bytes of ``path`` (relative to ``relative_to``, else to the base).

    Raises FileRefused (exit 2) when the path resolves outside the confinement, is not a regular
    file, cannot be opened, or holds more than ``limit`` bytes; the problem points at ``where``
    (the field naming the path) and names the path as written.
    """
    joined = os.path.join(relative_to if relative_to is not None else confinement.base, path)
    real = os.path.realpath(joined)
    if not confinement.permits(real):
        via = "" if os.path.normpath(joined) == real else f" (it resolves to {shown(real)})"
        raise FileRefused(Problem(field, f"{shown(path)} is outside {confinement.what} "
                                  f"{shown(confinement.base)}{via}; crossdock reads only files under it",
                                  where, ALLOW_HINT))
    return real, read_regular(real, limit=limit, where=where, field=field, written=path)


def read_regular(path: str, *, limit: int, where: Location | None = None, field: str = "",
                 written: str | None = None) -> bytes:
    """At most ``limit`` bytes of a regular file, refused whole when it holds more.

    Opened without blocking (a FIFO would otherwise wait for a writer forever) and checked on
    the open descriptor, so a file swapped for a FIFO or a device after a check is still refused.
    Raises FileRefused.
    """
    name = written if written is not None else path
    raw = read_head(path, limit=limit, where=where, field=field, subject=shown(name))
    if len(raw) > limit:
        raise FileRefused(Problem(field, f"{shown(name)} is larger than {_size(limit)}", where or Location(name),
                                  "check that this is the file you meant"))
    return raw


def read_head(path: str, *, limit: int, where: Location | None = None, field: str = "",
              subject: str = "the file") -> bytes:
    """At most ``limit`` + 1 bytes of a regular file (one past the cap: the caller refuses a
    longer result with its own words). Raises FileRefused for anything but a regular file, or
    a file that cannot be opened; the message calls it ``subject``."""
    loc = where or Location(path)
    named = f" {subject}" if subject else ""  # "" when the location already names the file
    try:
        _refuse_special(os.stat(path).st_mode, subject, loc, field)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise FileRefused(Problem(field, f"cannot read{named}: {_why(e)}", loc, _hint(e))) from e
    try:
        _refuse_special(os.fstat(fd).st_mode, subject, loc, field)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return _read_capped(fh, limit)
    except OSError as e:
        raise FileRefused(Problem(field, f"cannot read{named}: {_why(e)}", loc, _hint(e))) from e
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, *, limit: int = MAX_SPEC_BYTES, name: str = "-") -> bytes:
    """At most ``limit`` bytes of a stream (standard input). Raises FileRefused beyond it, before
    reading more than one byte past the cap."""
    raw = _read_capped(stream, limit)
    if len(raw) > limit:
        raise FileRefused(Problem("", f"standard input is larger than {_size(limit)}", Location(name),
                                  "a spec should be far smaller; check what is piped in"))
    return raw


def _read_capped(stream: BinaryIO, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit + 1  # one byte past the cap tells "too large" from "exactly the cap"
    while left > 0:
        chunk = stream.read(min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _refuse_special(mode: int, subject: str, loc: Location, field: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((label for test, label in _KINDS if test(mode)), "something else")
    raise FileRefused(Problem(field, f"{subject or 'it'} is {kind}, not a regular file", loc,
                              "crossdock reads only regular files"))


def _why(e: OSError) -> str:
    return e.strerror or str(e)


def _hint(e: OSError) -> str:
    if e.errno == errno.ENOENT:
        return "check the path; paths are relative to the folder of the file that names them"
    return "check the path and its permissions"


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit // 1024} KiB"
