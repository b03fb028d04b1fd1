"""``${NAME}``, ``${NAME:-default}`` and ``$$`` in spec string values.

Where values come from, first match wins: ``--set NAME=VALUE``, then the process environment,
then the spec's own ``variables:``.  ``${NAME:-default}`` uses the default when NAME is unset
or empty, ``${NAME-default}`` only when it is unset (as in POSIX shells and compose).  ``$$``
is a literal ``$``; a ``$`` not followed by ``{`` or ``$`` is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Literal, Mapping

import yaml

from crossdock.errors import Problem, SpecError
from crossdock.specs import yamlconvert
from crossdock.specs.yamlsrc import MAX_FILE_BYTES, Located, Path, format_path

# A value after substitution may be as large as a config file read from disk
# (loader.MAX_INCLUDED_FILE_BYTES): an inline value has no more reason to be larger.
MAX_VALUE_BYTES = 1024 * 1024
# What substitution may produce over one file, in all: as much as the largest spec file
# (yamlsrc.MAX_FILE_BYTES), so an expanded spec stays within twice what a file may hold.
MAX_EXPANDED_BYTES = MAX_FILE_BYTES

_TOKEN = re.compile(r"\$(\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}|\{)")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_UNSET_HINT = "set it with --set NAME=VALUE, in the environment, or under variables:"
_SYNTAX_HINT = "write ${NAME}, ${NAME:-default} or ${NAME-default}; write $$ for a literal $"


def substitute(text: str, lookup: Callable[[str], str | None]) -> tuple[str, list[tuple[str, str]]]:
    """Expand one string; returns the result and the problems (message, hint) found in it."""
    problems: list[tuple[str, str]] = []
    return _TOKEN.sub(_replacer(lookup, problems), text), problems


def _replacer(lookup: Callable[[str], str | None],
              problems: list[tuple[str, str]]) -> Callable[[re.Match[str]], str]:
    """What one ``$...`` token becomes; an unset or malformed one stays as written."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) == "$":
            return "$"
        name = m.group("name")
        if name is None:
            problems.append(("'${' is not followed by a variable name and '}'", _SYNTAX_HINT))
            return m.group(0)
        value = lookup(name)
        op = m.group("op")
        if op == ":-" and not value:
            return m.group("default")
        if op == "-" and value is None:
            return m.group("default")
        if value is None:
            problems.append((f"variable '{name}' is not set", _UNSET_HINT))
            return m.group(0)
        return value

    return repl


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


class _Budget:
    """Sizes of what substitution produces, counted before any string is built: a 1 MiB value
    referenced thousands of times is refused after a few lengths are added, not gigabytes in."""

    def __init__(self, lookup: Callable[[str], str | None]) -> None:
        self.left = MAX_EXPANDED_BYTES
        self._lookup = lookup
        self._sizes: dict[str, int] = {}  # UTF-8 size of each variable's value, computed once

    def size(self, own: int, tokens: list[re.Match[str]]) -> int:
        """The UTF-8 size ``substitute`` would give a text of ``own`` bytes whose ``$`` tokens
        are ``tokens``, without building it."""
        total = own
        for m in tokens:
            total += self._token_size(m) - _utf8_size(m.group(0))
        return total

    def _token_size(self, m: re.Match[str]) -> int:
        if m.group(1) == "$":
            return 1
        name = m.group("name")
        if name is None:
            return _utf8_size(m.group(0))
        if name not in self._sizes:
            value = self._lookup(name)
            self._sizes[name] = -1 if value is None else _utf8_size(value)
        size, op = self._sizes[name], m.group("op")
        if op == ":-" and size <= 0 or op == "-" and size < 0:
            return _utf8_size(m.group("default"))
        return _utf8_size(m.group(0)) if size < 0 else size


def _retype(text: str) -> Any:
    """Type a substituted plain scalar as YAML would have typed the same text written out.

    Only numbers and booleans are retyped: an empty result stays an empty string, not null.
    """
    tag = _Loader("").resolve(yaml.ScalarNode, text, (True, False))
    if tag not in _RETYPED:
        return text
    return yamlconvert.typed_plain(text)  # a text it cannot type (5,000 digits) stays text: a located problem


_RETYPED = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}


ScalarKind = Callable[[Path], Literal["typed", "text", "free"]]
_WHOLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}")


def expand(located: Located, sources: list[Mapping[str, str]], kind: ScalarKind = lambda _: "free",
           refs: dict[str, list[Path]] | None = None) -> list[Problem]:
    """Expand variables in every string value of ``located.data`` in place (keys are left alone).

    ``sources`` are consulted in order.  The ``variables`` section itself is not expanded.
    What a substituted value becomes depends on its field (``kind``): in a number or boolean
    field, a value that is exactly one reference is typed as YAML types the same text written
    out, quoted or not (`replicas: "${N}"` is `replicas: ${N}`, as the JSON Schema, which cannot
    see quotes, says); a string field keeps the text; elsewhere (x- blocks) an unquoted value
    is typed as YAML would, a quoted one stays a string.

    ``refs``, when given, receives the paths of the fields that reference each variable (the
    loader refuses a secret's source variable in a plain field, and never shows such a field's
    value).  Raises SpecError, at once and with the field's location, when one value would grow
    past MAX_VALUE_BYTES or the file's substitutions past MAX_EXPANDED_BYTES in all.
    """
    problems: list[Problem] = []

    def lookup(name: str) -> str | None:
        for src in sources:
            if name in src:
                return src[name]
        return None

    budget = _Budget(lookup)

    def spend(value: str, tokens: list[re.Match[str]], path: Path) -> None:
        before = _utf8_size(value)
        after = budget.size(before, tokens)
        growth = max(0, after - before)  # the file's own text is capped already (MAX_FILE_BYTES)
        budget.left -= growth
        if after > max(MAX_VALUE_BYTES, before):
            why, hint = (f"after substitution this value is {after:,} bytes, over {MAX_VALUE_BYTES // (1024 * 1024)} MiB",
                         "a variable's value this large belongs in a file: use files: - file: ...")
        elif budget.left < 0:
            why, hint = (f"substitutions in this file add more than {MAX_EXPANDED_BYTES // (1024 * 1024)} MiB",
                         "a variable referenced this many times, or this large, is almost surely a mistake")
        else:
            return
        raise SpecError([Problem(format_path(path), why, located.where(path), hint)])

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            for k in list(value):
                if path == () and k == "variables":
                    continue
                value[k] = walk(value[k], path + (k,))
            return value
        if isinstance(value, list):
            for i, item in enumerate(value):
                value[i] = walk(item, path + (i,))
            return value
        if isinstance(value, str) and "$" in value:
            tokens = list(_TOKEN.finditer(value))
            if refs is not None:
                for m in tokens:
                    if m.group("name"):
                        refs.setdefault(m.group("name"), []).append(path)
            spend(value, tokens, path)
            out, errs = substitute(value, lookup)
            for err, hint in errs:
                problems.append(Problem(format_path(path), err, located.where(path), hint))
            field = kind(path)
            if field == "typed" and _WHOLE.fullmatch(value) or field == "free" and path in located.plain and out != value:
                return _retype(out)
            return out
        return value

    walk(located.data, ())
    return problems
