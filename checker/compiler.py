"""Rules to program: check what rules mean together, then compile them for the engine.

`compile_rules(ruleset, as_of)` resolves every reference (fact kinds and fields, parameters, earlier
patterns), folds `as_of` and parameters into constants, orders rules into strata (a rule runs after
every rule that produces a kind it matches: forward chaining, evaluated stratum by stratum so that
negation and counting see complete inputs), and gives each rule a partition scheme (which field of
each fact kind must share a value for the rule's joins, so facts that join always land in one
partition). Rules of a stratum with compatible schemes form one pass. The result is engine-neutral:
`Program` holds plain JSON rulesets for durable-rules, and `checker.engine` runs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker import expr as ex
from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.rules import Group, LoadedRule, Negation, Param, Pattern, RuleSet
from facts.models import MODELS

EPOCH = dt.date(1970, 1, 1)
FINDING_KIND = "finding"
FINDING_FIELDS = ("key", "rule", "article", "type", "severity", "subject", "responsible")
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists")
CONSTANT_ROOTS = ("as_of", "params")
RESERVED_FIELDS = frozenset({"kind", "key", "id", "sid"})
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def day_number(day: dt.date) -> int:
    """Dates reach the engine as whole days since 1970-01-01 (durable-rules has no dates, #8)."""
    return (day - EPOCH).days


def day_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


@dataclass(frozen=True)
class Comparison:
    """`field OP value` on one pattern's fact; `value` refers only to bound patterns (or is constant)."""

    field: str
    op: str
    value: ex.Expr
    or_missing: bool = False
    """Also true when the fact has no such field (`in_post_to: {gte: $as_of, or_missing: true}`)."""


@dataclass(frozen=True)
class CompiledPattern:
    name: str
    kind: str
    negated: bool
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True)
class CompiledGroup:
    by: tuple[tuple[str, ex.Expr], ...]
    compute: tuple[tuple[str, str, str | ex.Expr], ...]
    having: tuple[tuple[str, str, ex.Expr], ...]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: patterns, results and where it came from."""

    loaded: LoadedRule
    patterns: tuple[CompiledPattern, ...]
    group: CompiledGroup | None
    derive_kind: str | None
    derive_key: ex.Expr | None
    derive_set: tuple[tuple[str, ex.Expr], ...]
    subject: tuple[ex.Expr, ...] | None
    """The values that say what a finding is about (joined with '/')."""
    responsible: ex.Expr | None
    used_fields: dict[str, tuple[str, ...]]
    """Per bound pattern, the fields the rule looked at (the values that mattered)."""
    stratum: int = 0
    scheme: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        """A count over one kind with only constant conditions: evaluated while reading the facts,
        without the engine (2 million patrols need never reach it)."""
        return (
            self.group is not None
            and len(self.patterns) == 1
            and not self.patterns[0].negated
            and all(isinstance(c.value, ex.Const) for c in self.patterns[0].comparisons)
        )

    @property
    def residual(self) -> tuple[tuple[str, Comparison], ...]:
        """Comparisons of positive patterns the adapter checks on each match (see `in_engine`)."""
        return tuple((p.name, c) for p in self.positive for c in p.comparisons if not in_engine(c))

    @property
    def id(self) -> str:
        return self.loaded.rule.id

    @property
    def positive(self) -> tuple[CompiledPattern, ...]:
        return tuple(p for p in self.patterns if not p.negated)

    def matched_kinds(self) -> set[str]:
        return {p.kind for p in self.patterns}

    def produced_kinds(self) -> set[str]:
        kinds = {self.derive_kind} if self.derive_kind else set()
        return kinds | ({FINDING_KIND} if self.subject is not None else set())


@dataclass(frozen=True)
class Pass:
    """Rules that run together over one partitioning of their input facts."""

    name: str
    stratum: int
    rules: tuple[CompiledRule, ...]
    partition: dict[str, tuple[str, ...]]
    """Fact kind -> the fields whose values pick the partition (kinds not named: their key)."""
    engine: bool = True
    """False for a pass of local rules (`CompiledRule.local`), evaluated without the engine."""

    @property
    def kinds(self) -> set[str]:
        return set().union(*(rule.matched_kinds() for rule in self.rules))

    @property
    def negated_kinds(self) -> set[str]:
        return {p.kind for rule in self.rules for p in rule.patterns if p.negated}

    def durable_ruleset(self) -> dict[str, dict[str, Any]]:
        """The pass as a durable-rules JSON ruleset, rule name -> {"all": [...]} (no actions yet)."""
        # negated patterns are decided by the adapter (`checker.evaluate.Absence`), not by the engine:
        # durable-rules' `$not` over joined facts gave different answers on identical runs (pitfall 12)
        return {rule.id: {"all": [_durable_pattern(p) for p in rule.positive]} for rule in self.rules}


@dataclass(frozen=True)
class Program:
    """Every rule compiled for one scan date and parameter set."""

    as_of: dt.date
    params: dict[str, Any]
    rules: tuple[CompiledRule, ...]
    passes: tuple[Pass, ...]
    fields: dict[str, tuple[str, ...]]
    """Fields of every fact kind, base and derived."""
    date_fields: dict[str, frozenset[str]]
    version: str
    """A digest of the rules and parameters (not of as_of)."""

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)

    @property
    def base_kinds(self) -> set[str]:
        return {kind for rule in self.rules for kind in rule.matched_kinds() if kind in MODELS}


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
    compiled = []
    for loaded in ruleset.rules:
        rule = _Checker(loaded, fields, date_fields, ruleset.params, problems).compile(
            params, day_number(as_of)
        )
        if rule is not None:
            compiled.append(rule)
    # the rules that compiled are still ordered and partitioned, so one run reports every problem
    strata = _strata(compiled, problems)
    staged = [
        CompiledRule(**{**rule.__dict__, "stratum": strata[rule.id], "scheme": _scheme(rule, problems)})
        for rule in compiled
    ]
    if problems:
        raise CheckerError(problems)
    passes = _passes(staged)
    version = _digest(ruleset, params)
    return Program(as_of, params, tuple(staged), passes, fields, _derived_dates(staged, date_fields), version)


def _derived_dates(rules: list[CompiledRule], dates: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
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


def _digest(ruleset: RuleSet, params: dict[str, Any]) -> str:
    text = json.dumps(
        {"rules": [r.rule.model_dump(mode="json", by_alias=True) for r in ruleset.rules], "params": params},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _kind_fields(
    ruleset: RuleSet, problems: list[Diagnostic]
) -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
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


class _Checker:
    """Resolves one rule's references and compiles its patterns and results."""

    def __init__(
        self,
        loaded: LoadedRule,
        fields: dict[str, tuple[str, ...]],
        dates: dict[str, frozenset[str]],
        declared: dict[str, Param],
        problems: list[Diagnostic],
    ) -> None:
        self.loaded = loaded
        self.fields = fields
        self.dates = dates
        self.declared = declared
        self.problems = problems
        self.bound: dict[str, str] = {}
        self.used: dict[str, set[str]] = {}

    def error(self, at: tuple[str | int, ...], code: str, message: str, help: str = "") -> None:
        self.problems.append(Diagnostic(self.loaded.source.where(at), code, message, help=help))

    def compile(self, params: dict[str, Any], as_of: int) -> CompiledRule | None:
        rule = self.loaded.rule
        before = len(self.problems)
        constants = {"as_of": as_of, "params": params}
        patterns = []
        for index, item in enumerate(rule.when):
            at: tuple[str | int, ...] = ("when", index)
            if isinstance(item, Negation):
                spec: Pattern | Any = item.absent
                name, negated, at = f"not{index}", True, (*at, "not")
            else:
                spec, name, negated = item, item.bind, False
                if name in self.bound or name in CONSTANT_ROOTS:
                    self.error(
                        (*at, "bind"), "duplicate-bind", f"the name '{name}' is already bound in this rule"
                    )
            pattern = self._pattern(spec, name, negated, at, constants)
            if pattern is not None:
                patterns.append(pattern)
            if not negated:
                self.bound[name] = spec.fact
        group = self._group(rule.group, constants) if rule.group else None
        names = self._result_names(group)
        derive = rule.then.derive
        derive_key = (
            self._expr(derive.key, ("then", "derive", "key"), constants, names)
            if derive and derive.key
            else None
        )
        derive_set = tuple(
            (name, self._expr(value, ("then", "derive", "set", name), constants, names))
            for name, value in (derive.set.items() if derive else ())
        )
        finding = rule.then.finding
        subject = responsible = None
        if finding:
            parts = [finding.subject] if isinstance(finding.subject, str) else finding.subject
            subject = tuple(
                self._expr(part, ("then", "finding", "subject"), constants, names) for part in parts
            )
            if finding.responsible is not None:
                responsible = self._expr(
                    finding.responsible, ("then", "finding", "responsible"), constants, names
                )
            values = (names or set()) | {name for name, _ in derive_set}
            facts = set(self.bound) if names is None else set()
            for part in ("message", "remedy"):
                for lang in ("zh", "en"):
                    text = getattr(getattr(finding, part), lang)
                    self._placeholders(text, ("then", "finding", part, lang), values, facts)
        self._check_joined(patterns)
        self._check_negations(rule)
        if len(self.problems) > before:
            return None
        used = {name: tuple(sorted(fields)) for name, fields in self.used.items()}
        return CompiledRule(
            self.loaded,
            tuple(patterns),
            group,
            derive.fact if derive else None,
            derive_key,
            derive_set,
            subject,
            responsible,
            used,
        )

    def _pattern(
        self, spec: Any, name: str, negated: bool, at: tuple[str | int, ...], constants: dict[str, Any]
    ) -> CompiledPattern | None:
        kind = spec.fact
        if kind not in self.fields:
            hint = did_you_mean(kind, self.fields)
            if hint:
                self.error((*at, "fact"), "unknown-fact-kind", f"no fact kind '{kind}'", hint)
            else:
                self.error(
                    (*at, "fact"),
                    "derived-unproduced",
                    f"no rule derives '{kind}', and it is not a kind of recorded fact",
                    "derive it in a rule (then: derive: {fact: ...}), or match one of: "
                    + ", ".join(sorted(self.fields)),
                )
            return None
        comparisons: list[Comparison] = []
        for field_name, condition in spec.where.items():
            place = (*at, "where", field_name)
            if field_name not in self.fields[kind]:
                self.error(
                    place,
                    "unknown-fact-field",
                    f"a {kind} has no field '{field_name}'",
                    did_you_mean(field_name, self.fields[kind]),
                )
                continue
            ops = dict(condition) if isinstance(condition, dict) else {"eq": condition}
            or_missing = ops.pop("or_missing", False)
            if not isinstance(or_missing, bool) or (or_missing and negated):
                self.error(
                    place, "bad-value", "'or_missing' takes true or false, and not in a 'not:' pattern"
                )
                or_missing = False
            for op, raw in ops.items():
                if op not in OPERATORS:
                    self.error(
                        place,
                        "unknown-operator",
                        f"unknown operator '{op}'",
                        did_you_mean(str(op), OPERATORS) or f"operators: {', '.join(OPERATORS)}",
                    )
                    continue
                value = self._operand(op, raw, (*place, op), name, kind, constants)
                if value is not None and field_name in self.dates.get(kind, ()):
                    value = self._date_literal(value, (*place, op))
                if value is not None:
                    comparisons.append(Comparison(field_name, op, value, or_missing))
                    self.used.setdefault(name, set()).add(field_name)
        for index, text in enumerate(spec.test):
            place = (*at, "test", index)
            try:
                left, op, right = ex.parse_comparison(text)
                for ref in ex.refs(left) + ex.refs(right):
                    self._check_ref(ref, place, self._scope(name, kind), constants)
                field_name, op, rest = ex.isolate(
                    ex.substitute(left, constants), op, ex.substitute(right, constants), name
                )
                rest = ex.substitute(rest, constants)
            except ex.ExprError as error:
                self.error(place, "bad-expression", str(error))
                continue
            comparisons.append(Comparison(field_name, op, rest))
            self.used.setdefault(name, set()).add(field_name)
        return CompiledPattern(name, kind, negated, tuple(comparisons))

    def _date_literal(self, value: ex.Expr, at: tuple[str | int, ...]) -> ex.Expr | None:
        """A date written in a rule (`deadline: {lt: 2026-12-01}`) as the day number the engine compares."""
        if not isinstance(value, ex.Const) or not isinstance(value.value, str):
            return value
        try:
            return ex.Const(day_number(dt.date.fromisoformat(value.value)))
        except ValueError:
            self.error(at, "bad-value", f"expected a date YYYY-MM-DD or a $expression, found '{value.value}'")
            return None

    def _scope(self, name: str, kind: str) -> dict[str, str]:
        return {**self.bound, name: kind}

    def _operand(
        self, op: str, raw: Any, at: tuple[str | int, ...], name: str, kind: str, constants: dict[str, Any]
    ) -> ex.Expr | None:
        if op == "exists":
            if not isinstance(raw, bool):
                self.error(at, "bad-value", f"'exists' takes true or false, found {raw!r}")
                return None
            return ex.Const(raw)
        if op in ("in", "not_in"):
            if (
                not isinstance(raw, list)
                or not raw
                or any(isinstance(v, dict | list) or ex.is_expression(v) for v in raw)
            ):
                self.error(at, "bad-value", f"'{op}' takes a list of plain values, found {raw!r}")
                return None
            return ex.Const(tuple(raw))
        if isinstance(raw, dict | list):
            self.error(at, "bad-value", f"'{op}' takes one value or $expression, found {type(raw).__name__}")
            return None
        try:
            value = ex.literal_or_expr(raw)
        except ex.ExprError as error:
            self.error(at, "bad-expression", str(error))
            return None
        for ref in ex.refs(value):
            self._check_ref(ref, at, self._scope(name, kind), constants)
        try:
            return ex.substitute(value, constants)
        except ex.ExprError as error:
            self.error(at, "bad-expression", str(error))
            return None

    def _check_ref(
        self, ref: ex.Ref, at: tuple[str | int, ...], scope: dict[str, str], constants: dict[str, Any]
    ) -> None:
        if ref.root == "as_of":
            if ref.path:
                self.error(at, "unknown-reference", "'$as_of' is a date; it has no fields")
            return
        if ref.root == "params":
            name = ref.field
            if name is None or name not in self.declared:
                self.error(
                    at,
                    "undeclared-param",
                    f"parameter '{name}' is not declared in params.yaml",
                    did_you_mean(str(name), self.declared),
                )
            return
        if ref.root not in scope:
            self.error(
                at,
                "unknown-reference",
                f"'${ref.root}' is not bound before this point",
                did_you_mean(ref.root, [*scope, *CONSTANT_ROOTS]),
            )
            return
        kind = scope[ref.root]
        if kind not in self.fields:
            return  # the pattern's kind is unknown: reported there already
        if ref.field is None or len(ref.path) != 1:
            self.error(at, "unknown-reference", f"'{ref}' must name one field, as in '${ref.root}.key'")
        elif ref.field not in self.fields.get(kind, ()):
            self.error(
                at,
                "unknown-fact-field",
                f"a {kind} has no field '{ref.field}'",
                did_you_mean(ref.field, self.fields.get(kind, ())),
            )
        else:
            self.used.setdefault(ref.root, set()).add(ref.field)

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
        having = []
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
                try:
                    value = ex.substitute(self._expr(raw, place, constants, set()), constants)
                except ex.ExprError as error:
                    self.error(place, "bad-expression", str(error))
                    continue
                having.append((name, op, value))
        return CompiledGroup(by, tuple(compute), tuple(having))

    def _result_names(self, group: CompiledGroup | None) -> set[str] | None:
        """Names a result may use: the bound facts (None), or a group's values."""
        if group is None:
            return None
        return {name for name, _ in group.by} | {name for name, _, _ in group.compute}

    def _expr(
        self, raw: Any, at: tuple[str | int, ...], constants: dict[str, Any], values: set[str] | None = None
    ) -> ex.Expr:
        """A value in a group or result: bound facts' fields (or a group's values), as_of and params."""
        try:
            value = ex.literal_or_expr(raw)
        except ex.ExprError as error:
            self.error(at, "bad-expression", str(error))
            return ex.Const(None)
        for ref in ex.refs(value):
            if values is not None and ref.root in values:
                if ref.path:
                    self.error(at, "unknown-reference", f"'{ref}': '{ref.root}' is a group value, not a fact")
                continue
            if ref.root == "params" and len(ref.path) > 1:
                if ref.field not in self.declared:
                    self.error(
                        at,
                        "undeclared-param",
                        f"parameter '{ref.field}' is not declared in params.yaml",
                        did_you_mean(str(ref.field), self.declared),
                    )
                continue
            self._check_ref(ref, at, self.bound if values is None else {}, constants)
        return value

    def _placeholders(self, text: str, at: tuple[str | int, ...], values: set[str], facts: set[str]) -> None:
        """`{value}` names a derived or group value, `{fact.field}` a bound fact's field (see `_render`)."""
        for match in _PLACEHOLDER.finditer(text):
            name, _, form = match.group(1).partition(":")
            root, _, field_name = name.partition(".")
            if form not in ("", "date"):
                problem = f"'{{{match.group(1)}}}': the only format is ':date'"
            elif root == "as_of" and not field_name:
                continue
            elif root == "params":
                if field_name in self.declared:
                    continue
                problem = f"'{{{name}}}': parameter '{field_name}' is not declared in params.yaml"
            elif not field_name:
                if root in values:
                    continue
                problem = f"'{{{name}}}' names no value of this rule" + (
                    f"; '{root}' is a fact: name one of its fields, as in '{{{root}.key}}'"
                    if root in facts
                    else ""
                )
            elif root in facts and self.bound[root] not in self.fields:
                continue  # the pattern's kind is unknown: reported there already
            elif root in facts and field_name in self.fields[self.bound[root]]:
                self.used.setdefault(root, set()).add(field_name)
                continue
            elif root in facts:
                problem = f"'{{{name}}}': a {self.bound[root]} has no field '{field_name}'"
            else:
                problem = f"'{{{name}}}' names no fact of this rule" + (
                    f"; '{root}' is a value: write '{{{root}}}'" if root in values else ""
                )
            self.error(
                at, "unknown-placeholder", problem, help=f"available: {', '.join(sorted(values | facts))}"
            )

    def _check_negations(self, rule: Any) -> None:
        for index, item in enumerate(rule.when):
            if not isinstance(item, Negation):
                continue
            for field_name, condition in item.absent.where.items():
                ops = condition if isinstance(condition, dict) else {"eq": condition}
                for op, raw in ops.items():
                    value = ex.literal_or_expr(raw) if op not in ("in", "not_in", "exists") else ex.Const(raw)
                    refs = [r for r in ex.refs(value) if r.root not in CONSTANT_ROOTS]
                    if refs and not (op == "eq" and isinstance(value, ex.Ref)):
                        self.error(
                            ("when", index, "not", "where", field_name, op),
                            "negated-comparison",
                            f"a 'not:' pattern compares with other facts only by equality, found '{op}: {raw}'",  # noqa: E501
                            help="derive a fact that carries the comparison's result, and match that instead",
                        )
            if item.absent.test:
                self.error(
                    ("when", index, "not", "test"), "negated-comparison", "a 'not:' pattern takes no 'test:'"
                )

    def _check_joined(self, patterns: list[CompiledPattern]) -> None:
        for index, pattern in enumerate(patterns[1:], start=1):
            earlier = {p.name for p in patterns[:index] if not p.negated}
            if not any(_join_target(c, earlier) for c in pattern.comparisons if c.op == "eq"):
                self.error(
                    ("when", index),
                    "rule-unjoined",
                    f"pattern '{pattern.name}' ({pattern.kind}) is not joined to an earlier pattern",
                    help="add an equality with an earlier pattern's field, e.g. unit: $problem.assignee",
                )


