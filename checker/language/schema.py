"""The rule files' schema: a rule, the parameters file and the article index, as pydantic models.

A rule is YAML data, one rule per file named after its id (`rules/overdue/RECT-OVERDUE.yaml`);
`rules/params.yaml` holds every tunable number; `rules/articles.yaml` lists the regulation's
articles. These models check each file's shape, so a mistake is reported at its line (by
`checker.language.load`); what the rules *mean* together (known fact kinds and fields, joins,
strata) is checked by `checker.language.compiler`. The language is described in
docs/rule-language.md.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    StringConstraints,
    Tag,
    model_validator,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", max_length=48)]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
FindingKind = Literal[
    "overdue",
    "due-soon",
    "escalation",
    "interview",
    "reminder",
    "accountability",
    "false-rectification",
    "missing-record",
    "procedure",
    "undetermined",
    "deduction",
]
ARTICLES = range(1, 35)


class Strict(BaseModel):
    """Base of rule-file models: unknown fields are errors; frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(Strict):
    """Words in both languages the reports offer."""

    zh: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class Pattern(Strict):
    """One fact the rule matches (`bind` names it for later patterns and the results)."""

    bind: Name
    fact: Name
    where: dict[str, Any] = {}
    test: list[str] = []


class Absent(Strict):
    """A fact that must not exist (`not:`): no binding, same conditions as a pattern."""

    fact: Name
    where: dict[str, Any] = {}
    test: list[str] = []


class Negation(Strict):
    """`- not: {fact: ..., where: ...}` in a rule's `when` list."""

    absent: Absent = Field(alias="not")


def _when_item_kind(value: Any) -> str:
    return (
        "negation"
        if isinstance(value, dict | Negation) and (isinstance(value, Negation) or "not" in value)
        else "pattern"
    )


WhenItem = Annotated[
    Annotated[Pattern, Tag("pattern")] | Annotated[Negation, Tag("negation")], Discriminator(_when_item_kind)
]


class Group(Strict):
    """Counting: group the matches, compute per group, keep the groups that pass `having`."""

    by: dict[Name, str]
    compute: dict[Name, dict[Literal["count", "max", "min", "sum"], str]] = {}
    having: dict[Name, dict[str, Any]] = {}


class Derive(Strict):
    """A derived fact other rules can match (forward chaining)."""

    fact: Name
    key: str | None = None
    set: dict[Name, Any] = {}


class FindingSpec(Strict):
    """What a person is told: about what, who must act, what is wrong and what would put it right."""

    subject: str | Annotated[list[str], Field(min_length=1)]
    """What the finding is about; several values are joined with '/' (`[$chief.key, $chief.waterbodies]`)."""
    responsible: str | None = None
    message: Text
    remedy: Text
    """What would make it compliant ("sign off P-1", "hold the interview with 某某区水务局")."""


class Then(Strict):
    """A rule's results: a derived fact, a finding, or both."""

    derive: Derive | None = None
    finding: FindingSpec | None = None

    @model_validator(mode="after")
    def _something(self) -> Then:
        if self.derive is None and self.finding is None:
            raise ValueError("a rule must produce a finding, a derived fact, or both")
        return self


_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _article_number(value: Any) -> Any:
    """An article written as the regulation names it (第二十五条) is refused with its number."""
    words = value.strip().removeprefix("第").removesuffix("条") if isinstance(value, str) else ""
    tens, _, ones = words.partition("十")
    if words and "十" in words and all(c in _DIGITS for c in tens + ones):
        number = (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    elif len(words) == 1 and words in _DIGITS:
        number = _DIGITS[words]
    else:
        return value
    raise ValueError(f"expected the article's number, found its name: write {number}")


Article = Annotated[StrictInt, Field(ge=1, le=34), BeforeValidator(_article_number)]
"""An article of the regulation: a whole number (`true` or `25.0` is a mistake, not article 1 or 25)."""


class Rule(Strict):
    """One rule of the regulation, as data."""

    id: RuleId
    article: Article
    also_cites: list[Article] = []
    gist: Annotated[str, StringConstraints(min_length=1)]
    title: Text
    kind: FindingKind
    severity: Severity
    when: Annotated[list[WhenItem], Field(min_length=1)]
    group: Group | None = None
    then: Then


def _param_value(value: Any) -> Any:
    """One clear error for a value of no allowed type (rather than one per member of the union)."""
    if value is None:
        raise ValueError("expected a value (a number, true or false, text or a table), found nothing")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a number, found {value}")
    if not isinstance(value, int | float | bool | str | dict):
        raise ValueError(f"expected a number, true or false, text or a table, found a {type(value).__name__}")
    return value


CALENDAR_DAYS = "calendar days"
WORKING_DAYS = "working days"
DAY_UNITS = (CALENDAR_DAYS, WORKING_DAYS)
"""The units a limit in days can have: every day counts, or only the working days of the official
Chinese calendar (`checker.language.calendar`). Any other unit is free text."""
_WORKING_LIKE = re.compile(r"(?:work|working|business)[\s_-]*days?|workdays?|个?工作日", re.IGNORECASE)
"""Other ways of writing working days: refused, so a misspelt unit never counts calendar days."""


def _param_unit(value: Any) -> Any:
    """A unit that means working days is written `working days`."""
    if isinstance(value, str) and value.strip() != WORKING_DAYS and _WORKING_LIKE.fullmatch(value.strip()):
        raise ValueError(f"expected '{WORKING_DAYS}' for a limit in working days, found '{value}'")
    return value


class Param(Strict):
    """A tunable number (or table of numbers) with its meaning and where its default comes from."""

    value: Annotated[int | float | bool | str | dict[str, Any], BeforeValidator(_param_value)]
    unit: Annotated[str, StringConstraints(min_length=1), BeforeValidator(_param_unit)]
    meaning: Text
    source: Annotated[str, StringConstraints(min_length=1)]

    @property
    def working_days(self) -> bool:
        """Whether the parameter counts working days (`$as_of - $params.X` is then folded by the
        official calendar, see `checker.language.params`)."""
        return self.unit.strip() == WORKING_DAYS
