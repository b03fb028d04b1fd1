"""JSON read with the numbers and escapes no output can carry refused at their place.

Python's ``json`` keeps what other readers refuse or cannot write back: NaN and Infinity, 1e999
(read as infinity), integers Python itself will not print (more than 4,300 digits), and a
``\\ud800`` escape that is half a UTF-16 pair (a lone surrogate, which no UTF-8 output holds).
The Nomad importer reads the API's JSON jobs through ``loads``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from crossdock.errors import InputError


class _BadNumber(ValueError):
    """A JSON number Python would keep but no platform reads (NaN, Infinity, 1e999, 5,000 digits)."""


def _json_int(token: str) -> int:
    if len(token.lstrip("-")) > _MAX_INT_DIGITS:
        raise _BadNumber(token)
    return int(token)


def _json_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _BadNumber(token)
    return value


def _json_constant(token: str) -> Any:
    raise _BadNumber(token)


# Python refuses to convert integers of more digits to and from text (CVE-2020-10735).
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
# A \u escape of a UTF-16 surrogate not in a pair (preceded by an even run of backslashes):
# Python's json keeps it as a lone surrogate, which no UTF-8 output can hold.
_LONE_SURROGATE = re.compile(r"(?<!\\)(?:\\\\)*(\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})")


def _at(path: str, text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return f"{path}:{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def loads(path: str, text: str) -> Any:
    """``json.loads``, refusing with file:line:col the numbers and escapes it would keep but no
    output can carry. Raises InputError, json.JSONDecodeError, RecursionError."""
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except _BadNumber as e:
        token = str(e)
        m = re.search(r"(?<![0-9A-Za-z.])" + re.escape(token) + r"(?![0-9A-Za-z.])", text)
        where = _at(path, text, m.start()) if m else path
        raise InputError(f"{where}: the number {token[:20]}{'...' if len(token) > 20 else ''} is not one a Nomad "
                         f"job can hold (NaN, infinite, or more than {_MAX_INT_DIGITS} digits)") from None
    if "\\u" in text and (m := _LONE_SURROGATE.search(text)) is not None:
        raise InputError(f"{_at(path, text, m.start(1))}: the escape {m.group(1)} is half of a UTF-16 surrogate pair, "
                         "not a character (write the character itself, or both halves of the pair)")
    return data
