"""Facts to engine partitions: normalise records into flat engine facts, then split them per pass.

Every fact a pass needs goes to the partition picked by the value of its kind's partition field
(`Pass.partition`, chosen by the compiler so that facts a rule joins share that value). Partitions
are kept small because durable-rules' cost per session grows with the square of its facts
(PITFALLS.md #2). Inside a partition, shadow copies of negated kinds come first, so a `not:` pattern
always sees every fact it must see; then the facts in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checker.compiler import Pass, day_number, shadow
from checker.engine import Fact
from checker.prefilter import any_test
from facts.loaders import FactSet

DEFAULT_TARGET = 2_000
"""Facts per partition: 2,000 facts in one session cost about 10 ms (PITFALLS.md #2)."""


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


def _scalar(value: Any) -> Any:
    if isinstance(value, dt.date):
        return day_number(value)
    return value


def partition(
    step: Pass, facts: Mapping[str, Sequence[Fact]], target: int = DEFAULT_TARGET
) -> list[list[Fact]]:
    """Split the facts one pass can match into partitions (non-empty ones only, in a fixed order).

    Facts that fail every constant comparison of every pattern of their kind are left out: they
    could match nothing here (`checker.prefilter`).
    """
    plain_kept: dict[str, list[Fact]] = {}
    shadow_kept: dict[str, list[Fact]] = {}
    for kind in sorted(step.kinds):
        for negated, kept in ((False, plain_kept), (True, shadow_kept)):
            patterns = [
                p for rule in step.rules for p in rule.patterns if p.kind == kind and p.negated == negated
            ]
            if patterns:
                test = any_test(patterns)
                kept[kind] = [f for f in facts.get(kind, ()) if test is None or test(f)]
    total = sum(map(len, plain_kept.values())) + sum(map(len, shadow_kept.values()))
    count = max(1, math.ceil(total / max(1, target)))
    shadows: list[list[Fact]] = [[] for _ in range(count)]
    plain: list[list[Fact]] = [[] for _ in range(count)]
    for kept, buckets, is_shadow in ((shadow_kept, shadows, True), (plain_kept, plain, False)):
        for kind, kind_facts in kept.items():
            fields = step.partition.get(kind, ("key",))
            for fact in kind_facts:
                values = tuple(fact.get(field) for field in fields)
                value = values if None not in values else fact.get("key")  # cannot join: any partition
                bucket = zlib.crc32(str(value).encode()) % count
                buckets[bucket].append({**fact, "kind": shadow(kind)} if is_shadow else fact)
    return [
        sorted(s, key=_order) + sorted(p, key=_order) for s, p in zip(shadows, plain, strict=True) if s or p
    ]


def _order(fact: Fact) -> tuple[str, str, str]:
    return (str(fact["kind"]), str(fact.get("key")), repr(sorted(fact.items())))
