"""Why a subject has no finding: one rule's conditions, in order, on the records that could match.

`rivercheck explain --rule RULE --subject KEY` asks "why is P-017 not flagged?". This module answers
from the compiled rule itself, over the facts the scan had (recorded facts as of the scan day, and
the derived facts the engine produced): it binds the rule's patterns in order as the engine would,
keeps to the records the subject names, and reports each condition it looked at with the record and
the value, and the first that failed; or the record that a `not:` found; or, for a counting rule,
the counts against the thresholds. It does not start the engine, and its tests check it agrees
with the engine's findings on every rule case: it says "matches" exactly where a finding exists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.engine.evaluate import Output
from checker.engine.flatten import normalise
from checker.engine.run import engine_fact
from checker.language import expr as ex
from checker.language.program import Comparison, CompiledPattern, CompiledRule, Program, day_date
from checker.results.document import ScanResult
from facts.load.factset import FactSet
from facts.models import MODELS

EngineFact = Mapping[str, Any]


@dataclass(frozen=True)
class Condition:
    """One condition of a pattern on one record: what was compared, the value found, the outcome."""

    field: str
    op: str
    wanted: str
    """The value compared with, as shown (dates as dates, expressions with their value)."""
    found: str
    passed: bool


@dataclass(frozen=True)
class Record:
    """A fact the explanation names: its kind and key, and where it was read or how it was derived."""

    kind: str
    key: str
    place: str
    """file:line of a recorded fact; the deriving rule of a derived one."""


@dataclass
class Step:
    """One pattern of the rule: the record it looked at (the one that came nearest), its conditions."""

    pattern: str
    kind: str
    negated: bool
    candidates: int
    """Facts of its kind that could have been bound here (sharing the subject and the joins)."""
    record: Record | None = None
    conditions: list[Condition] = field(default_factory=list)
    blocked_by: Record | None = None
    """For a `not:` pattern: the fact it found (so no match stands)."""


@dataclass
class WhyNot:
    """The answer: a finding, a rule not checked, or the step where the subject's match stopped."""

    rule: str
    subject: str
    verdict: str
    """`finding`, `not-checked`, `no-match` (a condition failed), `group` (counted, below threshold)."""
    fingerprint: str | None = None
    steps: list[Step] = field(default_factory=list)
    group: list[Condition] = field(default_factory=list)
    """For a counting rule: the group's computed values against `having`."""
    why: tuple[str, str] | None = None
    """For a rule not checked: why, in Chinese and English."""
    title: tuple[str, str] = ("", "")
    """The rule's title, in Chinese and English."""
    later: list[tuple[Record, str]] = field(default_factory=list)
    """Records with the subject's key dated after as_of (they did not exist yet), and that date."""


def why_not(
    result: ScanResult,
    program: Program,
    facts: FactSet,
    outputs: Mapping[tuple[str, str], Output],
    rule_id: str,
    subject: str,
) -> WhyNot:
    """Explain the rule `rule_id` for `subject` in a scan that gave `result`."""
    finding = next((f for f in result.findings if f.rule == rule_id and f.subject == subject), None)
    if finding is not None:
        title = (finding.title.zh, finding.title.en)
        return WhyNot(rule_id, subject, "finding", fingerprint=finding.fingerprint, title=title)
    skipped = next((item for item in result.scope.not_checked if item.rule == rule_id), None)
    if skipped is not None:
        title = (skipped.title.zh, skipped.title.en)
        return WhyNot(rule_id, subject, "not-checked", why=(skipped.why.zh, skipped.why.en), title=title)
    rule = next(r for r in program.rules if r.id == rule_id)
    answer = _Interpreter(rule, program, facts, outputs).explain(subject)
    answer.title = (rule.loaded.rule.title.zh, rule.loaded.rule.title.en)
    return answer


