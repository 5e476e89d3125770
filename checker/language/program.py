"""The compiled program: the types the compiler hands the engine, and the kinds every rule set has.

Everything here is engine-neutral data: a `Program` of `Pass`es of `CompiledRule`s whose patterns
are `Comparison`s with `$as_of` and the parameters folded into constants (dates as day numbers). The
engine (`checker.engine`) and the results (`checker.results`) read these types and the built-in kinds
(`finding`, `deduction`, shadow copies of negated kinds) without the checks that produced them, so
they live apart from the compiler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checker.language import expr as ex
from checker.language.load import LoadedRule
from facts.models import MODELS

EPOCH = dt.date(1970, 1, 1)
FINDING_KIND = "finding"
DEDUCTION_KIND = "deduction"
"""Derived facts of this kind are points charged to a unit (`checker.results` adds them up)."""
SCORE_PARAMS = ("score_base", "score_floor")
WAIVED_DEDUCT = "waived_findings_deduct"
"""true/false: whether a finding under an active waiver still deducts (docs/scope.md §5; default no)."""
"""Parameters the scores read, if params.yaml declares them."""
FINDING_FIELDS = ("key", "rule", "article", "type", "severity", "subject", "responsible")
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists")
"""The operators of a `where` condition (in `having`: the first six)."""
ORDERING = ("lt", "lte", "gt", "gte")
"""The operators that compare by order: dates (as day numbers) and numbers only."""
SHADOW = "~"


def shadow(kind: str) -> str:
    """Facts a negated pattern may match travel in partitions as shadow copies (docs/engine.md)."""
    return SHADOW + kind


def day_number(day: dt.date) -> int:
    """Dates reach the engine as whole days since 1970-01-01 (durable-rules has no dates, #8)."""
    return (day - EPOCH).days


def day_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


@dataclass(frozen=True)
class Comparison:
    """`field OP value` on one pattern's fact; `value` refers only to bound patterns (or is constant)."""

    field: str
    op: str
    value: ex.Expr
    or_missing: bool = False
    """Also true when the fact has no such field (`in_post_to: {gte: $as_of, or_missing: true}`)."""


@dataclass(frozen=True)
class CompiledPattern:
    name: str
    kind: str
    negated: bool
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True)
class CompiledGroup:
    by: tuple[tuple[str, ex.Expr], ...]
    compute: tuple[tuple[str, str, str | ex.Expr], ...]
    having: tuple[tuple[str, str, ex.Expr], ...]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: patterns, results and where it came from."""

    loaded: LoadedRule
    patterns: tuple[CompiledPattern, ...]
    group: CompiledGroup | None
    derive_kind: str | None
    derive_key: ex.Expr | None
    derive_set: tuple[tuple[str, ex.Expr], ...]
    subject: tuple[ex.Expr, ...] | None
    """The values that say what a finding is about (joined with '/')."""
    responsible: ex.Expr | None
    used_fields: dict[str, tuple[str, ...]]
    """Per bound pattern, the fields the rule looked at (the values that mattered)."""
    stratum: int = 0
    scheme: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provisional: tuple[int, ...] = ()
    """Years without an official holiday schedule that a limit in working days ran into: the
    rule's results rest on working days computed by the statutory rules (`checker.language.calendar`)."""

    @property
    def local(self) -> bool:
        """A count over one kind with only constant conditions: evaluated while reading the facts,
        without the engine (2 million patrols need never reach it)."""
        return (
            self.group is not None
            and len(self.patterns) == 1
            and not self.patterns[0].negated
            and all(isinstance(c.value, ex.Const) for c in self.patterns[0].comparisons)
        )

    @property
    def residual(self) -> tuple[tuple[str, Comparison], ...]:
        """Comparisons of positive patterns the adapter checks on each match (see `in_engine`)."""
        return tuple((p.name, c) for p in self.positive for c in p.comparisons if not in_engine(c))

    @property
    def id(self) -> str:
        return self.loaded.rule.id

    @property
    def positive(self) -> tuple[CompiledPattern, ...]:
        return tuple(p for p in self.patterns if not p.negated)

    def matched_kinds(self) -> set[str]:
        return {p.kind for p in self.patterns}

    def produced_kinds(self) -> set[str]:
        kinds = {self.derive_kind} if self.derive_kind else set()
        return kinds | ({FINDING_KIND} if self.subject is not None else set())


@dataclass(frozen=True)
class Pass:
    """Rules that run together over one partitioning of their input facts."""

    name: str
    stratum: int
    rules: tuple[CompiledRule, ...]
    partition: dict[str, tuple[str, ...]]
    """Fact kind -> the fields whose values pick the partition (kinds not named: their key)."""
    engine: bool = True
    """False for a pass of local rules (`CompiledRule.local`), evaluated without the engine."""

    @property
    def kinds(self) -> set[str]:
        return set().union(*(rule.matched_kinds() for rule in self.rules))

    @property
    def negated_kinds(self) -> set[str]:
        return {p.kind for rule in self.rules for p in rule.patterns if p.negated}


@dataclass(frozen=True)
class Program:
    """Every rule compiled for one scan date and parameter set."""

    as_of: dt.date
    params: dict[str, Any]
    rules: tuple[CompiledRule, ...]
    passes: tuple[Pass, ...]
    fields: dict[str, tuple[str, ...]]
    """Fields of every fact kind, base and derived."""
    date_fields: dict[str, frozenset[str]]
    version: str
    """A digest of the rules and parameters (not of as_of)."""
    silenced: frozenset[str] = frozenset()
    """Rules that run for what they derive, whose findings are not reported (`checker.scope`)."""

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)

    @property
    def base_kinds(self) -> set[str]:
        return {kind for rule in self.rules for kind in rule.matched_kinds() if kind in MODELS}


def in_engine(comparison: Comparison) -> bool:
    """Whether durable-rules evaluates this comparison, or the adapter does after the match.

    The engine gets comparisons with constants (any operator) and equality joins with another fact's
    field. Anything else (`found_on > $closed.signed_off_on`, arithmetic on fields) is checked by
    `checker.engine.evaluate` on the matched facts: durable-rules crashes now and then (SIGSEGV in
    `reduceExpressionSequence`) evaluating an ordering comparison against a joined fact, errs (311)
    on `$neq` or `$lt` against a field the other fact lacks, and matches wrongly on a missing field
    of the same fact (docs/engine.md, pitfalls 10 and 11).
    """
    if isinstance(comparison.value, ex.Const):
        return True
    return comparison.op == "eq" and isinstance(comparison.value, ex.Ref) and len(comparison.value.path) == 1


def join_target(comparison: Comparison, names: set[str]) -> tuple[str, str] | None:
    """(pattern, field) when the comparison's value is a field of one of the patterns `names` (with
    `eq`, a join)."""
    value = comparison.value
    if isinstance(value, ex.Ref) and value.root in names and value.field and len(value.path) == 1:
        return value.root, value.field
    return None
