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
    if len(tests) == 1:
        return tests[0]
    return lambda fact: all(test(fact) for test in tests)


def any_test(patterns: list[CompiledPattern]) -> FactTest | None:
    """Passes a fact that one of the patterns could match (None: every fact can)."""
    tests = [constant_test(p) for p in patterns]
    if not tests or any(test is None for test in tests):
        return None
    chosen = [test for test in tests if test is not None]
    return lambda fact: any(test(fact) for test in chosen)


def _test(comparison: Comparison) -> FactTest:
    name, check = comparison.field, value_test(comparison)
    return lambda fact: check(fact.get(name))


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
