"""A rule's `when`: each pattern's kind, its `where` conditions and `test` comparisons, joins, negations.

Every pattern after the first must be joined to an earlier one by an equality, so that facts that
can match together share a partition (`checker.language.strata`). A `not:` pattern compares with
other facts only by equality: the adapter decides negation on the matches (docs/engine.md).
"""

from __future__ import annotations

import math
from typing import Any

from checker.errors import did_you_mean
from checker.language import expr as ex
from checker.language.program import OPERATORS, Comparison, CompiledPattern, join_target
from checker.language.refs import CONSTANT_ROOTS, RefChecks, fields_hint
from checker.language.schema import Negation, Pattern
from checker.language.values import as_written


class PatternChecks(RefChecks):
    """Checks and compiles one rule's `when` list."""

    def _patterns(self, when: list[Pattern | Negation], constants: dict[str, Any]) -> list[CompiledPattern]:
        """The `when` list compiled in order: a name is bound for the patterns after it."""
        patterns: list[CompiledPattern] = []
        for index, item in enumerate(when):
            at: tuple[str | int, ...] = ("when", index)
            if isinstance(item, Negation):
                spec: Pattern | Any = item.absent
                name, negated, at = f"not{index}", True, (*at, "not")
            else:
                spec, name, negated = item, item.bind, False
                if name in self.bound or name in CONSTANT_ROOTS:
                    self.error(
                        (*at, "bind"), "duplicate-bind", f"the name '{name}' is already bound in this rule"
                    )
            pattern = self._pattern(spec, name, negated, at, constants)
            if pattern is not None:
                patterns.append(pattern)
            if not negated:
                self.bound[name] = spec.fact
        return patterns

    def _pattern(
        self, spec: Any, name: str, negated: bool, at: tuple[str | int, ...], constants: dict[str, Any]
    ) -> CompiledPattern | None:
        kind = spec.fact
        if kind not in self.fields:
            hint = did_you_mean(kind, self.fields)
            if hint:
                self.error((*at, "fact"), "unknown-fact-kind", f"no fact kind '{kind}'", hint)
            else:
                self.error(
                    (*at, "fact"),
                    "derived-unproduced",
                    f"no rule derives '{kind}', and it is not a kind of recorded fact",
                    "derive it in a rule (then: derive: {fact: ...}), or match one of: "
                    + ", ".join(sorted(self.fields)),
                )
            return None
        comparisons = self._where(spec.where, name, kind, negated, at, constants)
        comparisons += self._tests(spec.test, name, kind, at, constants)
        return CompiledPattern(name, kind, negated, tuple(comparisons))

    def _where(
        self,
        where: dict[str, Any],
        name: str,
        kind: str,
        negated: bool,
        at: tuple[str | int, ...],
        constants: dict[str, Any],
    ) -> list[Comparison]:
        """`where: {field: value}` or `{field: {op: value, ...}}`: each condition as comparisons."""
        comparisons: list[Comparison] = []
        for field_name, condition in where.items():
            place = (*at, "where", field_name)
            if field_name not in self.fields[kind]:
                self.error(
                    place,
                    "unknown-fact-field",
                    f"a {kind} has no field '{field_name}'",
                    did_you_mean(field_name, self.fields[kind]) or fields_hint(kind, self.fields[kind]),
                )
                continue
            ops = dict(condition) if isinstance(condition, dict) else {"eq": condition}
            or_missing = ops.pop("or_missing", False)
            if not isinstance(or_missing, bool) or (or_missing and negated):
                self.error(
                    place, "bad-value", "'or_missing' takes true or false, and not in a 'not:' pattern"
                )
                or_missing = False
            if not ops:
                self.error(
                    place,
                    "bad-value",
                    f"expected a condition on '{field_name}', found "
                    + ("'or_missing' alone" if "or_missing" in condition else "none"),
                    help="give a value, or operators such as {ne: signed_off}; 'or_missing' goes beside one",
                )
            for op, raw in ops.items():
                if op not in OPERATORS:
                    self.error(
                        place,
                        "unknown-operator",
                        f"unknown operator '{op}'",
                        did_you_mean(str(op), OPERATORS) or f"operators: {', '.join(OPERATORS)}",
                    )
                    continue
                value = self._operand(op, raw, (*place, op), name, kind, constants)
                if value is not None:
                    source = ex.Const(raw) if op in ("in", "not_in", "exists") else ex.literal_or_expr(raw)
                    value = self._typed(op, source, value, field_name, kind, (*place, op), constants)
                if value is not None:
                    comparisons.append(Comparison(field_name, op, value, or_missing))
                    self.used.setdefault(name, set()).add(field_name)
        return comparisons

    def _tests(
        self, tests: list[str], name: str, kind: str, at: tuple[str | int, ...], constants: dict[str, Any]
    ) -> list[Comparison]:
        """`test: ["$as_of - found_on > 30"]`: each comparison written out, isolated on the field."""
        comparisons: list[Comparison] = []
        for index, text in enumerate(tests):
            place = (*at, "test", index)
            before = len(self.problems)
            try:
                left, op, right = ex.parse_comparison(text)
                for ref in ex.refs(left) + ex.refs(right):
                    self._check_ref(ref, place, self._scope(name, kind), constants)
                if len(self.problems) > before:
                    continue
                left_folded = self._working(left, place, constants)
                right_folded = self._working(right, place, constants)
                if left_folded is None or right_folded is None:
                    continue
                left, right = left_folded, right_folded
                if not (
                    self._arithmetic(left, constants, place) and self._arithmetic(right, constants, place)
                ):
                    continue
                field_name, op, source = ex.isolate(left, op, right, name)
                rest = ex.substitute(source, constants)
            except ex.ExprError as error:
                self.error(place, "bad-expression", str(error))
                continue
            typed = self._typed(op, source, rest, field_name, kind, place, constants)
            if typed is not None:
                comparisons.append(Comparison(field_name, op, typed))
                self.used.setdefault(name, set()).add(field_name)
        return comparisons

    def _operand(
        self, op: str, raw: Any, at: tuple[str | int, ...], name: str, kind: str, constants: dict[str, Any]
    ) -> ex.Expr | None:
        if op == "exists":
            if not isinstance(raw, bool):
                self.error(at, "bad-value", f"'exists' takes true or false, found {raw!r}")
                return None
            return ex.Const(raw)
        if op in ("in", "not_in"):
            if (
                not isinstance(raw, list)
                or not raw
                or any(isinstance(v, dict | list) or ex.is_expression(v) for v in raw)
            ):
                shown = repr(raw) if len(repr(raw)) <= 80 else repr(raw)[:79] + "…"
                self.error(at, "bad-value", f"'{op}' takes a list of plain values, found {shown}")
                return None
            odd = [v for v in raw if v is None or (isinstance(v, float) and not math.isfinite(v))]
            if odd:
                self.error(
                    at,
                    "bad-value",
                    f"'{op}' takes values to compare with, found {as_written(odd[0])}",
                    help="a field with no value is matched by {exists: false}" if odd[0] is None else "",
                )
                return None
            return ex.Const(tuple(raw))
        if isinstance(raw, dict | list):
            self.error(at, "bad-value", f"'{op}' takes one value or $expression, found {type(raw).__name__}")
            return None
        try:
            value = ex.literal_or_expr(raw)
        except ex.ExprError as error:
            self.error(at, "bad-expression", str(error))
            return None
        before = len(self.problems)
        for ref in ex.refs(value):
            self._check_ref(ref, at, self._scope(name, kind), constants)
        folded = self._working(value, at, constants)
        if folded is None or len(self.problems) > before or not self._arithmetic(folded, constants, at):
            return None
        try:
            return ex.substitute(folded, constants)
        except ex.ExprError as error:
            self.error(at, "bad-expression", str(error))
            return None

    def _check_negations(self, rule: Any) -> None:
        for index, item in enumerate(rule.when):
            if not isinstance(item, Negation):
                continue
            for field_name, condition in item.absent.where.items():
                ops = condition if isinstance(condition, dict) else {"eq": condition}
                for op, raw in ops.items():
                    try:
                        value = (
                            ex.literal_or_expr(raw) if op not in ("in", "not_in", "exists") else ex.Const(raw)
                        )
                    except ex.ExprError:
                        continue  # reported where the pattern was compiled
                    refs = [r for r in ex.refs(value) if r.root not in CONSTANT_ROOTS]
                    if refs and not (op == "eq" and isinstance(value, ex.Ref)):
                        self.error(
                            ("when", index, "not", "where", field_name, op),
                            "negated-comparison",
                            f"a 'not:' pattern compares with other facts only by equality, found '{op}: {raw}'",  # noqa: E501
                            help="derive a fact that carries the comparison's result, and match that instead",
                        )
            if item.absent.test:
                self.error(
                    ("when", index, "not", "test"), "negated-comparison", "a 'not:' pattern takes no 'test:'"
                )

    def _check_joined(self, patterns: list[CompiledPattern]) -> None:
        for index, pattern in enumerate(patterns[1:], start=1):
            earlier = {p.name for p in patterns[:index] if not p.negated}
            if not any(join_target(c, earlier) for c in pattern.comparisons if c.op == "eq"):
                self.error(
                    ("when", index),
                    "rule-unjoined",
                    f"pattern '{pattern.name}' ({pattern.kind}) is not joined to an earlier pattern",
                    help="add an equality with an earlier pattern's field, e.g. unit: $problem.assignee",
                )
