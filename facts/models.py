"""Strict models of the records a river chief office keeps (the facts rules are checked against).

Every model forbids unknown fields and is frozen: a misspelt column is an error, never a silent
default. Keys are the records' own identifiers; references between records are by key and are
checked by the loader (`facts.load.references`). Models do no I/O and never import the engine.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

_HIDDEN = {"Cc": "the control character", "Cf": "the invisible character", "Cs": "the lone surrogate"}
"""Unicode categories never allowed in text: controls, invisible formatting (zero-width spaces,
byte-order marks, bidirectional overrides) and the halves of a broken character."""


def _hidden_character(text: str, allowed: str) -> str:
    """The text unchanged, or a ValueError naming the first character that cannot be seen or typed.

    A key `U-1` followed by a zero-width space looks like `U-1` and matches nothing; a control
    character in a name reaches terminals and reports. `isprintable` answers for most text at C speed.
    """
    if text.isprintable():
        return text
    for position, character in enumerate(text, 1):
        what = _HIDDEN.get(unicodedata.category(character))
        if what is not None and character not in allowed:
            name = unicodedata.name(character, "")
            shown = f"U+{ord(character):04X}" + (f" {name}" if name else "")
            raise ValueError(f"expected visible text, found {what} {shown} at character {position}")
    return text


def _plain_key(text: str) -> str:
    return _hidden_character(text, "")


def _plain_text(text: str) -> str:
    return _hidden_character(text, "\t\n\r")  # a cell may hold several lines


# The checks for hidden characters are validators rather than patterns: the patterns are published
# in the JSON Schemas, and editors' regex engines differ on Unicode categories.
Key = Annotated[str, StringConstraints(pattern=r"^[^\s,;]{1,64}$"), AfterValidator(_plain_key)]
"""A record's identifier: 1-64 characters, no spaces, commas, semicolons, control or invisible
characters (Chinese is fine)."""

Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(_plain_text),
]
"""Text of 1 to 200 characters, without control characters other than tabs and line breaks."""
Level = Literal["市", "区", "街镇", "村居"]
"""Administrative level of a waterbody or chief: city, district, town or subdistrict, village."""


class Record(BaseModel):
    """Base of every fact record: strict, frozen, keyed."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    kind: ClassVar[str]
    """The fact kind rules name (`fact: problem`)."""
    references: ClassVar[dict[str, str]] = {}
    """Field -> fact kind whose key it holds (lists hold several keys)."""
    exists_from: ClassVar[tuple[str, ...]] = ()
    """Date fields that mark the record into being: on a day before the earliest of them that is
    set, the record did not exist yet (`facts.snapshot`). None: the record is not dated."""
    changes: ClassVar[dict[str, dict[str, Any]]] = {}
    """Date fields that mark a change: dated after the scan day, the change had not happened yet,
    so the field is cleared and the other fields given here are set (docs/scope.md §3)."""

    key: Key


class Waterbody(Record):
    """A river, lake or other waterbody with a chief (河湖)."""

    kind: ClassVar[str] = "waterbody"
    name: Name
    level: Level
    district: Name | None = None
    basin: Literal["长江", "太湖"] | None = None
    cross_provincial: bool = False


class Chief(Record):
    """A river or lake chief (河长/湖长) or general chief (总河长), with the waterbodies in their charge."""

    kind: ClassVar[str] = "chief"
    references: ClassVar[dict[str, str]] = {"waterbodies": "waterbody"}
    exists_from: ClassVar[tuple[str, ...]] = ("in_post_from",)
    changes: ClassVar[dict[str, dict[str, Any]]] = {"in_post_to": {}}
    name: Name
    level: Level
    role: Literal["总河长", "副总河长", "河长", "湖长", "民间河长", "企业河长", "巡河员"]
    """民间河长, 企业河长 and 巡(护)河员 are the civil posts of 第十一条."""
    in_post_from: dt.date
    in_post_to: dt.date | None = None
    waterbodies: list[Key] = []

    @model_validator(mode="after")
    def _post_dates_in_order(self) -> Chief:
        if self.in_post_to is not None and self.in_post_to < self.in_post_from:
            raise ValueError(f"in_post_to {self.in_post_to} is before in_post_from {self.in_post_from}")
        return self


class Unit(Record):
    """An office or unit that can be assigned problems, interviewed and assessed."""

    kind: ClassVar[str] = "unit"
    references: ClassVar[dict[str, str]] = {"parent": "unit"}
    name: Name
    type: Literal["office", "member_unit", "district_government", "lower_office"]
    district: Name | None = None
    parent: Key | None = None


