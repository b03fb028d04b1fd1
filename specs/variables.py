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

from crossdock.errors import Problem
from crossdock.specs.yamlsrc import Located, Path, format_path

_TOKEN = re.compile(r"\$(\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}|\{)")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_UNSET_HINT = "set it with --set NAME=VALUE, in the environment, or under variables:"
_SYNTAX_HINT = "write ${NAME}, ${NAME:-default} or ${NAME-default}; write $$ for a literal $"


def substitute(text: str, lookup: Callable[[str], str | None]) -> tuple[str, list[tuple[str, str]]]:
    """Expand one string; returns the result and the problems (message, hint) found in it."""
    problems: list[tuple[str, str]] = []

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

    return _TOKEN.sub(repl, text), problems


def _retype(text: str) -> Any:
    """Type a substituted plain scalar as YAML would have typed the same text written out.

    Only numbers and booleans are retyped: an empty result stays an empty string, not null.
    """
    tag = _Loader("").resolve(yaml.ScalarNode, text, (True, False))
    if tag not in _RETYPED:
        return text
    return _Loader("").construct_object(yaml.ScalarNode(tag=tag, value=text))


_RETYPED = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}


ScalarKind = Callable[[Path], Literal["typed", "text", "free"]]
_WHOLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}")


def expand(located: Located, sources: list[Mapping[str, str]], kind: ScalarKind = lambda _: "free") -> list[Problem]:
    """Expand variables in every string value of ``located.data`` in place (keys are left alone).

    ``sources`` are consulted in order.  The ``variables`` section itself is not expanded.
    What a substituted value becomes depends on its field (``kind``): in a number or boolean
    field, a value that is exactly one reference is typed as YAML types the same text written
    out, quoted or not (`replicas: "${N}"` is `replicas: ${N}`, as the JSON Schema, which cannot
    see quotes, says); a string field keeps the text; elsewhere (x- blocks) an unquoted value
    is typed as YAML would, a quoted one stays a string.
    """
    problems: list[Problem] = []

    def lookup(name: str) -> str | None:
        for src in sources:
            if name in src:
                return src[name]
        return None

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
