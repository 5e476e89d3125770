"""The two ways a local count is fed give the same results (checker/engine/counting.py).

A count of the usual shape reads each validated record directly (`Counting.add_record`) or a table
of them (`Counting.add_rows`, the loader's bulk path); every count can also take engine facts
(`Counting.add`). The cases of tests/engine/counting_cases.yaml and the cases of every bundled
counting rule that takes the direct path feed the same records every way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from checker.engine.counting import Counting
from checker.engine.flatten import engine_facts, engine_value
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.language.program import Program
from checker.maintain.cases import load_cases
from facts.load.pipeline import load_facts
from facts.load.table import Rows, connect
from facts.models import MODELS
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


_SQL_TYPES: dict[Any, str] = {str: "VARCHAR", dt.date: "DATE", bool: "BOOLEAN", int: "BIGINT"}


def rows_of(kind: str, records: list[Any]) -> Rows:
    """The records as a DuckDB table, typed as the bulk path types them."""
    model = MODELS[kind]
    columns = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        plain = [arg for arg in args if arg is not type(None)]
        base = plain[0] if len(plain) == 1 and type(None) in args else annotation
        if getattr(base, "__origin__", None) is list:
            continue  # the bulk path takes no kind with lists: the rest of the record is compared
        base = getattr(base, "__origin__", base)  # Annotated keys, Literals
        columns[name] = _SQL_TYPES.get(base, "VARCHAR")
    connection = connect(duckdb)
    connection.execute(f"CREATE TABLE records ({', '.join(f'{n} {t}' for n, t in columns.items())})")
    values = [[vars(record)[name] for name in columns] for record in records]
    if values:
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO records VALUES ({marks})", values)
    return Rows(connection, "records", kind, columns, len(records))


def _both_ways(
    program: Program, rule_id: str, facts_dir: Path
) -> tuple[Counting, Counting, Counting, Counting]:
    """The rule's count fed engine facts, fed records, fed a table, and (to ask) unfed."""
    rule = next(rule for step in program.passes for rule in step.rules if rule.id == rule_id)
    general, direct, table = Counting(rule, program), Counting(rule, program), Counting(rule, program)
    kind = rule.patterns[0].kind
    records = [fact.record for fact in load_facts([facts_dir]).of_kind(kind)]
    for record in records:
        for engine_fact in engine_facts(kind, vars(record)):
            general.add(engine_fact)
        if direct.reads_records:
            direct.add_record(vars(record))
    if table.reads_rows:
        table.add_rows(rows_of(kind, records))
    return general, direct, table, Counting(rule, program)


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
    general, direct, table, fresh = _both_ways(
        program, rule_id, _write_facts(tmp_path / "facts", case["facts"])
    )
    assert fresh.reads_records is case["direct"]
    assert fresh.reads_rows is case.get("rows", case["direct"])
    want = sorted(({k: engine_value(v) for k, v in item.items()} for item in case["want"]), key=_order)
    assert _fields(general) == want
    if case["direct"]:
        assert _fields(direct) == want
    if fresh.reads_rows:
        assert _fields(table) == want
        assert [o.basis for o in table.outputs()] == [o.basis for o in general.outputs()]


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
    general, direct, table, fresh = _both_ways(
        program, loaded.rule, _write_facts(tmp_path / "facts", case.facts)
    )
    assert _fields(direct) == _fields(general)
    assert [o.basis for o in direct.outputs()] == [o.basis for o in general.outputs()]
    if fresh.reads_rows:
        assert _fields(table) == _fields(general)
        assert [o.basis for o in table.outputs()] == [o.basis for o in general.outputs()]
