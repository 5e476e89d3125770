"""One rule's check: what it knows, and what it records for the checks of the whole rule set.

`RuleChecker` (`checker.language.rule`) is made of one mixin per concern (parameters, references,
patterns, group, results), each in its own module; this is the state they share: the fact kinds and
their fields, the declared parameters, the names bound so far and the fields used, the problems, and
the uses of parameters whose values do not fit (reported once per parameter, at params.yaml, after
every rule is checked: `checker.language.params.param_misfits`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.errors import Diagnostic
from checker.language.load import LoadedRule
from checker.language.schema import Param

ParamUses = dict[tuple[str, str, str], "Misfit"]
"""(parameter, what it must be, how it is used) -> the value that does not fit, and the rules."""
UNDECLARED = "declared"
"""What a parameter params.yaml lacks must be (in `ParamUses`)."""
WORKING = "working"
"""What a parameter in working days must be used as (`$as_of ± $params.X`, in `ParamUses`)."""


@dataclass
class Misfit:
    """The first value of a parameter that does not fit a use of it, and every rule that uses it so."""

    keys: tuple[str, ...]
    """Where in a table the value is (empty for a plain parameter)."""
    value: Any
    rules: set[str] = field(default_factory=set)


class RuleScope:
    """The state of one rule's check, shared by the mixins of `RuleChecker`."""

    def __init__(
        self,
        loaded: LoadedRule,
        fields: dict[str, tuple[str, ...]],
        dates: dict[str, frozenset[str]],
        declared: dict[str, Param],
        problems: list[Diagnostic],
        uses: ParamUses,
    ) -> None:
        self.loaded = loaded
        self.fields = fields
        self.dates = dates
        self.declared = declared
        self.problems = problems
        self.uses = uses
        self.misfit = False
        """A parameter's value does not fit a use of it here (reported at params.yaml, once)."""
        self.bound: dict[str, str] = {}
        self.used: dict[str, set[str]] = {}
        self.working = {name for name, param in declared.items() if param.working_days}
        """Parameters that count working days: usable only as `$as_of ± $params.X`
        (`ParamChecks._working`)."""
        self.provisional: set[int] = set()

    def error(self, at: tuple[str | int, ...], code: str, message: str, help: str = "") -> None:
        self.problems.append(Diagnostic(self.loaded.source.where(at), code, message, help=help))