def in_engine(comparison: Comparison) -> bool:
    """Whether durable-rules evaluates this comparison, or the adapter does after the match.

    The engine gets comparisons with constants (any operator) and equality joins with another fact's
    field. Anything else (`found_on > $closed.signed_off_on`, arithmetic on fields) is checked by
    `checker.evaluate` on the matched facts: durable-rules crashes now and then (SIGSEGV in
    `reduceExpressionSequence`) evaluating an ordering comparison against a joined fact, errs (311)
    on `$neq` or `$lt` against a field the other fact lacks, and matches wrongly on a missing field
    of the same fact (docs/engine.md, pitfalls 10 and 11).
    """
    if isinstance(comparison.value, ex.Const):
        return True
    return comparison.op == "eq" and isinstance(comparison.value, ex.Ref) and len(comparison.value.path) == 1


def _kinds_hint(fields: Iterable[str]) -> str:
    return "known kinds: " + ", ".join(sorted(fields))


def _join_target(comparison: Comparison, names: set[str]) -> tuple[str, str] | None:
    value = comparison.value
    if isinstance(value, ex.Ref) and value.root in names and value.field and len(value.path) == 1:
        return value.root, value.field
    return None


def _strata(rules: list[CompiledRule], problems: list[Diagnostic]) -> dict[str, int]:
    producers: dict[str, list[CompiledRule]] = {}
    for rule in rules:
        for kind in rule.produced_kinds():
            producers.setdefault(kind, []).append(rule)
    strata: dict[str, int] = {}
    visiting: list[str] = []

    def stratum(rule: CompiledRule) -> int:
        if rule.id in strata:
            return strata[rule.id]
        if rule.id in visiting:
            cycle = [*visiting[visiting.index(rule.id) :], rule.id]
            problems.append(
                Diagnostic(
                    rule.loaded.source.where(("when",)),
                    "rule-cycle",
                    "rules derive from each other in a cycle: " + " -> ".join(cycle),
                    help="a derived fact may not feed back into the rules that produce it",
                )
            )
            return 0
        visiting.append(rule.id)
        level = 0
        for kind in sorted(rule.matched_kinds()):
            for producer in producers.get(kind, ()):
                level = max(level, stratum(producer) + 1)
        visiting.pop()
        strata[rule.id] = level
        return level

    for rule in rules:
        stratum(rule)
    return strata


