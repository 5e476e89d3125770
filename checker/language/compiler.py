"""Rules to program: check what rules mean together, then compile them for the engine.

`compile_rules(ruleset, as_of)` reads top to bottom as the stages: the fact kinds and fields (base
and derived), each rule checked and compiled (`checker.language.rule`: references to fact kinds and
fields, parameters and earlier patterns resolved, `as_of` and parameters folded into constants), the
parameter values that fit no use (`checker.language.params`), comparisons by order of words
(`checker.language.sorts`), then strata, partition schemes and passes (`checker.language.strata`).
The result is engine-neutral (`checker.language.program`); `checker.engine` runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.language.load import RuleSet
from checker.language.params import param_misfits
from checker.language.program import FINDING_FIELDS, FINDING_KIND, CompiledRule, Program, day_number
from checker.language.rule import RuleChecker
from checker.language.scope import ParamUses
from checker.language.sorts import derived_dates, ordered_words
from checker.language.strata import assign_strata, choose_scheme, form_passes
from facts.models import MODELS

RESERVED_FIELDS = frozenset({"kind", "key", "id", "sid"})
"""Fields the engine gives every fact: a derived fact cannot set them."""


def compile_rules(ruleset: RuleSet, as_of: dt.date, overrides: dict[str, Any] | None = None) -> Program:
    """Check and compile a rule set for a scan on `as_of`; every problem is reported with its place."""
    params = {name: param.value for name, param in ruleset.params.items()} | (overrides or {})
    problems: list[Diagnostic] = [
        Diagnostic(
            ruleset.params_source.where(()) if ruleset.params_source else Location(ruleset.folder),
            "unknown-param",
            f"parameter '{name}' is set but not declared in params.yaml",
            help=did_you_mean(name, ruleset.params),
        )
        for name in sorted(set(overrides or {}) - set(ruleset.params))
    ]
    fields, date_fields = _kind_fields(ruleset, problems)
    uses: ParamUses = {}
    compiled = []
    for loaded in ruleset.rules:
        rule = RuleChecker(loaded, fields, date_fields, ruleset.params, problems, uses).compile(
            params, day_number(as_of)
        )
        if rule is not None:
            compiled.append(rule)
    problems += param_misfits(ruleset, params, set(overrides or {}), uses)
    problems += ordered_words(compiled, params)
    # the rules that compiled are still ordered and partitioned, so one run reports every problem
    strata = assign_strata(compiled, problems)
    staged = [
        CompiledRule(**{**rule.__dict__, "stratum": strata[rule.id], "scheme": choose_scheme(rule, problems)})
        for rule in compiled
    ]
    if problems:
        raise CheckerError(problems)
    passes = form_passes(staged)
    version = _digest(ruleset, params)
    return Program(as_of, params, tuple(staged), passes, fields, derived_dates(staged, date_fields), version)


def _kind_fields(
    ruleset: RuleSet, problems: list[Diagnostic]
) -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    """Fields of every fact kind (recorded, `finding`, derived) and the date fields of recorded kinds."""
    fields: dict[str, set[str]] = {kind: set(model.model_fields) for kind, model in MODELS.items()}
    dates = {
        kind: frozenset(
            name for name, info in model.model_fields.items() if info.annotation in (dt.date, dt.date | None)
        )
        for kind, model in MODELS.items()
    }
    fields[FINDING_KIND] = set(FINDING_FIELDS)
    for loaded in ruleset.rules:
        derive = loaded.rule.then.derive
        if derive is None:
            continue
        if derive.fact in MODELS or derive.fact == FINDING_KIND:
            problems.append(
                Diagnostic(
                    loaded.source.where(("then", "derive", "fact")),
                    "derive-base-kind",
                    f"'{derive.fact}' is a kind of recorded fact; a rule derives facts of a kind of its own",
                    help="name the derived kind after what it means, e.g. overdue_problem",
                )
            )
            continue
        for name in sorted(set(derive.set) & RESERVED_FIELDS):
            problems.append(
                Diagnostic(
                    loaded.source.where(("then", "derive", "set", name)),
                    "reserved-field",
                    f"'{name}' is the engine's own field; a derived fact cannot set it",
                    help="the derived fact's key is given by 'key:'; choose another name for the value",
                )
            )
        fields.setdefault(derive.fact, {"key"}).update(derive.set)
    return {kind: tuple(sorted(names)) for kind, names in fields.items()}, dates


def _digest(ruleset: RuleSet, params: dict[str, Any]) -> str:
    """The rules version on every report: a digest of the rules and parameters (not of as_of)."""
    text = json.dumps(
        {"rules": [r.rule.model_dump(mode="json", by_alias=True) for r in ruleset.rules], "params": params},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]
