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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.engine.flatten import NUMBER
from checker.engine.matcher import Match, Matcher
from checker.engine.ruleset import UNIT, position_tag
from checker.language.program import CompiledRule, Pass

Fact = dict[str, Any]
SESSION_FACTS = 2_000
"""Facts per engine session: 2,000 facts cost about 10 ms to assert (docs/engine.md, pitfall 2)."""
GROUP_SLICE = 1_000
"""Matches of one group given to one unit: a group of 100,000 matches is sliced, its facts in
sessions of bounded size; the group's values are computed in the parent from every slice."""


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
        names = None if fields is None else sorted(fields)  # a few names; a fact has many fields
        for unit in session.units:
            for number, positions in sorted(unit.facts.items()):
                fact = self.by_number[number]
                given = dict(fact) if names is None else {k: fact[k] for k in names if k in fact}
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
