"""A rule's `group`: the values it groups matches by, what it computes per group, the `having` tests.

Counting is done by the adapter on the recorded matches (durable-rules has no group-by). A grouped
rule's results may use only the group's values, not the facts of one match (`_result_names`).
"""

from __future__ import annotations

from typing import Any

from checker.errors import did_you_mean
from checker.language import expr as ex
from checker.language.program import CompiledGroup
from checker.language.refs import RefChecks
from checker.language.schema import Group


class GroupChecks(RefChecks):
    """Checks and compiles one rule's `group`."""

    def _group(self, group: Group, constants: dict[str, Any]) -> CompiledGroup:
        by = tuple(
            (name, self._expr(value, ("group", "by", name), constants)) for name, value in group.by.items()
        )
        compute: list[tuple[str, str, str | ex.Expr]] = []
        for name, spec in group.compute.items():
            for function, argument in spec.items():
                if function == "count":
                    if argument not in self.bound:
                        self.error(
                            ("group", "compute", name, function),
                            "unknown-reference",
                            f"'count' takes a bound name, found '{argument}'",
                            did_you_mean(argument, self.bound),
                        )
                    compute.append((name, function, argument))
                else:
                    compute.append(
                        (
                            name,
                            function,
                            self._expr(argument, ("group", "compute", name, function), constants),
                        )
                    )
        names = {name for name, _ in by} | {name for name, _, _ in compute}
        having = self._having(group, names, constants)
        return CompiledGroup(by, tuple(compute), tuple(having))

    def _having(
        self, group: Group, names: set[str], constants: dict[str, Any]
    ) -> list[tuple[str, str, ex.Expr]]:
        """`having: {value: {op: operand}}`: tests on a group's values, typed as the adapter compares them."""
        having: list[tuple[str, str, ex.Expr]] = []
        for name, ops in group.having.items():
            if name not in names:
                self.error(
                    ("group", "having", name),
                    "unknown-reference",
                    f"'{name}' is not grouped or computed",
                    did_you_mean(name, names),
                )
                continue
            for op, raw in ops.items():
                if op not in ("eq", "ne", "lt", "lte", "gt", "gte"):
                    self.error(("group", "having", name, op), "unknown-operator", f"unknown operator '{op}'")
                    continue
                place = ("group", "having", name, op)
                before = len(self.problems)
                source = self._expr(raw, place, constants, set())
                if len(self.problems) > before or self.misfit:
                    continue
                try:
                    value = ex.substitute(source, constants)
                except ex.ExprError as error:
                    self.error(place, "bad-expression", str(error))
                    continue
                typed = self._typed(op, source, value, name, "", place, constants)
                if typed is not None:
                    having.append((name, op, typed))
        return having

    def _result_names(self, group: CompiledGroup | None) -> set[str] | None:
        """Names a result may use: the bound facts (None), or a group's values."""
        if group is None:
            return None
        return {name for name, _ in group.by} | {name for name, _, _ in group.compute}
