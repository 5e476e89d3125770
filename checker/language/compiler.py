"""Rules to program: check what rules mean together, then compile them for the engine.

`compile_rules(ruleset, as_of)` resolves every reference (fact kinds and fields, parameters, earlier
patterns), folds `as_of` and parameters into constants, orders rules into strata (a rule runs after
every rule that produces a kind it matches: forward chaining, evaluated stratum by stratum so that
negation and counting see complete inputs), and gives each rule a partition scheme (which field of
each fact kind must share a value for the rule's joins, so facts that join always land in one
partition). Rules of a stratum with compatible schemes form one pass. The result is engine-neutral:
`Program` holds plain JSON rulesets for durable-rules, and `checker.engine.adapter` runs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.language import calendar
from checker.language import expr as ex
from checker.language.load import LoadedRule, RuleSet
from checker.language.schema import Group, Negation, Param, Pattern
from facts.models import MODELS

EPOCH = dt.date(1970, 1, 1)
FINDING_KIND = "finding"
DEDUCTION_KIND = "deduction"
"""Derived facts of this kind are points charged to a unit (`checker.results` adds them up)."""
SCORE_PARAMS = ("score_base", "score_floor")
"""Parameters the scores read, if params.yaml declares them."""
FINDING_FIELDS = ("key", "rule", "article", "type", "severity", "subject", "responsible")
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists")
ORDERING = ("lt", "lte", "gt", "gte")
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
    provisional: tuple[int, ...] = ()
    """Years without an official holiday schedule that a limit in working days ran into: the
    rule's results rest on working days computed by the statutory rules (`checker.language.calendar`)."""

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
    uses: ParamUses = {}
    compiled = []
    for loaded in ruleset.rules:
        rule = _Checker(loaded, fields, date_fields, ruleset.params, problems, uses).compile(
            params, day_number(as_of)
        )
        if rule is not None:
            compiled.append(rule)
    problems += _param_misfits(ruleset, params, set(overrides or {}), uses)
    problems += _ordered_words(compiled, params)
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


Sorts = dict[str, tuple[str, str]]
"""What values are ('number', 'text', 'bool') -> (an example as shown, where it comes from)."""
Held = dict[tuple[str, str], dict[str, tuple[str, str, str]]]
"""What the values of each derived kind's field are, with the rule whose `set` gives each sort."""


