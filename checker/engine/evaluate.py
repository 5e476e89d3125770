"""Matches to results: what a rule produces for the facts the engine matched.

The engine adapter hands over, per rule, the facts each match bound; this module evaluates the rule's
`group`, `derive` and `finding` sections on them (engine-neutral, so it is testable without durable).
A finding is identified by its fingerprint (rule id + subject), stable from run to run.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.engine.prefilter import constant_test
from checker.errors import CheckerError
from checker.language import expr as ex
from checker.language.program import FINDING_KIND, CompiledRule, Program, day_date
from facts.models import MODELS

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
            results += _results(
                rule, {**constants, **match}, _basis(rule, [match]), program, match, order=order
            )
        return results
    groups: dict[tuple[Any, ...], list[Match]] = {}
    for match in matches:
        values = tuple(_evaluate(rule, value, {**constants, **match}) for _, value in rule.group.by)
        groups.setdefault(values, []).append(match)
    for values, members in sorted(groups.items(), key=lambda item: repr(item[0])):
        env = {
            **constants,
            **{name: value for (name, _), value in zip(rule.group.by, values, strict=True)},
        }
        for name, function, argument in rule.group.compute:
            env[name] = _aggregate(rule, function, argument, members, constants)
        if all(_holds(env[name], op, _evaluate(rule, value, env)) for name, op, value in rule.group.having):
            results += _results(rule, env, _basis(rule, members), program, {}, values)
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
        keys.append((rule.derive_kind, _derived_key(rule, env, _basis(rule, [match]), None)))
    return keys


def _subject(rule: CompiledRule, env: Mapping[str, Any]) -> str:
    return "/".join(str(_evaluate(rule, part, env)) for part in rule.subject or ())


def _derived_key(
    rule: CompiledRule, env: Mapping[str, Any], basis: tuple[Basis, ...], group: tuple[Any, ...] | None
) -> str:
    if rule.derive_key is not None:
        return str(_evaluate(rule, rule.derive_key, env))
    # by default a derived fact is keyed by what it is about: the group, or the facts matched
    parts = [str(v) for v in group] if group is not None else [b.key for b in basis]
    return rule.loaded.rule.id + ":" + "|".join(parts)


def outputs_streamed(
    rule: CompiledRule, facts: Iterable[Mapping[str, Any]], program: Program
) -> list[Output]:
    """A local counting rule (`CompiledRule.local`) over facts as they are read: no engine, and no
    list of matches kept, only each group's running values."""
    counting = Counting(rule, program)
    for fact in facts:
        counting.add(fact)
    return counting.outputs()


class Counting:
    """A local counting rule fed one engine fact at a time (while the loader reads the records)."""

    def __init__(self, rule: CompiledRule, program: Program) -> None:
        assert rule.group is not None and rule.local
        self.rule = rule
        self.program = program
        self.pattern = rule.patterns[0]
        self.test = constant_test(self.pattern)
        self.constants = {"as_of": program.as_of_day, "params": program.params}
        self.groups: dict[tuple[Any, ...], _Running] = {}
        by = [value for _, value in rule.group.by]
        simple = all(isinstance(v, ex.Ref) and v.root == self.pattern.name and len(v.path) == 1 for v in by)
        self.fields: tuple[str, ...] | None = tuple(str(v.path[0]) for v in by) if simple else None  # type: ignore[union-attr]
        """The fields the groups are by, when each is a plain field of the fact (the usual case)."""
        model = MODELS.get(self.pattern.kind)
        self.unique = model is None or not any(
            typing.get_origin(info.annotation) is list for info in model.model_fields.values()
        )

    def add(self, fact: Mapping[str, Any]) -> None:
        if self.test is not None and not self.test(fact):
            return
        rule = self.rule
        assert rule.group is not None
        env = {**self.constants, self.pattern.name: fact}
        if self.fields is not None:
            values = tuple(fact.get(name) for name in self.fields)
        else:
            values = tuple(_evaluate(rule, value, env) for _, value in rule.group.by)
        running = self.groups.get(values)
        if running is None:
            running = self.groups[values] = _Running(rule, self.unique)
        running.add(rule, fact, env)

    def reads(self) -> set[str]:
        """The fields of a fact this count looks at (conditions, groups, computed values)."""
        rule, name = self.rule, self.pattern.name
        assert rule.group is not None
        exprs = [value for _, value in rule.group.by] + [
            a for _, _, a in rule.group.compute if not isinstance(a, str)
        ]
        fields = {c.field for c in self.pattern.comparisons}
        fields |= {str(ref.field) for e in exprs for ref in ex.refs(e) if ref.root == name and ref.field}
        return fields

    def outputs(self) -> list[Output]:
        rule, pattern = self.rule, self.pattern
        assert rule.group is not None
        results: list[Output] = []
        for values, running in sorted(self.groups.items(), key=lambda item: repr(item[0])):
            env = {**self.constants, **{name: v for (name, _), v in zip(rule.group.by, values, strict=True)}}
            env.update(running.values())
            if all(_holds(env[n], op, _evaluate(rule, v, env)) for n, op, v in rule.group.having):
                used = rule.used_fields.get(pattern.name, ())
                basis = tuple(Basis(pattern.kind, key, used) for key in running.keys)
                results += _results(rule, env, basis, self.program, {}, values)
        return results


