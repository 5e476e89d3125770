"""`--select` and `--ignore`: which rules' findings a scan reports, by rule id, article or kind.

A pattern is a rule id (`RECT-OVERDUE`), an article (`art:25`: the rule's own article) or a finding
kind (`kind:overdue`), each with `*` and `?` globs (`RECT-*`, `art:2?`), as ruff and Checkov select
their checks. `--select` keeps only what it names (default: everything); `--ignore` then takes away
what it names. A pattern that names no rule at all is an error: a misspelt id must not silently
select nothing.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.language.schema import Rule

ARTICLE = "art:"
KIND = "kind:"


@dataclass(frozen=True)
class Selection:
    """The patterns of --select (empty: every rule) and --ignore."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def reports(self, rule: Rule) -> bool:
        chosen = not self.select or any(matches(pattern, rule) for pattern in self.select)
        return chosen and not any(matches(pattern, rule) for pattern in self.ignore)

    def check(self, rules: Iterable[Rule]) -> None:
        """Raise one error naming every pattern that names no rule (option, pattern, a hint)."""
        known = list(rules)
        problems = []
        for option, patterns in (("--select", self.select), ("--ignore", self.ignore)):
            for pattern in patterns:
                if not any(matches(pattern, rule) for rule in known):
                    problems.append(
                        Diagnostic(
                            Location(option),
                            "select-nothing",
                            f"'{pattern}' names no rule",
                            help=did_you_mean(pattern, [rule.id for rule in known])
                            or "give a rule id (RECT-OVERDUE), an article (art:25) or a kind "
                            "(kind:overdue); * and ? match any text and any one character",
                        )
                    )
        if problems:
            raise CheckerError(problems)

    @property
    def everything(self) -> bool:
        return not self.select and not self.ignore


def matches(pattern: str, rule: Rule) -> bool:
    """Whether one --select/--ignore pattern names the rule."""
    if pattern.startswith(ARTICLE):
        return fnmatch.fnmatchcase(str(rule.article), pattern[len(ARTICLE) :])
    if pattern.startswith(KIND):
        return fnmatch.fnmatchcase(rule.kind, pattern[len(KIND) :])
    return fnmatch.fnmatchcase(rule.id, pattern.upper())


def selection(select: Sequence[str], ignore: Sequence[str]) -> Selection:
    """A selection from repeated options, each of which may hold several patterns split by commas."""

    def split(values: Sequence[str]) -> tuple[str, ...]:
        return tuple(part.strip() for value in values for part in value.split(",") if part.strip())

    return Selection(split(select), split(ignore))
