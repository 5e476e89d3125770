"""Rule files that are wrong in one way each: the error code and the line it is reported at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checker.compiler import compile_rules
from checker.errors import CheckerError
from checker.rules import load_rules

PARAMS = """\
grace:
  value: 3
  unit: days
  meaning: {zh: 宽限, en: grace}
  source: office default
"""

HEAD = """\
id: X-RULE
article: 25
gist: g
title: {zh: t, en: t}
kind: overdue
severity: high
"""

OK_THEN = """\
then:
  finding:
    subject: $p.key
    message: {zh: "{p.key}", en: "{p.key}"}
"""

CASES = [
    # (id, body after HEAD, code, line, text in the message)
    (
        "unknown_top_field",
        "when:\n  - {bind: p, fact: problem}\n" + OK_THEN + "severty: high\n",
        "unknown-field",
        13,
        "severty",
    ),
    (
        "unknown_fact_kind",
        "when:\n  - {bind: p, fact: problme}\n" + OK_THEN,
        "unknown-fact-kind",
        8,
        "did you mean 'problem'",
    ),
    (
        "unknown_fact_field",
        "when:\n  - bind: p\n    fact: problem\n    where: {deadlin: 1}\n" + OK_THEN,
        "unknown-fact-field",
        10,
        "did you mean 'deadline'",
    ),
    (
        "unknown_operator",
        "when:\n  - bind: p\n    fact: problem\n    where:\n      deadline: {before: $as_of}\n" + OK_THEN,
        "unknown-operator",
        11,
        "before",
    ),
    (
        "undeclared_param",
        'when:\n  - bind: p\n    fact: problem\n    where:\n      deadline: {lt: "$as_of - $params.grase"}\n'
        + OK_THEN,
        "undeclared-param",
        11,
        "did you mean 'grace'",
    ),
    (
        "unknown_placeholder",
        "when:\n  - {bind: p, fact: problem}\n"
        'then:\n  finding:\n    subject: $p.key\n    message: {zh: "{p.key}", en: "{days}"}\n',
        "unknown-placeholder",
        12,
        "{days}",
    ),
    (
        "unbound_reference",
        "when:\n  - bind: p\n    fact: problem\n    where: {assignee: $u.key}\n" + OK_THEN,
        "unknown-reference",
        10,
        "'$u'",
    ),
    (
        "unjoined_pattern",
        "when:\n  - {bind: p, fact: problem}\n  - {bind: u, fact: unit}\n" + OK_THEN,
        "rule-unjoined",
        9,
        "not joined",
    ),
    (
        "bad_expression",
        'when:\n  - bind: p\n    fact: problem\n    where: {deadline: {lt: "$as_of - "}}\n' + OK_THEN,
        "bad-expression",
        10,
        "ends where",
    ),
    (
        "derive_a_base_kind",
        "when:\n  - {bind: p, fact: problem}\nthen:\n  derive: {fact: problem, set: {a: 1}}\n",
        "derive-base-kind",
        10,
        "kind of its own",
    ),
    (
        "article_out_of_range",
        "when:\n  - {bind: p, fact: problem}\n" + OK_THEN,
        "bad-value",
        2,
        "less than or equal to 34",
    ),
]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.yaml").write_text(PARAMS, encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "code", "line", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_error_is_reported_at_its_line(
    tmp_path: Path, body: str, code: str, line: int, text: str
) -> None:
    head = HEAD.replace("article: 25", "article: 40") if code == "bad-value" else HEAD
    path = write(tmp_path, "X-RULE", head + body)
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), dt.date(2026, 11, 26))
    found = [d for d in error.value.diagnostics if d.code == code]
    assert found, error.value.render()
    assert found[0].location.path == str(path)
    assert found[0].location.line == line, error.value.render()
    assert text in found[0].render()


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    write(tmp_path, "X-OTHER", HEAD + "when:\n  - {bind: p, fact: problem}\n" + OK_THEN)
    with pytest.raises(CheckerError) as error:
        load_rules(tmp_path)
    assert "rule-file-name" in error.value.render()
    assert "rename the file to X-RULE.yaml" in error.value.render()


def test_a_cycle_of_derivations_is_reported(tmp_path: Path) -> None:
    first = (
        HEAD.replace("X-RULE", "X-ONE")
        + "when:\n  - {bind: a, fact: b_fact}\nthen:\n  derive: {fact: a_fact, set: {n: 1}}\n"
    )
    second = (
        HEAD.replace("X-RULE", "X-TWO")
        + "when:\n  - {bind: b, fact: a_fact}\nthen:\n  derive: {fact: b_fact, set: {n: 1}}\n"
    )
    write(tmp_path, "X-ONE", first)
    write(tmp_path, "X-TWO", second)
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), dt.date(2026, 11, 26))
    assert "rule-cycle" in error.value.render()
    assert "X-ONE -> X-TWO -> X-ONE" in error.value.render()


def test_every_error_of_every_file_is_reported_together_sorted_by_place(tmp_path: Path) -> None:
    write(tmp_path, "X-RULE", HEAD + "when:\n  - {bind: p, fact: problme}\n" + OK_THEN)
    write(
        tmp_path,
        "X-BAD",
        HEAD.replace("X-RULE", "X-BAD")
        + "when:\n  - bind: p\n    fact: problem\n    where: {deadlin: 1}\n"
        + OK_THEN,
    )
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), dt.date(2026, 11, 26))
    places = [(d.location.path, d.location.line) for d in error.value.diagnostics]
    assert places == sorted(places)
    assert {Path(p).name for p, _ in places} == {"X-RULE.yaml", "X-BAD.yaml"}
