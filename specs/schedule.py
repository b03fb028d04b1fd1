"""Cron schedules and time zones of the app spec (cron jobs): the types, and the checks the
Kubernetes importer shares."""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from crossdock.specs.types import fail, plain_str

# What Kubernetes (robfig/cron ParseStandard) and Nomad (cronexpr) both accept; Swarm has no
# scheduled jobs.  Day of week is 0-6 (robfig refuses 7); names are three letters, any case;
# a value may be zero-padded to two digits.  One regex serves the model and the schema.

_CRON_MACROS = ("yearly", "annually", "monthly", "weekly", "daily", "hourly")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (field, lowest, highest, value regex, names)
_CRON_FIELDS: tuple[tuple[str, int, int, str, tuple[str, ...]], ...] = (
    ("minute", 0, 59, r"[0-5]?[0-9]", ()),
    ("hour", 0, 23, r"[01]?[0-9]|2[0-3]", ()),
    ("day of month", 1, 31, r"0?[1-9]|[12][0-9]|3[01]", ()),
    ("month", 1, 12, r"0?[1-9]|1[0-2]", _MONTHS),
    ("day of week", 0, 6, r"0?[0-6]", _DAYS),
)


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in word)


def _cron_field_rx(number: str, names: tuple[str, ...]) -> str:
    value = "|".join([number, *(_any_case(n) for n in names)])
    item = rf"(\*|(?:{value})(?:-(?:{value}))?)(/0*[1-9][0-9]*)?"
    return rf"{item}(,{item})*"


CRON_PATTERN = ("@(" + "|".join(_CRON_MACROS) + ")|"
                + " +".join(f"({_cron_field_rx(number, names)})" for _, _, _, number, names in _CRON_FIELDS))


_CRON_EXPECTED = "a cron schedule of five fields such as '0 3 * * *', or @daily"


def _cron_value(text: str, lo: int, names: tuple[str, ...]) -> int:
    return lo + names.index(text.lower()) if text.isalpha() else int(text)


def _cron_field_ok(text: str, lo: int, hi: int, names: tuple[str, ...]) -> bool:
    """``re.fullmatch(_cron_field_rx(...), text)`` for one field, by hand."""
    def value(word: str) -> bool:
        if word.isascii() and word.isdigit():
            return len(word) <= 2 and lo <= int(word) <= hi
        return word.lower() in names and word.isascii()

    def item_ok(item: str) -> bool:
        body, slash, step = item.partition("/")
        if slash and not (step.isascii() and step.isdigit() and int(step) > 0):
            return False
        if body == "*":
            return True
        first, dash, last = body.partition("-")
        return value(first) and (not dash or value(last))

    return all(item_ok(item) for item in text.split(","))


def cron_matches(v: str) -> bool:
    """``re.fullmatch(CRON_PATTERN, v)``, by hand: the pattern takes ~10 ms to compile, more
    than a cold run spends loading a spec (tests/specs/test_types.py shows the two agree)."""
    if v.startswith("@"):
        return v[1:] in _CRON_MACROS
    fields = [f for f in v.split(" ") if f]
    if len(fields) != 5 or v[0] == " " or v[-1] == " ":
        return False
    return all(_cron_field_ok(text, lo, hi, names) for text, (_, lo, hi, _, names) in zip(fields, _CRON_FIELDS))


def cron_problem(v: str) -> str | None:
    """Why a schedule is refused, in a person's words (which field, which rule); None if valid."""
    if not cron_matches(v):
        if v.startswith("@"):
            return f"macros: {', '.join('@' + m for m in _CRON_MACROS)}"
        fields = v.split()
        if len(fields) != 5:
            return f"{len(fields)} field(s); the five are minute, hour, day of month, month, day of week"
        for text, (what, lo, hi, _, names) in zip(fields, _CRON_FIELDS):
            if not _cron_field_ok(text, lo, hi, names):
                extra = f" or {names[0].upper()}-{names[-1].upper()}" if names else ""
                return f"the {what} field '{text}' is not *, a number {lo}-{hi}{extra}, a range a-b, a list or a step /n"
        return "separate the five fields with spaces"
    if v.startswith("@"):
        return None
    for text, (what, lo, _, _, names) in zip(v.split(), _CRON_FIELDS):
        for item in text.split(","):
            first, _, last = item.split("/")[0].partition("-")
            if last and _cron_value(first, lo, names) > _cron_value(last, lo, names):
                return f"the {what} range '{first}-{last}' runs backwards"
    return None


def _cron(v: Any) -> Any:
    if not isinstance(v, str):
        raise fail(_CRON_EXPECTED, v)
    why = cron_problem(v)
    if why is not None:
        raise fail(_CRON_EXPECTED, v, f" ({why})")
    return v


# A backwards range (`5-1`) passes the schema's pattern: the one rule in a field that compares
# two numbers, which a regular expression cannot (listed as an exception in test_schema).
Cron = Annotated[str, BeforeValidator(_cron), WithJsonSchema({"type": "string", "pattern": f"^(?:{CRON_PATTERN})$"})]

# Not real places: ``Factory`` is a placeholder and ``localtime`` the machine's own zone, which
# Kubernetes refuses ("Local") and which means something different on every Nomad client.
_NOT_ZONES = frozenset({"Factory", "localtime"})
TIMEZONE_PATTERN = r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*"


@functools.cache
def _zones() -> frozenset[str]:
    import zoneinfo  # only for specs with a timezone: not on every run's import path

    # available_timezones() walks the tz database's files on each call (~600 files, 10-20 ms):
    # read it once, and only to suggest a name for one that is not a zone.
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONES


def is_zone(name: str) -> bool:
    """``name in zoneinfo.available_timezones()`` (less ``_NOT_ZONES``), asked of the one file:
    a name of the pattern's shape that ZoneInfo loads, outside the ``posix/`` and ``right/``
    copies and the ``posixrules`` link, which available_timezones() leaves out too."""
    import zoneinfo

    if name in _NOT_ZONES or name == "posixrules" or name.startswith(("posix/", "right/")):
        return False
    if not re.fullmatch(TIMEZONE_PATTERN, name):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _timezone(v: Any) -> Any:
    v = plain_str(v)
    if not is_zone(v):
        close = _close_zone(v, _zones())
        raise fail("an IANA time zone name such as Europe/Berlin or UTC", v,
                   f" (did you mean '{close}'?)" if close else
                   " (use an Area/Location name of the tz database, e.g. America/New_York; abbreviations "
                   "such as CEST are not zones)")
    return v


def _close_zone(name: str, zones: frozenset[str]) -> str | None:
    import difflib

    by_lower = {z.lower(): z for z in zones}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    # Only Area/Location names are offered: a near miss among the short legacy names (CEST ->
    # EST) would be a different zone.
    close = difflib.get_close_matches(name, sorted(z for z in zones if "/" in z), n=1, cutoff=0.6)
    return close[0] if close else None


# Membership in the tz database depends on the tzdata the machine has, so the schema states only
# the shape of a name; the list itself is the other exception test_schema names.
Timezone = Annotated[str, BeforeValidator(_timezone),
                     WithJsonSchema({"type": "string", "pattern": f"^(?:{TIMEZONE_PATTERN})$"})]
