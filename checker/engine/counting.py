"""Local counting rules (`CompiledRule.local`) evaluated while the records stream past: no engine,
no list of matches, only each group's running count, max, min and sum and its first keys.

Two million patrols pass here at city scale, so a count of the usual shape (grouped by plain fields,
computing counts and the max, min or sum of plain fields, with conditions on constants) reads the
validated record's values directly (`Counting.add_record`): no engine fact is built for it. Any other
count takes the general path (`Counting.add`, one engine fact at a time). Both give the same results
(tests/engine/test_counting.py).
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from checker.engine.evaluate import BASIS_KEPT, Basis, Output, holds, rule_results, rule_value
from checker.engine.flatten import engine_value
from checker.engine.prefilter import constant_test, value_test
from checker.language import expr as ex
from checker.language.program import CompiledRule, Program
from facts.load.model_info import unwrap_optional
from facts.load.table import Rows
from facts.models import MODELS

Total = tuple[str, str, str]
"""A computed value of the fast path: its name, its function (max, min, sum) and the field it reads."""


def outputs_streamed(
    rule: CompiledRule, facts: Iterable[Mapping[str, Any]], program: Program
) -> list[Output]:
    """A local counting rule over engine facts as they are read."""
    counting = Counting(rule, program)
    for fact in facts:
        counting.add(fact)
    return counting.outputs()


class Counting:
    """A local counting rule fed one fact at a time (while the loader reads the records)."""

    def __init__(self, rule: CompiledRule, program: Program) -> None:
        assert rule.group is not None and rule.local
        self.rule = rule
        self.program = program
        self.pattern = rule.patterns[0]
        self.test = constant_test(self.pattern)
        self.constants = {"as_of": program.as_of_day, "params": program.params}
        self.groups: dict[tuple[Any, ...], _Running] = {}
        self.fields: tuple[str, ...] | None = _plain_fields(self.pattern.name, [v for _, v in rule.group.by])
        """The fields the groups are by, when each is a plain field of the fact (the usual case)."""
        model = MODELS.get(self.pattern.kind)
        self.unique = model is None or not any(
            typing.get_origin(info.annotation) is list for info in model.model_fields.values()
        )
        """Each fact arrives once (its kind has no list fields): count them, keep no key set."""
        self.totals = _plain_totals(rule)
        self.value_tests = tuple((c.field, value_test(c)) for c in self.pattern.comparisons)

    @property
    def reads_records(self) -> bool:
        """True when `add_record` can take the kind's validated records (the count has the usual shape)."""
        shaped = self.fields is not None and self.totals is not None
        return shaped and self.unique and self.pattern.kind in MODELS

    def add(self, fact: Mapping[str, Any]) -> None:
        """Count one engine fact (a flat dict, dates as day numbers)."""
        if self.test is not None and not self.test(fact):
            return
        rule = self.rule
        assert rule.group is not None
        env = {**self.constants, self.pattern.name: fact}
        if self.fields is not None:
            values = tuple(fact.get(name) for name in self.fields)
        else:
            values = tuple(rule_value(rule, value, env) for _, value in rule.group.by)
        running = self.groups.get(values)
        if running is None:
            running = self.groups[values] = _Running(rule, self.unique)
        if running.counts(str(fact["key"])):
            for name, function, argument in rule.group.compute:
                if function != "count" and not isinstance(argument, str):
                    running.total(name, function, rule_value(rule, argument, env))

    def add_record(self, values: Mapping[str, Any]) -> None:
        """Count one validated record by its values (dates as dates), as `add` counts its engine fact;
        only when `reads_records`."""
        get = values.get
        for name, test in self.value_tests:
            if not test(engine_value(get(name))):
                return
        assert self.fields is not None and self.totals is not None
        group = tuple([engine_value(get(name)) for name in self.fields])
        running = self.groups.get(group)
        if running is None:
            running = self.groups[group] = _Running(self.rule, True)
        if running.counts(values["key"]):
            for name, function, field in self.totals:
                running.total(name, function, engine_value(get(field)))

    @property
    def reads_rows(self) -> bool:
        """True when `add_rows` can take a table of the kind's records: the usual shape, with sums
        only of int fields (SQL's sum of dates or booleans is not Python's)."""
        if not self.reads_records or self.totals is None:
            return False
        fields = MODELS[self.pattern.kind].model_fields
        sums = [name for _, function, name in self.totals if function == "sum"]
        return all(unwrap_optional(fields[name].annotation) is int for name in sums)

    def add_rows(self, rows: Rows) -> None:
        """Count a table of validated records (`facts.load.table.Rows`), as `add_record` counts
        each; only when `reads_rows`. The conditions are this count's own tests, in Python, on
        each distinct combination of the values they read (a few hundred days, not two million
        patrols); the rows with a combination that passes are grouped in SQL."""
        assert self.fields is not None and self.totals is not None
        conditions = sorted({name for name, _ in self.value_tests})
        if conditions:
            passing = [
                combination
                for combination in rows.fetch(f"SELECT DISTINCT {', '.join(conditions)} FROM {{rows}}")
                if self._passes(dict(zip(conditions, combination, strict=True)))
            ]
            rows = rows.having(conditions, passing)
        columns = list(self.fields)
        totals = [f"{function}({field})" for _, function, field in self.totals]
        keys = f"list(key ORDER BY key)[1:{BASIS_KEPT}]"
        selected = ", ".join([*columns, "count(*)", *totals, keys])
        grouped = f" GROUP BY {', '.join(columns)}" if columns else ""
        width = len(columns)
        for row in rows.fetch(f"SELECT {selected} FROM {{rows}}{grouped}"):
            count = row[width]
            if not count:
                continue  # no rows at all, and no group fields: SQL still gives one row
            group = tuple([engine_value(value) for value in row[:width]])
            running = self.groups.get(group)
            if running is None:
                running = self.groups[group] = _Running(self.rule, True)
            found = zip(self.totals, row[width + 1 : width + 1 + len(totals)], strict=True)
            running.merge(
                count, row[-1], [(name, how, engine_value(value)) for (name, how, _), value in found]
            )

    def _passes(self, values: Mapping[str, Any]) -> bool:
        return all(test(engine_value(values[name])) for name, test in self.value_tests)

    def reads(self) -> set[str]:
        """The fields of a fact this count looks at (conditions, groups, computed values)."""
        rule, name = self.rule, self.pattern.name
        assert rule.group is not None
        exprs = [value for _, value in rule.group.by] + [
            a for _, _, a in rule.group.compute if not isinstance(a, str)
        ]
        fields = {c.field for c in self.pattern.comparisons}
        fields |= {str(ref.field) for e in exprs for ref in ex.refs(e) if ref.root == name and ref.field}
        return fields

    def outputs(self) -> list[Output]:
        rule, pattern = self.rule, self.pattern
        assert rule.group is not None
        results: list[Output] = []
        for values, running in sorted(self.groups.items(), key=lambda item: repr(item[0])):
            env = {**self.constants, **{name: v for (name, _), v in zip(rule.group.by, values, strict=True)}}
            env.update(running.values())
            if all(holds(env[n], op, rule_value(rule, v, env)) for n, op, v in rule.group.having):
                used = rule.used_fields.get(pattern.name, ())
                basis = tuple(Basis(pattern.kind, key, used) for key in running.keys)
                results += rule_results(rule, env, basis, self.program, {}, values)
        return results


