"""The small expression language of rule files: references, whole numbers, `+` and `-`, lookups.

A YAML string that starts with `$` is an expression; any other value is a literal (`$$` starts a
literal `$`). Examples: `$as_of`, `$problem.deadline`, `"$as_of - $params.grace_days"`,
`$params.deduction_points[$finding.kind][$finding.severity]`. Dates are whole day numbers, so day
arithmetic is plain addition. There are no calls, attributes or operators beyond these: a rule file
cannot run code. Comparisons (`$as_of - $problem.deadline > 30`) are parsed by `parse_comparison`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

Expr = Union["Const", "Ref", "Sum"]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>[0-9]+)|(?P<ref>\$[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+.\[\]])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
MAX_DIGITS = 9
"""No day count, date (a day number) or number of points needs more digits; Python refuses to read
a number of more than 4,300 digits, and the engine one beyond 64 bits."""
MAX_NESTING = 8
"""Lookups inside lookups (`$params.t[$params.u[$x.y]]`): the parser recurses once per level."""
_COMPARISON = re.compile(r"(<=|>=|==|!=|<|>)")
COMPARATORS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "==": "eq", "!=": "ne"}
FLIPPED = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "eq": "eq", "ne": "ne"}


@dataclass(frozen=True)
class Const:
    """A literal value."""

    value: Any


@dataclass(frozen=True)
class Ref:
    """`$root.field[expr]...`: a bound fact's field, a parameter, `as_of` or a group value."""

    root: str
    path: tuple[str | Expr, ...] = ()

    @property
    def field(self) -> str | None:
        """The first path step when it is a plain name (`$problem.deadline` -> 'deadline')."""
        return self.path[0] if self.path and isinstance(self.path[0], str) else None

    def __str__(self) -> str:
        text = "$" + self.root
        for step in self.path:
            text += f".{step}" if isinstance(step, str) else f"[{render(step)}]"
        return text


@dataclass(frozen=True)
class Sum:
    """Terms added (+1) or subtracted (-1), left to right."""

    terms: tuple[tuple[int, Expr], ...]


class ExprError(ValueError):
    """An expression that does not parse or cannot be evaluated; `column` is 1-based."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("$") and not value.startswith("$$")


def literal_or_expr(value: Any) -> Expr:
    """A rule-file value as an expression: `$...` strings parse, everything else is a literal."""
    if is_expression(value):
        return parse(value)
    if isinstance(value, str) and value.startswith("$$"):
        return Const(value[1:])
    return Const(value)


def parse(text: str) -> Expr:
    """The expression `text` (starting with `$`); an ExprError names what was expected and found."""
    tokens = _tokenize(text)
    expr, position = _parse_sum(tokens, 0, text, 0)
    if position != len(tokens):
        raise ExprError(
            f"expected '+', '-' or the end, found '{tokens[position][1]}' in '{_cut(text)}'",
            tokens[position][2],
        )
    return expr


def parse_comparison(text: str) -> tuple[Expr, str, Expr]:
    """`left OP right` with OP one of < <= > >= == != -> (left, op name, right)."""
    parts = _COMPARISON.split(text)
    if len(parts) != 3:
        raise ExprError(
            f"expected one comparison such as '$as_of - $problem.deadline > 30', found '{_cut(text)}'"
        )
    left, symbol, right = parts
    return parse(left.strip()), COMPARATORS[symbol], parse(right.strip())


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            found = text[position:].strip()[:10]
            raise ExprError(
                f"expected a number, a $reference, '+', '-' or '[...]', found '{found}' in '{_cut(text)}'",
                position + 1,
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    return tokens


def _parse_sum(tokens: list[tuple[str, str, int]], position: int, text: str, depth: int) -> tuple[Expr, int]:
    terms: list[tuple[int, Expr]] = []
    sign = 1
    if position < len(tokens) and tokens[position][1] in "+-" and tokens[position][0] == "op":
        sign = -1 if tokens[position][1] == "-" else 1
        position += 1
    while True:
        term, position = _parse_term(tokens, position, text, depth)
        terms.append((sign, term))
        if position < len(tokens) and tokens[position][0] == "op" and tokens[position][1] in "+-":
            sign = -1 if tokens[position][1] == "-" else 1
            position += 1
            continue
        break
    if len(terms) == 1 and terms[0][0] == 1:
        return terms[0][1], position
    return Sum(tuple(terms)), position


def _parse_term(tokens: list[tuple[str, str, int]], position: int, text: str, depth: int) -> tuple[Expr, int]:
    if position >= len(tokens):
        raise ExprError(f"'{_cut(text)}' ends where a number or $reference was expected", len(text))
    kind, value, column = tokens[position]
    if kind == "num":
        if len(value.lstrip("0")) > MAX_DIGITS:
            raise ExprError(
                f"expected a whole number of at most {MAX_DIGITS} digits, found one of {len(value)} digits",
                column,
            )
        return Const(int(value)), position + 1
    if kind != "ref":
        raise ExprError(f"expected a number or $reference, found '{value}' in '{_cut(text)}'", column)
    root = value[1:]
    path: list[str | Expr] = []
    position += 1
    while position < len(tokens) and tokens[position][0] == "op" and tokens[position][1] in ".[":
        if tokens[position][1] == ".":
            if position + 1 >= len(tokens) or tokens[position + 1][0] != "name":
                raise ExprError(f"expected a field name after '.' in '{_cut(text)}'", tokens[position][2])
            path.append(tokens[position + 1][1])
            position += 2
        else:
            if depth >= MAX_NESTING:
                raise ExprError(
                    f"expected lookups nested at most {MAX_NESTING} deep, "
                    f"found deeper ones in '{_cut(text)}'",
                    tokens[position][2],
                )
            inner, position = _parse_sum(tokens, position + 1, text, depth + 1)
            if position >= len(tokens) or tokens[position][1] != "]":
                found = f"'{tokens[position][1]}'" if position < len(tokens) else "the end"
                raise ExprError(f"expected ']' to close a lookup, found {found} in '{_cut(text)}'", len(text))
            path.append(inner)
            position += 1
    return Ref(root, tuple(path)), position


def _cut(text: str, width: int = 80) -> str:
    """The expression as messages quote it: a very long one is cut, so one mistake is one line."""
    return text if len(text) <= width else text[: width - 1] + "…"


def refs(expr: Expr) -> list[Ref]:
    """Every reference in the expression, lookups included, in reading order."""
    if isinstance(expr, Ref):
        found = [expr]
        for step in expr.path:
            if not isinstance(step, str):
                found += refs(step)
        return found
    if isinstance(expr, Sum):
        return [ref for _, term in expr.terms for ref in refs(term)]
    return []


def evaluate(expr: Expr, env: Mapping[str, Any]) -> Any:
    """The value of the expression; `env` maps each root to a value or a mapping."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Ref):
        if expr.root not in env:
            raise ExprError(f"unknown reference '${expr.root}'")
        value = env[expr.root]
        for step in expr.path:
            if isinstance(step, str):
                name = step
            else:
                name = evaluate(step, env)
                if isinstance(name, Mapping | list):
                    raise ExprError(
                        f"a lookup key must be a number or text, found a table or list in '{expr}'"
                    )
            if not isinstance(value, dict | Mapping) or name not in value:  # dict first: no abc check
                return None
            value = value[name]
        return value
    total = 0
    for sign, term in expr.terms:
        value = evaluate(term, env)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ExprError(f"'{render(term)}' is {value!r}, not a number, in arithmetic")
        total += sign * value
    return total


