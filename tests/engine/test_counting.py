"""The two ways a local count is fed give the same results (checker/engine/counting.py).

A count of the usual shape reads each validated record directly (`Counting.add_record`); every count
can also take engine facts (`Counting.add`). The cases of tests/engine/counting_cases.yaml and the
cases of every bundled counting rule that takes the direct path feed the same records both ways.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.engine.counting import Counting
from checker.engine.flatten import engine_facts, engine_value
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.language.program import Program
from checker.maintain.cases import load_cases
from facts.load.pipeline import load_facts
from tests.engine.test_engine_pitfalls import rule, write_rules

HERE = Path(__file__).resolve().parent
RULES = HERE.parents[1] / "rules"
CASES = yaml.safe_load((HERE / "counting_cases.yaml").read_text(encoding="utf-8"))["cases"]


def _write_facts(folder: Path, facts: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, records in facts.items():
        text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return folder


def _both_ways(program: Program, rule_id: str, facts_dir: Path) -> tuple[Counting, Counting, Counting]:
    """The rule's count fed engine facts, fed records, and (to ask) unfed."""
    rule = next(rule for step in program.passes for rule in step.rules if rule.id == rule_id)
    general, direct = Counting(rule, program), Counting(rule, program)
    kind = rule.patterns[0].kind
    for fact in load_facts([facts_dir]).of_kind(kind):
        for engine_fact in engine_facts(kind, vars(fact.record)):
            general.add(engine_fact)
        if direct.reads_records:
            direct.add_record(vars(fact.record))
    return general, direct, Counting(rule, program)


def _fields(counting: Counting) -> list[dict[str, Any]]:
    return sorted((output.fields for output in counting.outputs()), key=_order)


def _order(values: dict[str, Any]) -> str:
    return repr(sorted(values.items()))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_count_read_from_records_is_the_count_read_from_engine_facts(
    case: dict[str, Any], tmp_path: Path
) -> None:
    rule_id = "X-" + case["name"].upper().replace("_", "-")[:40]
    shape = {name: value for name, value in case["rule"].items() if name != "when"}
    rules = write_rules(tmp_path / "rules", rule(rule_id, case["rule"]["when"], **shape))
    program = compile_rules(load_rules(rules), case["as_of"])
    general, direct, fresh = _both_ways(program, rule_id, _write_facts(tmp_path / "facts", case["facts"]))
    assert fresh.reads_records is case["direct"]
    want = sorted(({k: engine_value(v) for k, v in item.items()} for item in case["want"]), key=_order)
    assert _fields(general) == want
    if case["direct"]:
        assert _fields(direct) == want


def _direct_rule_cases() -> list[Any]:
    program = compile_rules(load_rules(RULES), dt.date(2026, 11, 26))
    direct = {
        rule.id
        for step in program.passes
        if not step.engine
        for rule in step.rules
        if rule.group is not None and rule.local and Counting(rule, program).reads_records
    }
    return [pytest.param(case, id=case.id) for case in load_cases(RULES) if case.rule in direct]


RULE_CASES = _direct_rule_cases()


def test_some_bundled_counts_take_the_direct_path() -> None:
    assert {case.values[0].rule for case in RULE_CASES} >= {"PATROL-LAST"}


@pytest.mark.parametrize("loaded", RULE_CASES)
def test_a_bundled_count_gives_the_same_results_both_ways(loaded: Any, tmp_path: Path) -> None:
    case = loaded.case
    ruleset = load_rules(RULES)
    program = compile_rules(ruleset, case.as_of, case.params or None)
    general, direct, _ = _both_ways(program, loaded.rule, _write_facts(tmp_path / "facts", case.facts))
    assert _fields(direct) == _fields(general)
    assert [o.basis for o in direct.outputs()] == [o.basis for o in general.outputs()]
