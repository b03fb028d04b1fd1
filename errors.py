"""The one error hierarchy of crossdock.

Library code raises these and never prints or exits; ``crossdock.cli`` turns them into one
message and an exit code (``exit_code``).  Every error a person sees says where (file:line:col
and the spec path), what was expected, and a hint.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

EXIT_OK = 0
EXIT_RUNTIME = 1  # runtime or platform error
EXIT_INVALID = 2  # invalid input: spec, flags, files
EXIT_STRICT = 3  # --strict and the portability report is not empty


# Characters a message must not carry raw: controls (newline, tab, ESC, C1, DEL), format
# characters (bidi overrides and isolates U+202A-202E / U+2066-2069, zero-width U+200B-200F,
# U+FEFF), line and paragraph separators, and lone surrogates (a terminal would act on the first
# ones, or hide text with them; the last cannot even be written to a UTF-8 stream).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def shown(text: str) -> str:
    """``text`` as a message may show it: each unsafe character written as Python writes it in
    a string literal (``\\n``, ``\\t``, ``\\x1b``, ``\\u202e``), everything else unchanged.

    Keys, values, paths and file names all go through this one function, at display time
    (``Problem.__str__``, ``Location.__str__``, the CLI's last print).  A backslash is left as
    it is, so the escaped text holds no unsafe character and a second pass changes nothing:
    text escaped before (``repr``, ``describe``) is never escaped twice.
    """
    if text.isprintable():  # the common case, in C: no control, format or separator character
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown_lines(text: str) -> str:
    """``shown`` line by line: for a message made of several lines on purpose."""
    return "\n".join(shown(line) for line in text.split("\n"))


def shape(value: object) -> str:
    """What a value is, never what it says: for content that may come from a file that is not
    a spec at all (a password file, /etc/shadow, a .env), which a message must not quote."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        lines = value.count("\n") + 1
        size = f"{len(value)} character{'s' if len(value) != 1 else ''}"
        return f"a text of {size}" + (f" on {lines} lines" if lines > 1 else "")
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return f"a value of type {type(value).__name__}"


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file; line and column are 1-based, as editors count."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return shown(self.file)
        return f"{shown(self.file)}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it.

    The parts are raw text (a key with a newline, a value with ESC); ``str`` escapes each one
    (``shown``), so a problem prints as one line whatever its parts hold.
    """

    path: str
    message: str
    location: Location | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{shown(self.path)}: " if self.path else ""
        text = f"{where}{path}{shown(self.message)}"
        if self.hint:
            text += f" ({shown(self.hint)})"
        return text


class CrossdockError(Exception):
    """Base of every error crossdock raises on purpose; catch this one."""

    exit_code: int = EXIT_RUNTIME


class InputError(CrossdockError):
    """Invalid input that is not a spec file: a flag, a --set value, an output path."""

    exit_code = EXIT_INVALID


@dataclass
class SpecError(CrossdockError):
    """A spec file (or overlay) has problems; all of them are collected in ``problems``."""

    problems: Sequence[Problem] = field(default_factory=list)
    exit_code: int = EXIT_INVALID

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [str(p) for p in sorted(self.problems, key=_problem_order)]
        count = len(lines)
        head = f"{count} problem{'s' if count != 1 else ''} found"
        return "\n".join(lines + [head])


def _problem_order(p: Problem) -> tuple[str, int, int, str]:
    loc = p.location or Location("")
    return (loc.file, loc.line, loc.column, p.path)


class StrictModeError(CrossdockError):
    """``--strict`` was given and some target cannot express part of the spec."""

    exit_code = EXIT_STRICT


class PlatformError(CrossdockError):
    """A platform could not be reached, refused us, or did not converge in time."""

    exit_code = EXIT_RUNTIME


class PlatformUnreachable(PlatformError):
    """The platform's API did not answer (connection refused, DNS, TLS handshake)."""


class PlatformUnauthorized(PlatformError):
    """The platform refused our credentials (HTTP 401 or the client's equivalent)."""


class PlatformForbidden(PlatformError):
    """Our credentials are valid but may not do this (HTTP 403)."""


class PlatformRejected(PlatformError):
    """The platform refused an object we sent; the message carries its reason."""


class PlatformTimeout(PlatformError):
    """The platform did not answer, or did not converge, in the time allowed."""


class DeployFailed(PlatformError):
    """The app did not become healthy; ``failures`` names each failing workload and why."""

    def __init__(self, message: str, failures: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.failures = dict(failures or {})
