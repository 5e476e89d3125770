"""What each engine session gets: the matches a pass must confirm, planned exactly in Python.

durable-rules' cost is its firings (about 20 µs each, docs/engine.md) and its memory grows with
every fact a session holds, so a fact that takes part in no match must never reach it, and facts
that take part in different matches must not multiply each other inside one session. So before
the engine runs, each rule's matches are found here with hash joins (equality joins as dictionary
lookups, comparisons by order between two facts as sorted ranges, `not:` as an index), and:

- a rule without `group` keeps, for each result it produces (a finding, a derived fact), its first
  `MATCHES_KEPT` matches in the order of their facts' keys: one finding rests on at most that many
  matches, however dense the records (a waterbody with 10,000 recurring problems gives each of them
  a finding resting on its first ten recurrences, not 10,000 x 10,000 pairs);
- a rule with `group` keeps every match (counts need them all).

Each kept match belongs to a *unit*: the matches of one result (or a slice of one group), and the
facts they bind, tagged with the unit's number in the field `~u`. Every pattern after the first is
joined to the first on `~u` in the ruleset (`checker.engine.ruleset`), so the engine combines facts
of one unit only: a session holds many units and the engine's work stays linear in them. A fact
used by several units is given to each (a copy with its `~u`). Units are packed into sessions of at
most `SESSION_FACTS` facts, so memory per session is bounded whatever the data's shape.

The engine then finds the matches, and the worker checks that it found every one planned: a match
the engine loses (pitfall 12) is an error, never a missing finding. Matches the engine finds beyond
the plan are dropped (they are either beyond a result's first `MATCHES_KEPT`, or combinations the
plan refused for a `not:`, whose facts the engine never sees).
"""

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
from checker.engine.ruleset import UNIT, position_tag
from checker.language import expr as ex
from checker.language.program import ORDERING, Comparison, CompiledPattern, CompiledRule, Pass

Fact = dict[str, Any]
SESSION_FACTS = 2_000
"""Facts per engine session: 2,000 facts cost about 10 ms to assert (docs/engine.md, pitfall 2)."""
GROUP_SLICE = 1_000
"""Matches of one group given to one unit: a group of 100,000 matches is sliced, its facts in
sessions of bounded size; the group's values are computed in the parent from every slice."""

Match = tuple[int, ...]
"""The numbers of the facts a match binds, in the order of the rule's positive patterns."""


@dataclass
class Unit:
    """Matches to confirm, and the numbers of the facts they bind, under one `~u` number."""

    number: int
    rule: int
    """The index of the unit's rule in its pass (every unit is one rule's)."""
    facts: dict[int, int] = field(default_factory=dict)
    """Fact number -> the positions it is bound at in the unit's matches, as bits."""
    matches: dict[str, list[Match]] = field(default_factory=dict)
    """Rule id -> the planned matches of this unit: the engine must find each."""
    evidence: dict[str, list[Match]] = field(default_factory=dict)
    """Rule id -> further matches of the unit's result, not asserted: the evidence beyond the match
    the result is made from (`_result_units`)."""

    def add(self, rule: str, match: Match) -> None:
        self.matches.setdefault(rule, []).append(match)
        for position, number in enumerate(match):
            self.facts[number] = self.facts.get(number, 0) | (1 << position)


@dataclass
class Session:
    """Units one engine session asserts together: numbers only; the facts are made when the session
    runs (`Plan.facts`), in the worker, so no pass's sessions are ever held as facts at once."""

    units: list[Unit] = field(default_factory=list)
    size: int = 0
    """Facts the session asserts (a fact used by two units is given to each)."""

    def planned(self) -> dict[str, set[tuple[int, Match]]]:
        """Rule id -> (unit, match) pairs the engine must find."""
        planned: dict[str, set[tuple[int, Match]]] = {}
        for unit in self.units:
            for rule, matches in unit.matches.items():
                planned.setdefault(rule, set()).update((unit.number, match) for match in matches)
        return planned


@dataclass(frozen=True)
class Matches:
    """A pass's matches by fact number only: what a worker that planned the pass sends back (a few
    integers per match, however large the facts)."""

    units: list[Unit]
    grouped: dict[str, list[Match]]
    """Rule id -> every match of a rule with `group`."""


