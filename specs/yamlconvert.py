"""A composed YAML node tree turned into plain data with locations, and every node checked.

``yamlsrc`` reads and composes a file; this module walks its nodes once and builds the data,
the table of locations, and the problems: duplicate keys, recursive aliases, nesting past
``MAX_DEPTH``, alias expansion past a budget of values and of bytes, and every scalar that
YAML cannot type (``!foo``, ``!!float abc``, ``!!python/name:...``, a 5,000-digit integer).
Each problem is found where the node stands (``file:line:col``), as one mechanism: the tags a
node may carry and how its scalar is built are decided here, for the spec loader and for every
importer that reads YAML.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from crossdock.errors import Location, Problem, SpecError, shown

MAX_DEPTH = 64
MAX_ALIAS_NODES = 50_000  # nodes produced by expanding aliases, per file
# Bytes of scalar text (keys and values) that aliases may add, per file.  The same as the cap on
# a file's size (yamlsrc.MAX_FILE_BYTES): a file may then describe at most what a file written
# out in full could, twice over; real anchors (a shared env block, a probe) add a few KiB.
# Without it one 1 MiB scalar aliased 3,000 times passes the node budget and renders 3 GB.
MAX_ALIAS_BYTES = 4 * 1024 * 1024

Path = tuple[str | int, ...]
Mark = tuple[str, int, int]  # (file, line, column): cheaper than a Location per node

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Y = "tag:yaml.org,2002:"
_STR, _INT, _MERGE, _VALUE = _Y + "str", _Y + "int", _Y + "merge", _Y + "value"
_MAP, _SEQ = _Y + "map", _Y + "seq"
# The scalar types the safe resolver gives plain scalars, and so the only tags a scalar may carry:
# YAML 1.2's core types, and the dates YAML 1.1 also reads (refused later by a field's type).
_TIMESTAMP = _Y + "timestamp"
_SCALAR_TAGS = {_STR, _INT, _Y + "float", _Y + "bool", _Y + "null", _TIMESTAMP}
# PyYAML types a plain `=` (the "value" key of YAML 1.1) and `<<` (the merge key) as tags that
# only mean something as keys; as values they are the strings YAML 1.2's core schema reads.
_PLAIN_TEXT = {_VALUE: "=", _MERGE: "<<"}
# Python refuses to convert integers of more digits to and from text (CVE-2020-10735).
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_MAX_INT_BITS = int(_MAX_INT_DIGITS * 3.3)  # 10**d > 2**(3.3 d): str() of a smaller int works
_NO_TAG_HINT = "remove the tag: crossdock reads plain YAML data, that is strings, numbers, booleans, lists and mappings"


def show_tag(tag: str) -> str:
    """'tag:yaml.org,2002:float' -> '!!float', cut to a length a message can hold."""
    short = "!!" + tag[len(_Y):] if tag.startswith(_Y) else tag
    return short if len(short) <= 60 else short[:57] + "..."


def format_path(path: Path) -> str:
    """('services', 'web', 'ports', 1, 'port') -> 'services.web.ports[1].port'; a key's control
    characters escaped (errors.shown): the path is for display (messages, reports)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return shown(out)


def typed_plain(text: str) -> Any:
    """What a plain scalar of ``text`` reads as (a number, boolean, null, date, or the text),
    as the converter reads it; the text itself when it cannot be typed (a 5,000-digit integer,
    2001-13-45).  For values typed after substitution (``specs.variables``): never raises."""
    loader = _Loader("")
    tag = loader.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR or (tag == _INT and len(text) > _MAX_INT_DIGITS):
        return text
    try:
        value = loader.construct_object(yaml.ScalarNode(tag=tag, value=text))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, yaml.YAMLError):
        return text
    if tag in _PLAIN_TEXT or (type(value) is int and value.bit_length() > _MAX_INT_BITS):
        return text
    return value


class AliasBudget:
    """What expanding aliases may still add to one file: values and bytes of scalar text."""

    def __init__(self) -> None:
        self.nodes = MAX_ALIAS_NODES
        self.bytes = MAX_ALIAS_BYTES


