"""A rule's `then`: the derived fact, the finding, and the placeholders of the finding's words.

A grouped rule's results use the group's values; any other rule's use the facts it binds. A message
or remedy names only what the rule has (`{value}`, `{fact.field}`, `{as_of}`, `{params.NAME}`), so
no finding is ever shown with a placeholder left in it; the points of a deduction are numbers.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from checker.language import expr as ex
from checker.language.params import lone_param
from checker.language.program import DEDUCTION_KIND
from checker.language.refs import RefChecks
from checker.language.schema import Then
from checker.language.values import as_written, is_number

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class Results(NamedTuple):
    """A rule's compiled results (`CompiledRule` holds them)."""

    derive_key: ex.Expr | None
    derive_set: tuple[tuple[str, ex.Expr], ...]
    subject: tuple[ex.Expr, ...] | None
    responsible: ex.Expr | None


class ThenChecks(RefChecks):
    """Checks and compiles one rule's `then`."""

    def _then(self, then: Then, names: set[str] | None, constants: dict[str, Any]) -> Results:
        """The derived fact's key and values, the finding's subject and responsible, and the
        placeholders of its message and remedy checked against what the rule has."""
        derive = then.derive
        derive_key = (
            self._expr(derive.key, ("then", "derive", "key"), constants, names)
            if derive and derive.key
            else None
        )
        derive_set = tuple(
            (name, self._expr(value, ("then", "derive", "set", name), constants, names))
            for name, value in (derive.set.items() if derive else ())
        )
        finding = then.finding
        subject = responsible = None
        if finding:
            parts = [finding.subject] if isinstance(finding.subject, str) else finding.subject
            subject = tuple(
                self._expr(part, ("then", "finding", "subject"), constants, names) for part in parts
            )
            if finding.responsible is not None:
                responsible = self._expr(
                    finding.responsible, ("then", "finding", "responsible"), constants, names
                )
            values = (names or set()) | {name for name, _ in derive_set}
            facts = set(self.bound) if names is None else set()
            for part in ("message", "remedy"):
                for lang in ("zh", "en"):
                    text = getattr(getattr(finding, part), lang)
                    self._placeholders(text, ("then", "finding", part, lang), values, facts)
        if derive and derive.fact == DEDUCTION_KIND and "points" in derive.set:
            self._check_points(derive.set["points"], constants)
        return Results(derive_key, derive_set, subject, responsible)

    def _placeholders(self, text: str, at: tuple[str | int, ...], values: set[str], facts: set[str]) -> None:
        """`{value}` names a derived or group value, `{fact.field}` a bound fact's field (filled in by
        `checker.engine.evaluate._render`)."""
        for match in _PLACEHOLDER.finditer(text):
            name, _, form = match.group(1).partition(":")
            root, _, field_name = name.partition(".")
            if form not in ("", "date"):
                problem = f"'{{{match.group(1)}}}': the only format is ':date'"
            elif root == "as_of" and not field_name:
                continue
            elif root == "params":
                if field_name in self.declared:
                    continue
                problem = f"'{{{name}}}': parameter '{field_name}' is not declared in params.yaml"
            elif not field_name:
                if root in values:
                    continue
                problem = f"'{{{name}}}' names no value of this rule" + (
                    f"; '{root}' is a fact: name one of its fields, as in '{{{root}.key}}'"
                    if root in facts
                    else ""
                )
            elif root in facts and self.bound[root] not in self.fields:
                continue  # the pattern's kind is unknown: reported there already
            elif root in facts and field_name in self.fields[self.bound[root]]:
                self.used.setdefault(root, set()).add(field_name)
                continue
            elif root in facts:
                problem = f"'{{{name}}}': a {self.bound[root]} has no field '{field_name}'"
            else:
                problem = f"'{{{name}}}' names no fact of this rule" + (
                    f"; '{root}' is a value: write '{{{root}}}'" if root in values else ""
                )
            available = [f"{{{name}}}" for name in sorted(values)]
            available += [f"{{{name}.FIELD}}" for name in sorted(facts)] + ["{as_of}", "{params.NAME}"]
            self.error(at, "unknown-placeholder", problem, help=f"available: {', '.join(available)}")

    def _check_points(self, raw: Any, constants: dict[str, Any]) -> None:
        """The points a deduction takes off a score are numbers (scores are sums of them)."""
        try:
            value = ex.literal_or_expr(raw)
        except ex.ExprError:
            return  # reported where the value was compiled
        lone = lone_param(value)
        if lone is not None:
            self._need(lone, "number", "as points deducted", constants, ("then", "derive", "set", "points"))
        elif isinstance(value, ex.Const) and value.value is not None and not is_number(value.value):
            self.error(
                ("then", "derive", "set", "points"),
                "bad-value",
                f"expected a number of points, found {as_written(value.value)}",
            )
