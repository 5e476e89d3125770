"""JSON fact files: a list of objects, decoded one element at a time so that each knows its line.

Python's json is lenient where JSON is not (NaN and Infinity, repeated fields: the last one wins) and
exact where a message should not be (`1e400` becomes `inf`); the decoders here refuse the first, find
the second, and keep numbers as written. `read_jsonl` reads JSON Lines with the same decoders.
"""

from __future__ import annotations

import json
import re
from typing import Any

from checker.errors import Location
from facts.load.collect import Collector
from facts.load.messages import quote, reason_of, type_name
from facts.load.model_info import ModelInfo

__all__ = ["DECODER", "JsonConstant", "add_json", "json_help", "read_json"]


class _JsonNumber(float):
    """A JSON number with a fraction or exponent, shown as written: `1e400` is not `inf` in a message.

    No fact field holds a number, so its value only ever appears in the message that refuses it.
    """

    text: str

    def __new__(cls, text: str) -> _JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __repr__(self) -> str:
        return self.text


class JsonConstant(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, but they are not JSON."""

    def __init__(self, name: str) -> None:
        super().__init__(f"not valid JSON: expected a value, found {name} (JSON has no NaN or Infinity)")
        self.name = name

    def find(self, text: str, start: int) -> int:
        """Where the constant is, from `start` (outside strings as far as a quick look can tell)."""
        match = re.compile(rf"(?<![\w\"]){re.escape(self.name)}(?![\w\"])").search(text, start)
        return match.start() if match else start


def _no_constant(name: str) -> Any:
    raise JsonConstant(name)


class _DuplicateField(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _no_duplicate_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _DuplicateField(name)
            seen.add(name)
    return result


DECODER = json.JSONDecoder(parse_float=_JsonNumber, parse_constant=_no_constant)
_STRICT = json.JSONDecoder(
    object_pairs_hook=_no_duplicate_fields, parse_float=_JsonNumber, parse_constant=_no_constant
)
"""Slower: decodes again a record that may repeat a field, to find out which."""
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def read_json(collector: Collector, path: str, text: str, model: ModelInfo) -> bool:
    """A JSON list of objects, decoded one element at a time so that each knows its line."""
    lines = _Lines(text)
    at = _skip_space(text, 0)
    if at == len(text):
        return True
    if text[at] != "[":
        collector.problem(
            lines.location(path, at),
            "fact-format",
            f"expected a JSON list of {model.kind} records, found '{text[at]}'",
            help="JSON has no comments: remove them"
            if text.startswith(("//", "/*", "#"), at)
            else "write the records as [{...}, {...}]",
        )
        return False
    complete = True
    number = 0
    at = _skip_space(text, at + 1)
    closed = text.startswith("]", at)
    while not closed:
        number += 1
        location = Location(path, lines.line(at))
        if text.startswith("]", at) and number > 1:
            collector.problem(
                lines.location(path, at),
                "json-syntax",
                "not valid JSON: expected another record after ',', found ']'",
                help="JSON allows no ',' after the last item: remove it",
            )
            return False
        try:
            item, end = DECODER.raw_decode(text, at)
        except json.JSONDecodeError as error:
            collector.problem(
                Location(path, error.lineno, error.colno),
                "json-syntax",
                f"not valid JSON: {error.msg}",
                help=json_help(error),
            )
            return False
        except JsonConstant as constant:
            collector.problem(lines.location(path, constant.find(text, at)), "json-syntax", str(constant))
            return False
        except (ValueError, RecursionError) as error:  # an integer of 5,000 digits, [[[[...]]]]
            collector.problem(location, "json-syntax", f"cannot read JSON: {reason_of(error)}")
            return False
        complete &= add_json(collector, model, item, text[at:end], location, f"{model.kind} #{number}")
        at = _skip_space(text, end)
        if not text.startswith((",", "]"), at):
            found = f"'{text[at]}'" if at < len(text) else "the end of the file"
            collector.problem(
                lines.location(path, at),
                "json-syntax",
                f"not valid JSON: expected ',' or ']', found {found}",
            )
            return False
        closed = text[at] == "]"
        if not closed:
            at = _skip_space(text, at + 1)
    at = _skip_space(text, at + 1)
    if at < len(text):
        collector.problem(
            lines.location(path, at), "json-syntax", "not valid JSON: more text after the list of records"
        )
        return False
    return complete


def add_json(
    collector: Collector, model: ModelInfo, item: Any, source: str, location: Location, unnamed: str
) -> bool:
    """Add a decoded JSON value as a record; False (and a diagnostic) if it cannot be one."""
    if type(item) is not dict:
        collector.problem(
            location, "fact-format", f"{unnamed}: expected an object of fields, found {type_name(item)}"
        )
        return False
    # json keeps the last of repeated fields, silently. Every field has its ':', so with no more
    # ':' than fields none repeats; otherwise decode again, slowly, to find out.
    if source.count(":") > len(item):
        try:
            _STRICT.decode(source)
        except _DuplicateField as duplicate:
            collector.problem(
                location,
                "json-duplicate-key",
                f"{unnamed}: field {quote(duplicate.name)} appears twice",
            )
            return False
        except RecursionError as error:  # the hook takes stack the first reading did not need
            collector.problem(location, "json-syntax", f"cannot read JSON: {reason_of(error)}")
            return False
    collector.add(model, item, location, None, None, 0, unnamed)
    return True


def json_help(error: json.JSONDecodeError) -> str:
    """The cheap fix for a JSON syntax error, when it is a common one; or ''."""
    text, offset = error.doc, error.pos
    if error.msg.startswith("Unterminated string"):
        return "the text that starts here has no closing '\"'"
    if offset >= len(text):
        return "the text ends too early: a bracket, brace or quote is not closed"
    found = text[offset]
    before = text[:offset].rstrip()
    if found in "]}" and before.endswith(","):
        return f"JSON allows no ',' before '{found}': remove it"
    if found == "'":
        return 'JSON writes text and field names in double quotes: "key"'
    if found.isalpha() and before.endswith(("{", ",")):
        return 'JSON writes field names in double quotes: "key"'
    return ""


def _skip_space(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    return match.end() if match else at


class _Lines:
    """Line and column of offsets into a text, counted on from the last offset asked about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.number = 1

    def line(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.number = 0, 1
        self.number += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.number

    def location(self, path: str, offset: int) -> Location:
        line = self.line(offset)
        return Location(path, line, offset - self.text.rfind("\n", 0, offset))
