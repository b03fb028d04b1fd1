"""YAML read with locations, safely.

PyYAML composes a node tree that keeps each node's position; this module turns it into plain
Python data plus a table from spec path to file location, so that every later error can point
at ``file:line:col``.  On the way it refuses what a spec must not contain: duplicate keys
(last-wins would hide a mistake), tabs in indentation, several documents, nesting deeper than
``MAX_DEPTH`` (which would crash libyaml's composer long before Python noticed), and files over
a size cap; ``yamlconvert`` then refuses alias expansion past a budget of values and bytes (a
"billion laughs" file), recursive aliases, and scalars YAML cannot type (tags, huge integers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.reader import ReaderError

from crossdock.errors import Location, Problem, SpecError
from crossdock.specs import files
from crossdock.specs.yamlconvert import MAX_ALIAS_BYTES as MAX_ALIAS_BYTES
from crossdock.specs.yamlconvert import MAX_ALIAS_NODES as MAX_ALIAS_NODES
from crossdock.specs.yamlconvert import MAX_DEPTH as MAX_DEPTH
from crossdock.specs.yamlconvert import AliasBudget, Converter
from crossdock.specs.yamlconvert import Mark as Mark
from crossdock.specs.yamlconvert import Path as Path
from crossdock.specs.yamlconvert import format_path as format_path

MAX_FILE_BYTES = files.MAX_SPEC_BYTES  # = MAX_ALIAS_BYTES

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when PyYAML has it (plain data, no locations): the
    pure-Python loader takes ~25 ms for a three-service stack file on the deploy path."""
    return yaml.load(text, Loader=_Loader)


@dataclass
class Located:
    """Plain data read from one file, and where each key and value stands in it."""

    data: Any
    file: str
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    # Paths of plain (unquoted) scalars holding a `$`: in a free-form block (x-kubernetes...)
    # a substituted value is typed again as YAML would type it written out (variables.expand).
    plain: set[Path] = field(default_factory=set)

    def where(self, path: Path, *, key: bool = False) -> Location:
        """The closest known location of ``path`` (the value, or its key with ``key=True``)."""
        probe = tuple(path)
        while probe:
            table = self.keys if key else self.values
            if probe in table:
                return Location(*table[probe])
            if probe in self.values:
                return Location(*self.values[probe])
            probe = probe[:-1]
            key = False
        return Location(*self.values.get((), (self.file, 1, 1)))


