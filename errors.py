"""The one error hierarchy of crossdock.

Library code raises these and never prints or exits; ``crossdock.cli`` turns them into one
message and an exit code (``exit_code``).  Every error a person sees says where (file:line:col
and the spec path), what was expected, and a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

EXIT_OK = 0
EXIT_RUNTIME = 1  # runtime or platform error
EXIT_INVALID = 2  # invalid input: spec, flags, files
EXIT_STRICT = 3  # --strict and the portability report is not empty


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file; line and column are 1-based, as editors count."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it."""

    path: str
    message: str
    location: Location | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{self.path}: " if self.path else ""
        text = f"{where}{path}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
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
