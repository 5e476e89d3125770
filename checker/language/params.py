"""Parameters in rules: whether each value fits its use, and limits in working days folded to dates.

A value that does not fit how a rule uses it (text in day arithmetic, a decimal where whole days are
counted) is the value's mistake rather than the rule's: it is recorded while each rule is checked and
reported once, at the value in params.yaml (`param_misfits`). A table where one value is wanted is
the rule's mistake (a lookup left out), reported in the rule. A parameter whose unit is working days
gives only a date, `$as_of ± $params.X`, folded here by the official calendar
(`checker.language.calendar`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from checker.errors import Diagnostic, Location, did_you_mean
from checker.language import calendar
from checker.language import expr as ex
from checker.language.load import RuleSet
from checker.language.program import SCORE_PARAMS, WAIVED_DEDUCT, day_date, day_number
from checker.language.scope import UNDECLARED, WORKING, Misfit, ParamUses, RuleScope
from checker.language.values import as_written, is_iso_date


class ParamChecks(RuleScope):
    """Checks of one rule's uses of parameters: values that fit, working days folded."""

    def _arithmetic(self, value: ex.Expr, constants: dict[str, Any], at: tuple[str | int, ...]) -> bool:
        """Whether every parameter added or subtracted is a whole number (a misfit is recorded)."""
        fits = True
        for term in _summed(value):
            lone = lone_param(term)
            if lone is not None:
                fits = self._need(lone, "whole", "in day arithmetic", constants, at) and fits
        return fits

    def _need(
        self, ref: ex.Ref, need: str, usage: str, constants: dict[str, Any], at: tuple[str | int, ...]
    ) -> bool:
        """Whether the parameter's value fits what this use needs. A table where one value is wanted
        is the rule's mistake (a lookup left out); any other misfit is the value's, and is recorded
        to be reported once, at the value in params.yaml."""
        if ref.field not in self.declared:
            return True  # reported as undeclared
        for keys, found in param_leaves(ref, constants):
            if isinstance(found, dict):
                self.error(
                    at,
                    "bad-expression" if need == "whole" else "bad-value",
                    f"'{ref}' is a table, not {'a plain value' if need == 'plain' else 'a number'}",
                    help=f"look up one of its values, as in '{ref}[...]'",
                )
                return False
            if not _fits(found, need):
                misfit = self.uses.setdefault((str(ref.field), need, usage), Misfit(keys, found))
                misfit.rules.add(self.loaded.rule.id)
                self.misfit = True
                return False
        return True

    def _working(
        self, value: ex.Expr, at: tuple[str | int, ...], constants: dict[str, Any], allowed: bool = True
    ) -> ex.Expr | None:
        """`value` with `$as_of - $params.X` (or `+`) folded to the date X working days before (after)
        the scan, for a parameter X whose unit is working days; None when such a parameter is used
        any other way (reported here and at its value in params.yaml).

        The fold is `calendar.shift(as_of, -X)`: the X-th working day before as_of. A record dated r
        whose X-th working day after r falls before as_of is exactly one with r before that date, so
        `received_on: {lt: "$as_of - $params.X"}` reads "more than X working days have passed".
        """
        uses = [ref for ref in ex.refs(value) if ref.root == "params" and ref.field in self.working]
        if not uses:
            return value
        form = _working_form(value, self.working)
        if form is None or not allowed:
            ref = uses[0]
            usage = (
                "in a group"
                if at[0] == "group"
                else "in a grouped rule's results"
                if not allowed
                else "as a number"
                if value == ref
                else f"in '{ex.render(value)}'"
            )
            self.error(
                at,
                "param-type",
                f"parameter '{ref.field}' counts working days, so a rule uses it only as "
                f"'$as_of - $params.{ref.field}' or '$as_of + $params.{ref.field}'; found it {usage}",
                help="the date that many working days before or after the scan is the only value a "
                "count of working days gives; if every day counts, give it the unit 'calendar days'",
            )
            misfit = self.uses.setdefault((str(ref.field), WORKING, usage), Misfit((), None))
            misfit.rules.add(self.loaded.rule.id)
            return None
        sign, ref = form
        if not self._need(ref, "whole", "as a count of working days", constants, at):
            return None
        count = constants["params"][ref.field]
        try:
            moved = calendar.shift(day_date(constants["as_of"]), sign * count)
        except ValueError as error:
            self.error(at, "param-type", f"parameter '{ref.field}': {error}")
            return None
        self.provisional.update(moved.provisional_years)
        return ex.Const(day_number(moved.day))

    def _undeclared(self, name: str, at: tuple[str | int, ...]) -> None:
        """A parameter params.yaml lacks: reported here and at params.yaml, since which of them is
        wrong (a misspelt name here, an entry removed or never added there) only a person can tell."""
        hint = did_you_mean(name, self.declared)
        self.error(at, "undeclared-param", f"parameter '{name}' is not declared in params.yaml", hint)
        self.uses.setdefault((name, UNDECLARED, ""), Misfit((), None)).rules.add(self.loaded.rule.id)


_WANTED = {
    "whole": "a whole number",
    "number": "a number",
    "date": "a date (YYYY-MM-DD) or a number",
    "plain": "a plain value (a number, text or true/false), not a table",
    "truth": "true or false",
}