class _Interpreter:
    """The rule's patterns bound in order over every fact of their kinds, as plain Python."""

    def __init__(
        self, rule: CompiledRule, program: Program, facts: FactSet, outputs: Mapping[tuple[str, str], Output]
    ) -> None:
        self.rule = rule
        self.program = program
        self.facts = facts
        self.constants = {"as_of": program.as_of_day, "params": program.params}
        base = normalise(facts, {p.kind for p in rule.patterns if p.kind in MODELS})
        self.by_kind: dict[str, list[EngineFact]] = {kind: list(found) for kind, found in base.items()}
        self.derived_by: dict[tuple[str, str], str] = {}
        for (kind, key), output in sorted(outputs.items()):
            if any(p.kind == kind for p in rule.patterns):
                self.by_kind.setdefault(kind, []).append(engine_fact(output))
                self.derived_by[(kind, key)] = output.rule

    # the subject

    def constraints(self, subject: str) -> dict[str, list[tuple[str, str]]]:
        """Pattern -> (field, value) the subject fixes: `subject: $problem.key` fixes problem.key."""
        parts = subject.split("/")
        exprs = list(self.rule.subject or ())
        fixed: dict[str, list[tuple[str, str]]] = {}
        if len(parts) != len(exprs):
            return fixed
        by = dict(self.rule.group.by) if self.rule.group is not None else {}
        for part, value in zip(parts, exprs, strict=True):
            if isinstance(value, ex.Ref) and not value.field and value.root in by:
                value = by[value.root]  # a group value: the expression it groups by
            if isinstance(value, ex.Ref) and value.field and len(value.path) == 1:
                fixed.setdefault(value.root, []).append((value.field, part))
        return fixed

    def explain(self, subject: str) -> WhyNot:
        fixed = self.constraints(subject)
        answer = WhyNot(self.rule.id, subject, "no-match")
        matches = list(self._matches(fixed, answer))
        matches = [m for m in matches if self._subject(m) == subject] if self.rule.group is None else matches
        if self.rule.group is not None:
            groups = [m for m in matches if self._group_subject(m) == subject]
            if groups:
                answer.group = self._having(groups)
                answer.verdict = (
                    "group" if not all(c.passed for c in answer.group) else "match-without-finding"
                )
                answer.steps = []
                return answer
            return answer
        if matches:
            answer.verdict = "match-without-finding"  # the engine and this disagree: tests look for it
        return answer

    def _subject(self, match: Mapping[str, EngineFact]) -> str:
        env = {**self.constants, **match}
        return "/".join(str(ex.evaluate(part, env)) for part in self.rule.subject or ())

    def _group_subject(self, match: Mapping[str, EngineFact]) -> str:
        assert self.rule.group is not None
        env = {**self.constants, **match}
        values = {name: ex.evaluate(value, env) for name, value in self.rule.group.by}
        return "/".join(
            str(ex.evaluate(part, {**self.constants, **values})) for part in self.rule.subject or ()
        )

    # binding the patterns

    def _matches(
        self, fixed: Mapping[str, list[tuple[str, str]]], answer: WhyNot
    ) -> Iterator[dict[str, EngineFact]]:
        """Every match of the patterns consistent with the subject; `answer.steps` keeps the deepest
        point reached, with the record that came nearest there."""
        patterns = self.rule.patterns
        depth = [-1]

        def bind(index: int, bound: dict[str, EngineFact]) -> Iterator[dict[str, EngineFact]]:
            if index == len(patterns):
                yield dict(bound)
                return
            pattern = patterns[index]
            env = {**self.constants, **bound}
            candidates = [
                f for f in self.by_kind.get(pattern.kind, []) if self._fits(f, fixed.get(pattern.name, []))
            ]
            if pattern.negated:
                blocker = next(
                    (f for f in candidates if all(c.passed for c in self._conditions(pattern, f, env))), None
                )
                if blocker is None:
                    yield from bind(index + 1, bound)
                    return
                step = Step(
                    pattern.name, pattern.kind, True, len(candidates), blocked_by=self._record(blocker)
                )
                self._note(index, depth, answer, bound, step)
                return
            passing = False
            best: tuple[int, EngineFact | None, list[Condition]] = (-1, None, [])
            for fact in candidates:
                conditions = self._conditions(pattern, fact, env)
                if all(c.passed for c in conditions):
                    passing = True
                    bound[pattern.name] = fact
                    yield from bind(index + 1, bound)
                    del bound[pattern.name]
                else:
                    reached = next(i for i, c in enumerate(conditions) if not c.passed)
                    if reached > best[0]:
                        best = (reached, fact, conditions[: reached + 1])
            if not passing:
                step = Step(pattern.name, pattern.kind, False, len(candidates))
                if best[1] is not None:
                    step.record, step.conditions = self._record(best[1]), best[2]
                self._note(index, depth, answer, bound, step)

        yield from bind(0, {})

    def _note(
        self, index: int, depth: list[int], answer: WhyNot, bound: Mapping[str, EngineFact], step: Step
    ) -> None:
        """Keep the explanation of the deepest pattern any binding reached (the nearest miss): the
        patterns before it with the records they bound and their conditions (all met), then it."""
        if index <= depth[0]:
            return
        depth[0] = index
        steps = []
        for pattern in self.rule.patterns[:index]:
            env = {**self.constants, **bound}
            fact = bound.get(pattern.name)
            if fact is None:  # a `not:` that found nothing
                steps.append(Step(pattern.name, pattern.kind, True, 0))
                continue
            kept = Step(pattern.name, pattern.kind, False, 1, self._record(fact))
            kept.conditions = self._conditions(pattern, fact, env)
            steps.append(kept)
        answer.steps = [*steps, step]

    @staticmethod
    def _fits(fact: EngineFact, fixed: Sequence[tuple[str, str]]) -> bool:
        return all(str(fact.get(name)) == value for name, value in fixed)

    def _conditions(
        self, pattern: CompiledPattern, fact: EngineFact, env: Mapping[str, Any]
    ) -> list[Condition]:
        own = {**env, pattern.name: fact}  # a pattern may compare its fact with itself
        return [self._condition(pattern, c, fact, own) for c in pattern.comparisons]

    def _condition(
        self, pattern: CompiledPattern, c: Comparison, fact: EngineFact, env: Mapping[str, Any]
    ) -> Condition:
        found = fact.get(c.field)
        wanted = ex.evaluate(c.value, env)
        passed = _holds(found, c.op, wanted, c.or_missing)
        dated = c.field in self.program.date_fields.get(pattern.kind, frozenset())
        return Condition(c.field, c.op, _shown(wanted, dated), _shown(found, dated), passed)

    def _record(self, fact: EngineFact) -> Record:
        kind, key = str(fact.get("kind")), str(fact.get("key"))
        if kind in MODELS:
            found = self.facts.find(kind, key)
            place = str(found.location) if found is not None else ""
        else:
            place = self.derived_by.get((kind, key), "")
        return Record(kind, key, place)

    def _having(self, matches: list[dict[str, EngineFact]]) -> list[Condition]:
        group = self.rule.group
        assert group is not None
        values: dict[str, Any] = {}
        for name, function, argument in group.compute:
            if function == "count":
                values[name] = len({m[str(argument)]["key"] for m in matches})
            else:
                assert not isinstance(argument, str)
                found = [
                    v for m in matches if (v := ex.evaluate(argument, {**self.constants, **m})) is not None
                ]
                values[name] = (
                    (max(found) if function == "max" else min(found) if function == "min" else sum(found))
                    if found
                    else None
                )
        env = {**self.constants, **values}
        return [
            Condition(
                name,
                op,
                _shown(ex.evaluate(value, env), False),
                _shown(values.get(name), False),
                _holds(values.get(name), op, ex.evaluate(value, env), False),
            )
            for name, op, value in group.having
        ]


