"""Derivation to result: findings with the facts they rest on and their chain, unit scores, a stamp."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from checker.engine.evaluate import Basis, Output
from checker.engine.run import Derivation
from checker.language.program import (
    DEDUCTION_KIND,
    FINDING_KIND,
    SCORE_PARAMS,
    WAIVED_DEDUCT,
    Program,
    day_date,
)
from checker.language.schema import SEVERITIES, Text
from checker.results.document import (
    RESULT_VERSION,
    ChainLink,
    Deduction,
    DerivedFact,
    FactRef,
    Finding,
    RuleRun,
    ScanResult,
    Scope,
    Scoring,
    Stamp,
    UnitScore,
)
from facts.load.factset import FactSet
from facts.models import MODELS


def collect(
    derivation: Derivation, program: Program, facts: FactSet, scope: Scope, tool: str, engine: str
) -> ScanResult:
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
            if r.id not in program.silenced
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
        scope=scope,
        scoring=Scoring(
            base=float(program.params.get(SCORE_PARAMS[0], 100)),
            floor=float(program.params.get(SCORE_PARAMS[1], 0)),
            waived_deduct=bool(program.params.get(WAIVED_DEDUCT, False)),
        ),
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
    values = {name: _plain(getattr(fact.record, name, None)) for name in basis.fields if name != "key"}
    return FactRef(
        kind=basis.kind, key=basis.key, file=fact.location.path, line=fact.location.line, values=values
    )


def _plain(value: Any) -> Any:
    """A record's field as its `model_dump()` gives it (nested models as dicts, lists copied),
    without dumping the whole record for the few fields a finding names."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


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