def param_misfits(
    ruleset: RuleSet, params: dict[str, Any], overridden: set[str], uses: ParamUses
) -> list[Diagnostic]:
    """One diagnostic per parameter and use that does not fit, at its value in params.yaml."""
    for name in SCORE_PARAMS:
        if name in params and not _fits(params[name], "number"):
            usage = "as the score units start from or cannot fall below"
            uses.setdefault((name, "number", usage), Misfit((), params[name])).rules.add("the unit scores")
    if WAIVED_DEDUCT in params and not isinstance(params[WAIVED_DEDUCT], bool):
        usage = "to say whether a waived finding still deducts"
        misfit = Misfit((), params[WAIVED_DEDUCT])
        uses.setdefault((WAIVED_DEDUCT, "truth", usage), misfit).rules.add("the unit scores")
    found = []
    source = ruleset.params_source
    for (name, need, usage), misfit in sorted(uses.items()):
        users = ", ".join(sorted(misfit.rules))
        if need == UNDECLARED:
            found.append(
                Diagnostic(
                    source.where(()) if source else Location(ruleset.folder),
                    "undeclared-param",
                    f"expected a parameter '{name}' (used by {users}), found none in params.yaml",
                    help=f"declare it here ({name}: {{value, unit, meaning, source}}), "
                    "or correct the name in the rule",
                )
            )
            continue
        if need == WORKING:
            found.append(
                Diagnostic(
                    source.where((name, "value")) if source else Location(ruleset.folder),
                    "param-type",
                    f"parameter '{name}' counts working days (its unit), which {users} "
                    f"use{'s' if len(misfit.rules) == 1 else ''} {usage}; a count of working days "
                    f"gives only a date: '$as_of - $params.{name}' or '$as_of + $params.{name}'",
                    help="change the rule, or give the parameter the unit 'calendar days' "
                    "if every day counts",
                )
            )
            continue
        if source is None:
            where = Location(ruleset.folder)
        elif name in overridden:
            where = source.where((name,))
        else:
            where = source.where((name, "value", *misfit.keys))
        inside = f" (at {'.'.join(misfit.keys)})" if misfit.keys else ""
        overriding = " as the case overrides it" if name in overridden else ""
        found.append(
            Diagnostic(
                where,
                "param-type",
                f"parameter '{name}'{overriding} must be {_WANTED[need]}, as it is used {usage} "
                f"(by {users}); found {as_written(misfit.value)}{inside}",
                help=_param_help(misfit.value, need),
            )
        )
    return found


def _param_help(value: Any, need: str) -> str:
    leading = re.match(r"\s*(-?[0-9]+(?:\.[0-9]+)?)", value) if isinstance(value, str) else None
    if leading and need != "plain":
        return f"write the number alone ({leading.group(1)}); what it counts goes under 'unit'"
    if need == "whole" and isinstance(value, float):
        return "day arithmetic counts whole days"
    if need == "truth":
        return "write true or false, unquoted"
    return ""


def param_leaves(ref: ex.Ref, constants: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """The values `$params.NAME[...]` can take: the parameter itself, or every value of its table
    that the lookups may reach (a lookup by a fact's field may reach any key)."""
    params = constants["params"]
    found: list[tuple[tuple[str, ...], Any]] = [((), params[ref.field])] if ref.field in params else []
    for step in ref.path[1:]:
        wanted: list[Any] | None = [step]
        if not isinstance(step, str):
            try:
                key = ex.substitute(step, constants)
            except ex.ExprError:
                return []  # reported where the expression was compiled
            wanted = [key.value] if isinstance(key, ex.Const) else None
        reached = []
        for keys, value in found:
            if not isinstance(value, dict):
                continue
            if wanted is None:
                reached += [((*keys, str(k)), v) for k, v in value.items()]
            else:
                reached += [((*keys, str(k)), value[k]) for k in wanted if isinstance(k, str) and k in value]
        found = reached
    return found


def _fits(value: Any, need: str) -> bool:
    if isinstance(value, bool):
        return need == "plain"
    if isinstance(value, int):
        return True  # a whole number is a number, a day number and a plain value
    if need == "whole":
        return False
    number = isinstance(value, float) and math.isfinite(value)
    if need == "number":
        return number
    if need == "date":
        return number or (isinstance(value, str) and is_iso_date(value))
    return not isinstance(value, dict | list)


def _working_form(value: ex.Expr, working: set[str]) -> tuple[int, ex.Ref] | None:
    """(sign, the parameter) when `value` is exactly `$as_of - $params.X` or `$as_of + $params.X`
    with X in working days."""
    if not isinstance(value, ex.Sum) or len(value.terms) != 2:
        return None
    (first_sign, first), (sign, second) = value.terms
    if first_sign != 1 or first != ex.Ref("as_of"):
        return None
    if (
        isinstance(second, ex.Ref)
        and second.root == "params"
        and len(second.path) == 1
        and second.field in working
    ):
        return sign, second
    return None


def lone_param(value: ex.Expr) -> ex.Ref | None:
    """The parameter reference `value` is, when it is exactly one (`$params.x`, `$params.t[$f.k]`)."""
    return value if isinstance(value, ex.Ref) and value.root == "params" and value.field else None


def _summed(value: ex.Expr) -> list[ex.Expr]:
    """The terms of every sum in the expression, lookups included."""
    found: list[ex.Expr] = []
    if isinstance(value, ex.Sum):
        for _, term in value.terms:
            found += [term, *_summed(term)]
    elif isinstance(value, ex.Ref):
        for step in value.path:
            if not isinstance(step, str):
                found += _summed(step)
    return found
