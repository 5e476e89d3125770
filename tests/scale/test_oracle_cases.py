"""The oracle against every rule case file: it must find exactly the subjects each case wants.

The cases are the rules' own specification (rules/*/ID.cases.yaml), so this checks the oracle's
reading of the rules without running the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.oracle import ORACLE_RULES, findings, load_params
from checker.maintain.cases import LoadedCase, load_cases
from facts.load.pipeline import load_facts

RULES = Path(__file__).resolve().parents[2] / "rules"
CASES = [case for case in load_cases(RULES) if case.rule in ORACLE_RULES and case.case.want is not None]


def test_every_oracle_rule_has_cases_with_findings_wanted() -> None:
    assert {case.rule for case in CASES} == set(ORACLE_RULES)


@pytest.mark.parametrize("loaded", CASES, ids=[case.id for case in CASES])
def test_oracle_finds_what_the_case_wants(loaded: LoadedCase, tmp_path: Path) -> None:
    case = loaded.case
    for kind, records in case.facts.items():
        text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
        (tmp_path / f"{kind}.yaml").write_text(text, encoding="utf-8")
    found = findings(load_facts([tmp_path]), case.as_of, load_params(RULES, case.params))
    got = sorted(subject for rule, subject in found if rule == loaded.rule)
    assert case.want is not None
    assert got == sorted(want.subject for want in case.want), f"{loaded.location}: {loaded.id}"