def _plain_fields(name: str, values: list[ex.Expr]) -> tuple[str, ...] | None:
    """The fields `values` read, when each is a plain field of the fact bound to `name`."""
    fields = []
    for value in values:
        if not (isinstance(value, ex.Ref) and value.root == name and len(value.path) == 1):
            return None
        if not isinstance(value.path[0], str):
            return None
        fields.append(value.path[0])
    return tuple(fields)


def _plain_totals(rule: CompiledRule) -> tuple[Total, ...] | None:
    """The max, min and sum the rule computes, when each is of a plain field of its fact."""
    assert rule.group is not None
    totals: list[Total] = []
    for name, function, argument in rule.group.compute:
        if function == "count" or isinstance(argument, str):
            continue
        fields = _plain_fields(rule.patterns[0].name, [argument])
        if fields is None:
            return None
        totals.append((name, function, fields[0]))
    return tuple(totals)


_COMBINE: dict[str, Callable[[Any, Any], Any]] = {"max": max, "min": min}


class _Running:
    """One group's count of distinct facts, running max, min and sum, and its first keys."""

    def __init__(self, rule: CompiledRule, unique: bool) -> None:
        assert rule.group is not None
        self.compute = rule.group.compute
        self.unique = unique
        self.count = 0
        self.seen: set[str] = set()
        self.first: list[str] = []
        self.totals: dict[str, Any] = {}

    @property
    def keys(self) -> list[str]:
        return self.first

    def counts(self, key: str) -> bool:
        """Count the fact with this key; False if it was counted already (one of a record's facts)."""
        if not self.unique:
            if key in self.seen:
                return False
            self.seen.add(key)
        self.count += 1
        first = self.first
        if len(first) < BASIS_KEPT or key < first[-1]:
            bisect.insort(first, key)
            del first[BASIS_KEPT:]
        return True

    def merge(self, count: int, keys: Iterable[str], totals: Iterable[tuple[str, str, Any]]) -> None:
        """Add a group of distinct facts counted elsewhere: their number, their first keys (none of
        them counted here already) and their totals (name, function, value)."""
        self.count += count
        self.first = sorted([*self.first, *keys])[:BASIS_KEPT]
        for name, function, value in totals:
            self.total(name, function, value)

    def total(self, name: str, function: str, value: Any) -> None:
        if value is None:
            return
        current = self.totals.get(name)
        if current is None:
            self.totals[name] = value
        elif function == "sum":
            self.totals[name] = current + value
        else:
            self.totals[name] = _COMBINE[function](current, value)

    def values(self) -> dict[str, Any]:
        return {
            name: self.count if function == "count" else self.totals.get(name)
            for name, function, _ in self.compute
        }
