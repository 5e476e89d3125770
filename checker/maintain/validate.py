"""`rivercheck rules validate`: every problem in a rules folder, before any fact is read.

Loading and compiling find what a single rule gets wrong (fields, kinds, parameters, placeholders,
joins, cycles); this stage adds what only the whole folder shows: derived facts nothing consumes,
parameters nothing uses, rules without case files and case files without rules; and it reads the
folder's `articles.yaml` (the articles the rules cite and the docs quote), whose every problem is
reported at its place too.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from checker.errors import CheckerError, Diagnostic, Location
from checker.language.articles import read_articles
from checker.language.compiler import compile_rules
from checker.language.load import CASES_SUFFIX, RuleSet, read_rules
from checker.language.program import DEDUCTION_KIND, FINDING_KIND, SCORE_PARAMS, WAIVED_DEDUCT
from checker.language.schema import Negation
from checker.maintain.cases import load_cases

CONSUMED_OUTSIDE_RULES = {DEDUCTION_KIND: "unit scores", FINDING_KIND: "reports"}
_PARAM_USE = re.compile(r"[${]params\.([a-z][a-z0-9_]*)")


def validate(rules_dir: str | Path) -> list[Diagnostic]:
    """Every problem found in the folder, sorted by place; empty when it is clean."""
    try:
        ruleset, problems = read_rules(rules_dir)
    except CheckerError as error:
        return error.diagnostics
    try:
        compile_rules(ruleset, dt.date(2000, 1, 1))  # the date only fills in $as_of
    except CheckerError as error:
        problems += error.diagnostics
    problems += _unconsumed(ruleset) + _unused_params(ruleset) + _cases(ruleset, Path(rules_dir))
    problems += _articles(Path(rules_dir))
    return sorted(set(problems))


def _articles(folder: Path) -> list[Diagnostic]:
    try:
        read_articles(folder)
    except CheckerError as error:
        return error.diagnostics
    return []


def _unconsumed(ruleset: RuleSet) -> list[Diagnostic]:
    matched = {
        item.absent.fact if isinstance(item, Negation) else item.fact
        for loaded in ruleset.rules
        for item in loaded.rule.when
    }
    found = []
    for loaded in ruleset.rules:
        derive = loaded.rule.then.derive
        if derive and derive.fact not in matched and derive.fact not in CONSUMED_OUTSIDE_RULES:
            found.append(
                Diagnostic(
                    loaded.source.where(("then", "derive", "fact")),
                    "derived-unconsumed",
                    f"no rule matches the derived fact '{derive.fact}'",
                    help="match it in a rule, or drop the derive (a finding alone needs none)",
                )
            )
    return found


def _unused_params(ruleset: RuleSet) -> list[Diagnostic]:
    used = {*SCORE_PARAMS, WAIVED_DEDUCT}
    for loaded in ruleset.rules:
        used |= set(_PARAM_USE.findall(Path(loaded.path).read_text(encoding="utf-8-sig")))
    source = ruleset.params_source
    return [
        Diagnostic(
            source.where((name,)) if source else Location(ruleset.folder),
            "param-unused",
            f"parameter '{name}' is used by no rule",
            help="remove it, or use it as $params." + name,
        )
        for name in sorted(set(ruleset.params) - used)
    ]


def _cases(ruleset: RuleSet, folder: Path) -> list[Diagnostic]:
    try:
        cases = load_cases(folder)
    except CheckerError as error:
        return error.diagnostics
    ids = {path.stem for path in folder.rglob("*.yaml") if not path.name.endswith(CASES_SUFFIX)}
    with_cases = {case.rule for case in cases}
    found = [
        Diagnostic(
            loaded.source.where(("id",)),
            "rule-no-cases",
            f"rule {loaded.rule.id} has no case file",
            help=f"add {loaded.rule.id}{CASES_SUFFIX} beside it, with a case that flags and one that passes",
        )
        for loaded in ruleset.rules
        if loaded.rule.id not in with_cases
    ]
    for path in sorted(folder.rglob(f"*{CASES_SUFFIX}")):
        rule = path.name[: -len(CASES_SUFFIX)]
        if rule not in ids:
            found.append(
                Diagnostic(Location(str(path), 1), "case-rule", f"no rule {rule} for this case file")
            )
    return found