ProblemStatus = Literal["registered", "assigned", "in_progress", "rectified", "signed_off", "open"]
"""`open`: not signed off, stage not recorded (a problem signed off after the scan day is `open` on it)."""
BasinMechanism = Literal[
    "yangtze_joint_meeting",  # 长江流域省级河湖长联席会议机制
    "taihu_joint_meeting",  # 太湖流域省级河湖长联席会议机制
    "changjiang_commission",  # 水利部长江水利委员会
    "taihu_basin_authority",  # 水利部太湖流域管理局
]


class Problem(Record):
    """A problem in an office's ledger (问题台账): where, what, who rectifies it, by when, and its state."""

    kind: ClassVar[str] = "problem"
    references: ClassVar[dict[str, str]] = {
        "waterbody": "waterbody",
        "office": "unit",
        "assignee": "unit",
        "escalated_to": "chief",
    }
    exists_from: ClassVar[tuple[str, ...]] = ("found_on",)
    changes: ClassVar[dict[str, dict[str, Any]]] = {
        "signed_off_on": {"status": "open", "verified": False},  # not signed off: not yet verified either
        "listed_on": {},
        "plan_on": {},
    }
    waterbody: Key
    source: Literal["inspection", "unannounced_visit", "complaint", "patrol", "assigned", "survey"]
    category: Name
    severity: Literal["general", "major"]
    scope: Literal["individual", "policy", "cross_provincial"] = "individual"
    found_on: dt.date
    office: Key
    """The river chief office whose ledger holds the problem (it routes and escalates it)."""
    assignee: Key | None = None
    """The unit that must rectify it."""
    escalated_to: list[Key] = []
    """Chiefs the problem was submitted to (提请主持研究)."""
    basin_referral: BasinMechanism | None = None
    target: Name | None = None
    deadline: dt.date | None = None
    status: ProblemStatus
    signed_off_on: dt.date | None = None
    verified: bool = False
    listed_on: dt.date | None = None
    """Listed for supervision (挂牌督办, 第二十四条)."""
    plan_on: dt.date | None = None
    """The rectification plan (整改方案) was drawn up (第二十五条)."""

    @model_validator(mode="after")
    def _dates_in_order(self) -> Problem:
        if self.deadline is not None and self.deadline < self.found_on:
            raise ValueError(f"deadline {self.deadline} is before found_on {self.found_on}")
        if self.signed_off_on is not None and self.signed_off_on < self.found_on:
            raise ValueError(f"signed_off_on {self.signed_off_on} is before found_on {self.found_on}")
        return self


class Interview(Record):
    """An interview (约谈) held with a unit's head, with the problems it was about."""

    kind: ClassVar[str] = "interview"
    references: ClassVar[dict[str, str]] = {"unit": "unit", "problems": "problem"}
    exists_from: ClassVar[tuple[str, ...]] = ("held_on",)
    unit: Key
    held_on: dt.date
    reason: Name | None = None
    problems: list[Key] = []


class Patrol(Record):
    """A chief's patrol (巡河/巡湖) of a waterbody in their charge, on a day."""

    kind: ClassVar[str] = "patrol"
    references: ClassVar[dict[str, str]] = {"chief": "chief", "waterbody": "waterbody"}
    exists_from: ClassVar[tuple[str, ...]] = ("patrolled_on",)
    chief: Key
    waterbody: Key
    patrolled_on: dt.date


DocumentType = Literal[
    "annual_plan",  # 年度工作计划/要点 (第七条)
    "annual_summary",  # 年度工作总结报告 (第八条)
    "signboard",  # 河长公示牌 updated after a chief change (第九条)
    "training_plan",  # 年度培训计划 (第十二条)
    "training_session",  # a training held (第十二条)
    "work_system",  # one of the ten working systems, named in `topic` (第十五条)
    "contact_department",  # a chief's contact department, the unit in `unit` (第十六条)
    "police_mechanism",  # 河长+警长 (第十七条)
    "procurator_mechanism",  # 河长+检察长 (第十七条)
    "liaison_officer",  # a member unit's liaison officer (第十九条)
    "joint_mechanism",  # cross-boundary joint prevention mechanism for a waterbody (第二十条)
    "task_assignment",  # an implementation-plan task area (`topic`) assigned to `unit` (第二十一条)
    "notification",  # 通报 / 曝光 of a problem (第二十六条)
    "reminder_letter",  # 提醒函 to a chief (第二十七条)
    "river_file",  # 一河(湖)一档 (第二十九条)
    "river_policy",  # 一河(湖)一策 (第三十条)
    "health_evaluation",  # 河湖健康评价 (第三十一条)
    "assessment_submission",  # assessment results sent to the performance office (第三十四条)
]


