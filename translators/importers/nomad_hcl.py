"""A Nomad jobspec (HCL2) read into the HTTP API's JSON job object, so that the importer maps
one form whichever the user has (``nomad job run`` HCL or ``POST /v1/jobs`` JSON).

The names come from ``nomad_schema``.  Durations ("1m30s")
become integer nanoseconds, ``port`` blocks split into ``ReservedPorts`` (with ``static``) and
``DynamicPorts``, ``volume "<name>"`` blocks a map, ``meta``/``env`` may be blocks or object
attributes, free-form maps (a driver's ``config``, a scaling ``policy``) keep every block as a
list of objects, as jobspec2 does.  A block or attribute outside the table is a Loss.

Strings are decoded here, not by python-hcl2 (which keeps the source text): escapes,
``$${`` -> ``${`` and ``%%{`` -> ``%{``, heredocs.  ``${var.x}`` becomes a marker that the
importer turns into the spec's ``${x}``; Nomad's run-time variables (``${NOMAD_*}``,
``${meta.*}``, ``${attr.*}``, ``${node.*}``, ``${env...}``) stay as text, as jobspec2 leaves
them for the client; any other expression is kept as text and reported.

Lines: python-hcl2 8 gives no positions (``with_meta`` adds none), so each block's line is
found by searching its header (``group "api" {``) in the text after its parent's line.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from crossdock.errors import InputError
from crossdock.translators.importers.nomad_schema import JOB, LINE, B

VAR = "\x00"  # ${var.x} becomes VAR + "x" + VAR; the importer writes it as the spec's ${x}
_MARK = "__is_block__"
# python-hcl2 (lark) parses ~0.1-0.2 MiB/s: 1 MiB is ~5-10 s, and 200 times a large real jobspec.
MAX_HCL_CHARS = 2**20
_RUNTIME = re.compile(r"(NOMAD_[A-Z0-9_]*|meta\.|attr\.|node\.|env\b|env\[|unique\.)")
_DUR = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@dataclass
class HclFile:
    """What one HCL file holds: its jobs (API form, with ``LINE`` keys), its variables' defaults
    (None: no default), and what could not be read (line, where, message)."""

    jobs: list[dict[str, Any]]
    variables: dict[str, Any]
    unread: list[tuple[int, str, str]]


def parse(path: str, text: str) -> HclFile:
    """The jobs of a jobspec. Raises InputError (with file:line:col) for text that is not HCL."""
    if len(text) > MAX_HCL_CHARS:
        raise InputError(f"{path}: an HCL jobspec over {MAX_HCL_CHARS // 2**20} MiB (python-hcl2 reads about "
                         "0.1 MiB a second; a Nomad job is far smaller): check the file, or import its JSON form "
                         "(nomad job run -output FILE > job.json)")
    try:
        tree = hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False))
    except RecursionError as e:
        raise InputError(f"{path}: not valid HCL: blocks nested too deeply (check the braces)") from e
    except ValueError as e:  # python-hcl2 converts numbers itself: int() refuses over 4,300 digits
        if (where := _long_number(path, text)) is None:
            raise _not_hcl(path, e) from e
        raise InputError(f"{where}: a number of more than {_MAX_INT_DIGITS} digits (no field takes a number this "
                         "large; quote it if it is text)") from e
    except Exception as e:  # python-hcl2 raises lark's errors, and others for odd tokens
        raise _not_hcl(path, e) from e
    reader = _Reader(text.splitlines(), path)
    out = HclFile([], {}, [])
    for key, value in tree.items():
        if key == "variable":
            for block in value:
                for label, body in block.items():
                    name = _label(label)
                    out.variables[name] = reader.value(body.get("default"), "", 0) if "default" in body else None
        elif key == "job":
            for block in value:
                for label, body in block.items():
                    line = reader.find(0, rf'job\s+"?{re.escape(_label(label))}"?\s*\{{')
                    job = reader.body(body, JOB, f"job.{_label(label)}", line)
                    job["ID"] = _label(label)
                    job.setdefault("Name", job["ID"])
                    out.jobs.append(job)
        else:
            line = reader.find(0, rf"{re.escape(key)}\b")
            out.unread.append((line, key, "not a job or variable block: not carried over"))
    out.unread += reader.unread
    return out


def _not_hcl(path: str, e: Exception) -> InputError:
    line, col = getattr(e, "line", 0) or 0, getattr(e, "column", 0) or 0
    where = f"{path}:{line}:{col}" if isinstance(line, int) and line > 0 else path
    return InputError(f"{where}: not valid HCL: {_what(e)} (check the braces, quotes and '=' near there; "
                      "`nomad job validate` shows the same)")


# Python refuses to convert integers of more digits to and from text (CVE-2020-10735).
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z_.\"])[0-9]{%d,}" % (_MAX_INT_DIGITS + 1))


def _long_number(path: str, text: str) -> str | None:
    """``file:line:col`` of the first number too long for int(), or None."""
    m = _LONG_NUMBER.search(text)
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return f"{path}:{line}:{m.start() - (text.rfind(chr(10), 0, m.start()) + 1) + 1}"


def _what(e: Exception) -> str:
    """What the parser met, without the text itself (it may hold a secret value)."""
    token = getattr(e, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "unexpected end of file"
    if token is not None:
        return f"unexpected {str(getattr(token, 'type', 'token')).lower().replace('_', ' ')}"
    char = getattr(e, "char", None)
    if isinstance(char, str) and char.isprintable() and char not in "\"'":
        return f"unexpected character '{char}'"
    return "cannot parse this" if char is None else "unexpected character"


def _label(raw: str) -> str:
    """A block's label as HCL reads it: quoted, with its escapes; a label holding a control
    character or a broken escape is taken as written between its quotes (its name is checked,
    and escaped in messages, where it is used)."""
    if not raw.startswith('"'):
        return raw
    try:
        return str(json.loads(raw, strict=False))
    except ValueError:
        return raw[1:-1] if len(raw) > 1 and raw.endswith('"') else raw[1:]


class _Reader:
    def __init__(self, lines: list[str], path: str = "") -> None:
        self.lines = lines
        self.path = path
        self.unread: list[tuple[int, str, str]] = []

    def find(self, start: int, pattern: str) -> int:
        """The 1-based line at or after ``start`` where ``pattern`` begins (after indentation)."""
        rx = re.compile(r"^\s*" + pattern)
        for i in range(max(start - 1, 0), len(self.lines)):
            if rx.match(self.lines[i]):
                return i + 1
        return start

    def body(self, body: dict[str, Any], spec: B, where: str, line: int) -> dict[str, Any]:
        out: dict[str, Any] = {LINE: line}
        cursor: dict[str, int] = {}
        for key, value in body.items():
            if key == _MARK:
                continue
            at = f"{where}.{key}"
            kline = self.find(max(line, cursor.get(key, line - 1) + 1), rf"{re.escape(key)}\b")
            if key in spec.attrs:
                api = spec.attrs[key]
                out[api] = self.value(value, at, kline)
                if key in spec.durations:
                    out[api] = self.duration(out[api], at, kline)
            elif key in spec.maps or key in spec.freeform:
                api = spec.maps.get(key) or spec.freeform[key]
                merged: dict[str, Any] = {}
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict):
                        merged.update(self.freeform(item, at, kline))
                out[api] = merged
                if key in spec.maps:
                    out[api] = {k: v for k, v in merged.items() if k != LINE}
                    out[api + LINE] = {k: self.find(kline, rf'"?{re.escape(k)}"?\s*=') for k in out[api]}
            elif key in spec.blocks:
                api, sub, how = spec.blocks[key]
                items = []
                for item in value if isinstance(value, list) else [value]:
                    item = dict(item)
                    item.pop(_MARK, None)
                    if sub.label and len(item) == 1 and isinstance(next(iter(item.values())), dict):
                        (label, inner), = item.items()
                        bline = self.find(max(line, cursor.get(key, line - 1) + 1),
                                          rf'{re.escape(key)}\s+"?{re.escape(_label(label))}"?\s*\{{')
                        obj = self.body(inner, sub, f"{at}.{_label(label)}", bline)
                        obj[sub.label] = _label(label)
                    else:
                        bline = self.find(max(line, cursor.get(key, line - 1) + 1), rf"{re.escape(key)}\b")
                        obj = self.body(item, sub, at, bline)
                    cursor[key] = bline
                    items.append(obj)
                if how == "one":
                    out[api] = items[-1] if items else {}
                elif how == "map":
                    out[api] = {o["Name"]: o for o in items}
                else:
                    out[api] = items
            else:
                self.unread.append((kline, at, "not a field of this block that the importer knows: not carried over"))
            cursor[key] = max(cursor.get(key, 0), kline)
        if "Ports" in out:  # network: static ports are reserved, the others dynamic
            ports = out.pop("Ports")
            for api, static in (("ReservedPorts", True), ("DynamicPorts", False)):
                chosen = [p for p in ports if bool(p.get("Value")) == static]
                if chosen:
                    out[api] = chosen
        return out

    def freeform(self, body: dict[str, Any], where: str, line: int) -> dict[str, Any]:
        out: dict[str, Any] = {LINE: line}
        for key, value in body.items():
            if key == _MARK:
                continue
            name = _label(key)
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                out[name] = [self._item(v, f"{where}.{name}", line) for v in value]
            else:
                out[name] = self.value(value, f"{where}.{name}", line)
        return out

    def _item(self, item: dict[str, Any], where: str, line: int) -> Any:
        """One element of a free-form list: a block, a labelled block (``check "cpu" {}`` reads
        as ``{"cpu": [{...}]}``, as jobspec2 reads it) or an object value."""
        if item.get(_MARK):
            return self.freeform(item, where, line)
        if len(item) == 1:
            (label, inner), = item.items()
            if isinstance(inner, dict) and inner.get(_MARK):
                return {_label(label): [self.freeform(inner, where, line)]}
        return self.value(item, where, line)

    def value(self, raw: Any, where: str, line: int) -> Any:
        if isinstance(raw, list):
            return [self.value(v, where, line) for v in raw]
        if isinstance(raw, dict):
            return {_label(k): self.value(v, where, line) for k, v in raw.items() if k != _MARK}
        if not isinstance(raw, str):
            return raw
        if raw.startswith('"<<'):
            return self.template(_heredoc(raw[1:-1]), where, line)
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            try:
                text = _unescape(raw[1:-1])
            except ValueError as e:  # \U escape past U+10FFFF, or a lone UTF-16 surrogate
                raise InputError(f"{self.path}:{line}: {where}: {e} (write the character itself, or a valid "
                                 "\\u or \\U escape)") from e
            return self.template(text, where, line)
        if raw in ("true", "false"):
            return raw == "true"
        return self.template(raw if raw.startswith("${") else "${" + raw + "}", where, line)

    def template(self, text: str, where: str, line: int) -> str:
        """Interpolations of an HCL string: ``$${``/``%%{`` escapes, ``${var.x}`` markers."""
        out: list[str] = []
        i = 0
        while i < len(text):
            if text.startswith(("$${", "%%{"), i):
                out.append(text[i + 1: i + 3])
                i += 3
            elif text.startswith(("${", "%{"), i):
                end = text.find("}", i)
                end = len(text) - 1 if end < 0 else end
                expr = text[i + 2: end].strip().lstrip("~").rstrip("~").strip()
                m = re.fullmatch(r"var\.([A-Za-z_][A-Za-z0-9_]*)", expr)
                if m and text[i] == "$":
                    out.append(VAR + m.group(1) + VAR)
                else:
                    if text[i] == "%" or not _RUNTIME.match(expr):
                        self.unread.append((line, where, f"HCL expression '{text[i:end + 1][:80]}' is not "
                                            "evaluated by the importer: kept as text"))
                    out.append(text[i: end + 1])
                i = end + 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def duration(self, value: Any, where: str, line: int) -> Any:
        if not isinstance(value, str):
            return value
        parts = _DUR.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            self.unread.append((line, where, f"'{value}' is not a duration: not carried over"))
            return None
        return int(sum(float(n) * _UNITS[u] for n, u in parts))


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(body: str) -> str:
    def repl(m: re.Match[str]) -> str:
        s = m.group(0)
        if s[1] in _ESCAPES:
            return _ESCAPES[s[1]]
        code = int(s[2:], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"the escape {s} is not a Unicode character")
        return chr(code)
    return re.sub(r'\\(?:[nrt"\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})', repl, body)


def _heredoc(raw: str) -> str:
    """A heredoc's content: ``<<EOT`` keeps it as written, ``<<-EOT`` removes the common indent;
    the content ends with a newline, as HCL's heredocs do."""
    head, _, rest = raw.partition("\n")
    body = rest.rsplit("\n", 1)[0] if "\n" in rest else ""
    lines = body.split("\n")
    if head.startswith("<<-"):
        indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
        cut = min(indents, default=0)
        lines = [ln[cut:] for ln in lines]
    return "\n".join(lines) + "\n"
