"""Every rule's case file, one test per case: `pytest -k RECT-OVERDUE` runs one rule's cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.language.load import load_rules
from checker.maintain.cases import LoadedCase, load_cases, run_case

RULES = Path(__file__).resolve().parents[2] / "rules"
CASES = load_cases(RULES)


@pytest.mark.parametrize("loaded", CASES, ids=[case.id for case in CASES])
def test_case(loaded: LoadedCase) -> None:
    outcome = run_case(loaded, RULES)
    assert outcome.passed, f"{loaded.location}: {loaded.id}\n" + "\n".join(outcome.problems)


def test_every_rule_has_a_case_file_with_a_flagging_and_a_passing_case() -> None:
    rules = {loaded.rule.id for loaded in load_rules(RULES).rules}
    by_rule: dict[str, list[LoadedCase]] = {}
    for case in CASES:
        by_rule.setdefault(case.rule, []).append(case)
    assert sorted(by_rule) == sorted(rules)
    for rule, cases in by_rule.items():
        flagging = [c for c in cases if c.case.want or c.case.want_derived or c.case.want_scores]
        passing = [c for c in cases if c.case.want == [] or c.case.want_derived == [] or c.case.want_scores]
        assert flagging and passing, f"{rule} needs a case that flags and one that passes"


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    """The case runner really compares: a case wanting the wrong subject fails with a clear reason."""
    case = next(c for c in CASES if c.case.name == "flags_problem_one_day_past_deadline")
    assert case.case.want
    wanted = case.case.want[0].model_copy(update={"subject": "P-9"})
    wrong = LoadedCase(case.rule, case.case.model_copy(update={"want": [wanted]}), case.location)
    outcome = run_case(wrong, RULES)
    assert not outcome.passed
    assert "wanted a finding about P-9, got none" in outcome.problems
    assert any("unwanted finding about P-1" in problem for problem in outcome.problems)
