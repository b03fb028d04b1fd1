"""Compose's ``$`` interpolation, turned into the spec's variables.

Compose reads ``${VAR}``, ``$VAR``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``,
``${VAR?error}``, ``${VAR:+alt}``, ``${VAR+alt}`` and ``$$``, with values from the shell, then
the project's ``.env`` file.  The spec reads ``${VAR}``, ``${VAR:-d}``, ``${VAR-d}`` and ``$$``
with values from ``--set``, the environment, then its own ``variables:``: the same order.  So a
reference stays a reference (``$VAR`` is written ``${VAR}``), ``.env`` values and defaults go
under ``variables:``, and only what the spec cannot say (``:+``, or a field that must be a number
in the spec such as a published port) is resolved at import time, which the caller reports.

A variable the shared classifier calls secret (by its name, PASSWORD, TOKEN, *_KEY..., or by its
value, a URL with a password...), or one a secret env var refers to, never has its value written
under ``variables:`` (nor as an inline default): it must be set when the spec is used, and the
loss report says where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from crossdock.errors import InputError, Location
from crossdock.specs.yamlsrc import Path, format_path

# Caps on what variables expand to, so that a 3 MB .env value used 900 times is refused instead
# of building 2.7 GB.  One value: 1 MiB, far above any env value, label or command (a PEM chain
# is a few KiB) and a quarter of what a spec file may hold.  The whole project: 4 MiB, the cap on
# one spec file (yamlsrc.MAX_FILE_BYTES), which is what the import writes and renders.
MAX_VALUE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
_HINT = "a compose value is never this large: check the .env file and the variables this value uses"

from crossdock.specs.classify import NO_RULES, SecretRules

_TOKEN = re.compile(r"\$(?:(\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
# The same groups where no '}' follows: the ${...} branch cannot match there, and trying it would
# scan to the end of the text from every '${' (O(n^2): 512 KiB of '${' took a minute).
_TOKEN_TAIL = re.compile(r"\$(?:(\$)|\{(?P<name>(?!))(?:(?P<op>(?!))(?P<arg>(?!)))?\}"
                         r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_PIECE = re.compile(r"(\$\$|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*)")
_PIECE_TAIL = re.compile(r"(\$\$|\$[A-Za-z_][A-Za-z0-9_]*)")


def tokens(text: str) -> Iterator[re.Match[str]]:
    """``_TOKEN.finditer(text)`` in linear time: up to the last '}' (where every '${' that
    starts a reference finds its end), then past it without the ${...} branch."""
    cut = text.rfind("}") + 1
    yield from _TOKEN.finditer(text, 0, cut)
    yield from _TOKEN_TAIL.finditer(text, cut)


def _substitute(repl: Callable[[re.Match[str]], str], text: str) -> str:
    """``_TOKEN.sub(repl, text)``, through ``tokens``."""
    out, pos = [], 0
    for m in tokens(text):
        out += [text[pos:m.start()], repl(m)]
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _pieces(text: str) -> list[str]:
    """``_PIECE.split(text)`` (text and references alternating), in linear time as ``tokens``."""
    cut = text.rfind("}") + 1
    head, tail = _PIECE.split(text[:cut]), _PIECE_TAIL.split(text[cut:])
    return head[:-1] + [head[-1] + tail[0]] + tail[1:]


# A value that is one reference and nothing else (``${A}``, ``$A``, ``${A:-d}``).
ONLY_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}?")
_DEFAULT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}")


def references(text: str) -> set[str]:
    """The variables ``text`` refers to (``${A}``, ``$B``, ``${C:-d}``)."""
    return {m.group("name") or m.group("bare") for m in tokens(text) if not m.group(1)}


@dataclass
class DotEnv:
    """``KEY=VALUE`` lines of an env file, and the line each key was on."""

    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def parse_dotenv(text: str) -> tuple[DotEnv, list[tuple[int, str]]]:
    """The file's variables and its unreadable lines (line, reason); never raises."""
    out, bad = DotEnv(), []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", key):
            bad.append((number, "expected KEY=VALUE"))
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
            if raw.strip()[-1] == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out.values[key] = value
        out.lines[key] = number
    return out, bad


