"""What values are: numbers, text or true/false, and which derived fields hold dates.

The engine and the adapter compare by order (`lt`, `gt`...) only numbers (dates are day numbers): a
comparison by order of a value that can be a word would fail while the rules run, so it is refused
when they are compiled (`ordered_words`). Reports show derived fields that hold dates as dates
(`derived_dates`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.errors import Diagnostic
from checker.language import expr as ex
from checker.language.params import param_leaves
from checker.language.program import FINDING_KIND, ORDERING, CompiledRule
from checker.language.values import as_written
from facts.models import MODELS

Sorts = dict[str, tuple[str, str]]
"""What values are ('number', 'text', 'bool') -> (an example as shown, where it comes from)."""
Held = dict[tuple[str, str], dict[str, tuple[str, str, str]]]
"""What the values of each derived kind's field are, with the rule whose `set` gives each sort."""


def ordered_words(rules: list[CompiledRule], params: dict[str, Any]) -> list[Diagnostic]:
    """Comparisons by order (`lt`, `gt`...) of a value that can be text or true/false: a derived
    field some rule sets to a word (`last: 未巡河`), a text field, a group value that is one. The
    engine and the adapter would compare a word with a number and fail while the rules run. A
    derived field is reported where it is set (the comparisons state what it must be); anything
    else where it is compared."""
    held = _held(rules, params)
    compared: dict[tuple[str, str, str], set[str]] = {}  # (producer, kind, field) -> rules comparing it
    found = []
    for rule in rules:
        for place, op, operand in _ordered(rule):
            derived = _derived_field(operand, rule)
            if derived is not None:
                for sort, (_, _, producer) in held.get(derived, {}).items():
                    if sort != "number":
                        compared.setdefault((producer, *derived), set()).add(f"{rule.id} ('{op}')")
                continue
            sorts = _sorts(operand, rule, held, params)
            words = sorted(sort for sort in sorts if sort != "number")
            if words:
                example, origin = sorts[words[0]]
                found.append(
                    Diagnostic(
                        rule.loaded.source.where(place),
                        "bad-value",
                        f"'{op}' compares dates and numbers, "
                        f"but '{ex.render(operand)}' can be {example} ({origin})",
                        help="compare a date or a number, or compare with 'eq'",
                    )
                )
    by_id = {rule.id: rule for rule in rules}
    for (producer, kind, name), users in sorted(compared.items()):
        example, origin = next(
            (example, origin)
            for sort, (example, origin, by) in sorted(held[(kind, name)].items())
            if by == producer and sort != "number"
        )
        found.append(
            Diagnostic(
                by_id[producer].loaded.source.where(("then", "derive", "set", name)),
                "bad-value",
                f"expected a date or a number in '{name}' of a {kind}, which {', '.join(sorted(users))} "
                f"compare{'s' if len(users) == 1 else ''} by order; found {example} ({origin})",
                help="set it to a date or a number (or compare it with 'eq' where it is used)",
            )
        )
    return found


def _held(rules: list[CompiledRule], params: dict[str, Any]) -> Held:
    """What each derived field can hold, and the rule whose `set` gives each sort."""
    held: Held = {}
    changed = True
    while changed:  # derived fields copy one another: until nothing new is learnt
        changed = False
        for rule in rules:
            for name, value in rule.derive_set if rule.derive_kind else ():
                slot = held.setdefault((str(rule.derive_kind), name), {})
                for sort, (example, origin) in _sorts(value, rule, held, params).items():
                    changed = changed or sort not in slot
                    slot.setdefault(sort, (example, origin, rule.id))
    return held


def _ordered(rule: CompiledRule) -> list[tuple[tuple[str | int, ...], str, ex.Expr]]:
    """(place, operator, operand) of every comparison by order in the rule: both sides of a `where`
    condition (the field, and the value unless constant), and the group value of a `having` test."""
    checks: list[tuple[tuple[str | int, ...], str, ex.Expr]] = []
    for index, pattern in enumerate(rule.patterns):
        at: tuple[str | int, ...] = ("when", index, "not") if pattern.negated else ("when", index)
        for comparison in pattern.comparisons:
            if comparison.op not in ORDERING:
                continue
            place = (*at, "where", comparison.field)
            checks.append((place, comparison.op, ex.Ref(pattern.name, (comparison.field,))))
            if not isinstance(comparison.value, ex.Const):
                checks.append((place, comparison.op, comparison.value))
    for name, op, _ in rule.group.having if rule.group else ():
        if op in ORDERING:
            checks.append((("group", "having", name, op), op, ex.Ref(name)))
    return checks