def _scheme(rule: CompiledRule, problems: list[Diagnostic]) -> dict[str, tuple[str, ...]]:
    """Kind -> fields such that every combination the rule can match shares one partition value.

    Each class of fields joined by equality that reaches every pattern is one such field per kind;
    when several do (waterbody and category), the partition is by all of them, which keeps
    partitions small. A counting rule is partitioned only by classes it groups by.
    """
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    names = [p.name for p in rule.patterns]
    for pattern in rule.patterns:
        for comparison in pattern.comparisons:
            target = _join_target(comparison, set(names)) if comparison.op == "eq" else None
            if target:
                parent[find((pattern.name, comparison.field))] = find(target)
    if len(rule.patterns) == 1 and rule.group is None:
        return {}
    classes: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for node in list(parent):
        classes.setdefault(find(node), set()).add(node)
    group_nodes = set()
    if rule.group:
        for _, value in rule.group.by:
            for ref in ex.refs(value):
                if ref.root in names and ref.field:
                    group_nodes.add((ref.root, ref.field))
                    classes.setdefault(find((ref.root, ref.field)), {(ref.root, ref.field)})
        if not group_nodes:
            problems.append(
                Diagnostic(
                    rule.loaded.source.where(("group", "by")),
                    "rule-partition",
                    "a group must be by at least one field of a matched fact",
                    help="group by the field the count is per, e.g. unit: $overdue.unit",
                )
            )
            return {}
    scheme: dict[str, tuple[str, ...]] = {}
    for members in sorted(classes.values(), key=lambda m: sorted(m)):
        covered = {name for name, _ in members}
        if covered != set(names) or (group_nodes and not group_nodes & members):
            continue
        fields = {p.kind: min(f for n, f in members if n == p.name) for p in rule.patterns}
        if all(min(f for n, f in members if n == p.name) == fields[p.kind] for p in rule.patterns):
            # every class that covers all patterns narrows the partition: joined facts share them all
            for kind, field_name in fields.items():
                scheme[kind] = (*scheme.get(kind, ()), field_name)
    if scheme:
        return scheme
    problems.append(
        Diagnostic(
            rule.loaded.source.where(("when",)),
            "rule-partition",
            "the rule's patterns do not all share one joined value, "
            "so their facts cannot be partitioned together",
            help="join every pattern through one common field (carry it into derived facts if needed)"
            + ("; group by that field" if rule.group else ""),
        )
    )
    return {}