def read_text(file: str, text: str | bytes | None = None) -> str:
    """The file's text, refusing what is too large, not a regular file (a FIFO would block) or
    not UTF-8 (files.read_regular). Raises SpecError."""
    if text is None:
        try:
            raw = files.read_head(file, limit=MAX_FILE_BYTES, where=Location(file))
        except files.FileRefused as e:
            raise SpecError([e.problem]) from e
    else:
        raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError([Problem("", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                                 Location(file), "a spec should be far smaller; split it or check the file")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise SpecError([Problem("", "file is not valid UTF-8", Location(file, line, col),
                                 "save it as UTF-8")]) from e


_TAB_INDENT = re.compile(r"^( *)\t", re.M)
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s,\[\]{}]")
# libyaml's composer recurses in C without a depth check: a few tens of thousands of nested
# '[' crash the interpreter.  The loader below counts the levels the composer is in and stops
# it far below that (and far above any spec); the place is then found event by event.
_COMPOSE_LEVELS = 4 * MAX_DEPTH
_STR = "tag:yaml.org,2002:str"


class _TooDeep(Exception):
    pass


class SpecLoader(_Loader):  # type: ignore[misc]
    """The safe loader, counting the node levels the composer is in (so that nesting is refused
    before libyaml's recursion could crash), and typing each distinct plain scalar once."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._levels = 0
        self._tags: dict[str, str] = {}

    # The composer calls these two around every node it builds (for path resolvers, which
    # crossdock's loaders have none of).
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._levels += 1
        if self._levels > _COMPOSE_LEVELS:
            raise _TooDeep
        if self.yaml_path_resolvers:
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        self._levels -= 1
        if self.yaml_path_resolvers:
            super().ascend_resolver()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:  # quoted, or a block scalar: a string (as the resolver says too)
            return _STR
        tag = self._tags.get(value)  # a plain scalar's type depends on its text alone
        if tag is None:
            tag = self._tags[value] = super().resolve(kind, value, implicit)
        return tag


def compose(file: str, source: str) -> list[yaml.Node]:
    """Every document's node tree, refusing nesting past MAX_DEPTH before it could crash the
    composer.  Raises SpecError for that and for syntax errors; other YAMLErrors pass through."""
    try:
        return list(yaml.compose_all(source, Loader=SpecLoader))
    except (_TooDeep, RecursionError) as e:  # RecursionError: PyYAML without libyaml
        raise _too_deep(file, source) from e
    except yaml.MarkedYAMLError as e:
        # Newer libyaml (PyYAML >= 6.0.4's wheels) stops at 1,000 flow levels on its own,
        # scanning ahead of the composer: the same finding.
        if "maximum nesting depth" in str(e.problem):
            raise _too_deep(file, source, e.problem_mark) from e
        raise SpecError(_syntax_problems(file, source, e)) from e


def parse(file: str, text: str | bytes | None = None, *, tag_hint: str | None = None) -> Located:
    """Read one YAML document with locations. Raises SpecError listing every problem found.

    ``tag_hint`` replaces the hint given for a YAML tag crossdock does not read."""
    source = read_text(file, text)
    nodes = _nodes(file, source)
    if not nodes:
        raise SpecError([Problem("", "the file is empty", Location(file, 1, 1),
                                 "start with 'apiVersion: crossdock/v1'")])
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        raise SpecError([Problem("", "more than one YAML document",
                                 Location(file, mark.line + 1, mark.column + 1),
                                 "one app per file; remove the '---' and what follows")])
    return _located(Converter(file, source, tag_hint=tag_hint), nodes[0])


def parse_all(file: str, source: str, *, tag_hint: str | None = None) -> list[tuple[Located, yaml.Node]]:
    """Every document of a file (a manifest file holds many), each read with locations, with
    one alias budget for the whole file.  ``source`` comes from ``read_text``.  Raises
    SpecError listing the problems of the first document that has some."""
    budget = AliasBudget()
    return [(_located(Converter(file, source, budget, tag_hint), node), node)
            for node in _nodes(file, source)]


def _nodes(file: str, source: str) -> list[yaml.Node]:
    try:
        nodes = compose(file, source)
    except ReaderError as e:
        raise SpecError([_reader_problem(file, source, e)]) from e
    except yaml.YAMLError as e:
        raise SpecError([Problem("", f"YAML error: {e}", Location(file))]) from e
    return [n for n in nodes if n is not None]


def _located(conv: Converter, node: yaml.Node) -> Located:
    data = conv.convert(node, ())
    if conv.problems:
        raise SpecError(conv.problems)
    return Located(data, conv.file, conv.values, conv.keys, conv.plain)


def _syntax_problems(file: str, source: str, e: yaml.MarkedYAMLError) -> list[Problem]:
    mark = e.problem_mark or e.context_mark
    loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
    # Tabs are reported only when the parser stumbles on one: inside a block scalar
    # (a Makefile in a config file) a tab after the indentation is content.
    tabs = [(source.count("\n", 0, m.start()) + 1, len(m.group(1)) + 1) for m in _TAB_INDENT.finditer(source)]
    if any(line == loc.line for line, _ in tabs):
        return [Problem("", "tab character in indentation", Location(file, line, col),
                        "YAML indents with spaces only") for line, col in tabs]
    lines = source.split("\n")
    what = e.problem or "invalid YAML"
    # libyaml does not name the alias.  It is named where it stands as a value (`key: *x`,
    # `- *x`) or in a file that declares anchors; a '*...' that opens a line of a file with
    # no anchor may be a password file's first characters, and is not quoted.
    if what == "found undefined alias" and mark is not None and mark.line < len(lines) and (
            _ANCHOR.search(source) or re.search(r"(:|^\s*-)\s+$", lines[mark.line][:mark.column])):
        alias = re.match(r"\*[^\s,\[\]{}]+", lines[mark.line][mark.column:])
        what += f" '{alias.group(0)}'" if alias else ""
    cm = e.context_mark
    if e.context and cm is not None and (cm.line, cm.column) != (loc.line - 1, loc.column - 1):
        what += f", {e.context} that starts at line {cm.line + 1}, column {cm.column + 1}"
    elif e.context:
        what += f", {e.context}"
    hint = "check indentation, quotes and ':' near this place"
    first = cm.line if cm is not None else loc.line - 1
    if "flow" in (e.context or "") and "${" in "".join(lines[first: loc.line]):
        hint = "inside [...] or {...} the braces of ${NAME} end the collection: quote the value, \"${NAME}\""
    return [Problem("", f"YAML syntax error: {what}", loc, hint)]


def _reader_problem(file: str, source: str, e: ReaderError) -> Problem:
    # libyaml counts the position in UTF-8 bytes.
    before = source.encode("utf-8")[: e.position].decode("utf-8", "replace")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    char = e.character if isinstance(e.character, int) else ord(e.character)
    escape = f"\\x{char:02x}" if char < 0x100 else f"\\u{char:04x}"
    return Problem("", f"character U+{char:04X} is not allowed in a YAML file", Location(file, line, col),
                   f"remove it, or write it as {escape} inside a double-quoted string")


def _too_deep(file: str, source: str, mark: Any = None) -> SpecError:
    """The error for a file nested deeper than MAX_DEPTH, at the first collection past it
    (found event by event: the parser keeps its levels on the heap), else at ``mark``."""
    depth = 0
    try:
        for event in yaml.parse(source, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    break
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as e:
        mark = mark or e.problem_mark
    except yaml.YAMLError:
        pass
    loc = Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file)
    return SpecError([Problem("", f"nesting deeper than {MAX_DEPTH} levels", loc, "a spec is never this deep")])