@dataclass(frozen=True)
class Plan:
    """A pass's sessions, each grouped rule's matches (their values are computed in the parent),
    and the facts by number."""

    sessions: list[Session]
    grouped: dict[str, list[dict[str, Fact]]]
    """Rule id -> every match of a rule with `group`, bound name -> fact."""
    by_number: Mapping[int, Fact]

    def facts(self, session: Session, fields: frozenset[str] | None = None) -> list[Fact]:
        """What the session asserts: each unit's facts (of `fields` only, when given), tagged with
        the unit's number and with the positions each is bound at (`ruleset.position_tag`), so a
        fact binds only the patterns it was planned for and the engine fires the planned matches,
        not every combination of a unit's facts."""
        made: list[Fact] = []
        for unit in session.units:
            for number, positions in sorted(unit.facts.items()):
                fact = self.by_number[number]
                given = dict(fact) if fields is None else {k: v for k, v in fact.items() if k in fields}
                given[UNIT] = unit.number
                for position in range(positions.bit_length()):
                    if positions >> position & 1:
                        given[position_tag(unit.rule, position)] = 1
                made.append(given)
        return made


def plan_pass(
    step: Pass,
    available: Mapping[str, Sequence[Fact]],
    constants: Mapping[str, Any],
    session_facts: int = SESSION_FACTS,
) -> Plan:
    """The sessions of one pass: every rule's kept matches, in units, packed."""
    by_number = {fact[NUMBER]: fact for facts in available.values() for fact in facts}
    return packed(step, match_pass(step, available, constants), by_number, session_facts)


def match_pass(step: Pass, available: Mapping[str, Sequence[Fact]], constants: Mapping[str, Any]) -> Matches:
    """Every rule's kept matches, in units (the work of planning; it can run in a worker)."""
    units: list[Unit] = []
    grouped: dict[str, list[Match]] = {}
    for index, rule in enumerate(step.rules):
        matcher = Matcher(rule, available, constants)
        if rule.group is not None:
            matches = list(matcher.matches())
            grouped[rule.id] = matches
            for start in range(0, len(matches), GROUP_SLICE):
                unit = Unit(len(units), index)
                for match in matches[start : start + GROUP_SLICE]:
                    unit.add(rule.id, match)
                units.append(unit)
        else:
            units += _result_units(rule, index, matcher, len(units))
    return Matches(units, grouped)


def packed(step: Pass, matches: Matches, by_number: Mapping[int, Fact], session_facts: int) -> Plan:
    """The units packed into sessions of at most `session_facts` facts, and the grouped matches
    bound to their facts."""
    grouped: dict[str, list[dict[str, Fact]]] = {}
    for rule in step.rules:
        if rule.id in matches.grouped:
            names = [p.name for p in rule.positive]
            grouped[rule.id] = [
                {name: by_number[number] for name, number in zip(names, match, strict=True)}
                for match in matches.grouped[rule.id]
            ]
    return Plan(_pack(matches.units, session_facts), grouped, by_number)


def _result_units(rule: CompiledRule, index: int, matcher: Matcher, first: int) -> list[Unit]:
    """The units of a rule without `group`: one per result (so the engine cannot combine the facts of
    two results), except where that cannot matter. When the engine's own tests (constants and
    equality joins) are all the rule has, no `not:` and no comparison left for the adapter, every
    combination of facts sharing the rule's joined value is a real match: all the matches of one
    joined value go in one unit then (a unit's fact joined by 500 problems is given once, not 500
    times), unless some result there has more matches than it keeps."""
    kept = list(matcher.first_matches())
    sliced = not rule.residual and not any(p.negated for p in rule.patterns)
    batches: list[tuple[list[Match], bool]] = []  # (matches, all of one result's)
    if not sliced:  # a finding and the fact derived with it have the same matches: one unit for both
        batches = [(list(m), True) for m in dict.fromkeys(tuple(matches) for matches, _ in kept)]
    else:
        by_value: dict[Any, list[tuple[list[Match], bool]]] = {}
        for matches, capped in kept:
            by_value.setdefault(matcher.joined_value(matches[0]), []).append((matches, capped))
        for _, results in sorted(by_value.items(), key=lambda item: repr(item[0])):
            if any(capped for _, capped in results):
                batches += [(list(m), True) for m in dict.fromkeys(tuple(matches) for matches, _ in results)]
                continue
            together = sorted({match for matches, _ in results for match in matches})
            batches += [
                (together[start : start + GROUP_SLICE], False)
                for start in range(0, len(together), GROUP_SLICE)
            ]
    units: list[Unit] = []
    for batch, one_result in batches:
        unit = Unit(first + len(units), index)
        if one_result:
            # the engine confirms the match the result is made from (its first); the others are its
            # evidence, found by the plan under the same conditions and bound to the result with it
            unit.add(rule.id, batch[0])
            if batch[1:]:
                unit.evidence[rule.id] = batch[1:]
        else:
            for match in batch:
                unit.add(rule.id, match)
        units.append(unit)
    return units