def _ordered_words(rules: list[CompiledRule], params: dict[str, Any]) -> list[Diagnostic]:
    """Comparisons by order (`lt`, `gt`...) of a value that can be text or true/false: a derived
    field some rule sets to a word (`last: 未巡河`), a text field, a group value that is one. The
    engine and the adapter would compare a word with a number and fail while the rules run. A
    derived field is reported where it is set (the comparisons state what it must be); anything
    else where it is compared."""
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
    compared: dict[tuple[str, str, str], set[str]] = {}  # (producer, kind, field) -> rules comparing it
    found = []
    for rule in rules:
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
        for place, op, operand in checks:
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
        return {sort: (_shown(value.value), f"{rule.id} gives it")} if sort else {}
    if isinstance(value, ex.Sum) or (isinstance(value, ex.Ref) and value.root == "as_of"):
        return {"number": ("a number", rule.id)}
    assert isinstance(value, ex.Ref)
    if value.root == "params":
        leaves = _param_leaves(value, {"params": params, "as_of": 0})
        return {
            sort: (_shown(leaf), f"params.yaml gives it to {rule.id}")
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
        """Parameters that count working days: usable only as `$as_of ± $params.X` (`_working`)."""
        self.provisional: set[int] = set()

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
        if derive and derive.fact == DEDUCTION_KIND and "points" in derive.set:
            self._check_points(derive.set["points"], constants)
        self._check_joined(patterns)
        self._check_negations(rule)
        if len(self.problems) > before or self.misfit:
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
            provisional=tuple(sorted(self.provisional)),
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
                    did_you_mean(field_name, self.fields[kind]) or _fields_hint(kind, self.fields[kind]),
                )
                continue
            ops = dict(condition) if isinstance(condition, dict) else {"eq": condition}
            or_missing = ops.pop("or_missing", False)
            if not isinstance(or_missing, bool) or (or_missing and negated):
                self.error(
                    place, "bad-value", "'or_missing' takes true or false, and not in a 'not:' pattern"
                )
                or_missing = False
            if not ops:
                self.error(
                    place,
                    "bad-value",
                    f"expected a condition on '{field_name}', found "
                    + ("'or_missing' alone" if "or_missing" in condition else "none"),
                    help="give a value, or operators such as {ne: signed_off}; 'or_missing' goes beside one",
                )
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
                if value is not None:
                    source = ex.Const(raw) if op in ("in", "not_in", "exists") else ex.literal_or_expr(raw)
                    value = self._typed(op, source, value, field_name, kind, (*place, op), constants)
                if value is not None:
                    comparisons.append(Comparison(field_name, op, value, or_missing))
                    self.used.setdefault(name, set()).add(field_name)
        for index, text in enumerate(spec.test):
            place = (*at, "test", index)
            before = len(self.problems)
            try:
                left, op, right = ex.parse_comparison(text)
                for ref in ex.refs(left) + ex.refs(right):
                    self._check_ref(ref, place, self._scope(name, kind), constants)
                if len(self.problems) > before:
                    continue
                left_folded = self._working(left, place, constants)
                right_folded = self._working(right, place, constants)
                if left_folded is None or right_folded is None:
                    continue
                left, right = left_folded, right_folded
                if not (
                    self._arithmetic(left, constants, place) and self._arithmetic(right, constants, place)
                ):
                    continue
                field_name, op, source = ex.isolate(left, op, right, name)
                rest = ex.substitute(source, constants)
            except ex.ExprError as error:
                self.error(place, "bad-expression", str(error))
                continue
            typed = self._typed(op, source, rest, field_name, kind, place, constants)
            if typed is not None:
                comparisons.append(Comparison(field_name, op, typed))
                self.used.setdefault(name, set()).add(field_name)
        return CompiledPattern(name, kind, negated, tuple(comparisons))

    def _typed(
        self,
        op: str,
        source: ex.Expr,
        value: ex.Expr,
        field_name: str,
        kind: str,
        at: tuple[str | int, ...],
        constants: dict[str, Any],
    ) -> ex.Expr | None:
        """The operand as the engine compares it: a written date as its day number, and a value the
        operator cannot compare refused here (the engine would crash, or quietly match nothing)."""
        if op in ("in", "not_in", "exists"):
            return value
        if op in ORDERING and not _orderable(kind, field_name, self.dates):
            self.error(
                at,
                "bad-value",
                f"'{op}' compares dates and numbers, but '{field_name}' of a {kind} is neither",
                help="compare it with 'eq', 'ne', 'in' or 'not_in'",
            )
            return None
        if not isinstance(value, ex.Const):
            return value
        lone = _lone_param(source)
        dated = field_name in self.dates.get(kind, ())
        if lone is not None:
            need = "date" if dated else "number" if op in ORDERING else "plain"
            if not self._need(lone, need, f"in a '{op}' comparison", constants, at):
                return None
        found = value.value
        if isinstance(found, str) and (dated or (op in ORDERING and _is_iso_date(found))):
            return self._date_literal(value, at)
        if isinstance(found, float) and not math.isfinite(found):
            self.error(at, "bad-value", f"expected a number, found {found}")
            return None
        if op in ORDERING and not _is_number(found):
            self.error(at, "bad-value", f"'{op}' compares dates and numbers, found {_shown(found)}")
            return None
        if found is None:
            self.error(
                at,
                "bad-value",
                f"'{op}' takes a value, found null",
                help=f"a field with no value is matched by '{field_name}: {{exists: false}}'",
            )
            return None
        return value

    def _arithmetic(self, value: ex.Expr, constants: dict[str, Any], at: tuple[str | int, ...]) -> bool:
        """Whether every parameter added or subtracted is a whole number (a misfit is recorded)."""
        fits = True
        for term in _summed(value):
            lone = _lone_param(term)
            if lone is not None:
                fits = self._need(lone, "whole", "in day arithmetic", constants, at) and fits
        return fits

    def _need(
        self, ref: ex.Ref, need: str, usage: str, constants: dict[str, Any], at: tuple[str | int, ...]
    ) -> bool:
        """Whether the parameter's value fits what this use needs. A table where one value is wanted
        is the rule's mistake (a lookup left out); any other misfit is the value's, and is recorded
        to be reported once, at the value in params.yaml."""
        if ref.field not in self.declared:
            return True  # reported as undeclared
        for keys, found in _param_leaves(ref, constants):
            if isinstance(found, dict):
                self.error(
                    at,
                    "bad-expression" if need == "whole" else "bad-value",
                    f"'{ref}' is a table, not {'a plain value' if need == 'plain' else 'a number'}",
                    help=f"look up one of its values, as in '{ref}[...]'",
                )
                return False
            if not _fits(found, need):
                misfit = self.uses.setdefault((str(ref.field), need, usage), _Misfit(keys, found))
                misfit.rules.add(self.loaded.rule.id)
                self.misfit = True
                return False
        return True

    def _working(
        self, value: ex.Expr, at: tuple[str | int, ...], constants: dict[str, Any], allowed: bool = True
    ) -> ex.Expr | None:
        """`value` with `$as_of - $params.X` (or `+`) folded to the date X working days before (after)
        the scan, for a parameter X whose unit is working days; None when such a parameter is used
        any other way (reported here and at its value in params.yaml).

        The fold is `calendar.shift(as_of, -X)`: the X-th working day before as_of. A record dated r
        whose X-th working day after r falls before as_of is exactly one with r before that date, so
        `received_on: {lt: "$as_of - $params.X"}` reads "more than X working days have passed".
        """
        uses = [ref for ref in ex.refs(value) if ref.root == "params" and ref.field in self.working]
        if not uses:
            return value
        form = _working_form(value, self.working)
        if form is None or not allowed:
            ref = uses[0]
            usage = (
                "in a group"
                if at[0] == "group"
                else "in a grouped rule's results"
                if not allowed
                else "as a number"
                if value == ref
                else f"in '{ex.render(value)}'"
            )
            self.error(
                at,
                "param-type",
                f"parameter '{ref.field}' counts working days, so a rule uses it only as "
                f"'$as_of - $params.{ref.field}' or '$as_of + $params.{ref.field}'; found it {usage}",
                help="the date that many working days before or after the scan is the only value a "
                "count of working days gives; if every day counts, give it the unit 'calendar days'",
            )
            misfit = self.uses.setdefault((str(ref.field), WORKING, usage), _Misfit((), None))
            misfit.rules.add(self.loaded.rule.id)
            return None
        sign, ref = form
        if not self._need(ref, "whole", "as a count of working days", constants, at):
            return None
        count = constants["params"][ref.field]
        try:
            moved = calendar.shift(day_date(constants["as_of"]), sign * count)
        except ValueError as error:
            self.error(at, "param-type", f"parameter '{ref.field}': {error}")
            return None
        self.provisional.update(moved.provisional_years)
        return ex.Const(day_number(moved.day))

    def _undeclared(self, name: str, at: tuple[str | int, ...]) -> None:
        """A parameter params.yaml lacks: reported here and at params.yaml, since which of them is
        wrong (a misspelt name here, an entry removed or never added there) only a person can tell."""
        hint = did_you_mean(name, self.declared)
        self.error(at, "undeclared-param", f"parameter '{name}' is not declared in params.yaml", hint)
        self.uses.setdefault((name, UNDECLARED, ""), _Misfit((), None)).rules.add(self.loaded.rule.id)

    def _check_points(self, raw: Any, constants: dict[str, Any]) -> None:
        """The points a deduction takes off a score are numbers (scores are sums of them)."""
        try:
            value = ex.literal_or_expr(raw)
        except ex.ExprError:
            return  # reported where the value was compiled
        lone = _lone_param(value)
        if lone is not None:
            self._need(lone, "number", "as points deducted", constants, ("then", "derive", "set", "points"))
        elif isinstance(value, ex.Const) and value.value is not None and not _is_number(value.value):
            self.error(
                ("then", "derive", "set", "points"),
                "bad-value",
                f"expected a number of points, found {_shown(value.value)}",
            )

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
                shown = repr(raw) if len(repr(raw)) <= 80 else repr(raw)[:79] + "…"
                self.error(at, "bad-value", f"'{op}' takes a list of plain values, found {shown}")
                return None
            odd = [v for v in raw if v is None or (isinstance(v, float) and not math.isfinite(v))]
            if odd:
                self.error(
                    at,
                    "bad-value",
                    f"'{op}' takes values to compare with, found {_shown(odd[0])}",
                    help="a field with no value is matched by {exists: false}" if odd[0] is None else "",
                )
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
        before = len(self.problems)
        for ref in ex.refs(value):
            self._check_ref(ref, at, self._scope(name, kind), constants)
        folded = self._working(value, at, constants)
        if folded is None or len(self.problems) > before or not self._arithmetic(folded, constants, at):
            return None
        try:
            return ex.substitute(folded, constants)
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
                self._undeclared(str(name), at)
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
                did_you_mean(ref.field, self.fields.get(kind, ()))
                or _fields_hint(kind, self.fields.get(kind, ())),
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
                before = len(self.problems)
                source = self._expr(raw, place, constants, set())
                if len(self.problems) > before or self.misfit:
                    continue
                try:
                    value = ex.substitute(source, constants)
                except ex.ExprError as error:
                    self.error(place, "bad-expression", str(error))
                    continue
                typed = self._typed(op, source, value, name, "", place, constants)
                if typed is not None:
                    having.append((name, op, typed))
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
        if isinstance(raw, dict | list) or (isinstance(raw, float) and not math.isfinite(raw)):
            # a fact holds plain values: the engine joins on them, and a list or a table cannot be
            # compared (a list in a derived field crashed the join of a later rule)
            self.error(at, "bad-value", f"expected one value or $expression, found {_shown(raw)}")
            return ex.Const(None)
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
                    self._undeclared(str(ref.field), at)
                continue
            self._check_ref(ref, at, self.bound if values is None else {}, constants)
        folded = self._working(value, at, constants, allowed=values is None and at[0] != "group")
        if folded is None or not self._arithmetic(folded, constants, at):
            return ex.Const(None)
        return folded

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
            available = [f"{{{name}}}" for name in sorted(values)]
            available += [f"{{{name}.FIELD}}" for name in sorted(facts)] + ["{as_of}", "{params.NAME}"]
            self.error(at, "unknown-placeholder", problem, help=f"available: {', '.join(available)}")

    def _check_negations(self, rule: Any) -> None:
        for index, item in enumerate(rule.when):
            if not isinstance(item, Negation):
                continue
            for field_name, condition in item.absent.where.items():
                ops = condition if isinstance(condition, dict) else {"eq": condition}
                for op, raw in ops.items():
                    try:
                        value = (
                            ex.literal_or_expr(raw) if op not in ("in", "not_in", "exists") else ex.Const(raw)
                        )
                    except ex.ExprError:
                        continue  # reported where the pattern was compiled
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


