"""A rule's matches over the available facts, found in Python as the engine would find them: hash
joins for equalities (dictionary lookups), sorted ranges for comparisons by order between two facts
(a window of days is a slice of a sorted bucket), `not:` as an index of the facts that would block.
What `checker.engine.plan` keeps of them and gives the engine to confirm."""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.engine.evaluate import MATCHES_KEPT, holds, output_keys
from checker.engine.flatten import NUMBER
from checker.engine.prefilter import constant_test
from checker.language import expr as ex
from checker.language.program import ORDERING, Comparison, CompiledPattern, CompiledRule

Fact = dict[str, Any]
Match = tuple[int, ...]
"""The numbers of the facts a match binds, in the order of the rule's positive patterns."""


@dataclass
class _Step:
    """How one positive pattern is bound, given the patterns before it."""

    pattern: CompiledPattern
    joins: list[tuple[str, str, str]]
    """(own field, earlier pattern, its field): equalities looked up in `index`."""
    ranged: Comparison | None
    """A comparison by order with one earlier fact's field (plus days): a sorted range of `index`."""
    checks: list[Comparison]
    """Every other comparison that is not a constant test, checked on each candidate."""
    bounds: list[Comparison] = field(default_factory=list)
    """Other comparisons by order of `ranged`'s field with earlier facts: they narrow its range
    (a window `gt: $a.day, lte: "$a.day + 30"` is a slice, not the rest of the bucket) and stay
    in `checks`, so narrowing only leaves out candidates a check would refuse."""
    index: dict[tuple[Any, ...], list[Fact]] = field(default_factory=dict)
    missing: dict[tuple[Any, ...], list[Fact]] = field(default_factory=dict)
    """For `ranged`: the candidates without the field (they pass only with `or_missing`)."""
    sorted_values: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    ranks: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)
    """For `ranged`: each candidate's rank in the order of keys, by its place in the bucket (which is
    sorted by value); a range's candidates come out in key order through a heap of these integers."""
    places: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)
    """For `ranged`: rank -> place in the bucket."""


