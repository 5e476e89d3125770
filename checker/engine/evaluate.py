"""Matches to results: what a rule produces for the facts the engine matched.

The engine adapter hands over, per rule, the facts each match bound; this module evaluates the rule's
`group`, `derive` and `finding` sections on them (engine-neutral, so it is testable without durable).
A finding is identified by its fingerprint (rule id + subject), stable from run to run.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.errors import CheckerError
from checker.language import expr as ex
from checker.language.program import FINDING_KIND, CompiledRule, Program, day_date

Match = Mapping[str, Mapping[str, Any]]
"""Bound pattern name -> the engine fact (a flat dict with `kind` and `key`)."""
_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::(date))?\}")


@dataclass(frozen=True, order=True)
class Basis:
    """A fact a result rests on, and the fields the rule looked at."""

    kind: str
    key: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    """A derived fact or a finding produced by one rule."""

    rule: str
    kind: str
    key: str
    fields: dict[str, Any]
    basis: tuple[Basis, ...]
    finding: str | None = None
    """For a derived fact: the fingerprint of the finding its rule produced with it."""
    message: tuple[str, str] | None = None
    """For a finding: the message in Chinese and English."""
    remedy: tuple[str, str] | None = None
    """For a finding: what would make it compliant, in Chinese and English."""
    order: tuple[tuple[str, int], ...] = ()
    """The match's place among the matches of the same result (its facts' keys and numbers, in
    pattern order): the first is the one shown, the first `MATCHES_KEPT` are the evidence."""


def fingerprint(rule_id: str, subject: Any) -> str:
    """Stable across runs: the same rule about the same subject is the same finding."""
    return hashlib.sha256(f"{rule_id}\x1f{subject}".encode()).hexdigest()[:16]


def outputs_for(rule: CompiledRule, matches: Sequence[Match], program: Program) -> list[Output]:
    """Every result of one rule for its matches (already checked: `checker.engine.plan`); a
    grouped rule's matches are all of them, from every session."""
    constants = {"as_of": program.as_of_day, "params": program.params}
    results: list[Output] = []
    if rule.group is None:
        for match in matches:
            order = tuple(match_order(match[p.name]) for p in rule.positive)
            results += rule_results(
                rule, {**constants, **match}, _basis(rule, [match]), program, match, order=order
            )
        return results
    groups: dict[tuple[Any, ...], list[Match]] = {}
    for match in matches:
        values = tuple(rule_value(rule, value, {**constants, **match}) for _, value in rule.group.by)
        groups.setdefault(values, []).append(match)
    for values, members in sorted(groups.items(), key=lambda item: repr(item[0])):
        env = {
            **constants,
            **{name: value for (name, _), value in zip(rule.group.by, values, strict=True)},
        }
        for name, function, argument in rule.group.compute:
            env[name] = _aggregate(rule, function, argument, members, constants)
        if all(holds(env[name], op, rule_value(rule, value, env)) for name, op, value in rule.group.having):
            results += rule_results(rule, env, _basis(rule, members), program, {}, values)
    return results


BASIS_KEPT = 10
"""A count rests on at most this many facts of each kind it counts (the first by key)."""
MATCHES_KEPT = 10
"""A result of a rule without `group` rests on at most this many matches: its first, by the keys of
the facts they bind (`checker.engine.plan`)."""


def match_order(fact: Mapping[str, Any]) -> tuple[str, int]:
    """A bound fact's place in the order of matches: its key, then its number (`~n`)."""
    return (str(fact.get("key")), int(fact.get("~n", 0)))


def output_keys(rule: CompiledRule, env: Mapping[str, Any], match: Match) -> list[tuple[str, str]]:
    """The (kind, key) of each result one match of a rule without `group` produces: its finding
    (kind `finding`, the fingerprint) and its derived fact."""
    spec = rule.loaded.rule
    keys = []
    if rule.subject is not None and spec.then.finding is not None:
        keys.append((FINDING_KIND, fingerprint(spec.id, _subject(rule, env))))
    if rule.derive_kind is not None:
        basis = _basis(rule, [match]) if rule.derive_key is None else ()  # a default key names the facts
        keys.append((rule.derive_kind, _derived_key(rule, env, basis, None)))
    return keys


def _subject(rule: CompiledRule, env: Mapping[str, Any]) -> str:
    return "/".join(str(rule_value(rule, part, env)) for part in rule.subject or ())


def _derived_key(
    rule: CompiledRule, env: Mapping[str, Any], basis: tuple[Basis, ...], group: tuple[Any, ...] | None
) -> str:
    if rule.derive_key is not None:
        return str(rule_value(rule, rule.derive_key, env))
    # by default a derived fact is keyed by what it is about: the group, or the facts matched
    parts = [str(v) for v in group] if group is not None else [b.key for b in basis]
    return rule.loaded.rule.id + ":" + "|".join(parts)