ParamUses = dict[tuple[str, str, str], "_Misfit"]
"""(parameter, what it must be, how it is used) -> the value that does not fit, and the rules."""
UNDECLARED = "declared"
"""What a parameter params.yaml lacks must be (in `ParamUses`)."""
WORKING = "working"
"""What a parameter in working days must be used as (`$as_of ± $params.X`, in `ParamUses`)."""
_WANTED = {
    "whole": "a whole number",
    "number": "a number",
    "date": "a date (YYYY-MM-DD) or a number",
    "plain": "a plain value (a number, text or true/false), not a table",
}
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class _Misfit:
    """The first value of a parameter that does not fit a use of it, and every rule that uses it so."""

    keys: tuple[str, ...]
    """Where in a table the value is (empty for a plain parameter)."""
    value: Any
    rules: set[str] = field(default_factory=set)


def _param_misfits(
    ruleset: RuleSet, params: dict[str, Any], overridden: set[str], uses: ParamUses
) -> list[Diagnostic]:
    """One diagnostic per parameter and use that does not fit, at its value in params.yaml."""
    for name in SCORE_PARAMS:
        if name in params and not _fits(params[name], "number"):
            usage = "as the score units start from or cannot fall below"
            uses.setdefault((name, "number", usage), _Misfit((), params[name])).rules.add("the unit scores")
    found = []
    source = ruleset.params_source
    for (name, need, usage), misfit in sorted(uses.items()):
        users = ", ".join(sorted(misfit.rules))
        if need == UNDECLARED:
            found.append(
                Diagnostic(
                    source.where(()) if source else Location(ruleset.folder),
                    "undeclared-param",
                    f"expected a parameter '{name}' (used by {users}), found none in params.yaml",
                    help=f"declare it here ({name}: {{value, unit, meaning, source}}), "
                    "or correct the name in the rule",
                )
            )
            continue
        if need == WORKING:
            found.append(
                Diagnostic(
                    source.where((name, "value")) if source else Location(ruleset.folder),
                    "param-type",
                    f"parameter '{name}' counts working days (its unit), which {users} "
                    f"use{'s' if len(misfit.rules) == 1 else ''} {usage}; a count of working days "
                    f"gives only a date: '$as_of - $params.{name}' or '$as_of + $params.{name}'",
                    help="change the rule, or give the parameter the unit 'calendar days' "
                    "if every day counts",
                )
            )
            continue
        if source is None:
            where = Location(ruleset.folder)
        elif name in overridden:
            where = source.where((name,))
        else:
            where = source.where((name, "value", *misfit.keys))
        inside = f" (at {'.'.join(misfit.keys)})" if misfit.keys else ""
        overriding = " as the case overrides it" if name in overridden else ""
        found.append(
            Diagnostic(
                where,
                "param-type",
                f"parameter '{name}'{overriding} must be {_WANTED[need]}, as it is used {usage} "
                f"(by {users}); found {_shown(misfit.value)}{inside}",
                help=_param_help(misfit.value, need),
            )
        )
    return found


