"""Waivers: accepted exceptions, each naming one finding, approved by someone, until a date.

A waivers file (YAML, described in docs/waivers.md) is a list of waivers. Each names a finding by
its fingerprint, or by rule id and subject, and says why, who approved it, when, and until when. A
finding under an active waiver stays in every report, marked waived, and does not count towards
`--fail-on`; once the waiver has expired it counts again and the report says that the waiver expired.
A waiver that names no finding of the scan is reported as unmatched, so stale entries get noticed.

Two waivers may name the same finding (a renewal written below the old entry): the finding takes the
one that runs longest (the latest `expires_on`; on a tie, the first in the file).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.language.schema import RuleId
from checker.reports.safe import for_terminal
from checker.reports.words import LABEL
from checker.results.document import Finding, ScanResult, UnitScore, WaiverReport, WaiverState
from facts.schemaerrors import schema_diagnostics
from facts.yamlfile import read_yaml_file
from facts.yamlsrc import Located

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: Any) -> Any:
    """Only YYYY-MM-DD text (or a date) is a date: pydantic would also read 20261231 as a timestamp."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value.strip()):
        raise ValueError("expected a date like 2026-12-31")
    return value.strip()


def _fingerprint(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{16}", value):
        raise ValueError("expected a fingerprint of 16 hex digits (0-9, a-f), as every report shows it")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
Fingerprint = Annotated[str, BeforeValidator(_fingerprint)]
Words = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class WaiverEntry(BaseModel):
    """One waiver as written: the finding it names, why, who approved it, when, and until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: Fingerprint | None = None
    rule: RuleId | None = None
    subject: Words | None = None
    reason: Words
    approver: Words
    approved_on: Day
    expires_on: Day

    @field_validator("rule")
    @classmethod
    def _not_both(cls, rule: str | None, info: ValidationInfo) -> str | None:
        if rule is not None and info.data.get("fingerprint") is not None:
            raise ValueError("name the finding by fingerprint or by rule and subject, not both")
        return rule

    @field_validator("expires_on")
    @classmethod
    def _expires_after_approval(cls, expires_on: dt.date, info: ValidationInfo) -> dt.date:
        approved_on = info.data.get("approved_on")
        if isinstance(approved_on, dt.date) and expires_on < approved_on:
            raise ValueError(f"expires_on {expires_on} is before approved_on {approved_on}")
        return expires_on

    @model_validator(mode="after")
    def _names_one_finding(self) -> WaiverEntry:
        if self.fingerprint is None and (self.rule is None or self.subject is None):
            raise ValueError("a waiver names its finding: give 'fingerprint', or 'rule' and 'subject'")
        if self.fingerprint is not None and self.subject is not None:
            raise ValueError("name the finding by fingerprint or by rule and subject, not both")
        return self

    def names(self, finding: Finding) -> bool:
        """Whether this waiver names `finding`."""
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        return finding.rule == self.rule and finding.subject == self.subject


@dataclass(frozen=True)
class Waiver:
    """A waiver and where it is written (the line of its list item)."""

    entry: WaiverEntry
    location: Location
    places: dict[str, Location] = field(default_factory=dict, compare=False)
    """The line of each field as written (a rule id no rule has is named at its own line)."""

    def state(self, as_of: dt.date) -> Literal["active", "expired"]:
        """Active up to and including its expires_on day."""
        return "active" if as_of <= self.entry.expires_on else "expired"


def load_waivers(path: Path) -> list[Waiver]:
    """Read a waivers file; every problem is reported together, each at its file:line."""
    located = read_yaml_file(path, "waivers-read", "the waivers file")
    if located.data is None:
        return []
    if not isinstance(located.data, list):
        raise CheckerError.at(
            located.where(()),
            "waivers-shape",
            "a waivers file holds a list of waivers",
            help="start each waiver with '- ' (see docs/waivers.md)",
        )
    waivers: list[Waiver] = []
    problems: list[Diagnostic] = []
    for index, item in enumerate(located.data):
        place = located.where((index,))
        if not isinstance(item, dict):
            problems.append(
                Diagnostic(place, "waivers-shape", "a waiver is a mapping (fingerprint, reason, ...)")
            )
            continue
        try:
            entry = WaiverEntry.model_validate(item)
        except ValidationError as error:
            problems.extend(_diagnostics(error, located, index))
            continue
        places = {str(name): located.where((index, name)) for name in item}
        waivers.append(Waiver(entry, Location(place.path, place.line), places))
    problems += _repeated(waivers)
    if problems:
        raise CheckerError(problems)
    return waivers


def _repeated(waivers: list[Waiver]) -> list[Diagnostic]:
    """A waiver written twice word for word: a renewal whose dates were never changed, or a paste.
    (Two waivers that differ, for the same finding, are a renewal: the longer one holds.)"""
    first: dict[WaiverEntry, Waiver] = {}
    found = []
    for waiver in waivers:
        earlier = first.setdefault(waiver.entry, waiver)
        if earlier is not waiver:
            found.append(
                Diagnostic(
                    waiver.location,
                    "waiver-duplicate",
                    f"this waiver repeats the one at line {earlier.location.line} word for word",
                    help="remove one; to renew a waiver, change its expires_on (and approved_on)",
                )
            )
    return found


def _diagnostics(error: ValidationError, located: Located, index: int) -> list[Diagnostic]:
    """pydantic's errors at the offending lines; a waiver-wide problem at the waiver's first line."""
    found = [
        diagnostic
        for diagnostic in schema_diagnostics(error, located, WaiverEntry, (index,))
        if not diagnostic.message.startswith("field '(file)'")  # the whole waiver: below
    ]
    for item in error.errors():
        if item["loc"] == () and item["type"] == "value_error":
            message = str(item["ctx"]["error"]) if "ctx" in item else item["msg"]
            found.append(
                Diagnostic(
                    located.where((index,)),
                    "waiver-target",
                    message,
                    help="see docs/waivers.md for the fields of a waiver",
                )
            )
    return found


def apply_waivers(result: ScanResult, waivers: list[Waiver]) -> ScanResult:
    """The result with each named finding's waiver state and a report of every waiver (pure).

    A waiver naming a rule the scan did not run is an error, not "unmatched": a misspelt rule id
    would otherwise keep a finding unwaived, or a retired rule's waivers linger, unnoticed."""
    _check_rules(result, waivers)
    as_of = result.stamp.as_of
    ordered = sorted(waivers, key=lambda w: w.location)
    chosen: dict[str, Waiver] = {}
    reports = []
    for waiver in ordered:
        matched = [f.fingerprint for f in result.findings if waiver.entry.names(f)]
        for fingerprint in matched:
            best = chosen.get(fingerprint)
            if best is None or waiver.entry.expires_on > best.entry.expires_on:
                chosen[fingerprint] = waiver
        entry = waiver.entry
        reports.append(
            WaiverReport(
                state=waiver.state(as_of) if matched else "unmatched",
                fingerprint=entry.fingerprint,
                rule=entry.rule,
                subject=entry.subject,
                reason=entry.reason,
                approver=entry.approver,
                approved_on=entry.approved_on,
                expires_on=entry.expires_on,
                file=waiver.location.path,
                line=waiver.location.line,
                matched=sorted(matched),
            )
        )
    findings = [
        finding.model_copy(update={"waiver": _waiver_state(chosen.get(finding.fingerprint), as_of)})
        for finding in result.findings
    ]
    scores = _rescored(result, {f.fingerprint for f in findings if f.waiver and f.waiver.state == "active"})
    return result.model_copy(update={"findings": findings, "waivers": reports, "scores": scores})


def _rescored(result: ScanResult, waived: set[str]) -> list[UnitScore]:
    """The scores with the deductions of waived findings marked, and, unless params say a waived
    finding still deducts (`waived_findings_deduct`), left out of the points (docs/scope.md §5)."""
    scoring = result.scoring
    scores = []
    for score in result.scores:
        items = [d.model_copy(update={"waived": d.finding in waived}) for d in score.deductions]
        deducted = sum(d.points for d in items if scoring.waived_deduct or not d.waived)
        points = max(scoring.floor, scoring.base - deducted)
        scores.append(score.model_copy(update={"deductions": items, "deducted": deducted, "score": points}))
    scores.sort(key=lambda s: (s.score, s.unit))
    return scores


def _check_rules(result: ScanResult, waivers: list[Waiver]) -> None:
    ran = {rule.id for rule in result.rules}
    if not ran:
        return  # a result that does not list its rules (an old report): nothing to check against
    problems = [
        Diagnostic(
            waiver.places.get("rule", waiver.location),
            "waiver-rule",
            f"expected the id of one of the {len(ran)} rules of this scan, found '{waiver.entry.rule}'",
            help=did_you_mean(str(waiver.entry.rule), ran) or "rule ids: " + ", ".join(sorted(ran)),
        )
        for waiver in waivers
        if waiver.entry.rule is not None and waiver.entry.rule not in ran
    ]
    if problems:
        raise CheckerError(problems)


def _waiver_state(waiver: Waiver | None, as_of: dt.date) -> WaiverState | None:
    if waiver is None:
        return None
    entry = waiver.entry
    return WaiverState(
        state=waiver.state(as_of),
        reason=entry.reason,
        approver=entry.approver,
        approved_on=entry.approved_on,
        expires_on=entry.expires_on,
        file=waiver.location.path,
        line=waiver.location.line,
    )


# --- `rivercheck waivers audit` -----------------------------------------------------------------

_WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "豁免审计（检查日期 {as_of}，共{n}项）",
        "none": "豁免文件中没有豁免。",
        "state": {"active": "有效", "expired": "已到期", "unmatched": "未匹配"},
        "approved": "批准人 {who}，{on}批准，有效至{until}",
        "left": "还剩{days}",
        "then": "；",
        "today": "今天到期",
        "ago": "已到期{days}，相关问题重新计入",
        "ago_unmatched": "已到期{days}",
        "reason": "理由：{text}",
        "matched": "对应问题：",
    },
    "en": {
        "title": "Waiver audit (as of {as_of}, {n} waivers)",
        "none": "The waivers file holds no waivers.",
        "state": {"active": "active", "expired": "expired", "unmatched": "unmatched"},
        "approved": "approved by {who} on {on}, until {until}",
        "left": "{days} left",
        "then": "; ",
        "today": "expires today",
        "ago": "expired {days} ago: its findings count again",
        "ago_unmatched": "expired {days} ago",
        "reason": "reason: {text}",
        "matched": "matches:",
    },
}


