"""Facts to engine partitions: normalise records into flat engine facts, then split them per pass.

Every fact a pass needs goes to the partition picked by the value of its kind's partition field
(`Pass.partition`, chosen by the compiler so that facts a rule joins share that value). Partitions
are kept small because durable-rules' cost per session grows with the square of its facts
(pitfall 2, docs/engine.md). Inside a partition, shadow copies of negated kinds come first, so a
`not:` pattern always sees every fact it must see; then the facts in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checker.engine.adapter import Fact
from checker.engine.prefilter import constant_test
from checker.language.program import Pass, day_number, shadow
from facts.load.factset import FactSet

DEFAULT_TARGET = 2_000
"""Facts per partition: 2,000 facts in one session cost about 10 ms (pitfall 2, docs/engine.md)."""


def normalise(facts: FactSet, kinds: Iterable[str]) -> dict[str, list[Fact]]:
    """Records of the given kinds as engine facts: flat, dates as day numbers, no empty fields.

    A list field (a chief's waterbodies) becomes one engine fact per item holding that item, so rules
    join on it like any field (`waterbodies: $problem.waterbody`).
    """
    wanted = set(kinds)
    result: dict[str, list[Fact]] = {kind: [] for kind in sorted(wanted)}
    for fact in facts.facts:
        kind = fact.record.kind
        if kind in wanted:
            result[kind].extend(engine_facts(kind, fact.record.model_dump()))
    return result


def engine_facts(kind: str, values: Mapping[str, Any]) -> list[Fact]:
    flat: Fact = {"kind": kind}
    lists: dict[str, list[Any]] = {}
    for name, value in values.items():
        if value is None or value == []:
            continue
        if isinstance(value, list):
            lists[name] = [_scalar(item) for item in value]
        else:
            flat[name] = _scalar(value)
    if not lists:
        return [flat]
    names = sorted(lists)
    return [
        {**flat, **dict(zip(names, combo, strict=True))}
        for combo in itertools.product(*(lists[n] for n in names))
    ]


def engine_value(value: Any) -> Any:
    """A record's value as the engine holds it (dates as day numbers)."""
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, dt.date):
        return day_number(value)
    return value


def partition(
    step: Pass, facts: Mapping[str, Sequence[Fact]], target: int = DEFAULT_TARGET
) -> list[list[Fact]]:
    """Split the facts one pass can match into partitions (non-empty ones only, in a fixed order).

    Two reductions keep facts that cannot match out of the engine, both exact:
    - a fact that fails every constant comparison of every pattern of its kind (`checker.engine.prefilter`);
    - a fact whose join value has, for every rule that could use it, a positive pattern with no
      candidate fact of that value: every match binds all positive patterns to facts that share
      the rule's joined value (the partition value), each to a different fact, so such a fact can
      take part in no match.
    """
    keyed: list[tuple[Any, str, bool, Fact, bool]] = []  # (join value, kind, shadow?, fact, kept alone?)
    present: dict[Any, set[tuple[str, str]]] = {}  # join value -> (rule, pattern) with a candidate
    distinct: dict[tuple[Any, str], set[str]] = {}  # (join value, rule) -> keys of candidate facts
    users_of: dict[tuple[str, bool], set[str]] = {}
    for kind in sorted(step.kinds):
        fields = step.partition.get(kind, ("key",))
        for negated in (True, False):
            users = [
                (r, p) for r in step.rules for p in r.patterns if p.kind == kind and p.negated == negated
            ]
            if not users:
                continue
            # a one-pattern rule matches every candidate: those facts are kept without bookkeeping
            alone = [constant_test(p) for r, p in users if len(r.patterns) == 1]
            always = any(test is None for test in alone)
            alone_tests = [test for test in alone if test is not None]
            joined = [(r.id, p.name, constant_test(p)) for r, p in users if len(r.patterns) > 1]
            users_of[(kind, negated)] = {rule for rule, _, _ in joined}
            for fact in facts.get(kind, ()):
                kept_alone = always or any(test(fact) for test in alone_tests)
                passing = [(rule, name) for rule, name, test in joined if test is None or test(fact)]
                if not kept_alone and not passing:
                    continue
                values = tuple(fact.get(field) for field in fields)
                value = values if None not in values else ("key", fact.get("key"))
                keyed.append((value, kind, negated, fact, kept_alone))
                if passing and not negated:
                    present.setdefault(value, set()).update(passing)
                    key = str(fact.get("key"))
                    for rule_id in {rule for rule, _ in passing}:
                        distinct.setdefault((value, rule_id), set()).add(key)
    needed = {rule.id: {p.name for p in rule.positive} for rule in step.rules}
    # a match binds each positive pattern to a different fact (the engine never binds one twice)
    complete = {
        value: {
            rule
            for rule, names in needed.items()
            if names <= {n for r, n in have if r == rule}
            and len(distinct.get((value, rule), ())) >= len(names)
        }
        for value, have in present.items()
    }
    kept = [
        (value, kind, negated, fact)
        for value, kind, negated, fact, alone in keyed
        if alone or users_of[(kind, negated)] & complete.get(value, set())
    ]
    # the facts a rule binds last go in first: a fact that completes a join with many facts already
    # in the session is where durable-rules lost matches now and then (docs/engine.md, pitfall 12)
    rank = {
        kind: max((i for r in step.rules for i, p in enumerate(r.positive) if p.kind == kind), default=0)
        for kind in step.kinds
    }

    def order(fact: Fact) -> tuple[int, str, str, str]:
        return (-rank.get(str(fact["kind"]), 0), *_order(fact))

    count = max(1, math.ceil(len(kept) / max(1, target)))
    shadows: list[list[Fact]] = [[] for _ in range(count)]
    plain: list[list[Fact]] = [[] for _ in range(count)]
    for value, kind, negated, fact in kept:
        bucket = zlib.crc32(str(value).encode()) % count
        if negated:
            shadows[bucket].append({**fact, "kind": shadow(kind)})
        else:
            plain[bucket].append(fact)
    return [
        sorted(s, key=_order) + sorted(p, key=order) for s, p in zip(shadows, plain, strict=True) if s or p
    ]


def _order(fact: Fact) -> tuple[str, str, str]:
    return (str(fact["kind"]), str(fact.get("key")), repr(sorted(fact.items())))