class _Running:
    """One group's count of distinct facts, running max, min and sum, and its first keys."""

    def __init__(self, rule: CompiledRule, unique: bool) -> None:
        assert rule.group is not None
        self.compute = rule.group.compute
        self.unique = unique
        """Each fact arrives once (its kind has no list fields): count them, keep no key set."""
        self.count = 0
        self.seen: set[str] = set()
        self.first: list[str] = []
        self.totals: dict[str, Any] = {}

    @property
    def keys(self) -> list[str]:
        return self.first

    def add(self, rule: CompiledRule, fact: Mapping[str, Any], env: Mapping[str, Any]) -> None:
        key = str(fact["key"])
        if not self.unique:
            if key in self.seen:
                return
            self.seen.add(key)
        self.count += 1
        if len(self.first) < BASIS_KEPT or key < self.first[-1]:
            bisect.insort(self.first, key)
            del self.first[BASIS_KEPT:]
        for name, function, argument in self.compute:
            if function == "count" or isinstance(argument, str):
                continue
            value = _evaluate(rule, argument, env)
            if value is None:
                continue
            current = self.totals.get(name)
            if current is None:
                self.totals[name] = value
            elif function == "max":
                self.totals[name] = max(current, value)
            elif function == "min":
                self.totals[name] = min(current, value)
            else:
                self.totals[name] = current + value

    def values(self) -> dict[str, Any]:
        return {
            name: self.count if function == "count" else self.totals.get(name)
            for name, function, _ in self.compute
        }


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
    values = [v for v in (_evaluate(rule, argument, {**constants, **m}) for m in members) if v is not None]
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


_holds = holds


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


def _results(
    rule: CompiledRule,
    env: dict[str, Any],
    basis: tuple[Basis, ...],
    program: Program,
    match: Match,
    group: tuple[Any, ...] | None = None,
    order: tuple[tuple[str, int], ...] = (),
) -> list[Output]:
    spec = rule.loaded.rule
    values = {name: _evaluate(rule, value, env) for name, value in rule.derive_set}
    results: list[Output] = []
    finding_key = None
    if rule.subject is not None and spec.then.finding is not None:
        subject = _subject(rule, env)
        responsible = _evaluate(rule, rule.responsible, env) if rule.responsible is not None else None
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


def _evaluate(rule: CompiledRule, value: ex.Expr, env: Mapping[str, Any]) -> Any:
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

    def replace(found: re.Match[str]) -> str:
        name, as_date = found.group(1), found.group(2)
        root, _, field_name = name.partition(".")
        if root == "as_of":
            return program.as_of.isoformat()
        if field_name:
            value = env.get(root)
            value = value.get(field_name) if isinstance(value, Mapping) else None
        else:
            value = values[root] if root in values else env.get(root)
        if field_name:
            kind = str(match[root].get("kind")) if root in match else ""
            is_date = as_date or field_name in program.date_fields.get(kind, ())
        else:
            is_date = as_date or (root in values and root in program.date_fields.get(derived_kind or "", ()))
        if value is None:
            return "—"
        if is_date and isinstance(value, int):
            return day_date(value).isoformat()
        return str(value)

    return _PLACEHOLDER.sub(replace, template)
