"""References and operands in rules: `$name.field`, `$as_of` and `$params.X` resolved, operands typed.

A reference names a field of a fact bound earlier in the rule (or a group's value), the scan date, or
a declared parameter. An operand is what the engine compares: a written date becomes its day number,
and a value its operator cannot compare is refused here, at its place, rather than crashing the
engine or quietly matching nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from checker.errors import did_you_mean
from checker.language import expr as ex
from checker.language.params import ParamChecks, lone_param
from checker.language.program import FINDING_KIND, ORDERING, day_number
from checker.language.values import as_written, is_iso_date, is_number
from facts.models import MODELS

CONSTANT_ROOTS = ("as_of", "params")
"""The roots of a reference that are constants, not bound facts: the scan date and the parameters."""


class RefChecks(ParamChecks):
    """Checks of one rule's references and operands."""

    def _scope(self, name: str, kind: str) -> dict[str, str]:
        return {**self.bound, name: kind}

    def _check_ref(
        self, ref: ex.Ref, at: tuple[str | int, ...], scope: dict[str, str], constants: dict[str, Any]
    ) -> None:
        if ref.root == "as_of":
            if ref.path:
                self.error(at, "unknown-reference", "'$as_of' is a date; it has no fields")
            return
        if ref.root == "params":
            name = ref.field
            if name is None or name not in self.declared:
                self._undeclared(str(name), at)
            return
        if ref.root not in scope:
            self.error(
                at,
                "unknown-reference",
                f"'${ref.root}' is not bound before this point",
                did_you_mean(ref.root, [*scope, *CONSTANT_ROOTS]),
            )
            return
        kind = scope[ref.root]
        if kind not in self.fields:
            return  # the pattern's kind is unknown: reported there already
        if ref.field is None or len(ref.path) != 1:
            self.error(at, "unknown-reference", f"'{ref}' must name one field, as in '${ref.root}.key'")
        elif ref.field not in self.fields.get(kind, ()):
            self.error(
                at,
                "unknown-fact-field",
                f"a {kind} has no field '{ref.field}'",
                did_you_mean(ref.field, self.fields.get(kind, ()))
                or fields_hint(kind, self.fields.get(kind, ())),
            )
        else:
            self.used.setdefault(ref.root, set()).add(ref.field)

    def _expr(
        self, raw: Any, at: tuple[str | int, ...], constants: dict[str, Any], values: set[str] | None = None
    ) -> ex.Expr:
        """A value in a group or result: bound facts' fields (or a group's values), as_of and params."""
        if isinstance(raw, dict | list) or (isinstance(raw, float) and not math.isfinite(raw)):
            # a fact holds plain values: the engine joins on them, and a list or a table cannot be
            # compared (a list in a derived field crashed the join of a later rule)
            self.error(at, "bad-value", f"expected one value or $expression, found {as_written(raw)}")
            return ex.Const(None)
        try:
            value = ex.literal_or_expr(raw)
        except ex.ExprError as error:
            self.error(at, "bad-expression", str(error))
            return ex.Const(None)
        for ref in ex.refs(value):
            if values is not None and ref.root in values:
                if ref.path:
                    self.error(at, "unknown-reference", f"'{ref}': '{ref.root}' is a group value, not a fact")
                continue
            if ref.root == "params" and len(ref.path) > 1:
                if ref.field not in self.declared:
                    self._undeclared(str(ref.field), at)
                continue
            self._check_ref(ref, at, self.bound if values is None else {}, constants)
        folded = self._working(value, at, constants, allowed=values is None and at[0] != "group")
        if folded is None or not self._arithmetic(folded, constants, at):
            return ex.Const(None)
        return folded

    def _typed(
        self,
        op: str,
        source: ex.Expr,
        value: ex.Expr,
        field_name: str,
        kind: str,
        at: tuple[str | int, ...],
        constants: dict[str, Any],
    ) -> ex.Expr | None:
        """The operand as the engine compares it: a written date as its day number, and a value the
        operator cannot compare refused here (the engine would crash, or quietly match nothing)."""
        if op in ("in", "not_in", "exists"):
            return value
        if op in ORDERING and not _orderable(kind, field_name, self.dates):
            self.error(
                at,
                "bad-value",
                f"'{op}' compares dates and numbers, but '{field_name}' of a {kind} is neither",
                help="compare it with 'eq', 'ne', 'in' or 'not_in'",
            )
            return None
        if not isinstance(value, ex.Const):
            return value
        lone = lone_param(source)
        dated = field_name in self.dates.get(kind, ())
        if lone is not None:
            need = "date" if dated else "number" if op in ORDERING else "plain"
            if not self._need(lone, need, f"in a '{op}' comparison", constants, at):
                return None
        found = value.value
        if isinstance(found, str) and (dated or (op in ORDERING and is_iso_date(found))):
            return self._date_literal(value, at)
        if isinstance(found, float) and not math.isfinite(found):
            self.error(at, "bad-value", f"expected a number, found {found}")
            return None
        if op in ORDERING and not is_number(found):
            self.error(at, "bad-value", f"'{op}' compares dates and numbers, found {as_written(found)}")
            return None
        if found is None:
            self.error(
                at,
                "bad-value",
                f"'{op}' takes a value, found null",
                help=f"a field with no value is matched by '{field_name}: {{exists: false}}'",
            )
            return None
        return value

    def _date_literal(self, value: ex.Expr, at: tuple[str | int, ...]) -> ex.Expr | None:
        """A date written in a rule (`deadline: {lt: 2026-12-01}`) as the day number the engine compares."""
        if not isinstance(value, ex.Const) or not isinstance(value.value, str):
            return value
        try:
            return ex.Const(day_number(dt.date.fromisoformat(value.value)))
        except ValueError:
            self.error(at, "bad-value", f"expected a date YYYY-MM-DD or a $expression, found '{value.value}'")
            return None


def _orderable(kind: str, field_name: str, dates: dict[str, frozenset[str]]) -> bool:
    """Whether `lt`/`gt`... can compare the field: a date, a number, or a derived field (any value)."""
    if kind in MODELS:
        info = MODELS[kind].model_fields.get(field_name)
        annotation = info.annotation if info is not None else str
        return field_name in dates.get(kind, ()) or annotation in (int, float, int | None, float | None)
    if kind == FINDING_KIND:
        return field_name == "article"
    return True


def fields_hint(kind: str, names: Iterable[str]) -> str:
    return f"a {kind} has: {', '.join(sorted(names))}"
