"""One rule checked and compiled: its patterns, then its group, then its results.

`RuleChecker` is the mixins of each concern's module over the shared `RuleScope`. A problem is
recorded at its place and the check goes on, so one run reports every problem of every rule;
`checker.language.compiler` then checks what the rules mean together.
"""

from __future__ import annotations

from typing import Any

from checker.language.group import GroupChecks
from checker.language.patterns import PatternChecks
from checker.language.program import CompiledRule
from checker.language.then import ThenChecks


class RuleChecker(PatternChecks, GroupChecks, ThenChecks):
    """Resolves one rule's references and compiles its patterns and results."""

    def compile(self, params: dict[str, Any], as_of: int) -> CompiledRule | None:
        """The rule compiled for a scan on day `as_of` with these parameter values; None when it has
        a problem (recorded in `problems`) or a parameter's value does not fit it."""
        rule = self.loaded.rule
        before = len(self.problems)
        constants = {"as_of": as_of, "params": params}
        patterns = self._patterns(rule.when, constants)
        group = self._group(rule.group, constants) if rule.group else None
        names = self._result_names(group)
        results = self._then(rule.then, names, constants)
        self._check_joined(patterns)
        self._check_negations(rule)
        if len(self.problems) > before or self.misfit:
            return None
        used = {name: tuple(sorted(fields)) for name, fields in self.used.items()}
        return CompiledRule(
            self.loaded,
            tuple(patterns),
            group,
            rule.then.derive.fact if rule.then.derive else None,
            results.derive_key,
            results.derive_set,
            results.subject,
            results.responsible,
            used,
            provisional=tuple(sorted(self.provisional)),
        )
