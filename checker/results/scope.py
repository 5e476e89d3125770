"""The scope section of the result: the files read and ignored, the kinds supplied, the rules that
could not be checked and why, in words for people (docs/scope.md).

The why of a rule not checked names the records in the office's words (未提供河长湖长名录 / no chief
records supplied) and the rules it rests on with their titles, so a supervisor reads what to supply
without knowing a kind's key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from checker.language.program import Program
from checker.language.schema import Rule, Text
from checker.results.document import AsOfView, FileIgnored, FileRead, RuleNotChecked, Scope
from checker.scope.plan import MISSING_RECORDS, NOT_SELECTED, Plan, Unchecked
from checker.scope.select import Selection
from facts.labels import kind_label
from facts.load.factset import FactSet
from facts.models import MODELS
from facts.snapshot import AsOf


def scope_of(
    plan: Plan,
    full: Program,
    facts: FactSet,
    as_of: AsOf,
    selection: Selection | None = None,
    demo: Path | None = None,
) -> Scope:
    """The scope of a scan that ran `plan` (out of the `full` program) over `facts`."""
    rules = {rule.id: rule.loaded.rule for rule in full.rules}
    supplied = sorted(facts.supplied)
    return Scope(
        demo=demo is not None and _all_under([f.path for f in facts.files], demo),
        files=[FileRead(path=f.path, kind=f.kind, records=f.records, digest=f.digest) for f in facts.files],
        ignored=[FileIgnored(path=i.path, reason=i.reason) for i in facts.ignored],
        supplied=supplied,
        not_supplied=sorted(set(MODELS) - facts.supplied),
        unchecked_references=_unchecked_references(facts.supplied),
        not_checked=[_not_checked(item, rules) for item in plan.unchecked],
        silenced=sorted(plan.silenced),
        select=list(selection.select) if selection else [],
        ignore=list(selection.ignore) if selection else [],
        as_of=AsOfView(
            not_yet=dict(sorted(as_of.not_yet.items())),
            undone=dict(sorted(as_of.undone.items())),
            undated_as_recorded=as_of.latest is not None and as_of.day < as_of.latest,
        ),
    )


def _not_checked(item: Unchecked, rules: Mapping[str, Rule]) -> RuleNotChecked:
    rule = rules[item.rule]
    return RuleNotChecked(
        rule=item.rule,
        article=rule.article,
        kind=rule.kind,
        severity=rule.severity,
        title=rule.title,
        reason=item.reason,
        missing=list(item.missing),
        rests_on=list(item.rests_on),
        why=why_not_checked(item, rules),
    )


def why_not_checked(item: Unchecked, rules: Mapping[str, Rule]) -> Text:
    """Why a rule did not run, in both languages: the records not supplied, the rules it rests on."""
    if item.reason == NOT_SELECTED:
        return Text(zh="未选择（--select/--ignore）", en="not selected (--select/--ignore)")
    zh_kinds = "、".join(kind_label(kind, "zh") for kind in item.missing)
    en_kinds = _either([kind_label(kind, "en") for kind in item.missing])
    if item.reason == MISSING_RECORDS:
        return Text(zh=f"未提供{zh_kinds}", en=f"no {en_kinds} supplied")
    zh_rules = "、".join(f"{name}（{rules[name].title.zh}）" for name in item.rests_on)
    en_rules = ", ".join(f"{name} ({rules[name].title.en})" for name in item.rests_on)
    zh = f"所依据的规则{zh_rules}未检查" + (f"：未提供{zh_kinds}" if zh_kinds else "")
    en = f"rests on {en_rules}, not checked" + (f": no {en_kinds} supplied" if en_kinds else "")
    return Text(zh=zh, en=en)


def _either(names: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1] if names else ""


def _unchecked_references(supplied: frozenset[str]) -> list[str]:
    """`kind.field` references from supplied kinds to kinds not supplied: not checkable."""
    return sorted(
        f"{kind}.{name}"
        for kind, model in MODELS.items()
        if kind in supplied
        for name, target in model.references.items()
        if target not in supplied
    )


def _all_under(paths: Iterable[str], folder: Path) -> bool:
    """Whether every path (a file, or an export's `file[sheet]`) lies in `folder`."""
    root = os.path.realpath(folder)
    found = False
    for path in paths:
        found = True
        real = os.path.realpath(path.split("[", 1)[0])
        if os.path.commonpath([real, root]) != root:
            return False
    return found
