"""Derivation to result: findings with the facts they rest on and their chain, unit scores, a stamp.

The result document is what every report renders; nothing downstream recomputes. It is a pydantic
model so its JSON Schema can be published, and its JSON is deterministic: same facts, rules and
`as_of`, same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checker.compiler import FINDING_KIND, Program, day_date
from checker.errors import CheckerError, Location
from checker.evaluate import Basis, Output
from checker.rules import SEVERITIES, Text
from checker.run import Derivation
from facts.loaders import FactSet
from facts.models import MODELS

RESULT_VERSION = "1"
DEDUCTION_KIND = "deduction"
"""Derived facts of this kind ({unit, points, finding, rule}) are charged to the unit's score."""
SCORE_PARAMS = ("score_base", "score_floor")
"""Parameters the scores read (a unit starts at score_base; no score goes below score_floor)."""


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
    yet (computed by the statutory holidays, `checker.calendar`); left out of the JSON when false."""
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


class UnitScore(Model):
    unit: str
    name: str
    score: float
    deducted: float
    deductions: list[Deduction]


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

    def to_json(self) -> str:
        data = self.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


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


def collect(derivation: Derivation, program: Program, facts: FactSet, tool: str, engine: str) -> ScanResult:
    outputs = derivation.outputs
    rules = {rule.id: rule.loaded.rule for rule in program.rules}
    unscheduled = {rule.id: set(rule.provisional) for rule in program.rules}
    findings = []
    for output in outputs.values():
        if output.kind != FINDING_KIND:
            continue
        rule = rules[output.rule]
        responsible = output.fields.get("responsible")
        unit = facts.find("unit", str(responsible)) if responsible is not None else None
        assert output.message is not None and output.remedy is not None
        chain = [_link(b, outputs, facts, program, set()) for b in output.basis if b.kind not in MODELS]
        years = sorted(unscheduled[rule.id].union(*(_chain_years(link, unscheduled) for link in chain)))
        findings.append(
            Finding(
                fingerprint=output.key,
                rule=rule.id,
                article=rule.article,
                also_cites=rule.also_cites,
                gist=rule.gist,
                kind=rule.kind,
                severity=rule.severity,
                subject=str(output.fields["subject"]),
                responsible=None if responsible is None else str(responsible),
                responsible_name=getattr(unit.record, "name", None) if unit else None,
                district=getattr(unit.record, "district", None) if unit else None,
                as_of=program.as_of,
                title=rule.title,
                message=Text(zh=output.message[0], en=output.message[1]),
                remedy=Text(zh=output.remedy[0], en=output.remedy[1]),
                facts=_rests_on(output, outputs, facts, program),
                chain=[link for link in chain if link is not None],
                provisional=bool(years),
                provisional_years=years,
            )
        )
    findings.sort(key=lambda f: (-SEVERITIES.index(f.severity), f.rule, f.subject, f.fingerprint))
    return ScanResult(
        stamp=Stamp(
            tool=tool,
            engine=engine,
            as_of=program.as_of,
            facts_digest=facts.digest,
            rules_version=program.version,
            params_digest=hashlib.sha256(json.dumps(program.params, sort_keys=True).encode()).hexdigest()[
                :16
            ],
            result_version=RESULT_VERSION,
        ),
        rules=[
            RuleRun(id=r.id, article=r.article, title=r.title, kind=r.kind, severity=r.severity)
            for r in rules.values()
        ],
        findings=findings,
        derived=[
            DerivedFact(
                kind=o.kind,
                key=o.key,
                rule=o.rule,
                finding=o.finding,
                values=_values(o.kind, tuple(sorted(o.fields)), o.fields, program),
            )
            for o in outputs.values()
            if o.kind != FINDING_KIND
        ],
        scores=_scores(outputs, facts, program.params),
        counts={
            "by_severity": dict(sorted(Counter(f.severity for f in findings).items())),
            "by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
            "by_kind": dict(sorted(Counter(f.kind for f in findings).items())),
        },
        facts=dict(sorted((Counter(f.record.kind for f in facts.facts) + Counter(facts.streamed)).items())),
    )


def _chain_years(link: ChainLink | None, unscheduled: dict[str, set[int]]) -> set[int]:
    """Years without an official schedule that the rules of a chain of derived facts ran into."""
    if link is None:
        return set()
    return unscheduled.get(link.rule, set()).union(
        *(_chain_years(inner, unscheduled) for inner in link.rests_on)
    )


def _values(
    kind: str, fields: tuple[str, ...], source: Mapping[str, Any], program: Program
) -> dict[str, Any]:
    dates = program.date_fields.get(kind, frozenset())
    values = {}
    for name in fields:
        value = source.get(name)
        if isinstance(value, list):
            value = list(value)
        elif name in dates and isinstance(value, int):
            value = day_date(value)
        values[name] = value
    return values


def _fact_ref(basis: Basis, facts: FactSet, program: Program) -> FactRef | None:
    fact = facts.find(basis.kind, basis.key)
    if fact is None:
        return None
    record = fact.record.model_dump()
    values = {name: record.get(name) for name in basis.fields if name != "key"}
    return FactRef(
        kind=basis.kind, key=basis.key, file=fact.location.path, line=fact.location.line, values=values
    )


def _rests_on(
    output: Output, outputs: Mapping[tuple[str, str], Output], facts: FactSet, program: Program
) -> list[FactRef]:
    """The recorded facts under a result, through its whole chain, each once, in a fixed order."""
    found: dict[tuple[str, str], FactRef] = {}
    stack = list(output.basis)
    seen: set[tuple[str, str]] = set()
    while stack:
        basis = stack.pop()
        if (basis.kind, basis.key) in seen:
            continue
        seen.add((basis.kind, basis.key))
        if basis.kind in MODELS:
            ref = _fact_ref(basis, facts, program)
            if ref is not None:
                found[(basis.kind, basis.key)] = ref
        elif (basis.kind, basis.key) in outputs:
            stack.extend(outputs[(basis.kind, basis.key)].basis)
    return [found[key] for key in sorted(found)]


def _link(
    basis: Basis,
    outputs: Mapping[tuple[str, str], Output],
    facts: FactSet,
    program: Program,
    path: set[tuple[str, str]],
) -> ChainLink | None:
    output = outputs.get((basis.kind, basis.key))
    if output is None or (basis.kind, basis.key) in path:
        return None
    inner = path | {(basis.kind, basis.key)}
    rests_on = [_link(b, outputs, facts, program, inner) for b in output.basis if b.kind not in MODELS]
    fields = tuple(sorted(output.fields)) if output.kind != FINDING_KIND else ("rule", "subject")
    return ChainLink(
        kind=output.kind,
        key=output.key,
        rule=output.rule,
        finding=output.finding if output.kind != FINDING_KIND else output.key,
        values=_values(output.kind, fields, output.fields, program),
        records=[f"{b.kind}:{b.key}" for b in output.basis if b.kind in MODELS],
        rests_on=[link for link in rests_on if link is not None],
    )


def _scores(
    outputs: Mapping[tuple[str, str], Output], facts: FactSet, params: Mapping[str, Any]
) -> list[UnitScore]:
    base = float(params.get(SCORE_PARAMS[0], 100))
    floor = float(params.get(SCORE_PARAMS[1], 0))
    charged: dict[str, list[Deduction]] = {}
    for output in outputs.values():
        if output.kind == DEDUCTION_KIND and output.fields.get("unit") is not None:
            deduction = Deduction(
                finding=str(output.fields.get("finding", output.key)),
                rule=str(output.fields.get("rule", output.rule)),
                points=float(output.fields.get("points") or 0),
            )
            charged.setdefault(str(output.fields["unit"]), []).append(deduction)
    scores = []
    for fact in facts.of_kind("unit"):
        items = sorted(charged.get(fact.record.key, []), key=lambda d: (d.rule, d.finding))
        deducted = sum(d.points for d in items)
        name = str(getattr(fact.record, "name", fact.record.key))
        scores.append(
            UnitScore(
                unit=fact.record.key,
                name=name,
                score=max(floor, base - deducted),
                deducted=deducted,
                deductions=items,
            )
        )
    scores.sort(key=lambda s: (s.score, s.unit))
    return scores