def _derived_field(value: ex.Expr, rule: CompiledRule) -> tuple[str, str] | None:
    """(derived kind, field) when `value` is a field of a derived fact the rule binds."""
    if not isinstance(value, ex.Ref) or value.field is None or len(value.path) != 1:
        return None
    kind = next((p.kind for p in rule.patterns if p.name == value.root), None)
    if kind is None or kind in MODELS or kind == FINDING_KIND:
        return None
    return kind, value.field


def _sorts(value: ex.Expr, rule: CompiledRule, held: Held, params: dict[str, Any]) -> Sorts:
    """What the values of an expression in `rule` are: 'number' (dates are day numbers), 'text' or
    'bool', each with an example and where it comes from."""
    if isinstance(value, ex.Const):
        sort = _sort(value.value)
        return {sort: (as_written(value.value), f"{rule.id} gives it")} if sort else {}
    if isinstance(value, ex.Sum) or (isinstance(value, ex.Ref) and value.root == "as_of"):
        return {"number": ("a number", rule.id)}
    assert isinstance(value, ex.Ref)
    if value.root == "params":
        leaves = param_leaves(value, {"params": params, "as_of": 0})
        return {
            sort: (as_written(leaf), f"params.yaml gives it to {rule.id}")
            for _, leaf in reversed(leaves)
            if (sort := _sort(leaf))
        }
    if rule.group is not None:
        for name, by in rule.group.by:
            if name == value.root and not value.path:
                return _sorts(by, rule, held, params)
        for name, function, argument in rule.group.compute:
            if name == value.root and not value.path:
                if function in ("max", "min") and not isinstance(argument, str):
                    return _sorts(argument, rule, held, params)
                return {"number": ("a number", rule.id)}
    kind = next((p.kind for p in rule.patterns if p.name == value.root), None)
    field_name = value.field
    if kind is None or field_name is None:
        return {}
    if kind in MODELS:
        info = MODELS[kind].model_fields.get(field_name)
        annotation = info.annotation if info is not None else str
        if annotation in (dt.date, dt.date | None, int, float, int | None, float | None):
            return {"number": ("a number", kind)}
        if annotation in (bool, bool | None):
            return {"bool": ("true or false", f"a {kind}'s {field_name} is")}
        return {"text": ("text", f"a {kind}'s {field_name} is")}
    if kind == FINDING_KIND:
        if field_name == "article":
            return {"number": ("a number", kind)}
        return {"text": ("text", f"a finding's {field_name} is")}
    return {
        sort: (example, origin) for sort, (example, origin, _) in held.get((kind, field_name), {}).items()
    }


def _sort(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "text" if isinstance(value, str) else ""


def derived_dates(rules: list[CompiledRule], dates: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Derived fields that hold dates (a date field copied, or a date plus or minus days), so reports
    show them as dates rather than day numbers."""
    found = {kind: set(names) for kind, names in dates.items()}
    for rule in sorted(rules, key=lambda r: r.stratum):
        if rule.derive_kind is None:
            continue
        bound = {p.name: p.kind for p in rule.positive}
        if rule.group is not None:  # a group's values: a date grouped by, or the max or min of dates
            values = {name for name, value in rule.group.by if _is_date(value, bound, found)}
            values |= {
                name
                for name, function, argument in rule.group.compute
                if function in ("max", "min")
                and not isinstance(argument, str)
                and _is_date(argument, bound, found)
            }
            dated = {
                name for name, value in rule.derive_set if isinstance(value, ex.Ref) and value.root in values
            }
        else:
            dated = {name for name, value in rule.derive_set if _is_date(value, bound, found)}
        if dated:
            found.setdefault(rule.derive_kind, set()).update(dated)
    return {kind: frozenset(names) for kind, names in found.items()}


def _is_date(value: ex.Expr, bound: dict[str, str], dates: dict[str, set[str]]) -> bool:
    if isinstance(value, ex.Ref):
        return value.root in bound and value.field in dates.get(bound[value.root], set())
    if isinstance(value, ex.Sum):
        signs = [
            sign for sign, term in value.terms if _is_date(term, bound, dates) or term == ex.Ref("as_of")
        ]
        return signs == [1]
    return False
