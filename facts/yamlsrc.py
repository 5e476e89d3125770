"""YAML reading that keeps every value's line and column, and constructs nothing but plain data.

Used for fact files and rule files alike. Dates stay strings (the models parse them, so `2026-13-45`
is reported by the model with its place instead of crashing the YAML constructor); mapping keys are
the text as written (`yes` stays "yes", not True); a key repeated in
one mapping is an error instead of PyYAML's silent last-one-wins; tags that would build objects are
refused by the safe loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from checker.errors import CheckerError, Diagnostic, Location

PathTuple = tuple[str | int, ...]


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: dates are left to the models."""


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
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 0)
        raise CheckerError.at(
            Location(path, line, column), "yaml-syntax", f"not valid YAML: {error.problem or error}"
        ) from None
    except yaml.YAMLError as error:
        raise CheckerError.at(Location(path, 1), "yaml-syntax", f"not valid YAML: {error}") from None
    places: dict[PathTuple, Location] = {}
    problems: list[Diagnostic] = []
    if root is not None and _expanded_size(root, {}) > MAX_NODES:
        raise CheckerError.at(
            _place(root, path),
            "yaml-too-large",
            f"the document expands to more than {MAX_NODES:,} values (aliases repeat what they name)",
            help="write the data out plainly; an alias that repeats a large block multiplies its size",
        )
    data = _convert(root, path, (), places, problems) if root is not None else None
    if problems:
        raise CheckerError(problems)
    return Located(path, data, places)


MAX_NODES = 5_000_000
"""Values one YAML document may expand to: an alias repeats the whole node it names, so ten
nested aliases of ten items each make ten billion values ("billion laughs")."""


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the document holds once aliases are expanded (each shared node counted once)."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = 1  # a node that contains itself counts once while it is being measured
    total = 1
    if isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(item, sizes) for item in node.value)
    total = min(total, MAX_NODES + 1)
    sizes[id(node)] = total
    return total


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
