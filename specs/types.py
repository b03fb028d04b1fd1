"""Constrained scalar types of the app spec.

Each type checks its value itself (a ``BeforeValidator``) so that the message a person sees
says what was expected in the spec's own words, and carries ``Field`` constraints so that the
JSON Schema states the same rule.  YAML 1.1 turns ``yes``/``on`` into booleans and ``0644``
into an octal integer; a string type therefore never accepts a boolean silently.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from crossdock.specs.imageref import IMAGE_EXPECTED, image_problem


def describe(value: Any) -> str:
    """How a wrong value is shown back to a person: short, typed, never a secret."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def fail(expected: str, value: Any, hint: str = "") -> PydanticCustomError:
    return PydanticCustomError("crossdock", "expected {expected}, got {got}{hint}",
                               {"expected": expected, "got": describe(value), "hint": hint})


BOOL_HINT = " (YAML reads yes/no/on/off as booleans: quote the value)"


# Integer and boolean fields may hold a variable reference before substitution
# (`replicas: ${REPLICAS}`); the schema allows that so editors do not flag it.
VARIABLE_REF = {"type": "string", "pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}$"}


def bounded_int(lo: int, hi: int | None = None) -> Any:
    expected = f"an integer {lo}-{hi}" if hi is not None else f"an integer >= {lo}"

    def check(v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            raise fail(expected, v)
        if v < lo or (hi is not None and v > hi):
            raise fail(expected, v)
        return v

    number: dict[str, Any] = {"type": "integer", "minimum": lo}
    if hi is not None:
        number["maximum"] = hi
    return Annotated[int, BeforeValidator(check), WithJsonSchema({"anyOf": [number, VARIABLE_REF]})]


def pattern_str(pattern: str, expected: str, max_length: int | None = None) -> Any:
    rx = re.compile(pattern)

    def check(v: Any) -> Any:
        if not isinstance(v, str) or not rx.fullmatch(v) or (max_length and len(v) > max_length):
            raise fail(expected, v, BOOL_HINT if isinstance(v, bool) else "")
        return v

    # JSON Schema patterns are not anchored (the validator uses fullmatch), and for mapping
    # keys pydantic keeps only the pattern, so the length goes into the pattern as well.
    length = f"(?=.{{0,{max_length}}}$)" if max_length else ""
    schema: dict[str, Any] = {"type": "string", "pattern": f"^{length}(?:{pattern})$"}
    if max_length:
        schema["maxLength"] = max_length
    return Annotated[str, BeforeValidator(check), WithJsonSchema(schema)]


def carriable(text: str) -> bool:
    """Whether a platform can carry ``text``: no NUL character, no lone UTF-16 surrogate (what
    undecodable bytes become); importers use it to leave such a file out instead of writing a
    spec that does not load."""
    return "\x00" not in text and not _SURROGATE.search(text)


def _plain_str(v: Any) -> Any:
    if not isinstance(v, str):
        hint = BOOL_HINT if isinstance(v, bool) else ""
        raise PydanticCustomError("crossdock", "expected a string, got {got}{hint}",
                                  {"got": describe(v), "hint": hint})
    if not carriable(v):
        raise PydanticCustomError("crossdock", "a string cannot contain a NUL character or a lone UTF-16 "
                                  "surrogate: no platform can carry it", {})
    return v


_SURROGATE = re.compile("[\ud800-\udfff]")

Text = Annotated[str, BeforeValidator(_plain_str)]


def _image(v: Any) -> Any:
    v = _plain_str(v)
    why = image_problem(v)
    if why is not None:
        raise fail(IMAGE_EXPECTED, v, f" ({why})")
    return v


# An empty image (`image: ${TAG-}` with TAG set empty) or one with spaces no platform accepts.
# The JSON Schema keeps the loose pattern: editors check the text before variables are
# substituted (`image: ${REGISTRY}/api:${TAG}`), crossdock checks the grammar after.
Image = Annotated[str, BeforeValidator(_image), WithJsonSchema({"type": "string", "pattern": r"^\S+$"})]


def _env_value(v: Any) -> Any:
    if isinstance(v, bool) or isinstance(v, float):
        raise PydanticCustomError(
            "crossdock", "expected a string, got {got} (quote it: YAML would change its text, e.g. yes -> true, 1.10 -> 1.1)",
            {"got": describe(v)})
    if isinstance(v, int):
        return str(v)
    return _plain_str(v)


# Env values may be written as integers (PORT: 8080) as in compose; booleans and floats are
# refused because YAML has already changed their text before we see it.
EnvValue = Annotated[str, BeforeValidator(_env_value),
                     WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]})]

DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"

# App names become Kubernetes label values, Swarm stack names and Nomad job IDs.
AppName = pattern_str(DNS_LABEL, "a name of lowercase letters, digits and '-', starting and ending "
                      "with a letter or digit, at most 40 characters (e.g. 'shop')", 40)
# Workload names become Kubernetes Service names (DNS-1035: must start with a letter).
WorkloadName = pattern_str(DNS_1035, "a name of lowercase letters, digits and '-', starting with a "
                           "letter, at most 52 characters (e.g. 'web')", 52)
ObjectName = pattern_str(DNS_LABEL, "a name of lowercase letters, digits and '-', at most 63 "
                         "characters (e.g. 'db-password')", 63)
