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


def plain_str(v: Any) -> Any:
    if not isinstance(v, str):
        hint = BOOL_HINT if isinstance(v, bool) else ""
        raise PydanticCustomError("crossdock", "expected a string, got {got}{hint}",
                                  {"got": describe(v), "hint": hint})
    if not carriable(v):
        raise PydanticCustomError("crossdock", "a string cannot contain a NUL character or a lone UTF-16 "
                                  "surrogate: no platform can carry it", {})
    return v


_SURROGATE = re.compile("[\ud800-\udfff]")

Text = Annotated[str, BeforeValidator(plain_str)]


def _image(v: Any) -> Any:
    v = plain_str(v)
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
    return plain_str(v)


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

def number_or_name(lo: int, hi: int, name: str, name_max: int, schema_pattern: str, expected: str) -> Any:
    """An integer lo-hi or a name matching ``name`` (at most ``name_max`` characters), as one
    type rather than a union, so that a wrong value gives one message, not one per branch."""
    rx = re.compile(name)

    def check(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi:
            return v
        if isinstance(v, str) and rx.fullmatch(v) and len(v) <= name_max:
            return v
        raise fail(expected, v)

    return Annotated[int | str, BeforeValidator(check), WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": lo, "maximum": hi},
                   {"type": "string", "pattern": schema_pattern, "maxLength": name_max}]})]


_PORT_NAME = r"[a-z]([-a-z0-9]*[a-z0-9])?"
PortRef = number_or_name(1, 65535, _PORT_NAME, 15, _PORT_NAME,
                         "a port name declared under ports (e.g. 'http') or a port number 1-65535")
# A user or group: a numeric id, or a name the image's /etc/passwd resolves (Kubernetes can run
# only as a number; its translator says so for a name).
_USER_NAME = r"[a-z_][a-z0-9_.-]*\$?"
UserRef = number_or_name(0, 2147483647, _USER_NAME, 32, f"^(?:{_USER_NAME})$",
                         "a numeric id 0-2147483647 or a name such as 'postgres'")
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