def render_waiver_audit(result: ScanResult, lang: str = "zh") -> str:
    """Every waiver of the result: its state, what it names and matched, and days to expiry."""
    words = _WORDS[lang]
    as_of = result.stamp.as_of
    lines = [words["title"].format(as_of=as_of, n=len(result.waivers))]
    if not result.waivers:
        lines.append("  " + words["none"])
    findings = {f.fingerprint: f for f in result.findings}
    for waiver in result.waivers:
        target = waiver.fingerprint or f"{waiver.rule} {waiver.subject}"
        lines.append(f"  [{words['state'][waiver.state]}] {target}  ({waiver.file}:{waiver.line})")
        approved = words["approved"].format(
            who=waiver.approver, on=waiver.approved_on, until=waiver.expires_on
        )
        lines.append(f"      {approved}{words['then']}{_days_left(waiver, as_of, words, lang)}")
        lines.append("      " + words["reason"].format(text=waiver.reason))
        if waiver.matched:
            lines.append("      " + words["matched"])
            for fingerprint in waiver.matched:
                finding = findings.get(fingerprint)
                if finding is None:
                    lines.append(f"        {fingerprint}")
                    continue
                message = finding.message.zh if lang == "zh" else finding.message.en
                lines.append(f"        {fingerprint} {finding.rule} {finding.subject}: {message}")
        else:
            lines.append("      " + LABEL[lang]["unmatched"])
    # record text may hold escape sequences or bidi overrides: shown as marks, never obeyed
    return "\n".join(for_terminal(line) for line in lines) + "\n"


def _days_left(waiver: WaiverReport, as_of: dt.date, words: dict[str, Any], lang: str) -> str:
    days = (waiver.expires_on - as_of).days
    if days == 0:
        return str(words["today"])
    count = abs(days)
    shown = f"{count}天" if lang == "zh" else f"{count} day" if count == 1 else f"{count} days"
    if days > 0:
        return str(words["left"].format(days=shown))
    key = "ago" if waiver.state == "expired" else "ago_unmatched"
    return str(words[key].format(days=shown))
