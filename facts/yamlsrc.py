"""YAML reading that keeps every value's line and column, and constructs nothing but plain data.

Used for fact files and rule files alike. Dates stay strings (the models parse them, so `2026-13-45`
is reported by the model with its place instead of crashing the YAML constructor); mapping keys are
the text as written (`yes` stays "yes", not True); a key repeated in
one mapping is an error instead of PyYAML's silent last-one-wins; tags that would build objects are
refused by the safe loader. A document that aliases expand too far, that nests more than
`MAX_DEPTH` deep, or whose alias names a value containing it is refused before it is built, so that
no input can exhaust memory or Python's stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from checker.errors import CheckerError, Diagnostic, Location

PathTuple = tuple[str | int, ...]


MAX_DEPTH = 100
"""How deeply lists and mappings may nest (a fact record is two deep, a rule a dozen): the composer
and the conversion below recurse once per level, so ten thousand `[` would exhaust Python's stack."""


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        super().__init__("too deep")
        self.mark = mark


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver (dates are left to the models) that refuses to
    compose values nested more than `MAX_DEPTH` deep."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Located:
    """Plain data read from a file, with the place of every mapping key and sequence item."""

    path: str
    data: Any
    places: dict[PathTuple, Location]

    def where(self, at: PathTuple) -> Location:
        """The place of the value at `at`, or of its nearest enclosing value."""
        for end in range(len(at), -1, -1):
            if at[:end] in self.places:
                return self.places[at[:end]]
        return Location(self.path, 1)


def load_yaml(path: str, text: str) -> Located:
    """Parse YAML text from `path` into plain data and places; errors name the line."""
    try:
        root = yaml.compose(text, Loader=_PlainLoader)
    except yaml.MarkedYAMLError as error:
        raise CheckerError([_syntax_error(path, error)]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, before any parsing
        line, column = _line_and_column(text, error.position)
        raise CheckerError.at(
            Location(path, line, column),
            "yaml-syntax",
            f"not valid YAML: expected text, found the character {_codepoint(error.character)}",
            help="control characters other than tab and line breaks are not allowed in YAML",
        ) from None
    except yaml.YAMLError as error:
        raise CheckerError.at(Location(path, 1), "yaml-syntax", f"not valid YAML: {error}") from None
    except _TooDeep as deep:
        where = Location(path, deep.mark.line + 1, deep.mark.column + 1) if deep.mark else Location(path, 1)
        raise CheckerError.at(where, "yaml-too-large", _TOO_DEEP, help=_TOO_DEEP_HELP) from None
    places: dict[PathTuple, Location] = {}
    problems: list[Diagnostic] = []
    if root is not None:
        _check_expansion(root, path)
    data = _convert(root, path, (), places, problems) if root is not None else None
    if problems:
        raise CheckerError(problems)
    return Located(path, data, places)


_TOO_DEEP = f"lists and mappings nested more than {MAX_DEPTH} deep"
_TOO_DEEP_HELP = "a record is a mapping of plain values and lists of them"


def _syntax_error(path: str, error: yaml.MarkedYAMLError) -> Diagnostic:
    """A scanner or parser error at the place that explains it best."""
    mark = error.problem_mark or error.context_mark
    problem = str(error.problem or error)
    context = str(error.context or "")
    if context.startswith("while scanning a quoted scalar") and error.context_mark is not None:
        # the end of the file, or wherever the text stopped making sense, is far from the mistake:
        # the quote that was never closed
        mark = error.context_mark
        problem = f"a quoted text starts here and is never closed ({problem})"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 0)
    return Diagnostic(Location(path, line, column), "yaml-syntax", f"not valid YAML: {problem}")


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset`, counting line breaks as YAML does (CR LF, CR, LF, NEL...)."""
    before = text[:offset]
    breaks = list(_LINE_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, offset - start + 1


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _codepoint(character: object) -> str:
    """U+0007 for a character PyYAML reports (as a number for text, a one-character string otherwise)."""
    if isinstance(character, str) and len(character) == 1:
        character = ord(character)
    return f"U+{character:04X}" if isinstance(character, int) else repr(character)


MAX_NODES = 5_000_000
"""Values one YAML document may expand to: an alias repeats the whole node it names, so ten
nested aliases of ten items each make ten billion values ("billion laughs")."""


def _check_expansion(root: yaml.Node, path: str) -> None:
    """Refuse a document whose aliases make it huge, nest it too deeply, or make a value contain itself.

    An alias repeats the whole node it names, so ten nested aliases of ten items each make ten
    billion values ("billion laughs"), and a chain of aliases nests as deep as it is long. Each
    shared node is measured once, without recursion.
    """
    measured: dict[int, tuple[int, int]] = {}  # node -> (values, depth) once expanded
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in measured:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in open_nodes:
                continue
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    raise CheckerError.at(
                        _place(child, path),
                        "yaml-too-large",
                        "an alias names a value that contains it: the document expands without end",
                        help="write the data out plainly",
                    )
                if id(child) not in measured:
                    stack.append((child, False))
            continue
        values, depth = 1, 1
        for child in children:
            child_values, child_depth = measured[id(child)]
            values = min(values + child_values, MAX_NODES + 1)
            depth = max(depth, child_depth + 1)
        open_nodes.discard(id(node))
        measured[id(node)] = (values, depth)
        if values > MAX_NODES:
            raise CheckerError.at(
                _place(root, path),
                "yaml-too-large",
                f"the document expands to more than {MAX_NODES:,} values (aliases repeat what they name)",
                help="write the data out plainly; an alias that repeats a large block multiplies its size",
            )
        if depth > MAX_DEPTH:
            raise CheckerError.at(_place(node, path), "yaml-too-large", _TOO_DEEP, help=_TOO_DEEP_HELP)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _place(node: yaml.Node, path: str) -> Location:
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(
    node: yaml.Node, path: str, at: PathTuple, places: dict[PathTuple, Location], problems: list[Diagnostic]
) -> Any:
    places[at] = _place(node, path)
    _check_tag(node, path)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            _check_tag(key_node, path)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Diagnostic(_place(key_node, path), "yaml-key", "a mapping key must be a plain name")
                )
                continue
            key = str(key_node.value)  # as written: `yes` stays "yes", `1001` stays "1001"
            if key in result:
                problems.append(
                    Diagnostic(
                        _place(key_node, path),
                        "yaml-duplicate-key",
                        f"key '{key}' appears twice in one mapping",
                        help=f"the first '{key}' is at line {places[(*at, key)].line}; keep one",
                    )
                )
                continue
            result[key] = _convert(value_node, path, (*at, key), places, problems)
            places[(*at, key)] = _place(key_node, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path, (*at, index), places, problems) for index, item in enumerate(node.value)]
    return _scalar(node, path)


_ALLOWED_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _check_tag(node: yaml.Node, path: str) -> None:
    if node.tag not in _ALLOWED_TAGS:
        raise CheckerError.at(
            _place(node, path),
            "yaml-tag",
            f"tag '{node.tag}' is not allowed",
            help="fact and rule files hold plain data: strings, numbers, booleans, lists and mappings",
        )


def _scalar(node: yaml.Node, path: str) -> Any:
    _check_tag(node, path)
    if not isinstance(node, yaml.ScalarNode):
        return node
    constructor = _CONSTRUCTOR.yaml_constructors[node.tag]
    try:
        return constructor(_CONSTRUCTOR, node)
    except (yaml.YAMLError, ValueError) as error:
        raise CheckerError.at(_place(node, path), "yaml-value", f"cannot read value: {error}") from None
