"""Plain values in rules: numbers and dates told apart, and a value shown as its author wrote it.

Messages say what was found the way it reads in the YAML file (`'3 days'`, `true`, `a table`), so
every check of the compiler shows values through `as_written`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_iso_date(text: str) -> bool:
    if not _ISO_DAY.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def as_written(value: Any) -> str:
    """A value as a person wrote it in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)