class Matcher:
    """One rule's matches over the available facts, as the engine would find them."""

    def __init__(
        self, rule: CompiledRule, available: Mapping[str, Sequence[Fact]], constants: Mapping[str, Any]
    ) -> None:
        self.rule = rule
        self.constants = constants
        self.by_number: dict[int, Fact] = {}
        names = {p.name for p in rule.positive}
        self.steps: list[_Step] = []
        for position, pattern in enumerate(rule.positive):
            earlier = {p.name for p in rule.positive[:position]}
            step = self._step(pattern, earlier)
            test = constant_test(pattern)
            for fact in available.get(pattern.kind, ()):
                if test is None or test(fact):
                    self.by_number[fact[NUMBER]] = fact
                    self._index(step, fact)
            if step.ranged is None:
                for bucket in step.index.values():
                    if len(bucket) > 1:
                        bucket.sort(key=_order)
            else:
                ranged, order = step.ranged.field, _ranged_order(step.ranged.field)
                for value, bucket in step.index.items():  # many buckets of one fact: no sort for those
                    if len(bucket) > 1:
                        bucket.sort(key=order)
                    step.sorted_values[value] = [fact[ranged] for fact in bucket]
                    step.places[value], step.ranks[value] = _ranks(bucket)
            self.steps.append(step)
        assert names == {s.pattern.name for s in self.steps}
        self.absences = [_Absence(p, available) for p in rule.patterns if p.negated]

    @staticmethod
    def _step(pattern: CompiledPattern, earlier: set[str]) -> _Step:
        joins: list[tuple[str, str, str]] = []
        ranged: Comparison | None = None
        checks: list[Comparison] = []
        for comparison in pattern.comparisons:
            value = comparison.value
            if isinstance(value, ex.Const):
                continue  # a constant test: applied to the candidates
            target = _single_ref(value)
            if (
                comparison.op == "eq"
                and isinstance(value, ex.Ref)
                and target is not None
                and target[0] in earlier
            ):
                joins.append((comparison.field, target[0], target[1]))
            elif ranged is None and comparison.op in ORDERING and target is not None and target[0] in earlier:
                ranged = comparison
            else:
                checks.append(comparison)
        bounds = [
            c
            for c in checks
            if ranged is not None
            and c.field == ranged.field
            and c.op in ORDERING
            and all(ref.root in earlier or ref.root in ("as_of", "params") for ref in ex.refs(c.value))
        ]
        return _Step(pattern, joins, ranged, checks, bounds)

    @staticmethod
    def _index(step: _Step, fact: Fact) -> None:
        values = tuple([fact.get(own) for own, _, _ in step.joins])
        if None in values:
            return  # an equality with a missing field never holds
        if step.ranged is not None and fact.get(step.ranged.field) is None:
            step.missing.setdefault(values, []).append(fact)
            return
        step.index.setdefault(values, []).append(fact)

    def facts_of(self, match: Match) -> list[Fact]:
        return [self.by_number[number] for number in match]

    def matches(self) -> Iterator[Match]:
        """Every match, in the order of the first pattern's facts by key."""
        yield from self._bind(0, {}, [])

    def _bind(self, position: int, bound: dict[str, Fact], numbers: list[int]) -> Iterator[Match]:
        if position == len(self.steps):
            if all(absence.allows(bound) for absence in self.absences):
                yield tuple(numbers)
            return
        step = self.steps[position]
        checks, name = step.checks, step.pattern.name
        env = {**self.constants, **bound} if checks or step.ranged is not None else bound
        for fact in self._candidates(step, bound, env):
            if fact[NUMBER] in numbers:
                continue  # the engine never binds one fact to two patterns
            if checks:
                own = {**env, name: fact}
                if not all(_holds(fact, c, own) for c in checks):
                    continue
            bound[name] = fact
            numbers.append(fact[NUMBER])
            yield from self._bind(position + 1, bound, numbers)
            numbers.pop()
            del bound[name]

    def _candidates(self, step: _Step, bound: Mapping[str, Fact], env: Mapping[str, Any]) -> Iterator[Fact]:
        values = tuple([bound[root].get(name) for _, root, name in step.joins])
        if None in values:
            return
        if step.ranged is None:
            yield from step.index.get(values, ())
            return
        comparison = step.ranged
        bucket = step.index.get(values, [])
        sorted_values = step.sorted_values.get(values, [])
        limit = ex.evaluate(comparison.value, env)
        ranged: list[int] = []
        if limit is not None:
            low, high = _within(sorted_values, comparison.op, limit, 0, len(bucket))
            for narrowing in step.bounds:
                other = ex.evaluate(narrowing.value, env)
                if other is not None:
                    low, high = _within(sorted_values, narrowing.op, other, low, high)
            ranged = step.ranks.get(values, [])[low:high] if low < high else []
        places = step.places.get(values, [])
        missing = step.missing.get(values, []) if comparison.or_missing else []
        if missing:  # rare: the candidates without the field pass too, in the same order of keys
            yield from sorted([bucket[places[rank]] for rank in ranged] + missing, key=_order)
            return
        # the range's candidates in the order of their keys, as many as are asked for: a heap (a
        # crowded waterbody's range holds hundreds of candidates; a result keeps its first ten)
        heapq.heapify(ranged)
        while ranged:
            yield bucket[places[heapq.heappop(ranged)]]

    def joined_value(self, match: Match) -> tuple[Any, ...]:
        """The value the rule's patterns share (its partition scheme), read on the match's first fact."""
        first = self.steps[0].pattern
        fields = self.rule.scheme.get(first.kind, ("key",))
        fact = self.by_number[match[0]]
        return tuple(fact.get(name) for name in fields)

    def first_matches(self) -> Iterator[tuple[list[Match], bool]]:
        """For each result the rule produces (a finding, a derived fact), its first `MATCHES_KEPT`
        matches by the keys of their facts, in that order, and whether it had more."""
        if self._keyed_by_first():
            yield from self._first_matches_by_first()
            return
        kept: dict[tuple[str, str], list[tuple[_Reversed, Match]]] = {}
        counts: dict[tuple[str, str], int] = {}
        for match in self.matches():
            entry = (_Reversed(tuple(_order(fact) for fact in self.facts_of(match))), match)
            for key in self._keys(match):
                counts[key] = counts.get(key, 0) + 1
                heap = kept.setdefault(key, [])  # the largest order kept is on top
                if len(heap) < MATCHES_KEPT:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)
        for key in sorted(kept):
            yield [match for _, match in sorted(kept[key], reverse=True)], counts[key] > MATCHES_KEPT

    def _keys(self, match: Match) -> list[tuple[str, str]]:
        facts = self.facts_of(match)
        bound = {step.pattern.name: fact for step, fact in zip(self.steps, facts, strict=True)}
        return output_keys(self.rule, {**self.constants, **bound}, bound)

    def _keyed_by_first(self) -> bool:
        """Whether what the rule produces is named by its first pattern's fact alone (a finding about
        `$closed.key`, a fact derived with `key: $closed.key`): its matches then come to it in order,
        first fact by first fact, and each first fact's need not be enumerated beyond eleven."""
        rule = self.rule
        if rule.derive_kind is not None and rule.derive_key is None:
            return False  # keyed by every fact matched
        parts = [*(rule.subject or ()), *([rule.derive_key] if rule.derive_key is not None else [])]
        first = self.steps[0].pattern.name
        return all(ref.root in (first, "as_of", "params") for part in parts for ref in ex.refs(part))

    def _first_matches_by_first(self) -> Iterator[tuple[list[Match], bool]]:
        kept: dict[tuple[str, str], list[Match]] = {}
        capped: set[tuple[str, str]] = set()
        for fact in self.steps[0].index.get((), []):  # the first pattern joins nothing: one bucket, by key
            matches = list(itertools.islice(self._bind_from(fact), MATCHES_KEPT + 1))
            if not matches:
                continue
            for key in self._keys(matches[0]):  # named by the first fact: the same for all its matches
                bucket = kept.setdefault(key, [])
                for match in matches:
                    if len(bucket) < MATCHES_KEPT:
                        bucket.append(match)
                    else:
                        capped.add(key)
        for key in sorted(kept):
            yield kept[key], key in capped

    def _bind_from(self, fact: Fact) -> Iterator[Match]:
        """The matches whose first fact is `fact`, in order."""
        step = self.steps[0]
        env = {**self.constants, step.pattern.name: fact}
        if not all(_holds(fact, c, env) for c in step.checks):
            return
        yield from self._bind(1, {step.pattern.name: fact}, [fact[NUMBER]])