@dataclass
class Interpolator:
    """Resolves compose values and rewrites them in the spec's syntax; remembers what it used."""

    dotenv: Mapping[str, str]
    environ: Mapping[str, str]
    defaults: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    # Variables with two different defaults in the project: kept inline as ${VAR:-d} everywhere,
    # not under variables: (one value there would replace both defaults).
    inline: set[str] = field(default_factory=set)
    rules: SecretRules = NO_RULES  # the classifier with --secret / --not-secret
    secret_vars: set[str] = field(default_factory=set)  # referred to by a secret: values withheld
    # Variables used somewhere other than as the whole value of a secret-looking env entry: such a
    # variable cannot become a secret's source (the spec refuses a source that feeds a plain field).
    plain_refs: set[str] = field(default_factory=set)

    _sizes: dict[str, int] = field(default_factory=dict, init=False, repr=False)  # variable -> bytes of its value

    def prescan(self, data: Any, where: Callable[[Path], Location] | None = None) -> None:
        """Find the variables given different defaults in different places (call before to_spec),
        and measure what every value expands to, without expanding it.  Raises InputError at
        the first value (``where`` gives its place) past MAX_VALUE_BYTES, or that brings the
        project past MAX_TOTAL_BYTES."""
        seen: dict[str, set[str]] = {}
        total = 0

        def walk(value: Any, path: Path) -> None:
            nonlocal total
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(v, path + (k,))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(v, path + (i,))
            elif isinstance(value, str) and "$" in value:
                slot = self._secret_env_slot(path, value)
                for m in tokens(value):
                    if not slot and not m.group(1):
                        self.plain_refs.add(m.group("name") or m.group("bare"))
                    if m.group("op") in (":-", "-"):
                        seen.setdefault(m.group("name"), set()).add(m.group("arg") or "")
                size = self.measure(value)
                total += size
                if size > MAX_VALUE_BYTES or total > MAX_TOTAL_BYTES:
                    at = f"{where(path)}: " if where is not None else ""
                    what = (f"variables expand this value to more than {MAX_VALUE_BYTES // 2**20} MiB"
                            if size > MAX_VALUE_BYTES else
                            f"variables expand the project's values to more than {MAX_TOTAL_BYTES // 2**20} MiB")
                    raise InputError(f"{at}{format_path(path)}: {what} ({_HINT})")
        walk(data, ())
        self.inline = {name for name, defaults in seen.items() if len(defaults) > 1}

    def _secret_env_slot(self, path: Path, value: str) -> bool:
        """Whether ``value`` at ``path`` is a service's env entry that is one reference under a
        secret-looking name: the one use compose_env turns into a secret read from that variable."""
        if len(path) != 4 or path[0] != "services" or path[2] != "environment":
            return False
        key, text = (path[3], value) if isinstance(path[3], str) else value.split("=", 1) if "=" in value else ("", "")
        ref = ONLY_REF.fullmatch(text)
        if ref is None:
            return False
        if self.rules.classify(str(key), None):
            return True
        # SLACK_URL=${SLACK_URL:-https://hooks.slack.com/...}: the variable's value decides
        default = _DEFAULT.fullmatch(text)
        known = self.dotenv.get(ref.group(1)) or (default.group(1) if default else None)
        return known is not None and bool(self.rules.classify(ref.group(1), known))

    def measure(self, text: str) -> int:
        """Bytes (UTF-8) of ``resolve(text)``, counted without building it."""
        size, pos = 0, 0
        for m in tokens(text):
            size += len(text[pos:m.start()].encode("utf-8", "surrogatepass"))
            pos = m.end()
            if m.group(1):
                size += 1
                continue
            name = m.group("name") or m.group("bare")
            value, op, arg = self.lookup(name), m.group("op"), m.group("arg") or ""
            if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
                size += self.measure(arg)
            elif op in (":+", "+"):
                size += self.measure(arg) if value is not None and (op == "+" or value != "") else 0
            elif value:
                if name not in self._sizes:
                    self._sizes[name] = len(value.encode("utf-8", "surrogatepass"))
                size += self._sizes[name]
        return size + len(text[pos:].encode("utf-8", "surrogatepass"))

    def lookup(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        return self.dotenv.get(name)

    def resolve(self, text: str) -> str:
        """The value compose would use (an unset variable is empty, as compose makes it).
        Raises InputError when it would be over MAX_VALUE_BYTES (``prescan`` says where)."""
        if "$" in text and self.measure(text) > MAX_VALUE_BYTES:
            raise InputError(f"variables expand a value to more than {MAX_VALUE_BYTES // 2**20} MiB ({_HINT})")
        return self._resolve(text)

    def _resolve(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            if m.group(1):
                return "$"
            name = m.group("name") or m.group("bare")
            value, op, arg = self.lookup(name), m.group("op"), m.group("arg") or ""
            if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
                return self._resolve(arg)
            if op in (":+", "+"):
                return self._resolve(arg) if value is not None and (op == "+" or value != "") else ""
            return value or ""
        return _substitute(repl, text)

    def to_spec(self, text: str) -> tuple[str, bool]:
        """(the value in the spec's syntax, True if part of it had to be resolved at import time)."""
        resolved = False

        def repl(m: re.Match[str]) -> str:
            nonlocal resolved
            if m.group(1):
                return "$$"
            name = m.group("name") or m.group("bare")
            op, arg = m.group("op"), m.group("arg") or ""
            if op in (":+", "+") or (op in (":-", "-") and "$" in arg):
                resolved = True
                return self.resolve(m.group(0)).replace("$", "$$")
            self.used.add(name)
            if op in (":-", "-"):
                if name in self.inline and self.rules.classify(name, arg):
                    self.secret_vars.add(name)  # two defaults, one secret: none is written
                    self.defaults.setdefault(name, arg)
                    return "${" + name + "}"
                if name in self.inline:
                    return "${" + name + op + arg + "}"
                self.defaults.setdefault(name, arg)
            return "${" + name + "}"

        # A '$' that starts no reference is a literal one in compose: '$$' in the spec.
        parts = _pieces(text)
        out = []
        for i, part in enumerate(parts):
            if i % 2:
                out.append(_substitute(repl, part) if _TOKEN.fullmatch(part) else part.replace("$", "$$"))
            else:
                out.append(part.replace("$", "$$"))
        return "".join(out), resolved

    def variables(self) -> tuple[dict[str, str], list[str]]:
        """(the spec's variables: .env values and defaults of the variables used, the names of
        secret-looking ones whose value was left out)."""
        out: dict[str, str] = {}
        withheld = []
        for name in sorted(self.used):
            value = self.dotenv.get(name, self.defaults.get(name))
            if value is None:
                continue
            if name in self.secret_vars or self.rules.classify(name, value):
                withheld.append(name)
                continue
            out[name] = value  # the spec substitutes a variable's value as it is
        return out, withheld
