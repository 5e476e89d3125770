"""`explain --rule --subject` agrees with the engine: on every rule case, each subject with a
finding is explained as a finding, and each record the rule's first pattern could bind that has no
finding is explained as a miss, never as a match (docs/scope.md §4). Then the words, on the demo.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker.bundled import DEMO_DISTRICT, RULES
from checker.maintain.cases import LoadedCase, load_cases
from checker.reports.whynot import render_why_not
from checker.results.whynot import why_not
from checker.scan import Scanned, ScanOptions, explain_in, scan_all
from cli import main
from facts.models import MODELS

CASES = load_cases(RULES)
AS_OF = dt.date(2026, 11, 26)


def scanned_case(loaded: LoadedCase, folder: Path) -> Scanned:
    for stem, records in loaded.case.facts.items():
        text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return scan_all([folder], RULES, loaded.case.as_of, ScanOptions(jobs=1, params=loaded.case.params))


@pytest.mark.parametrize("loaded", CASES, ids=lambda loaded: loaded.id)
def test_why_not_agrees_with_the_engine(loaded: LoadedCase, tmp_path: Path) -> None:
    scanned = scanned_case(loaded, tmp_path)
    rule = next((r for r in scanned.program.rules if r.id == loaded.rule), None)
    if rule is None:  # the rule did not run: derive-only rules are checked through their users
        assert any(item.rule == loaded.rule for item in scanned.result.scope.not_checked)
        return
    found = {f.subject for f in scanned.result.findings if f.rule == loaded.rule}
    first = rule.patterns[0].kind
    keys = {fact.record.key for fact in scanned.facts.of_kind(first)} if first in MODELS else set()
    for subject in sorted(found | keys):
        answer = why_not(
            scanned.result, scanned.program, scanned.facts, scanned.derived.outputs, loaded.rule, subject
        )
        if subject in found:
            assert answer.verdict == "finding", subject
        else:
            assert answer.verdict in ("no-match", "group"), (subject, answer)


@pytest.fixture(scope="module")
def demo() -> Scanned:
    return scan_all([DEMO_DISTRICT], RULES, AS_OF)


def test_the_first_failing_condition_names_the_field_value_and_place(demo: Scanned) -> None:
    text = render_why_not(explain_in(demo, "RECT-OVERDUE", "P-010"), "zh")
    lines = text.splitlines()
    assert lines[0] == "规则 RECT-OVERDUE（问题整改逾期未销号）· 对象 P-010"
    assert lines[2].endswith("problems.yaml:15:3") and "P-010" in lines[2]
    assert lines[-1] == "  ✗ 整改期限 < 2026-11-26（实际 2026-11-26）"
    assert [line[2] for line in lines[3:]] == ["✓", "✓", "✗"]


def test_a_not_pattern_names_the_record_that_blocks(demo: Scanned) -> None:
    text = render_why_not(explain_in(demo, "INTERVIEW-OVERDUE", "U-TOWN-A"), "en")
    assert "but I-01 does" in text and "interviews.yaml:2:3" in text


def test_a_count_below_its_threshold_shows_the_count(tmp_path: Path) -> None:
    problems = [
        {
            "key": f"P-{n}",
            "waterbody": "W-1",
            "source": "patrol",
            "category": "垃圾",
            "severity": "general",
            "found_on": "2026-08-01",
            "office": "U-1",
            "assignee": "U-2",
            "deadline": "2026-09-01",
            "status": "in_progress",
        }
        for n in (1, 2)
    ]
    (tmp_path / "problems.yaml").write_text(yaml.safe_dump(problems, allow_unicode=True), encoding="utf-8")
    (tmp_path / "units.yaml").write_text(
        "- {key: U-1, name: 甲区河长办, type: office}\n- {key: U-2, name: 甲区水务局, type: member_unit}\n",
        encoding="utf-8",
    )
    (tmp_path / "waterbodies.yaml").write_text("- {key: W-1, name: 甲河, level: 区}\n", encoding="utf-8")
    (tmp_path / "interviews.yaml").write_text("[]\n", encoding="utf-8")
    answer = explain_in(scan_all([tmp_path], RULES, AS_OF), "INTERVIEW-OVERDUE", "U-2")
    assert answer.verdict == "group"
    assert [(c.field, c.op, c.wanted, c.found, c.passed) for c in answer.group] == [
        ("count", "gte", "3", "2", False)
    ]


def test_the_command_answers_for_a_finding_a_miss_and_a_rule_not_checked(tmp_path: Path) -> None:
    ledger = Path(__file__).resolve().parents[1] / "field" / "songjiang-records" / "ledger-only"
    runner = CliRunner()
    base = ["explain", "--as-of", "2026-11-26"]
    hit = runner.invoke(main, [*base, "--rule", "RECT-OVERDUE", "--subject", "SJ-P-001", str(ledger)])
    assert hit.exit_code == 0 and "有发现 [" in hit.stdout
    miss = runner.invoke(
        main, [*base, "--rule", "RECT-OVERDUE", "--subject", "SJ-P-009", str(ledger), "--lang", "en"]
    )
    assert miss.exit_code == 0 and "✗ deadline < 2026-11-26 (found 2026-11-26)" in miss.stdout
    skipped = runner.invoke(main, [*base, "--rule", "CHIEF-VACANCY", "--subject", "W-SJ-15", str(ledger)])
    assert skipped.exit_code == 0 and "未检查：" in skipped.stdout and "河长湖长名录" in skipped.stdout
    unknown = runner.invoke(main, [*base, "--rule", "RECT-OVERDUEX", "--subject", "SJ-P-001", str(ledger)])
    assert unknown.exit_code == 2 and "did you mean 'RECT-OVERDUE'" in unknown.stderr
