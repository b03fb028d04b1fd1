"""Deterministic mutations of a spec, manifest, compose file or Nomad job, at three levels:
bytes (control characters, invalid UTF-8, truncation), lines (duplicate keys, bad indentation,
swapped lines) and YAML/HCL nodes (tags, anchors and aliases, huge numbers, deep nesting,
hostile keys and values, expansion bombs).

Every mutation is a pure function of a ``random.Random`` and the input bytes, so a seed and a case
number reproduce a failing input exactly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Mutation = Callable[[random.Random, bytes], bytes]

# Characters no input should be able to turn into a crash: C0 controls, ESC sequences, DEL, C1
# (NEL), Unicode line separators, a BOM, a lone surrogate's UTF-8-like bytes, invalid UTF-8.
HOSTILE_BYTES = [b"\x00", b"\x1b[31m", b"\x07", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8", b"\xef\xbb\xbf",
                 b"\xed\xa0\x80", b"\xff\xfe", b"\t", b"\r", b"\x0c", b"\x08"]

# Scalars that YAML (or HCL) reads in surprising ways, or that are too big for a conversion.
HOSTILE_SCALARS = [
    "!foo bar", "!!float abc", "!!timestamp notatime", "!!python/name:os.system", "!!python/object/apply:os.system ['true']",
    "!!binary zz", "!!int 0x", "!!int " + "1" * 5000, "!!set {a, b}", "!!omap [a: 1]", "!!str", "!<tag:x> y",
    "=", "<<", "*undefined_alias", "&lonely", "~", "null", "", "''", '""', "yes", "on", "0o777", "0x" + "f" * 5000,
    "9" * 5000, "-" + "9" * 4400, "1e999999", "-.inf", ".nan", "0755", "1_000", "12:30:00", "2001-02-30",
    '"\\e[31mred\\e[0m"', '"\\x00nul"', '"line\\nbreak"', '"\\u2028"', '"\\ud800"', "'" + "x" * 200_000 + "'",
    "${UNSET}", "${UNSET:?boom}", "${A}${A}${A}", "$${literal}", "${" + "A" * 300 + "}", "${", "{{ x }}",
    "%{ if true }", "[" * 200 + "]" * 200, "{" * 200 + "}" * 200, "[" * 20_000 + "]" * 20_000,
    "/etc/passwd", "../../outside.txt", "/proc/self/environ", "registry:5000/UPPER:tag", "nginx@sha256:zz",
]
HOSTILE_KEYS = ['"a\\nb"', '"\\e[2J"', "<<", "? complex", '"' + "k" * 300 + '"', "9" * 5000, "!!binary x",
                "x-kubernetes", "apiVersion", "__proto__", '""', "&a k", "*a"]

# HCL values: interpolations, heredocs, huge numbers, unbalanced quotes.
HCL_VALUES = ['"${var.undefined}"', '"%{ for x in [] }"', "9" * 5000, '"\\u001b[31m"', "<<EOF\nunterminated",
              '"' + "x" * 100_000 + '"', "[" * 300 + "]" * 300, "true false", '"\\q"', "file(\"/etc/passwd\")",
              "{ nested = { deeper = {} } }", '"${' + "a" * 500 + '}"']

_YAML_LINE = re.compile(rb"^(?P<indent>[ ]*(?:- )?)(?P<key>[^:#\n\"'][^:#\n]*?):(?P<sep>[ ]+)(?P<value>[^\n]*)$", re.M)
_HCL_LINE = re.compile(rb"^(?P<indent>[ \t]*)(?P<key>[A-Za-z_][\w-]*)(?P<sep>[ \t]*=[ \t]*)(?P<value>[^\n]*)$", re.M)


def _pos(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    p = _pos(rng, data)
    return data[:p] + rng.choice(HOSTILE_BYTES) + data[p:]


def flip_byte(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return b"\x80"
    p = rng.randrange(len(data))
    return data[:p] + bytes([data[p] ^ (1 << rng.randrange(8))]) + data[p + 1:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:_pos(rng, data)]


def delete_range(rng: random.Random, data: bytes) -> bytes:
    a = _pos(rng, data)
    return data[:a] + data[min(len(data), a + rng.randrange(1, 64)):]


def duplicate_range(rng: random.Random, data: bytes) -> bytes:
    a = _pos(rng, data)
    b = min(len(data), a + rng.randrange(1, 200))
    return data[:b] + data[a:b] * rng.choice([1, 2, 50]) + data[b:]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def duplicate_line(rng: random.Random, data: bytes) -> bytes:
    """Duplicate keys, in YAML (refused with a location) and HCL."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i + 1, lines[i])
    return b"\n".join(lines)


def delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def reindent_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = rng.choice([b" ", b"  ", b"\t", b""]) + (lines[i][rng.choice([1, 2]):] if rng.random() < 0.5 else lines[i])
    return b"\n".join(lines)


def _replace_match(rng: random.Random, data: bytes, pattern: re.Pattern[bytes], group: str, new: bytes) -> bytes:
    matches = list(pattern.finditer(data))
    if not matches:
        return data + b"\n" + new
    m = rng.choice(matches)
    return data[:m.start(group)] + new + data[m.end(group):]


def hostile_value(rng: random.Random, data: bytes) -> bytes:
    """A mapping value replaced by a tag, a huge number, an alias, deep nesting... (YAML or HCL)."""
    if _HCL_LINE.search(data) and not _YAML_LINE.search(data):
        return _replace_match(rng, data, _HCL_LINE, "value", rng.choice(HCL_VALUES).encode())
    return _replace_match(rng, data, _YAML_LINE, "value", rng.choice(HOSTILE_SCALARS).encode())


def hostile_key(rng: random.Random, data: bytes) -> bytes:
    return _replace_match(rng, data, _YAML_LINE, "key", rng.choice(HOSTILE_KEYS).encode())


def alias_bomb(rng: random.Random, data: bytes) -> bytes:
    """One value anchored (made big) and every other mapping value made an alias of it: the
    expanded size, not the node count, is what must be bounded."""
    matches = list(_YAML_LINE.finditer(data))
    if len(matches) < 2:
        return data
    first = rng.randrange(len(matches) - 1)
    size = rng.choice([10, 100_000, 1_000_000])
    out = bytearray(data[:matches[first].start("value")]) + b'&big "' + b"A" * size + b'"'
    last = matches[first].end("value")
    for m in matches[first + 1:]:
        out += data[last:m.start("value")] + b"*big"
        last = m.end("value")
    return bytes(out) + data[last:]


def merge_key(rng: random.Random, data: bytes) -> bytes:
    """``<<: *a`` merges, some of a missing anchor or a non-mapping."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    indent = re.match(rb"[ ]*", lines[i])
    lines.insert(i, (indent.group(0) if indent else b"") + rng.choice([b"<<: *a", b"<<: [*a, *a]", b"<<: 1", b"<<: &a {}"]))
    return b"\n".join(lines)


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([63, 65, 1000, 50_000])
    block = rng.choice([b"[" * depth + b"]" * depth, b"{a: " * depth + b"1" + b"}" * depth])
    return _replace_match(rng, data, _YAML_LINE, "value", block)


def variable_bomb(rng: random.Random, data: bytes) -> bytes:
    """A variable holding a big value, referenced by many env entries (or by every value)."""
    big = b'"' + b"B" * rng.choice([1000, 1_000_000]) + b'"'
    var = re.search(rb"^variables:[ ]*$", data, re.M)
    data = (data[:var.end()] + b"\n  BOMB: " + big + data[var.end():]) if var else data + b"\nvariables:\n  BOMB: " + big + b"\n"
    env = re.search(rb"^(?P<indent>[ ]+)env:[ ]*$", data, re.M)
    if env is None:
        return _YAML_LINE.sub(lambda m: m.group(0)[:m.start("value") - m.start()] + b"${BOMB}", data)
    pad = env.group("indent") + b"  "
    refs = b"".join(pad + b"V%d: ${BOMB}\n" % i for i in range(rng.choice([10, 3000])))
    return data[:env.end() + 1] + refs + data[env.end() + 1:]


BYTE_LEVEL: list[Mutation] = [insert_bytes, flip_byte, truncate, delete_range, duplicate_range]
LINE_LEVEL: list[Mutation] = [duplicate_line, delete_line, swap_lines, reindent_line]
NODE_LEVEL: list[Mutation] = [hostile_value, hostile_value, hostile_key, alias_bomb, merge_key, deep_nesting, variable_bomb]
ALL: list[Mutation] = BYTE_LEVEL + LINE_LEVEL + NODE_LEVEL


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, list[str]]:
    """One to three mutations of ``data``; returns the result and their names, in order."""
    names = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.choice(ALL)
        data = op(rng, data)
        names.append(op.__name__)
    return data, names
