"""The result document: findings with the facts they rest on and their chain, unit scores, a stamp.

The result document is what every report renders; nothing downstream recomputes. It is a pydantic
model so its JSON Schema can be published, and its JSON is deterministic: same facts, rules and
`as_of`, same bytes. `checker.results.collect` builds it from what the rules derived.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checker.errors import CheckerError, Location
from checker.language.schema import Text

RESULT_VERSION = "2"
"""2: the scope section (files read, kinds supplied, rules not checked, the records as of the day)."""


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactRef(Model):
    """A recorded fact a finding rests on: where it was read and the values that mattered."""

    kind: str
    key: str
    file: str
    line: int
    values: dict[str, Any]


class ChainLink(Model):
    """A derived fact on the way to a finding, the rule that derived it and the finding it came with."""

    kind: str
    key: str
    rule: str
    finding: str | None
    values: dict[str, Any]
    records: list[str]
    """Recorded facts it rests on directly, as kind:key (their places are in the finding's facts)."""
    rests_on: list[ChainLink]


class History(Model):
    """Where a finding stands against earlier scans (filled in from the history database)."""

    state: Literal["new", "persisting", "regressed"]
    """new: not in the previous scan and never before; persisting: also in the previous scan;
    regressed: seen before, resolved, and back."""
    first_seen: dt.date
    """as_of of the first scan that had it (this scan's as_of when new)."""
    days_open: int
    """Days from first_seen to this scan's as_of."""


class WaiverState(Model):
    """An accepted exception that names this finding (from the waivers file)."""

    state: Literal["active", "expired"]
    reason: str
    approver: str
    approved_on: dt.date
    expires_on: dt.date
    file: str
    line: int


class Finding(Model):
    """Something a person should act on, with why (article), about what, who must act, and the evidence."""

    fingerprint: str
    rule: str
    article: int
    also_cites: list[int]
    gist: str
    """What the article requires, in a line."""
    kind: str
    severity: str
    subject: str
    responsible: str | None
    responsible_name: str | None
    district: str | None
    """The responsible unit's district, where it has one."""
    as_of: dt.date
    title: Text
    message: Text
    remedy: Text
    """What would make it compliant."""
    facts: list[FactRef]
    chain: list[ChainLink]
    history: History | None = None
    waiver: WaiverState | None = None
    provisional: bool = Field(default=False, exclude_if=lambda value: not value)
    """The finding rests on working days of a year whose official holiday schedule is not published
    yet (computed by the statutory holidays, `checker.language.calendar`); left out of the JSON when false."""
    provisional_years: list[int] = Field(default_factory=list, exclude_if=lambda value: not value)
    """Those years; left out of the JSON when there are none."""

    @property
    def failing(self) -> bool:
        """Counts towards --fail-on: every finding but one under an active waiver."""
        return self.waiver is None or self.waiver.state != "active"


class DerivedFact(Model):
    """A fact the rules derived (an overdue problem, an interview due, a deduction ...)."""

    kind: str
    key: str
    rule: str
    finding: str | None
    values: dict[str, Any]


class Deduction(Model):
    finding: str
    rule: str
    points: float
    waived: bool = False
    """The finding is under an active waiver and, by `waived_findings_deduct`, does not count."""


class UnitScore(Model):
    unit: str
    name: str
    score: float
    deducted: float
    deductions: list[Deduction]


class Scoring(Model):
    """How the scores were computed: where they start, where they stop, and whether a waived finding
    still deducts (`rules/params.yaml`); every format and the history apply the same."""

    base: float = 100.0
    floor: float = 0.0
    waived_deduct: bool = False


class Stamp(Model):
    """What produced the result: enough to reproduce it."""

    tool: str
    engine: str
    as_of: dt.date
    facts_digest: str
    rules_version: str
    params_digest: str
    result_version: str


class ResolvedFinding(Model):
    """A finding of the previous scan that this scan no longer has."""

    fingerprint: str
    rule: str
    article: int
    severity: str
    subject: str
    responsible: str | None
    message: Text
    first_seen: dt.date
    last_seen: dt.date


class WaiverReport(Model):
    """A waiver from the waivers file and what it did in this scan."""

    state: Literal["active", "expired", "unmatched"]
    fingerprint: str | None
    rule: str | None
    subject: str | None
    reason: str
    approver: str
    approved_on: dt.date
    expires_on: dt.date
    file: str
    line: int
    matched: list[str]
    """Fingerprints of the findings it names."""


class RuleRun(Model):
    """A rule the scan ran (so reports can say which rules found nothing)."""

    id: str
    article: int
    title: Text
    kind: str
    severity: str


class FileRead(Model):
    """A file the scan read: its kind, the valid records in it, and its digest (SHA-256 of its base
    name, size and bytes: what enters the facts digest). An export's sheet is listed as `file[sheet]`."""

    path: str
    kind: str
    records: int
    digest: str


class FileIgnored(Model):
    """A file or folder under a scanned path that the scan did not read, and why."""

    path: str
    reason: Literal["hidden", "not-records"]


class RuleNotChecked(Model):
    """A rule the scan did not run, and why, in words and as data (docs/scope.md §2)."""

    rule: str
    article: int
    kind: str
    severity: str
    title: Text
    reason: Literal["missing-records", "rests-on-unchecked", "not-selected"]
    missing: list[str] = []
    """Recorded kinds not supplied that its evidence needs (directly, or through `rests_on`)."""
    rests_on: list[str] = []
    """Rules it rests on that did not run."""
    why: Text


class AsOfView(Model):
    """What taking the records as they stood on `as_of` left out and undid (docs/scope.md §3)."""

    not_yet: dict[str, int] = {}
    """Records per kind dated after as_of: they did not exist yet."""
    undone: dict[str, int] = {}
    """Changes per `kind.field` dated after as_of, not yet made on it."""
    undated_as_recorded: bool = False
    """True when as_of is before the latest date in the records: fields without a date of their own
    (a problem's assignee, a chief's waterbodies) are then taken as recorded, not as they stood."""


class Scope(Model):
    """What the scan was given and what it could check with it."""

    demo: bool = False
    """The records are the bundled fictional demo district, not an office's."""
    files: list[FileRead] = []
    ignored: list[FileIgnored] = []
    supplied: list[str] = []
    """Kinds some file was given for (an empty file counts: supplied, none)."""
    not_supplied: list[str] = []
    unchecked_references: list[str] = []
    """`kind.field` references to kinds not supplied: they could not be checked."""
    not_checked: list[RuleNotChecked] = []
    silenced: list[str] = []
    """Rules run only for what they derive for selected rules; their findings are not reported."""
    select: list[str] = []
    ignore: list[str] = []
    as_of: AsOfView = AsOfView()


class ScanResult(Model):
    """One scan: findings, scores and counts, stamped; history and waivers when they were given."""

    stamp: Stamp
    rules: list[RuleRun] = []
    findings: list[Finding]
    derived: list[DerivedFact]
    scores: list[UnitScore]
    counts: dict[str, dict[str, int]]
    facts: dict[str, int]
    previous_scan: dt.date | None = None
    """as_of of the scan the history compared with (None: no history, or none earlier)."""
    resolved: list[ResolvedFinding] = []
    waivers: list[WaiverReport] = []
    scope: Scope = Scope()
    scoring: Scoring = Scoring()

    def to_json(self) -> str:
        return self.json_bytes().decode()

    def json_bytes(self) -> bytes:
        """The JSON report: keys sorted, indented by two, UTF-8 as is, a newline at the end."""
        return json_bytes(self.model_dump(mode="json"))


JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def json_bytes(data: Any) -> bytes:
    """`data` as the report's JSON. orjson writes what `json.dumps(data, ensure_ascii=False,
    indent=2, sort_keys=True)` writes, the same bytes for every result tested (the demo, the city),
    about 25 times as fast and without holding the text twice (at city scale 11 s and 1.7 GB became
    0.4 s: docs/performance.md). Two spellings differ: orjson writes a float with an exponent as
    `1e-7` where json writes `1e-07`, and it refuses an integer beyond 64 bits, which a record can
    hold (a YAML integer of many digits): such a result is written by json, whole."""
    try:
        return orjson.dumps(data, option=JSON_OPTIONS)
    except TypeError:
        return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def load_result(path: Path) -> ScanResult:
    """A saved JSON report, read back; errors name the file."""
    try:
        return ScanResult.model_validate_json(path.read_bytes())
    except OSError as error:
        raise CheckerError.at(
            Location(str(path)), "result-read", f"cannot read the report: {error.strerror}"
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CheckerError.at(
            Location(str(path)),
            "result-format",
            f"not a rivercheck JSON report: {where}: {first['msg']}",
            help="give the file written by 'rivercheck scan --format json' (result version "
            + RESULT_VERSION
            + ")",
        ) from None