class Converter:
    """Plain data from the nodes of one document; problems collected in ``problems``.

    ``source`` (the file's text) is read again only to place an alias that breaks the byte
    budget; ``budget`` is shared by the documents of one file; ``tag_hint`` is the hint given
    for a tag crossdock does not read (an importer names its own format's tags)."""

    def __init__(self, file: str, source: str = "", budget: AliasBudget | None = None,
                 tag_hint: str | None = None) -> None:
        self.file = file
        self.source = source
        self.values: dict[Path, Mark] = {}
        self.keys: dict[Path, Mark] = {}
        self.plain: set[Path] = set()
        self.problems: list[Problem] = []
        self.budget = budget or AliasBudget()
        self.tag_hint = tag_hint or _NO_TAG_HINT
        self._seen: set[int] = set()  # ids of the nodes converted, to tell alias use
        self._open: set[int] = set()  # ids of the collections being converted, to tell recursion
        self._expanding = 0  # > 0 while the value of an alias is being converted again
        self._sizes: dict[int, int] = {}  # id of a node -> bytes of scalar text under it
        self._uses: dict[int, int] = {}  # id of an aliased node -> aliases of it met so far
        self._scalar = _Loader("")

    def loc(self, node: yaml.Node) -> Mark:
        m = node.start_mark
        return (self.file, m.line + 1, m.column + 1)

    def convert(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            self._fail(path[:6], node, f"nesting deeper than {MAX_DEPTH} levels", "a spec is never this deep")
            raise SpecError(self.problems)
        alias = id(node) in self._seen
        if alias:  # a node converted before is being expanded again
            self.budget.nodes -= 1
            if self.budget.nodes < 0:
                self._fail(path, node, f"aliases expand to more than {MAX_ALIAS_NODES} values",
                           "a spec this large from anchors is almost surely a 'billion laughs' file")
                raise SpecError(self.problems)
            if not self._expanding:
                self._spend(node, path)
        else:
            self._seen.add(id(node))
        m = node.start_mark  # (self.loc, inlined: this runs for every node)
        self.values[path] = (self.file, m.line + 1, m.column + 1)
        if type(node) is yaml.ScalarNode:  # (type(...) is: cheaper than isinstance, for every node)
            if not node.style and "$" in node.value:  # plain style: None or ""
                self.plain.add(path)
            return node.value if node.tag == _STR else self._typed(node, path)
        if type(node) is yaml.SequenceNode or type(node) is yaml.MappingNode:
            if node.tag != (_SEQ if type(node) is yaml.SequenceNode else _MAP):
                self._fail(path, node, f"YAML tag {show_tag(node.tag)} is not supported", self.tag_hint)
                return None
            self._enter(node, path)
            self._expanding += alias
            try:
                if type(node) is yaml.SequenceNode:
                    return [self.convert(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
                return self._mapping(node, path, depth)  # type: ignore[arg-type]
            finally:
                self._open.discard(id(node))
                self._expanding -= alias
        self._fail(path, node, "unsupported YAML node")
        return None

    def _typed(self, node: yaml.ScalarNode, path: Path) -> Any:
        """A scalar other than a string, built by the safe constructor; a problem (and None)
        when its tag is not one YAML data has, or its text is not of its type."""
        tag = node.tag
        if tag in _PLAIN_TEXT and node.value == _PLAIN_TEXT[tag]:
            return node.value
        if tag not in _SCALAR_TAGS:
            self._fail(path, node, f"YAML tag {show_tag(tag)} is not supported", self.tag_hint)
            return None
        if tag == _INT and len(node.value) > _MAX_INT_DIGITS and sum(c.isdigit() for c in node.value) > _MAX_INT_DIGITS:
            return self._too_long(path, node)
        try:
            value = self._scalar.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, yaml.YAMLError):
            # PyYAML's constructors trust the tag: `!!float abc` is a ValueError, `!!bool maybe`
            # a KeyError, `!!timestamp notatime` an AttributeError.  A plain 2001-13-45 looks
            # like a date to the resolver but is none: text, as YAML 1.2 (and compose) read it.
            if tag == _TIMESTAMP and not node.style and self._implicit(node.value) == _TIMESTAMP:
                return node.value
            self._fail(path, node, f"not a valid {show_tag(tag)} value",
                       "write a value of that type, or quote it to make it a string")
            return None
        if type(value) is int and value.bit_length() > _MAX_INT_BITS:  # 0x..., 0b..., 1:2:3...
            return self._too_long(path, node)
        return value

    def _implicit(self, text: str) -> str:
        """The tag a plain scalar of this text gets without an explicit one."""
        return str(self._scalar.resolve(yaml.ScalarNode, text, (True, False)))

    def _too_long(self, path: Path, node: yaml.Node) -> None:
        self._fail(path, node, f"an integer of more than {_MAX_INT_DIGITS} digits",
                   "quote it if it is text; no field takes a number this large")

    def _spend(self, node: yaml.Node, path: Path) -> None:
        """Count an alias's expansion against the byte budget before it is expanded."""
        self.budget.bytes -= self._size(node, 0)
        uses = self._uses[id(node)] = self._uses.get(id(node), 0) + 1
        if self.budget.bytes < 0:
            self.problems.append(Problem(
                format_path(path), f"aliases expand to more than {MAX_ALIAS_BYTES // (1024 * 1024)} MiB of text",
                self._alias_location(node, uses),
                "a spec this large from anchors is almost surely a 'billion laughs' file"))
            raise SpecError(self.problems)

    def _size(self, node: yaml.Node, depth: int) -> int:
        """Bytes of scalar text (keys and values) under ``node``, each aliased value counted as
        often as it is used; computed once per node, and never past the budget or MAX_DEPTH
        (deeper is refused anyway; a recursive alias adds nothing here and is refused later)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH + 1:
            return 0
        self._sizes[id(node)] = 0  # while in progress: a recursive alias adds nothing
        if type(node) is yaml.ScalarNode:
            size = len(node.value.encode("utf-8", "surrogatepass"))
        else:
            size = 0
            children = node.value if type(node) is yaml.SequenceNode else [n for kv in node.value for n in kv]
            for child in children:
                size += self._size(child, depth + 1)
                if size > MAX_ALIAS_BYTES:
                    break
        self._sizes[id(node)] = size
        return size

    def _alias_location(self, node: yaml.Node, uses: int) -> Location:
        """Where the ``uses``-th alias of ``node`` stands: the composer keeps no place for an
        alias (the anchored node stands for all of them), the parser's events do.  Aliases
        outside an expansion are met in the file's order, so the n-th alias of an anchor in
        the text is the one."""
        start = node.start_mark.index
        anchors: dict[str, int] = {}  # anchor name -> where its node starts (names may be reused)
        seen = 0
        try:
            for event in yaml.parse(self.source, Loader=_Loader):
                m = event.start_mark
                if isinstance(event, yaml.AliasEvent) and event.anchor is not None and m is not None:
                    if anchors.get(event.anchor) == start:
                        seen += 1
                        if seen == uses:
                            return Location(self.file, m.line + 1, m.column + 1)
                elif isinstance(event, yaml.NodeEvent) and event.anchor is not None and m is not None:
                    anchors[event.anchor] = m.index
        except yaml.YAMLError:
            pass
        return Location(*self.loc(node))

    def _enter(self, node: yaml.Node, path: Path) -> None:
        """Refuse an alias to a collection that contains it: expanding it would never end."""
        if id(node) in self._open:
            m = node.start_mark
            self.problems.append(Problem(
                format_path(path), f"recursive alias: the value anchored at line {m.line + 1} contains itself",
                Location(*self.keys.get(path, self.loc(node))), "an alias may only refer to a value outside itself"))
            raise SpecError(self.problems)
        self._open.add(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge_into(merged, value_node, path, depth)
                continue
            if type(key_node) is not yaml.ScalarNode:
                self._fail(path, key_node, "a mapping key must be a plain string")
                continue
            key = key_node.value
            child = path + (key,)
            if key_node.tag != _STR and key_node.tag not in _SCALAR_TAGS and key_node.tag != _VALUE:
                self._fail(child, key_node, f"YAML tag {show_tag(key_node.tag)} is not supported", self.tag_hint)
                continue
            if key in out:
                first = self.keys[child]
                self._fail(child, key_node, f"duplicate key '{key}' (first at line {first[1]})",
                           "each key may appear once; remove or rename one", key=True)
                continue
            m = key_node.start_mark
            self.keys[child] = (self.file, m.line + 1, m.column + 1)
            out[key] = self.convert(value_node, child, depth + 1)
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def _merge_into(self, merged: dict[str, Any], value_node: yaml.Node, path: Path, depth: int) -> None:
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for src in sources:
            if not isinstance(src, yaml.MappingNode):
                self._fail(path, src, "'<<' must merge a mapping or a list of mappings")
                continue
            alias = id(src) in self._seen
            if alias and not self._expanding:  # `<<: *base`: the anchored mapping is expanded here
                self._spend(src, path)
            self._seen.add(id(src))
            self._enter(src, path)
            self._expanding += alias
            try:
                for key, value in self._mapping(src, path, depth + 1).items():
                    merged.setdefault(key, value)
            finally:
                self._open.discard(id(src))
                self._expanding -= alias

    def _fail(self, path: Path, node: yaml.Node, message: str, hint: str | None = None,
              key: bool = False) -> None:
        self.problems.append(Problem(format_path(path), message, Location(*self.loc(node)), hint))
