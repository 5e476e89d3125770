"""Properties of rule loading and compiling, on rule files nobody would write on purpose.

Whatever a rules folder holds, `load_rules` and `compile_rules` (and `rules validate`) either succeed
or raise `CheckerError`, never anything else, and every diagnostic names the folder or a file in it,
at a line the file has. The folders hold arbitrary text or bytes as a rule file, arbitrary data of
the shape YAML gives (with the words rules are made of), or the bundled rules with one of them (or
params.yaml) changed the way people get them wrong: a key dropped, a value of another type, an
operator renamed, an expression garbled. The expression language is checked on its own too: any
text either parses or raises `ExprError`, and whatever it parses to evaluates or raises `ExprError`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engine.ruleset import durable_ruleset
from checker.errors import CheckerError, Diagnostic
from checker.language import expr as ex
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.language.program import OPERATORS
from checker.maintain.validate import validate
from checker.scan import ScanOptions, scan

settings.register_profile(
    "rule-properties",
    max_examples=100,
    deadline=None,  # the first example warms pydantic and PyYAML up: no flaky deadlines
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("rule-properties")

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
DEMO = ROOT / "demo" / "district"
AS_OF = dt.date(2026, 11, 26)
RULE_FILES = sorted(
    path.relative_to(RULES) for path in RULES.rglob("*.yaml") if not path.name.endswith(".cases.yaml")
)
"""The bundled rule files and params.yaml, relative to the rules folder."""

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
PARAMS = """\
grace:
  value: 3
  unit: days
  meaning: {zh: 宽限, en: grace}
  source: office default
table:
  value: {a: 1, b: {c: 2}}
  unit: points
  meaning: {zh: 表, en: table}
  source: office default
"""

WORDS = [
    *("id", "article", "also_cites", "gist", "title", "kind", "severity", "when", "group", "then"),
    *("bind", "fact", "where", "not", "test", "by", "compute", "having", "derive", "finding"),
    *("subject", "responsible", "message", "remedy", "zh", "en", "key", "set", "count", "max"),
    *OPERATORS,
    "or_missing",
]
VALUES = [
    *("X-RULE", "problem", "unit", "finding", "overdue", "high", "signed_off", "p", "q", "$as_of"),
    *("$p.key", "$p.deadline", "$q.unit", "$params.grace", "$params.table[$p.key]", "$as_of - 3"),
    *("{p.key}", "{days:date}", "{params.grace}", "2026-12-01", "$$5", "$", "市"),
]


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.sampled_from(VALUES),
    )


def yaml_shaped() -> st.SearchStrategy[Any]:
    """Data YAML can hold: mappings (often keyed by the words of rules), lists and scalars."""
    keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=10))
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=6),
        ),
        max_leaves=30,
    )


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def check(folder: Path, validating: bool = True) -> None:
    """Load, compile and (`rules validate`) validate `folder`: success or CheckerError, every
    diagnostic in place."""
    try:
        program = compile_rules(load_rules(folder), AS_OF)
    except CheckerError as error:
        assert_in_place(error.diagnostics, folder)
    else:
        for step in program.passes:  # what the engine is given is plain JSON
            json.dumps(durable_ruleset(step), allow_nan=False)
    if validating:  # it reads every case file too: for the bundled rules, a second a time
        assert_in_place(validate(folder), folder)


def assert_in_place(diagnostics: list[Diagnostic], folder: Path) -> None:
    for diagnostic in diagnostics:
        path = Path(diagnostic.location.path)
        assert path == folder or folder in path.parents, diagnostic.render()
        if path.is_file() and diagnostic.location.line:
            text = path.read_bytes().decode("utf-8", errors="replace")
            lines = len(LINE_BREAK.findall(text)) + 1  # as YAML counts them (NEL and U+2028 too)
            assert diagnostic.location.line <= lines, diagnostic.render()
        assert diagnostic.code and diagnostic.message, diagnostic.render()


# --- a rule file of arbitrary text, bytes or data -------------------------------------------------


@pytest.fixture(scope="module")
def lone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with params.yaml, for one rule file at a time."""
    folder = tmp_path_factory.mktemp("lone")
    (folder / "params.yaml").write_text(PARAMS, encoding="utf-8")
    return folder


