"""Plain rows mirroring `facts.models`, and how they are written as JSON Lines.

The generator builds these light dataclasses rather than the pydantic models (building hundreds of
thousands of validated models would cost more than the rest of the generation); the tests validate
every written record against the real models. Dates are held as day ordinals
(`datetime.date.toordinal`), which makes the planning plain integer arithmetic, and written as
`YYYY-MM-DD`. Field order follows the models, so the JSON reads like them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

JsonValue = str | int | bool | list[str]


@dataclass(slots=True)
class WaterbodyRow:
    key: str
    name: str
    level: str
    district: str | None = None
    basin: str | None = None
    cross_provincial: bool = False


@dataclass(slots=True)
class ChiefRow:
    key: str
    name: str
    level: str
    role: str
    in_post_from: int
    in_post_to: int | None = None
    waterbodies: list[str] = field(default_factory=list)

    def in_post_on(self, day: int) -> bool:
        """In post on `day`, as the rules read it (the first and the last day count)."""
        return self.in_post_from <= day and (self.in_post_to is None or self.in_post_to >= day)


@dataclass(slots=True)
class UnitRow:
    key: str
    name: str
    type: str
    district: str | None = None
    parent: str | None = None


@dataclass(slots=True)
class ProblemRow:
    key: str
    waterbody: str
    source: str
    category: str
    severity: str
    scope: str
    found_on: int
    office: str
    assignee: str | None = None
    escalated_to: list[str] = field(default_factory=list)
    basin_referral: str | None = None
    target: str | None = None
    deadline: int | None = None
    status: str = "registered"
    signed_off_on: int | None = None
    verified: bool = False


@dataclass(slots=True)
class InterviewRow:
    key: str
    unit: str
    held_on: int
    reason: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DocumentRow:
    key: str
    type: str
    year: int | None = None
    topic: str | None = None
    unit: str | None = None
    waterbody: str | None = None
    chief: str | None = None
    drafted_on: int | None = None
    consulted_on: int | None = None
    reviewed_on: int | None = None
    approved_on: int | None = None
    issued_on: int | None = None


Row = WaterbodyRow | ChiefRow | UnitRow | ProblemRow | InterviewRow | DocumentRow

DATE_FIELDS = frozenset(
    {
        "in_post_from",
        "in_post_to",
        "found_on",
        "deadline",
        "signed_off_on",
        "held_on",
        "drafted_on",
        "consulted_on",
        "reviewed_on",
        "approved_on",
        "issued_on",
    }
)


@lru_cache(maxsize=8192)
def iso(day: int) -> str:
    """A day ordinal as `YYYY-MM-DD`."""
    return dt.date.fromordinal(day).isoformat()


def to_json(row: Row) -> dict[str, JsonValue]:
    """The row as a JSON object: dates as YYYY-MM-DD, fields that are None, empty or False left out.

    Leaving out False loses nothing: every boolean field of the models defaults to False.
    """
    out: dict[str, JsonValue] = {}
    for name in _FIELD_NAMES[type(row)]:
        value = getattr(row, name)
        if value is None or value is False or value == []:
            continue
        out[name] = iso(value) if name in DATE_FIELDS else value
    return out


def write_jsonl(path: Path, rows: Iterable[Row]) -> int:
    """One JSON object per line, UTF-8, Chinese as is, `\\n` line ends on every platform; the count."""
    count = 0
    with open_jsonl(path) as out:
        for row in rows:
            out.write(json.dumps(to_json(row), ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


def open_jsonl(path: Path) -> IO[str]:
    """A JSON Lines file opened for writing as `write_jsonl` writes it (for rows streamed in)."""
    return path.open("w", encoding="utf-8", newline="\n")


def patrol_line(key: str, chief: str, waterbody: str, day: str) -> str:
    """One patrol as a JSON line, exactly as `json.dumps` would write it (keys and dates are plain ASCII
    without quotes or backslashes, so formatting by hand is safe, and some five times faster)."""
    return f'{{"key": "{key}", "chief": "{chief}", "waterbody": "{waterbody}", "patrolled_on": "{day}"}}\n'


_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in (WaterbodyRow, ChiefRow, UnitRow, ProblemRow, InterviewRow, DocumentRow)
}
