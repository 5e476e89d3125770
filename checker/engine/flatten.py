"""Records to engine facts: flat dicts, dates as day numbers, no empty fields, one per list item.

durable-rules has no dates and compares flat JSON fields only (pitfall 8, docs/engine.md), so each
record becomes one or more flat facts, each numbered (`~n`, unique in a scan: a planned match is
known by its facts' numbers, `checker.engine.plan`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from checker.engine.adapter import Fact
from checker.language.program import day_number
from facts.load.factset import FactSet

NUMBER = "~n"
"""Each engine fact's number, unique in a scan: a match is known by the numbers of its facts."""


def normalise(facts: FactSet, kinds: Iterable[str]) -> dict[str, list[Fact]]:
    """Records of the given kinds as engine facts: flat, dates as day numbers, no empty fields.

    A list field (a chief's waterbodies) becomes one engine fact per item holding that item, so rules
    join on it like any field (`waterbodies: $problem.waterbody`).
    """
    wanted = set(kinds)
    result: dict[str, list[Fact]] = {kind: [] for kind in sorted(wanted)}
    number = 0
    for fact in facts.facts:
        kind = fact.record.kind
        if kind in wanted:
            for flat in engine_facts(kind, vars(fact.record)):  # a model's fields, without copying
                flat[NUMBER] = number
                number += 1
                result[kind].append(flat)
    return result


def engine_facts(kind: str, values: Mapping[str, Any]) -> list[Fact]:
    flat: Fact = {"kind": kind}
    lists: dict[str, list[Any]] = {}
    days = _DAYS
    for name, value in values.items():  # once per record of every engine kind: the usual types first
        if value is None:
            continue
        kind_of = type(value)
        if kind_of is str or kind_of is int or kind_of is bool:
            flat[name] = value
        elif kind_of is dt.date:
            flat[name] = days[value]
        elif isinstance(value, list):
            if value:
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


class _Days(dict[dt.date, int]):
    """Day numbers of the dates seen: records share their date objects (the loader keeps each once),
    and a city's 450,000 engine records hold a few thousand distinct days."""

    def __missing__(self, day: dt.date) -> int:
        number = self[day] = day_number(day)
        return number


_DAYS = _Days()


def engine_value(value: Any) -> Any:
    """A record's value as the engine holds it (dates as day numbers)."""
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, dt.date):
        return day_number(value)
    return value