class Document(Record):
    """A dated record that a duty was done: a plan, summary, mechanism, file, policy, letter...

    One kind for the many documents the regulation asks for: `type` says which; the optional fields
    say what it concerns (a unit, a waterbody, a chief, a problem, a year, a topic) and the dates of
    its steps. A rule reads only the fields its article needs; a missing date is a step not taken.
    """

    kind: ClassVar[str] = "document"
    references: ClassVar[dict[str, str]] = {
        "unit": "unit",
        "waterbody": "waterbody",
        "chief": "chief",
        "problem": "problem",
    }
    exists_from: ClassVar[tuple[str, ...]] = (
        "drafted_on",
        "consulted_on",
        "reviewed_on",
        "approved_on",
        "issued_on",
    )
    changes: ClassVar[dict[str, dict[str, Any]]] = {name: {} for name in (*exists_from, "repealed_on")}
    type: DocumentType
    year: int | None = None
    """The year it is for (a plan for 2026, the summary of 2025)."""
    topic: Name | None = None
    """Which working system, task area or mechanism it is."""
    unit: Key | None = None
    waterbody: Key | None = None
    chief: Key | None = None
    problem: Key | None = None
    drafted_on: dt.date | None = None
    consulted_on: dt.date | None = None
    """Member units (or the public) consulted (征求意见)."""
    reviewed_on: dt.date | None = None
    """Expert review (专家评审)."""
    approved_on: dt.date | None = None
    issued_on: dt.date | None = None
    """Issued, published, sent, held or established: the day it took effect."""
    repealed_on: dt.date | None = None
    """No longer in force."""


class Complaint(Record):
    """A public complaint or report (投诉举报) received by an office, and how it was handled."""

    kind: ClassVar[str] = "complaint"
    references: ClassVar[dict[str, str]] = {"office": "unit", "waterbody": "waterbody", "handler": "unit"}
    exists_from: ClassVar[tuple[str, ...]] = ("received_on",)
    changes: ClassVar[dict[str, dict[str, Any]]] = {"answered_on": {}, "closed_on": {}}
    office: Key
    received_on: dt.date
    channel: Literal["hotline", "letter", "online", "visit", "media"] = "hotline"
    major: bool = False
    waterbody: Key | None = None
    handler: Key | None = None
    answered_on: dt.date | None = None
    """Feedback given to the complainant."""
    closed_on: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Complaint:
        for name in ("answered_on", "closed_on"):
            value = getattr(self, name)
            if value is not None and value < self.received_on:
                raise ValueError(f"{name} {value} is before received_on {self.received_on}")
        return self


class Matter(Record):
    """A matter a chief decided (河长交办事项), assigned to a unit and tracked to its answer."""

    kind: ClassVar[str] = "matter"
    references: ClassVar[dict[str, str]] = {"chief": "chief", "office": "unit", "unit": "unit"}
    exists_from: ClassVar[tuple[str, ...]] = ("decided_on",)
    changes: ClassVar[dict[str, dict[str, Any]]] = {"answered_on": {}}
    chief: Key
    office: Key
    decided_on: dt.date
    unit: Key | None = None
    """The responsible unit: missing means the matter was never assigned."""
    due_on: dt.date | None = None
    answered_on: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Matter:
        for name in ("due_on", "answered_on"):
            value = getattr(self, name)
            if value is not None and value < self.decided_on:
                raise ValueError(f"{name} {value} is before decided_on {self.decided_on}")
        return self


MODELS: dict[str, type[Record]] = {
    model.kind: model
    for model in (Waterbody, Chief, Unit, Problem, Interview, Patrol, Document, Complaint, Matter)
}
"""Every fact kind by name."""

FILE_STEMS: dict[str, str] = {
    "waterbodies": "waterbody",
    "chiefs": "chief",
    "units": "unit",
    "problems": "problem",
    "interviews": "interview",
    "patrols": "patrol",
    "documents": "document",
    "complaints": "complaint",
    "matters": "matter",
}
"""A fact file's name says its kind: `problems.yaml`, `problems-2026.csv`, `chiefs_pudong.jsonl`."""