def _pack(units: Sequence[Unit], session_facts: int) -> list[Session]:
    sessions: list[Session] = []
    current = Session()
    for unit in units:
        if current.units and current.size + len(unit.facts) > session_facts:
            sessions.append(current)
            current = Session()
        current.units.append(unit)
        current.size += len(unit.facts)
    if current.units:
        sessions.append(current)
    return sessions


# --- finding a rule's matches ---------------------------------------------------------------------


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
    index: dict[tuple[Any, ...], list[Fact]] = field(default_factory=dict)
    missing: dict[tuple[Any, ...], list[Fact]] = field(default_factory=dict)
    """For `ranged`: the candidates without the field (they pass only with `or_missing`)."""
    sorted_values: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    orders: dict[tuple[Any, ...], list[tuple[tuple[str, int], int]]] = field(default_factory=dict)
    """For `ranged`: each candidate's order by key, and its place in the bucket (sorted by value)."""


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
            for bucket in step.index.values():
                bucket.sort(key=_order if step.ranged is None else _ranged_order(step.ranged.field))
            if step.ranged is not None:
                for value, bucket in step.index.items():
                    step.sorted_values[value] = [fact[step.ranged.field] for fact in bucket]
                    step.orders[value] = [(_order(fact), place) for place, fact in enumerate(bucket)]
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
        return _Step(pattern, joins, ranged, checks)

    @staticmethod
    def _index(step: _Step, fact: Fact) -> None:
        values = tuple(fact.get(own) for own, _, _ in step.joins)
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
        env = {**self.constants, **bound}
        for fact in self._candidates(step, bound, env):
            if fact[NUMBER] in numbers:
                continue  # the engine never binds one fact to two patterns
            name = step.pattern.name
            own = {**env, name: fact}
            if all(_holds(fact, c, own) for c in step.checks):
                bound[name] = fact
                numbers.append(fact[NUMBER])
                yield from self._bind(position + 1, bound, numbers)
                numbers.pop()
                del bound[name]

    def _candidates(self, step: _Step, bound: Mapping[str, Fact], env: Mapping[str, Any]) -> Iterator[Fact]:
        values = tuple(bound[root].get(name) for _, root, name in step.joins)
        if None in values:
            return
        if step.ranged is None:
            yield from step.index.get(values, ())
            return
        comparison = step.ranged
        bucket = step.index.get(values, [])
        sorted_values = step.sorted_values.get(values, [])
        limit = ex.evaluate(comparison.value, env)
        ranged: list[tuple[tuple[str, int], int]] = []
        if limit is not None:
            low, high = 0, len(bucket)
            if comparison.op == "gt":
                low = bisect.bisect_right(sorted_values, limit)
            elif comparison.op == "gte":
                low = bisect.bisect_left(sorted_values, limit)
            elif comparison.op == "lt":
                high = bisect.bisect_left(sorted_values, limit)
            else:
                high = bisect.bisect_right(sorted_values, limit)
            ranged = step.orders.get(values, [])[low:high]
        missing = step.missing.get(values, []) if comparison.or_missing else []
        if missing:  # rare: the candidates without the field pass too, in the same order of keys
            yield from sorted([bucket[place] for _, place in ranged] + missing, key=_order)
            return
        # the range's candidates in the order of their keys, as many as are asked for: a heap (a
        # crowded waterbody's range holds hundreds of candidates; a result keeps its first ten)
        heapq.heapify(ranged)
        while ranged:
            yield bucket[heapq.heappop(ranged)[1]]

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
            matches = self._bind_from(fact)
            for match in itertools.islice(matches, MATCHES_KEPT + 1):
                for key in self._keys(match):
                    if len(kept.setdefault(key, [])) < MATCHES_KEPT:
                        kept[key].append(match)
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
