"""A compiled pass as the JSON ruleset durable-rules runs: one `all` of patterns per rule.

The language compiles rules to engine-neutral `Pass`es; this is the one place that writes them in
durable-rules' own terms (`$and`, `$or`, `$neq`, `$ex`, `$m`...). Only comparisons the engine can
be trusted with reach it (`checker.language.program.in_engine`); the adapter checks the rest on each
match, and decides negated patterns itself (docs/engine.md, pitfalls 10 to 12).
"""

from __future__ import annotations

from typing import Any

from checker.language import expr as ex
from checker.language.program import Comparison, CompiledPattern, Pass, in_engine, shadow

UNIT = "~u"
"""The unit field of the session plan (`checker.engine.plan.UNIT`): facts combine within a unit only."""


def position_tag(rule: int, position: int) -> str:
    """The field that says a fact of a session is planned at `position` of the pass's `rule`-th rule
    (`checker.engine.plan.Plan.facts`): each pattern tests it, so a fact binds no pattern it was not
    planned for, and a unit of one result and its ten matches fires ten times, not 110."""
    return f"~r{rule}p{position}"


def durable_ruleset(step: Pass) -> dict[str, dict[str, Any]]:
    """The pass as a durable-rules JSON ruleset, rule name -> {"all": [...]} (no actions yet).

    Negated patterns are decided by the session plan (`checker.engine.plan`), not by the engine:
    durable-rules' `$not` over joined facts gave different answers on identical runs (pitfall 12).
    Every pattern after the first is joined to the first on `~u`, so the engine combines the facts
    of one planned unit only."""
    rulesets = {}
    for index, rule in enumerate(step.rules):
        first = rule.positive[0].name
        rulesets[rule.id] = {
            "all": [
                _durable_pattern(p, None if i == 0 else first, position_tag(index, i))
                for i, p in enumerate(rule.positive)
            ]
        }
    return rulesets


def engine_fields(definition: dict[str, dict[str, Any]]) -> frozenset[str]:
    """The fields a ruleset reads (`kind`, the fields tested, the fields joined, `~u`): the engine
    is given these alone, so it parses and copies a few fields per fact, not a whole record."""
    fields: set[str] = set()

    def term(test: dict[str, Any]) -> None:
        for name, value in test.items():
            if name in ("$and", "$or"):
                for each in value:
                    term(each)
            elif name.startswith("$"):
                term(value)  # {"$lt": {field: operand}}, {"$ex": {field: 1}}
            else:
                fields.add(name)
                operand(value)

    def operand(value: Any) -> None:
        if not isinstance(value, dict):
            return  # a constant
        for name, inner in value.items():
            if name in ("$add", "$sub", "$l", "$r"):
                operand(inner)
            elif isinstance(inner, str):
                fields.add(inner)  # {"$m": field} or {pattern: field}

    for rule in definition.values():
        for pattern in rule["all"]:
            for test in pattern.values():
                term(test)
    return frozenset(fields)


def _durable_pattern(pattern: CompiledPattern, first: str | None, tag: str) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [{"kind": shadow(pattern.kind) if pattern.negated else pattern.kind}]
    terms.append({tag: 1})
    for comparison in pattern.comparisons:
        if in_engine(comparison):
            terms.append(_durable_comparison(comparison, pattern.name))
    if first is not None:
        terms.append({UNIT: {first: UNIT}})
    name = f"{pattern.name}$not" if pattern.negated else pattern.name
    return {name: terms[0] if len(terms) == 1 else {"$and": terms}}


_DURABLE_OPS = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def _durable_comparison(comparison: Comparison, self_name: str) -> dict[str, Any]:
    test = _durable_test(comparison, self_name)
    if comparison.or_missing:
        return {"$or": [{"$nex": {comparison.field: 1}}, test]}
    return test


def _durable_test(comparison: Comparison, self_name: str) -> dict[str, Any]:
    name, op, value = comparison.field, comparison.op, comparison.value
    if op == "exists":
        return {"$ex" if value == ex.Const(True) else "$nex": {name: 1}}
    if op in ("in", "not_in"):
        assert isinstance(value, ex.Const)
        if op == "in":
            return {"$or": [{name: item} for item in value.value]}
        return {"$and": [{"$neq": {name: item}} for item in value.value]}
    operand = _durable_value(value, self_name)
    return {name: operand} if op == "eq" else {_DURABLE_OPS[op]: {name: operand}}


def _durable_value(value: ex.Expr, self_name: str) -> Any:
    if isinstance(value, ex.Const):
        return value.value
    if isinstance(value, ex.Ref):
        return {"$m": value.field} if value.root == self_name else {value.root: value.field}
    result: Any = None
    for sign, term in value.terms:
        operand = _durable_value(term, self_name)
        if result is None:
            result = operand if sign > 0 else {"$sub": {"$l": 0, "$r": operand}}
        else:
            result = {"$add" if sign > 0 else "$sub": {"$l": result, "$r": operand}}
    return result
