"""The plan's constant tests (`constant_test`: one closure per usual comparison) say what the
general test of a field's value (`value_test`) says, for every operator, constant and value,
a missing field and `or_missing` included."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from checker.engine.prefilter import constant_test, value_test
from checker.language import expr as ex
from checker.language.program import Comparison, CompiledPattern

VALUES: list[Any] = [None, 0, 1, 2, 20_500, -3, True, False, "a", "b", "assigned", ""]
CONSTANTS: dict[str, list[Any]] = {
    "eq": [1, "a", True, 0, ""],
    "ne": [1, "a", False],
    "lt": [1, 20_500],
    "lte": [1, 20_500],
    "gt": [0, 20_000],
    "gte": [2, 20_500],
    "in": [["a", "assigned"], [1, 2], [None, "a"], []],
    "not_in": [["a"], [0, 1], [None, "b"]],
    "exists": [True, False],
}
CASES = [
    (op, wanted, or_missing)
    for op, constants in CONSTANTS.items()
    for wanted, or_missing in itertools.product(constants, (False, True))
]


def _pattern(*comparisons: Comparison) -> CompiledPattern:
    return CompiledPattern("p", "problem", False, comparisons)


def _reference(comparison: Comparison, fact: dict[str, Any]) -> bool:
    try:
        return value_test(comparison)(fact.get(comparison.field))
    except TypeError:  # an order between a text and a number: the engine's comparison fails
        return False


@pytest.mark.parametrize(("op", "wanted", "or_missing"), CASES)
def test_a_constant_test_is_the_value_test_of_the_field(op: str, wanted: Any, or_missing: bool) -> None:
    comparison = Comparison("v", op, ex.Const(wanted), or_missing)
    test = constant_test(_pattern(comparison))
    assert test is not None
    for value in VALUES:
        fact = {} if value is None else {"v": value}
        if op in ("lt", "lte", "gt", "gte") and isinstance(value, str):
            with pytest.raises(TypeError):
                test(fact)  # the compiler never compares a text field with a number
            continue
        assert test(fact) is _reference(comparison, fact), (op, wanted, or_missing, value)


def test_every_comparison_of_a_pattern_must_hold() -> None:
    low = Comparison("v", "gte", ex.Const(1))
    high = Comparison("v", "lte", ex.Const(2))
    status = Comparison("s", "in", ex.Const(["assigned"]))
    test = constant_test(_pattern(low, high, status))
    assert test is not None
    wanted = [(v, s) for v in (0, 1, 2, 3) for s in ("assigned", "closed") if 1 <= v <= 2 and s == "assigned"]
    got = [(v, s) for v in (0, 1, 2, 3) for s in ("assigned", "closed") if test({"v": v, "s": s})]
    assert got == wanted
    assert constant_test(_pattern()) is None
    assert constant_test(_pattern(Comparison("v", "eq", ex.Ref("q", ("key",))))) is None
