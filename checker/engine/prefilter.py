"""Only what can match reaches the engine: Python tests of a pattern's comparisons with constants.

A fact that fails every constant comparison of every pattern of its kind in a pass can never match
there, so it is not asserted at all (`checker.engine.plan`). The same tests drive counting rules that
are evaluated without the engine (`checker.engine.counting`). The semantics are the
engine's: a missing field fails every comparison except `exists: false` (and `or_missing`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from checker.language import expr as ex
from checker.language.program import Comparison, CompiledPattern

FactTest = Callable[[Mapping[str, Any]], bool]
_ORDER = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


def constant_test(pattern: CompiledPattern) -> FactTest | None:
    """A test of the pattern's comparisons with constants, or None when it has none (all pass)."""
    tests = [_test(c) for c in pattern.comparisons if isinstance(c.value, ex.Const)]
    if not tests:
        return None
    return _all(tests)


def _all(tests: list[FactTest]) -> FactTest:
    """Every test passes; nested `and`s (a generator per fact costs more than the tests: the plan
    tests every fact of a kind once per pass)."""
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _all(tests[1:])
    return lambda fact: first(fact) and rest(fact)


def value_test(comparison: Comparison) -> Callable[[Any], bool]:
    """The comparison with a constant as a test of the field's engine value (None: the fact has no
    such field), for counts that read records without building engine facts (`checker.engine.counting`)."""
    op, missing_ok = comparison.op, comparison.or_missing
    assert isinstance(comparison.value, ex.Const)
    wanted = comparison.value.value
    if op == "exists":
        return lambda value: (value is not None) == wanted
    if op == "in":
        allowed = set(wanted)
        check: Callable[[Any], bool] = lambda value: value in allowed  # noqa: E731
    elif op == "not_in":
        refused = set(wanted)
        check = lambda value: value not in refused  # noqa: E731
    elif op == "eq":
        check = lambda value: value == wanted  # noqa: E731
    elif op == "ne":
        check = lambda value: value != wanted  # noqa: E731
    else:
        compare = _ORDER[op]
        check = lambda value: compare(value, wanted)  # noqa: E731

    def test(value: Any) -> bool:
        if value is None:
            return missing_ok
        return check(value)

    return test


def _test(comparison: Comparison) -> FactTest:
    """`value_test` of the fact's field in one call, for the usual comparisons (a fact missing the
    field fails them); any other the general way."""
    name, op = comparison.field, comparison.op
    assert isinstance(comparison.value, ex.Const)
    wanted = comparison.value.value
    if not comparison.or_missing and wanted is not None and op != "exists":
        if op == "eq":
            return lambda fact: fact.get(name) == wanted
        if op in ("in", "not_in") and None not in wanted:
            values = frozenset(wanted)
            if op == "in":
                return lambda fact: fact.get(name) in values
            return lambda fact: (value := fact.get(name)) is not None and value not in values
        if op == "ne":
            return lambda fact: (value := fact.get(name)) is not None and value != wanted
        if op in _ORDER:
            compare = _ORDER[op]
            return lambda fact: (value := fact.get(name)) is not None and compare(value, wanted)
    check = value_test(comparison)
    return lambda fact: check(fact.get(name))