def with_later_records(answer: WhyNot, recorded: FactSet, facts: FactSet, as_of: Any) -> WhyNot:
    """Name the records keyed like the subject that the scan left out: dated after as_of."""
    if answer.verdict in ("finding", "not-checked"):
        return answer
    for kind in MODELS:
        fact = recorded.find(kind, answer.subject)
        if fact is not None and facts.find(kind, answer.subject) is None:
            dates = [getattr(fact.record, name) for name in fact.record.exists_from]
            first = min((d for d in dates if d is not None), default=None)
            answer.later.append((Record(kind, answer.subject, str(fact.location)), str(first)))
    return answer


def _holds(found: Any, op: str, wanted: Any, or_missing: bool) -> bool:
    """The engine's semantics: a missing value fails every condition but `exists: false` (and
    `or_missing`)."""
    if op == "exists":
        return (found is not None) == bool(wanted)
    if found is None:
        return or_missing
    if op == "in":
        return found in wanted
    if op == "not_in":
        return found not in wanted
    if wanted is None:
        return False
    checks = {
        "eq": lambda: found == wanted,
        "ne": lambda: found != wanted,
        "lt": lambda: found < wanted,
        "lte": lambda: found <= wanted,
        "gt": lambda: found > wanted,
        "gte": lambda: found >= wanted,
    }
    return bool(checks[op]())


def _shown(value: Any, dated: bool) -> str:
    if value is None:
        return "—"
    if dated and isinstance(value, int) and not isinstance(value, bool):
        return day_date(value).isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)
