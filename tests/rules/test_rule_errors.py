"""Rule files that are wrong in one way each (tests/rules/rule_errors.yaml): the error code, the
line it is reported at, and what the message says; then errors that involve several files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.engine.ruleset import durable_ruleset
from checker.errors import CheckerError
from checker.language.compiler import compile_rules
from checker.language.load import load_rules

AS_OF = dt.date(2026, 11, 26)
CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "rule_errors.yaml").read_text("utf-8"))[
    "cases"
]
PARAMS = """\
grace:
  value: 3
  unit: days
  meaning: {zh: 宽限, en: grace}
  source: office default
table:
  value: {a: 1}
  unit: points
  meaning: {zh: 表, en: table}
  source: office default
"""
RULE = """\
id: {id}
article: 25
gist: g
title: {{zh: t, en: t}}
kind: overdue
severity: high
when:
  - {{bind: p, fact: problem}}
then:
  finding:
    subject: $p.key
    message: {{zh: "{{p.key}}", en: "{{p.key}}"}}
    remedy: {{zh: r, en: r}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.yaml").write_text(PARAMS, encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_rule_error_is_reported_at_its_place(tmp_path: Path, case: dict[str, Any]) -> None:
    path = write(tmp_path, "X-RULE", case["rule"])
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), AS_OF)
    found = [d for d in error.value.diagnostics if d.code == case["code"]]
    assert found, error.value.render()
    assert found[0].location.path == str(path)
    if "line" in case:
        assert found[0].location.line == case["line"], error.value.render()
    assert case["says"] in found[0].render()


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    write(tmp_path, "X-OTHER", RULE.format(id="X-RULE"))
    with pytest.raises(CheckerError) as error:
        load_rules(tmp_path)
    assert "rule-file-name" in error.value.render()
    assert "rename the file to X-RULE.yaml" in error.value.render()


def test_a_cycle_of_derivations_is_reported(tmp_path: Path) -> None:
    for name, matched, derived in (("X-ONE", "b_fact", "a_fact"), ("X-TWO", "a_fact", "b_fact")):
        text = RULE.format(id=name).replace("fact: problem", f"fact: {matched}")
        text = text[: text.index("then:")] + f"then:\n  derive: {{fact: {derived}, set: {{n: 1}}}}\n"
        write(tmp_path, name, text)
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), AS_OF)
    assert "rule-cycle" in error.value.render()
    assert "X-ONE -> X-TWO -> X-ONE" in error.value.render()


def test_every_error_of_every_file_is_reported_together_sorted_by_place(tmp_path: Path) -> None:
    write(tmp_path, "X-RULE", RULE.format(id="X-RULE").replace("fact: problem", "fact: problme"))
    write(
        tmp_path,
        "X-BAD",
        RULE.format(id="X-BAD").replace("fact: problem}", "fact: problem, where: {deadlin: 1}}"),
    )
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), AS_OF)
    places = [(d.location.path, d.location.line) for d in error.value.diagnostics]
    assert places == sorted(places)
    assert {Path(p).name for p, _ in places} == {"X-RULE.yaml", "X-BAD.yaml"}
    assert "has no field 'key'" not in error.value.render()  # no follow-on error after an unknown kind


def test_a_written_date_compiles_to_a_day_number(tmp_path: Path) -> None:
    write(
        tmp_path,
        "X-RULE",
        RULE.format(id="X-RULE").replace(
            "fact: problem}", "fact: problem, where: {deadline: {lt: 2026-12-01}}}"
        ),
    )
    program = compile_rules(load_rules(tmp_path), AS_OF)
    condition = durable_ruleset(program.passes[0])["X-RULE"]["all"][0]["p"]["$and"][2]
    assert condition == {"$lt": {"deadline": (dt.date(2026, 12, 1) - dt.date(1970, 1, 1)).days}}


def test_or_missing_also_accepts_an_absent_field(tmp_path: Path) -> None:
    where = "where: {deadline: {gte: $as_of, or_missing: true}}"
    write(tmp_path, "X-RULE", RULE.format(id="X-RULE").replace("fact: problem}", f"fact: problem, {where}}}"))
    program = compile_rules(load_rules(tmp_path), AS_OF)
    condition = durable_ruleset(program.passes[0])["X-RULE"]["all"][0]["p"]["$and"][2]
    assert condition["$or"][0] == {"$nex": {"deadline": 1}}


def test_an_override_of_an_undeclared_parameter_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "X-RULE", RULE.format(id="X-RULE"))
    with pytest.raises(CheckerError) as error:
        compile_rules(load_rules(tmp_path), AS_OF, {"grase": 1})
    assert "unknown-param" in error.value.render()
    assert "did you mean 'grace'" in error.value.render()
