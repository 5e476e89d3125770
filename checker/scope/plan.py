"""Which rules a scan can check with the records it was given, and which it was asked to report.

A rule's evidence is every recorded kind it matches (in a pattern or a `not:`), and, for each
derived kind it matches, the evidence of the rules that produce it. A rule is **not checked** when a
recorded kind of its evidence was not supplied, when a derived kind it negates has a producer that
is not checked (an absence cannot be concluded from records never given), or when no producer of a
derived kind it matches is checked. Such a rule is not run at all: it gives no finding and no
deduction, and the report lists it with what was missing (docs/scope.md §2).

`--select`/`--ignore` decide which rules' findings are reported. A rule that is not selected still
runs when a selected rule rests on what it derives (INTERVIEW-OVERDUE on RECT-OVERDUE's overdue
problems), but its findings are *silenced*: left out of the result before any later rule sees them,
so they are neither reported nor deducted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from checker.language.program import FINDING_KIND, CompiledRule, Program
from checker.scope.select import Selection
from facts.models import MODELS

MISSING_RECORDS = "missing-records"
"""A recorded kind the rule needs was not supplied."""
RESTS_ON_UNCHECKED = "rests-on-unchecked"
"""A rule it rests on is not checked."""
NOT_SELECTED = "not-selected"
"""Left out by --select/--ignore (and nothing selected rests on it)."""


@dataclass(frozen=True)
class Unchecked:
    """A rule the scan did not run, and why: the kinds missing, the rules it rests on that did not run."""

    rule: str
    reason: str
    missing: tuple[str, ...] = ()
    """Recorded kinds not supplied that its evidence needs, directly or through the rules it rests on."""
    rests_on: tuple[str, ...] = ()
    """Rules it rests on that are not checked."""


@dataclass(frozen=True)
class Plan:
    """The program to run, the rules left out and the rules that run without being reported."""

    program: Program
    unchecked: tuple[Unchecked, ...]
    silenced: frozenset[str]


def plan_scope(program: Program, supplied: Iterable[str], selection: Selection | None = None) -> Plan:
    """Keep the rules the supplied kinds can check, and of those the ones the selection reports."""
    supplied = frozenset(supplied)
    producers = _producers(program.rules)
    checked: dict[str, bool] = {}
    unchecked: dict[str, Unchecked] = {}
    for rule in sorted(program.rules, key=lambda r: (r.stratum, r.id)):
        missing = {p.kind for p in rule.patterns if p.kind in MODELS and p.kind not in supplied}
        resting: set[str] = set()
        for pattern in rule.patterns:
            if pattern.kind in MODELS:
                continue
            makers = [r for r in producers.get(pattern.kind, ()) if r != rule.id]
            dead = [r for r in makers if not checked.get(r, False)]
            if (pattern.negated and dead) or (makers and len(dead) == len(makers)):
                resting.update(dead)
                for name in dead:
                    missing.update(unchecked[name].missing)
        checked[rule.id] = not missing and not resting
        if not checked[rule.id]:
            reason = MISSING_RECORDS if not resting else RESTS_ON_UNCHECKED
            unchecked[rule.id] = Unchecked(rule.id, reason, tuple(sorted(missing)), tuple(sorted(resting)))
    runnable = [rule for rule in program.rules if checked[rule.id]]
    # a rule without findings (ESC-SUBMITTED, SCORE-DEDUCTION) reports nothing to select: it runs
    reported = {
        rule.id
        for rule in runnable
        if rule.subject is None or selection is None or selection.reports(rule.loaded.rule)
    }
    needed = _closure(reported, runnable, producers)
    for rule in runnable:
        if rule.id not in needed:
            unchecked[rule.id] = Unchecked(rule.id, NOT_SELECTED)
    kept = {rule.id for rule in runnable if rule.id in needed}
    return Plan(
        replace(_only(program, kept), silenced=frozenset(kept - reported)),
        tuple(
            unchecked[rule.id] for rule in sorted(program.rules, key=lambda r: r.id) if rule.id in unchecked
        ),
        frozenset(kept - reported),
    )


def _producers(rules: Sequence[CompiledRule]) -> dict[str, list[str]]:
    """Derived kind (and `finding`) -> the rules that produce it."""
    made: dict[str, list[str]] = {}
    for rule in rules:
        for kind in rule.produced_kinds():
            made.setdefault(kind, []).append(rule.id)
    return made


def _closure(reported: set[str], rules: Sequence[CompiledRule], producers: dict[str, list[str]]) -> set[str]:
    """The reported rules and every rule whose derived facts they rest on, transitively. A rule
    that matches findings rests on the reported rules only: silenced findings never reach it."""
    by_id = {rule.id: rule for rule in rules}
    needed = set(reported)
    pending = list(reported)
    while pending:
        rule = by_id[pending.pop()]
        for pattern in rule.patterns:
            if pattern.kind in MODELS or pattern.kind == FINDING_KIND:
                continue
            for maker in producers.get(pattern.kind, ()):
                if maker in by_id and maker not in needed:
                    needed.add(maker)
                    pending.append(maker)
    return needed


def _only(program: Program, kept: set[str]) -> Program:
    """The program with only the kept rules; passes left empty go."""
    passes = []
    for step in program.passes:
        rules = tuple(rule for rule in step.rules if rule.id in kept)
        if rules:
            passes.append(replace(step, rules=rules))
    rules = tuple(rule for rule in program.rules if rule.id in kept)
    return replace(program, rules=rules, passes=tuple(passes))