def _aggregate(
    rule: CompiledRule,
    function: str,
    argument: str | ex.Expr,
    members: Sequence[Match],
    constants: dict[str, Any],
) -> Any:
    if function == "count":
        assert isinstance(argument, str)
        return len({member[argument]["key"] for member in members})
    assert not isinstance(argument, str)
    values = [v for v in (rule_value(rule, argument, {**constants, **m}) for m in members) if v is not None]
    if not values:
        return None
    if function == "max":
        return max(values)
    if function == "min":
        return min(values)
    return sum(values)


_CHECKS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def holds(left: Any, op: str, right: Any) -> bool:
    """`left OP right`, false when either has no value (the engine's semantics)."""
    if left is None or right is None:
        return False
    return bool(_CHECKS[op](left, right))


def _basis(rule: CompiledRule, matches: Sequence[Match]) -> tuple[Basis, ...]:
    """The facts the matches rest on; of a group, at most `BASIS_KEPT` of each pattern (the first by
    key), so a unit with 100,000 overdue problems names ten of them."""
    by_name: dict[str, set[Basis]] = {}
    for match in matches:
        for name, fact in match.items():
            by_name.setdefault(name, set()).add(
                Basis(str(fact["kind"]), str(fact["key"]), rule.used_fields.get(name, ()))
            )
    if len(matches) == 1:
        return tuple(sorted(b for found in by_name.values() for b in found))
    return tuple(sorted(b for found in by_name.values() for b in sorted(found)[:BASIS_KEPT]))


def rule_results(
    rule: CompiledRule,
    env: dict[str, Any],
    basis: tuple[Basis, ...],
    program: Program,
    match: Match,
    group: tuple[Any, ...] | None = None,
    order: tuple[tuple[str, int], ...] = (),
) -> list[Output]:
    spec = rule.loaded.rule
    values = {name: rule_value(rule, value, env) for name, value in rule.derive_set}
    results: list[Output] = []
    finding_key = None
    if rule.subject is not None and spec.then.finding is not None:
        subject = _subject(rule, env)
        responsible = rule_value(rule, rule.responsible, env) if rule.responsible is not None else None
        finding_key = fingerprint(spec.id, subject)
        finding = spec.then.finding
        message, remedy = (
            (
                _render(text.zh, env, values, program, match, rule.derive_kind),
                _render(text.en, env, values, program, match, rule.derive_kind),
            )
            for text in (finding.message, finding.remedy)
        )
        fields = {
            "rule": spec.id,
            "article": spec.article,
            "type": spec.kind,
            "severity": spec.severity,
            "subject": subject,
            "responsible": responsible,
        }
        output = Output(
            spec.id, FINDING_KIND, finding_key, fields, basis, message=message, remedy=remedy, order=order
        )
        results.append(output)
    if rule.derive_kind is not None:
        key = _derived_key(rule, env, basis, group)
        results.append(
            Output(spec.id, rule.derive_kind, key, values, basis, finding=finding_key, order=order)
        )
    return results


def rule_value(rule: CompiledRule, value: ex.Expr, env: Mapping[str, Any]) -> Any:
    try:
        return ex.evaluate(value, env)
    except ex.ExprError as error:
        raise CheckerError.at(
            rule.loaded.source.where(("then",)), "rule-evaluation", f"rule {rule.id}: {error}"
        ) from None


def _render(
    template: str,
    env: Mapping[str, Any],
    values: Mapping[str, Any],
    program: Program,
    match: Match,
    derived_kind: str | None,
) -> str:
    """Fill `{name}` (a derived value or group value), `{bound.field}`, `{params.name}`, `{as_of}`."""
    literals, holes = _parsed(template)
    parts = [literals[0]]
    for (root, field_name, as_date), literal in zip(holes, literals[1:], strict=True):
        if root == "as_of":
            parts += (program.as_of.isoformat(), literal)
            continue
        if field_name:
            value = env.get(root)
            value = value.get(field_name) if isinstance(value, dict | Mapping) else None
            kind = str(match[root].get("kind")) if root in match else ""
            is_date = as_date or field_name in program.date_fields.get(kind, ())
        else:
            value = values[root] if root in values else env.get(root)
            is_date = as_date or (root in values and root in program.date_fields.get(derived_kind or "", ()))
        if value is None:
            text = "—"
        elif is_date and isinstance(value, int):
            text = day_date(value).isoformat()
        else:
            text = str(value)
        parts += (text, literal)
    return "".join(parts)


@functools.lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[tuple[str, ...], tuple[tuple[str, str, bool], ...]]:
    """A message template as its literal text between placeholders (one more than the placeholders)
    and each placeholder's (root, field, whether `:date` was asked for): parsed once per template,
    not once per finding."""
    literals: list[str] = []
    holes: list[tuple[str, str, bool]] = []
    start = 0
    for found in _PLACEHOLDER.finditer(template):
        literals.append(template[start : found.start()])
        root, _, field_name = found.group(1).partition(".")
        holes.append((root, field_name, found.group(2) is not None))
        start = found.end()
    literals.append(template[start:])
    return tuple(literals), tuple(holes)