def _passes(rules: list[CompiledRule]) -> tuple[Pass, ...]:
    passes: list[tuple[int, list[CompiledRule], dict[str, tuple[str, ...]]]] = []
    local = [rule for rule in rules if rule.local]
    ordered = sorted((r for r in rules if not r.local), key=lambda r: (r.stratum, not r.scheme, r.id))
    for rule in ordered:
        for stratum, members, scheme in passes:
            if stratum != rule.stratum:
                continue
            wanted = rule.scheme or {kind: scheme.get(kind, ("key",)) for kind in rule.matched_kinds()}
            if all(scheme.get(kind, fields) == fields for kind, fields in wanted.items()):
                members.append(rule)
                scheme.update(wanted)
                break
        else:
            passes.append((rule.stratum, [rule], dict(rule.scheme)))
    steps = [
        Pass(f"s{stratum}p{index}", stratum, tuple(members), dict(sorted(scheme.items())))
        for index, (stratum, members, scheme) in enumerate(passes)
    ]
    steps += [
        Pass(f"s{rule.stratum}local{index}", rule.stratum, (rule,), {}, engine=False)
        for index, rule in enumerate(sorted(local, key=lambda r: r.id))
    ]
    return tuple(sorted(steps, key=lambda step: (step.stratum, step.engine, step.name)))