def substitute(expr: Expr, constants: Mapping[str, Any]) -> Expr:
    """Replace references to the roots in `constants` (as_of, params) by their values."""
    if isinstance(expr, Ref):
        if expr.root in constants:
            return Const(evaluate(expr, constants))
        return Ref(expr.root, tuple(s if isinstance(s, str) else substitute(s, constants) for s in expr.path))
    if isinstance(expr, Sum):
        terms = tuple((sign, substitute(term, constants)) for sign, term in expr.terms)
        if all(isinstance(term, Const) for _, term in terms):
            return Const(evaluate(Sum(terms), {}))
        return Sum(terms)
    return expr


def isolate(left: Expr, op: str, right: Expr, name: str) -> tuple[str, str, Expr]:
    """Rewrite `left OP right` as `field OP' rest` with one field of pattern `name` alone on the left.

    durable-rules accepts arithmetic only on the right of a comparison (pitfall 7, docs/engine.md), so
    `$as_of - $p.deadline > 30` becomes `deadline < as_of - 30`.
    """
    terms = [(sign, term) for sign, term in _terms(left)] + [(-sign, term) for sign, term in _terms(right)]
    for index, (sign, term) in enumerate(terms):
        if isinstance(term, Ref) and term.root == name and len(term.path) == 1 and term.field:
            rest = [(-sign * other_sign, other) for i, (other_sign, other) in enumerate(terms) if i != index]
            # sign*field + others OP 0  =>  field OP' -(others)/sign
            result_op = op if sign == 1 else FLIPPED[op]
            return term.field, result_op, _sum(rest)
    raise ExprError(
        f"the comparison must use a field of '{name}' alone, as in '${name}.deadline < $as_of - 30'"
    )


def _terms(expr: Expr) -> list[tuple[int, Expr]]:
    if isinstance(expr, Sum):
        return [(sign * inner_sign, inner) for sign, term in expr.terms for inner_sign, inner in _terms(term)]
    return [(1, expr)]


def _sum(terms: list[tuple[int, Expr]]) -> Expr:
    if not terms:
        return Const(0)
    if len(terms) == 1 and terms[0][0] == 1:
        return terms[0][1]
    return Sum(tuple(terms))


def render(expr: Expr) -> str:
    if isinstance(expr, Const):
        return repr(expr.value)
    if isinstance(expr, Ref):
        return str(expr)
    text = ""
    for index, (sign, term) in enumerate(expr.terms):
        text += ("-" if sign < 0 else "") if index == 0 else (" - " if sign < 0 else " + ")
        text += render(term)
    return text