class _Absence:
    """A `not:` pattern as an index of the facts that would block a match (constant tests passed),
    by the values of its equality joins."""

    def __init__(self, pattern: CompiledPattern, available: Mapping[str, Sequence[Fact]]) -> None:
        self.joins = [
            (c.field, c.value)
            for c in pattern.comparisons
            if c.op == "eq" and isinstance(c.value, ex.Ref) and len(c.value.path) == 1
        ]
        test = constant_test(pattern)
        self.index: set[tuple[Any, ...]] = set()
        for fact in available.get(pattern.kind, ()):
            if test is None or test(fact):
                values = tuple(fact.get(name) for name, _ in self.joins)
                if None not in values:
                    self.index.add(values)

    def allows(self, bound: Mapping[str, Fact]) -> bool:
        wanted = tuple(bound[ref.root].get(str(ref.field)) for _, ref in self.joins)
        return None in wanted or wanted not in self.index


def _ranks(bucket: Sequence[Fact]) -> tuple[list[int], list[int]]:
    """The places of `bucket`'s facts in the order of their keys, and each place's rank in it."""
    if len(bucket) == 1:
        return [0], [0]
    orders = [_order(fact) for fact in bucket]
    places = sorted(range(len(bucket)), key=orders.__getitem__)
    ranks = [0] * len(bucket)
    for rank, place in enumerate(places):
        ranks[place] = rank
    return places, ranks


def _within(values: Sequence[Any], op: str, limit: Any, low: int, high: int) -> tuple[int, int]:
    """`[low, high)` narrowed to the places of sorted `values` where `value op limit` holds."""
    if op == "gt":
        return max(low, bisect.bisect_right(values, limit)), high
    if op == "gte":
        return max(low, bisect.bisect_left(values, limit)), high
    if op == "lt":
        return low, min(high, bisect.bisect_left(values, limit))
    return low, min(high, bisect.bisect_right(values, limit))


def _single_ref(value: ex.Expr) -> tuple[str, str] | None:
    """(pattern, field) when `value` is one fact's field, plus or minus constants."""
    refs = [ref for ref in ex.refs(value) if ref.root not in ("as_of", "params")]
    if len(refs) != 1 or len(refs[0].path) != 1 or refs[0].field is None:
        return None
    return refs[0].root, refs[0].field


def _holds(fact: Fact, comparison: Comparison, env: Mapping[str, Any]) -> bool:
    """The adapter's semantics (`checker.engine.evaluate.holds`): a missing value fails, but
    `or_missing`."""
    value = fact.get(comparison.field)
    if value is None and comparison.or_missing:
        return True
    return holds(value, comparison.op, ex.evaluate(comparison.value, env))


def _order(fact: Fact) -> tuple[str, int]:
    return (str(fact.get("key")), int(fact[NUMBER]))


def _ranged_order(name: str) -> Any:
    return lambda fact: (fact[name], _order(fact))


class _Reversed:
    """An order that sorts the other way round, so a min-heap holds the largest of the kept."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[tuple[str, int], ...]) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return other.value < self.value

    def __gt__(self, other: _Reversed) -> bool:
        return other.value > self.value