SHADOW = "~"


def shadow(kind: str) -> str:
    """Facts a negated pattern may match travel in partitions as shadow copies (docs/engine.md)."""
    return SHADOW + kind


def _durable_pattern(pattern: CompiledPattern) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [{"kind": shadow(pattern.kind) if pattern.negated else pattern.kind}]
    for comparison in pattern.comparisons:
        if in_engine(comparison):
            terms.append(_durable_comparison(comparison, pattern.name))
    name = f"{pattern.name}$not" if pattern.negated else pattern.name
    return {name: terms[0] if len(terms) == 1 else {"$and": terms}}


_DURABLE_OPS = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def _durable_comparison(comparison: Comparison, self_name: str) -> dict[str, Any]:
    test = _durable_test(comparison, self_name)
    if comparison.or_missing:
        return {"$or": [{"$nex": {comparison.field: 1}}, test]}
    return test


def _durable_test(comparison: Comparison, self_name: str) -> dict[str, Any]:
    name, op, value = comparison.field, comparison.op, comparison.value
    if op == "exists":
        return {"$ex" if value == ex.Const(True) else "$nex": {name: 1}}
    if op in ("in", "not_in"):
        assert isinstance(value, ex.Const)
        if op == "in":
            return {"$or": [{name: item} for item in value.value]}
        return {"$and": [{"$neq": {name: item}} for item in value.value]}
    operand = _durable_value(value, self_name)
    return {name: operand} if op == "eq" else {_DURABLE_OPS[op]: {name: operand}}


def _durable_value(value: ex.Expr, self_name: str) -> Any:
    if isinstance(value, ex.Const):
        return value.value
    if isinstance(value, ex.Ref):
        return {"$m": value.field} if value.root == self_name else {value.root: value.field}
    result: Any = None
    for sign, term in value.terms:
        operand = _durable_value(term, self_name)
        if result is None:
            result = operand if sign > 0 else {"$sub": {"$l": 0, "$r": operand}}
        else:
            result = {"$add" if sign > 0 else "$sub": {"$l": result, "$r": operand}}
    return result