def _param_help(value: Any, need: str) -> str:
    leading = re.match(r"\s*(-?[0-9]+(?:\.[0-9]+)?)", value) if isinstance(value, str) else None
    if leading and need != "plain":
        return f"write the number alone ({leading.group(1)}); what it counts goes under 'unit'"
    if need == "whole" and isinstance(value, float):
        return "day arithmetic counts whole days"
    return ""


def _param_leaves(ref: ex.Ref, constants: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """The values `$params.NAME[...]` can take: the parameter itself, or every value of its table
    that the lookups may reach (a lookup by a fact's field may reach any key)."""
    params = constants["params"]
    found: list[tuple[tuple[str, ...], Any]] = [((), params[ref.field])] if ref.field in params else []
    for step in ref.path[1:]:
        wanted: list[Any] | None = [step]
        if not isinstance(step, str):
            try:
                key = ex.substitute(step, constants)
            except ex.ExprError:
                return []  # reported where the expression was compiled
            wanted = [key.value] if isinstance(key, ex.Const) else None
        reached = []
        for keys, value in found:
            if not isinstance(value, dict):
                continue
            if wanted is None:
                reached += [((*keys, str(k)), v) for k, v in value.items()]
            else:
                reached += [((*keys, str(k)), value[k]) for k in wanted if isinstance(k, str) and k in value]
        found = reached
    return found


def _fits(value: Any, need: str) -> bool:
    if isinstance(value, bool):
        return need == "plain"
    if isinstance(value, int):
        return True  # a whole number is a number, a day number and a plain value
    if need == "whole":
        return False
    number = isinstance(value, float) and math.isfinite(value)
    if need == "number":
        return number
    if need == "date":
        return number or (isinstance(value, str) and _is_iso_date(value))
    return not isinstance(value, dict | list)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_iso_date(text: str) -> bool:
    if not _ISO_DAY.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _shown(value: Any) -> str:
    """A value as a person wrote it in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _working_form(value: ex.Expr, working: set[str]) -> tuple[int, ex.Ref] | None:
    """(sign, the parameter) when `value` is exactly `$as_of - $params.X` or `$as_of + $params.X`
    with X in working days."""
    if not isinstance(value, ex.Sum) or len(value.terms) != 2:
        return None
    (first_sign, first), (sign, second) = value.terms
    if first_sign != 1 or first != ex.Ref("as_of"):
        return None
    if (
        isinstance(second, ex.Ref)
        and second.root == "params"
        and len(second.path) == 1
        and second.field in working
    ):
        return sign, second
    return None


def _lone_param(value: ex.Expr) -> ex.Ref | None:
    """The parameter reference `value` is, when it is exactly one (`$params.x`, `$params.t[$f.k]`)."""
    return value if isinstance(value, ex.Ref) and value.root == "params" and value.field else None


def _summed(value: ex.Expr) -> list[ex.Expr]:
    """The terms of every sum in the expression, lookups included."""
    found: list[ex.Expr] = []
    if isinstance(value, ex.Sum):
        for _, term in value.terms:
            found += [term, *_summed(term)]
    elif isinstance(value, ex.Ref):
        for step in value.path:
            if not isinstance(step, str):
                found += _summed(step)
    return found


def _orderable(kind: str, field_name: str, dates: dict[str, frozenset[str]]) -> bool:
    """Whether `lt`/`gt`... can compare the field: a date, a number, or a derived field (any value)."""
    if kind in MODELS:
        info = MODELS[kind].model_fields.get(field_name)
        annotation = info.annotation if info is not None else str
        return field_name in dates.get(kind, ()) or annotation in (int, float, int | None, float | None)
    if kind == FINDING_KIND:
        return field_name == "article"
    return True


def _fields_hint(kind: str, names: Iterable[str]) -> str:
    return f"a {kind} has: {', '.join(sorted(names))}"


def in_engine(comparison: Comparison) -> bool:
    """Whether durable-rules evaluates this comparison, or the adapter does after the match.

    The engine gets comparisons with constants (any operator) and equality joins with another fact's
    field. Anything else (`found_on > $closed.signed_off_on`, arithmetic on fields) is checked by
    `checker.engine.evaluate` on the matched facts: durable-rules crashes now and then (SIGSEGV in
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
    by_id = {rule.id: rule for rule in rules}
    reported: set[tuple[str, ...]] = set()

    def stratum(rule: CompiledRule) -> int:
        if rule.id in strata:
            return strata[rule.id]
        if rule.id in visiting:
            cycle = visiting[visiting.index(rule.id) :]
            first = cycle.index(min(cycle))
            ring = (*cycle[first:], *cycle[:first])
            if ring not in reported:  # at every rule of the cycle: which one closed it, a person knows
                reported.add(ring)
                for member in ring:
                    problems.append(
                        Diagnostic(
                            by_id[member].loaded.source.where(("when",)),
                            "rule-cycle",
                            "rules derive from each other in a cycle: " + " -> ".join([*ring, ring[0]]),
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
