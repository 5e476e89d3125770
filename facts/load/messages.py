"""Values and pydantic's validation errors in words: what a diagnostic says was expected and found.

A message quotes values from the file, so every one is escaped (a control character must not reach
the terminal) and cut short. pydantic's own words name its types (`string_type`); these name what a
fact file's author writes (`a date YYYY-MM-DD`), with the cheap fix when there is one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from checker.errors import Diagnostic, Location, did_you_mean
from facts.load.model_info import ModelInfo
from facts.yamlsrc import PathTuple

__all__ = [
    "DATE_TEXT",
    "Where",
    "date_help",
    "diagnostic",
    "expected_text",
    "fields_help",
    "found_text",
    "is_date_text",
    "printable",
    "quote",
    "reason_of",
    "record_label",
    "show",
    "type_name",
    "validation_diagnostics",
]

Where = Callable[[PathTuple], Location]
"""The place of a field (or a list item) of the record being validated (YAML)."""

_KEY_TEXT = "a key (1-64 characters, no spaces, commas or semicolons)"
DATE_TEXT = "a date YYYY-MM-DD"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def diagnostic(location: Location, code: str, message: str, help: str = "") -> Diagnostic:
    """A diagnostic whose words may quote the file: every character a terminal would act on escaped."""
    return Diagnostic(location, code, printable(message), help=printable(help))


def printable(text: str) -> str:
    """Text with every character a terminal would act on or hide written as an escape: `\\x1b`."""
    if text.isprintable():
        return text
    return "".join(
        character if character.isprintable() else character.encode("unicode_escape").decode("ascii")
        for character in text
    )


def quote(text: str, limit: int = 64) -> str:
    """Text from a file, quoted, escaped and cut short, for a message."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{printable(text)}'"


def show(value: Any) -> str:
    """A value as a fact file would have it, quoted and cut short."""
    if isinstance(value, str):
        return quote(value, 60)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (ValueError, RecursionError):  # YAML anchors can make a structure that contains itself
            text = type(value).__name__
    return printable(text if len(text) <= 60 else text[:57] + "...")


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {show(value)}"
    return f"the value {show(value)}"


def record_label(kind: str, key: str | None, unnamed: str, row: int) -> str:
    """How messages name a record: `problem 'P-7'`, `row 5: problem 'P-7'`, `problem #3`."""
    label = f"{kind} {quote(key)}" if key else unnamed
    return f"row {row}: {label}" if row else label


def fields_help(model: ModelInfo) -> str:
    return f"{model.article} {model.kind} has the fields: {', '.join(model.model.model_fields)}"


def is_date_text(value: Any) -> bool:
    return isinstance(value, str) and _DATE.fullmatch(value) is not None


def reason_of(error: BaseException) -> str:
    """Why a file could not be parsed, in words (a RecursionError says nothing by itself)."""
    if isinstance(error, RecursionError):
        return "values nested too deeply"
    return str(error)


# --- pydantic errors ----------------------------------------------------------------------------


def validation_diagnostics(
    error: ValidationError,
    model: ModelInfo,
    label: str,
    location: Location,
    where: Where | None,
    row: int,
    absent: frozenset[str],
) -> list[Diagnostic]:
    """pydantic's errors for one record, as diagnostics."""
    found: list[Diagnostic] = []
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        kind = detail["type"]
        if not loc:  # a model validator: fields that disagree with each other
            context = detail.get("ctx") or {}
            message = str(context.get("error") or detail["msg"])
            found.append(diagnostic(location, "fact-invalid", f"{label}: {message}"))
            continue
        name = str(loc[0])
        place = where(loc) if where else location
        if kind == "missing":
            if name not in absent:
                found.append(
                    diagnostic(
                        location, "fact-missing-field", f"{label}: missing the required field '{name}'"
                    )
                )
        elif kind == "extra_forbidden":
            found.append(
                diagnostic(
                    place,
                    "fact-unknown-field",
                    f"unknown field {quote(name)} for {model.article} {model.kind}",
                    help=did_you_mean(name, model.fields) or fields_help(model),
                )
            )
        elif kind == "value_error":  # a validator of the models: its words say expected and found
            item = "".join(f" item {part + 1}" for part in loc[1:] if isinstance(part, int))
            reason = (detail.get("ctx") or {}).get("error") or detail["msg"]
            found.append(diagnostic(place, "fact-field", f"{label} field '{name}'{item}: {reason}"))
        else:
            item = "".join(f" item {part + 1}" for part in loc[1:] if isinstance(part, int))
            value = detail.get("input")
            help = ""
            if kind == "literal_error" and isinstance(value, str):
                help = did_you_mean(value, model.choices.get(name, ()))
            elif kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
                help = f"write it as text: '{value!r}'"
            elif kind.startswith("date"):
                help = date_help(value)
            found.append(
                diagnostic(
                    place,
                    "fact-field",
                    f"{label} field '{name}'{item}: expected {expected_text(detail, model, name, row)}, "
                    f"found {found_text(detail)}",
                    help=help,
                )
            )
    return found


_EXPECTED_BY_TYPE = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "string_too_short": "non-empty text",
    "string_type": "text",
    "dict_type": "a mapping",
}


def expected_text(error: Any, model: ModelInfo, name: str, csv_row: int) -> str:
    """What a field should have held, in the words of a fact file's author."""
    kind: str = error["type"]
    context = error.get("ctx") or {}
    if kind.startswith("date"):
        return DATE_TEXT
    if kind == "literal_error":
        return str(context.get("expected", "one of the allowed values"))
    if kind == "string_too_long":
        return f"at most {context.get('max_length')} characters"
    if kind in ("string_pattern_mismatch", "string_type") and name in model.key_fields:
        return _KEY_TEXT
    if kind.startswith("bool") and csv_row:
        return "true or false (or yes/no, 1/0, 是/否)"
    if kind in _EXPECTED_BY_TYPE:
        return _EXPECTED_BY_TYPE[kind]
    return str(error.get("msg", "a valid value")).removeprefix("Input should be ")


def found_text(error: Any) -> str:
    """What a field held instead, shown as the file has it (a very long value by its length)."""
    value = error.get("input")
    if error["type"] == "string_too_long" and isinstance(value, str):
        return f"{len(value):,} characters"
    if error["type"] == "string_pattern_mismatch" and isinstance(value, str) and len(value) > 64:
        return f"{len(value):,} characters: {show(value)}"
    return show(value)


# --- dates written another way ------------------------------------------------------------------


_OTHER_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
"""2026/11/26, 2026.11.26, 2026-2-1 and 2026年11月26日: a day, spelt another way."""
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_DATE_AND_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ][0-9:.+\-Z ]*")


def date_help(value: Any) -> str:
    """How to write a date that was written another way, or why the day does not exist; or ''."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    match = _OTHER_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text) or _DATE_AND_TIME.fullmatch(text)
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month}: months are 01 to 12"
    if not 1 <= year <= 9999:
        return ""
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"there is no day {day} in {year}-{month:02}: it has {days} days"
    iso = dt.date(year, month, day).isoformat()
    if iso == text:
        return ""
    if match.re is _DATE_AND_TIME:
        return f"write the day alone: {iso}"
    return f"write {iso}"