PortName = pattern_str(r"[a-z]([-a-z0-9]*[a-z0-9])?", "a port name of lowercase letters, digits "
                       "and '-', at most 15 characters (e.g. 'http')", 15)
EnvName = pattern_str(r"[A-Za-z_][A-Za-z0-9_]*", "an environment variable name "
                      "(letters, digits, '_', not starting with a digit)")
# A container's environment variable: images read dotted and dashed names too (Elasticsearch's
# discovery.type, xpack.*), which Kubernetes (since 1.34), Swarm and Nomad's docker driver pass
# through; a shell variable (variables:, from_env) stays an EnvName.
EnvKey = pattern_str(r"[A-Za-z_][A-Za-z0-9_.-]*", "an environment variable name "
                     "(letters, digits, '_', '.', '-', not starting with a digit or '.')", 256)
LabelKey = pattern_str(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                       r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?",
                       "a label key such as 'team' or 'example.com/team'", 253)
LabelValue = pattern_str(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?",
                         "a label value of at most 63 letters, digits, '-', '_' or '.'", 63)
AbsPath = pattern_str(r"/[^\x00]*", "an absolute path inside the container (e.g. /etc/app/app.conf)")
Duration = pattern_str(r"([0-9]+(ms|s|m|h))+", "a duration such as 500ms, 10s, 1m30s or 2h")
Cpu = pattern_str(r"[0-9]+(\.[0-9]+)?m?", "a CPU amount such as 250m, 0.5 or 2")
Memory = pattern_str(r"[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?", "a memory amount such as 512Mi or 2Gi")
Size = Memory
Hostname = pattern_str(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                       "a host name such as shop.example.com", 253)
HttpPath = pattern_str(r"/[^\s]*", "an HTTP path starting with '/'")
# A Linux capability as Kubernetes spells it (no CAP_ prefix; importers strip it), or ALL.
Capability = pattern_str(r"[A-Z][A-Z0-9_]*", "a Linux capability name such as NET_ADMIN or ALL (without "
                         "the CAP_ prefix)", 32)
Signal = pattern_str(r"SIG[A-Z]+[0-9]*([+-][0-9]+)?", "a signal name such as SIGTERM, SIGINT or SIGQUIT")
# A name other workloads use to reach a service: compose container names and network aliases
# may hold '_' and '.', so the alias keeps them; a target that cannot carry one says so.
Alias = pattern_str(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", "a host name of letters, digits, '-', "
                    "'_' or '.' (e.g. 'db' or 'my_db')", 253)


# ---- cron schedules and time zones -------------------------------------------------------------
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
    v = _plain_str(v)
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


def _mode(v: Any) -> Any:
    # YAML 1.1 reads an unquoted 0644 as octal (420); a quoted "0644" is read as octal text.
    if isinstance(v, str) and re.fullmatch(r"0?[0-7]{3,4}", v):
        return int(v, 8)
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 0o7777:
        return v
    raise fail("a file mode such as 0644 or \"0400\"", v)


FileMode = Annotated[int, BeforeValidator(_mode), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 0o7777}, {"type": "string", "pattern": "^0?[0-7]{3,4}$"}]})]
Port = bounded_int(1, 65535)

_PORT_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def _port_ref(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535:
        return v
    if isinstance(v, str) and _PORT_NAME.fullmatch(v) and len(v) <= 15:
        return v
    raise fail("a port name declared under ports (e.g. 'http') or a port number 1-65535", v)


# One type rather than a union, so that a wrong value gives one message, not one per branch.
PortRef = Annotated[
    int | str,
    BeforeValidator(_port_ref),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
                              {"type": "string", "pattern": _PORT_NAME.pattern, "maxLength": 15}]}),
]
_USER_NAME = re.compile(r"[a-z_][a-z0-9_.-]*\$?")


def _user_ref(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2147483647:
        return v
    if isinstance(v, str) and _USER_NAME.fullmatch(v) and len(v) <= 32:
        return v
    raise fail("a numeric id 0-2147483647 or a name such as 'postgres'", v)


# A user or group: a numeric id, or a name the image's /etc/passwd resolves (Kubernetes can run
# only as a number; its translator says so for a name).
UserRef = Annotated[
    int | str,
    BeforeValidator(_user_ref),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0, "maximum": 2147483647},
                              {"type": "string", "pattern": f"^(?=.{{1,32}}$)(?:{_USER_NAME.pattern})$"}]}),
]
Replicas = bounded_int(0, 10000)
Percent = bounded_int(1, 100)
Count = bounded_int(0)
PositiveCount = bounded_int(1)


def _bool(v: Any) -> Any:
    if not isinstance(v, bool):
        raise fail("true or false", v)
    return v


Bool = Annotated[bool, BeforeValidator(_bool), WithJsonSchema({"anyOf": [{"type": "boolean"}, VARIABLE_REF]})]


def duration_seconds(text: str) -> float:
    """'1m30s' -> 90.0; the text is already checked by ``Duration``."""
    unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * unit[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h)", text))


def cpu_millicores(text: str) -> int:
    if text.endswith("m"):
        return int(float(text[:-1]))
    return int(round(float(text) * 1000))


_MEMORY_UNITS = {"": 1, "k": 1000, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4,
                 "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}


def memory_bytes(text: str) -> int:
    m = re.fullmatch(r"([0-9]+)([A-Za-z]*)", text)
    assert m, text
    return int(m.group(1)) * _MEMORY_UNITS[m.group(2)]