def with_rule(folder: Path, content: bytes) -> Path:
    (folder / "X-RULE.yaml").write_bytes(content)
    return folder


@PROFILE
@given(text=st.text(max_size=400))
def test_any_text_as_a_rule_file_compiles_or_is_reported(lone: Path, text: str) -> None:
    check(with_rule(lone, text.encode("utf-8")))


@PROFILE
@given(content=st.binary(max_size=300))
def test_any_bytes_as_a_rule_file_compile_or_are_reported(lone: Path, content: bytes) -> None:
    check(with_rule(lone, content))


@PROFILE
@given(data=yaml_shaped())
def test_any_yaml_data_as_a_rule_file_compiles_or_is_reported(lone: Path, data: Any) -> None:
    check(with_rule(lone, dump(data).encode("utf-8")))


@PROFILE
@given(data=st.dictionaries(st.sampled_from(WORDS), yaml_shaped(), max_size=10))
def test_rule_shaped_data_compiles_or_is_reported(lone: Path, data: dict[str, Any]) -> None:
    check(with_rule(lone, dump({"id": "X-RULE", **data}).encode("utf-8")))


# --- the bundled rules, one file changed -----------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundled") / "rules"
    shutil.copytree(RULES, folder)
    return folder


def places(data: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value in the data, the root's first."""
    yield at
    if isinstance(data, dict):
        for key, value in data.items():
            yield from places(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from places(value, (*at, index))


def parent_and_key(data: Any, at: tuple[Any, ...]) -> tuple[Any, Any]:
    parent = data
    for step in at[:-1]:
        parent = parent[step]
    return parent, at[-1]


GARBLE = st.text(alphabet="$[].+-_ <>=!*(){}:,'\"0123456789azAZ\t\n市", max_size=6)
REWORDS = st.sampled_from(
    [
        *("$as_of", "$as_of - 30", "$problem.key", "$problem.deadline", "$problem.status", "$overdue.days"),
        *("$overdue.unit", "$unit.name", "$chief.waterbodies", "$params.deduction_points", "$count", "$last"),
        *("$params.overdue_grace_days", "$finding.severity", "2026-12-01", "市", "signed_off", "从未巡河"),
    ]
)
"""Values of the rule language put where they do not belong (a word where a date was, a table...)."""
OTHER_TYPES = st.one_of(
    scalars(), st.lists(scalars(), max_size=3), st.dictionaries(st.text(max_size=5), scalars(), max_size=3)
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Path, Any]:
    """A bundled rule file (or params.yaml) with one mistake, as data: a key dropped, a value of
    another type or another value of the language, a key renamed (an operator), a text garbled."""
    relative = draw(st.sampled_from(RULE_FILES))
    data = yaml.safe_load((RULES / relative).read_text(encoding="utf-8"))
    inner = [at for at in places(data) if at]
    mistake = draw(st.sampled_from(["drop", "retype", "reword", "operator", "garble"]))
    if mistake == "garble":
        texts = [at for at in inner if isinstance(_value(data, at), str)]
        at = draw(st.sampled_from(texts))
        parent, key = parent_and_key(data, at)
        text = parent[key]
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 4)))
        parent[key] = text[:start] + draw(GARBLE) + text[end:]
    elif mistake == "operator":
        mappings = [at for at in places(data) if isinstance(_value(data, at), dict) and _value(data, at)]
        at = draw(st.sampled_from(mappings))
        mapping = _value(data, at)
        old = draw(st.sampled_from(sorted(mapping)))
        new = draw(
            st.one_of(
                st.sampled_from([*OPERATORS, "neq", "le", "before", "or_missing", "$eq"]), st.text(max_size=6)
            )
        )
        mapping[new] = mapping.pop(old)
    else:
        at = draw(st.sampled_from(inner))
        parent, key = parent_and_key(data, at)
        if mistake == "drop":
            del parent[key]
        else:
            parent[key] = draw(REWORDS if mistake == "reword" else OTHER_TYPES)
    return relative, data


