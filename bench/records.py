"""Plain rows mirroring `facts.models`, and their JSON form.

The generator builds these light dataclasses rather than the pydantic models: building 100,000
validated models would cost more than the rest of the generation. The tests validate every row
against the real models instead. Field order follows the models, so the JSON reads like them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

JsonValue = str | bool | list[str]


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
    in_post_from: dt.date
    in_post_to: dt.date | None = None
    waterbodies: list[str] = field(default_factory=list)


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
    found_on: dt.date
    office: str
    assignee: str | None = None
    escalated_to: list[str] = field(default_factory=list)
    basin_referral: str | None = None
    target: str | None = None
    deadline: dt.date | None = None
    status: str = "registered"
    signed_off_on: dt.date | None = None
    verified: bool = False


@dataclass(slots=True)
class InterviewRow:
    key: str
    unit: str
    held_on: dt.date
    reason: str | None = None
    problems: list[str] = field(default_factory=list)


Row = WaterbodyRow | ChiefRow | UnitRow | ProblemRow | InterviewRow


def to_json(row: Row) -> dict[str, JsonValue]:
    """The row as a JSON object: dates as YYYY-MM-DD, fields that are None, empty or False left out.

    Leaving out False loses nothing: every boolean field of the models defaults to False.
    """
    out: dict[str, JsonValue] = {}
    for name in _FIELD_NAMES[type(row)]:
        value = getattr(row, name)
        if value is None or value is False or value == []:
            continue
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in (WaterbodyRow, ChiefRow, UnitRow, ProblemRow, InterviewRow)
}