def _value(data: Any, at: tuple[Any, ...]) -> Any:
    for step in at:
        data = data[step]
    return data


@PROFILE
@given(change=mutated())
def test_a_bundled_rule_with_one_mistake_compiles_or_is_reported(
    bundled: Path, change: tuple[Path, Any]
) -> None:
    relative, data = change
    path = bundled / relative
    try:
        path.write_text(dump(data), encoding="utf-8")
        check(bundled, validating=False)
    finally:
        shutil.copyfile(RULES / relative, path)


@settings(parent=PROFILE, max_examples=30)
@given(change=mutated())
def test_a_bundled_rule_with_one_mistake_scans_or_is_reported(
    bundled: Path, change: tuple[Path, Any]
) -> None:
    """What compiles also runs: a scan of the demo district gives a result or a CheckerError (a
    list in a derived field once crashed the join of a later rule inside the engine's worker)."""
    relative, data = change
    path = bundled / relative
    try:
        path.write_text(dump(data), encoding="utf-8")
        try:
            scan([DEMO], bundled, AS_OF, ScanOptions(jobs=2))
        except CheckerError as error:
            assert_in_place(error.diagnostics, bundled)
    finally:
        shutil.copyfile(RULES / relative, path)


# --- expressions -----------------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        *("$as_of", "$p", "$p.deadline", "$p.status", "$p.nofield", "$q.key", "$params", "$params.grace"),
        *("$params.table", "$params.table[$p.key]", "$x", "$$"),
        *(".", "[", "]", "+", "-", " ", "0", "7", "12345678901234", "a", "key", "<", "<=", "==", "!="),
        *(">", "*", "(", ")", "$", "市", "\t", "9" * 30),
    ]
)
EXPRESSIONS = st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=14).map("".join))
ENV = {
    "as_of": 20783,
    "params": {"grace": 3, "table": {"a": 1, "b": {"c": 2}, "7": "seven"}, "text": "三"},
    "p": {"deadline": 20780, "key": "a", "list": [1], "table": {"a": 1}},
    "x": None,
}


@PROFILE
@given(text=EXPRESSIONS)
def test_any_text_parses_or_is_an_expression_error(text: str) -> None:
    for parse in (ex.parse, ex.literal_or_expr, ex.parse_comparison):
        try:
            parsed = parse(text)
        except ex.ExprError:
            continue
        for value in parsed if isinstance(parsed, tuple) else (parsed,):
            if isinstance(value, str):
                continue
            ex.render(value)
            ex.refs(value)
            try:
                ex.substitute(value, ENV)
                ex.evaluate(value, ENV)
            except ex.ExprError:
                pass


RULE = """\
id: X-RULE
article: 25
gist: g
title: {{zh: t, en: t}}
kind: overdue
severity: high
when:
  - bind: p
    fact: problem
    where: {where}
    test: {test}
then:
  derive:
    fact: late
    set: {{days: {value}}}
  finding:
    subject: {value}
    message: {{zh: "{{p.key}}", en: "{{days}}"}}
    remedy: {{zh: r, en: r}}
"""


@PROFILE
@given(
    text=EXPRESSIONS,
    where=st.sampled_from(["deadline", "status", "key", "assignee"]),
    op=st.sampled_from(OPERATORS),
)
def test_any_text_in_a_rule_compiles_or_is_reported(lone: Path, text: str, where: str, op: str) -> None:
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string
    rule = RULE.format(where=f"{{{where}: {{{op}: {quoted}}}}}", test=f"[{quoted}]", value=quoted)
    check(with_rule(lone, rule.encode("utf-8")))
