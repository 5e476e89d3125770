"""`rivercheck rules test` and `rivercheck explain` through the command line, with exit statuses."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.language.load import ARTICLES_FILE
from cli import main

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
DEMO = ROOT / "demo" / "district"
AS_OF = "2026-11-26"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# rules test -----------------------------------------------------------------------------------------


def test_all_cases_pass_and_the_closing_line_counts_them() -> None:
    result = run("rules", "test", str(RULES))
    assert result.exit_code == 0, result.output
    closing = result.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) passed, 0 failed", closing)
    assert match and int(match.group(1)) > 40


def test_k_selects_one_rules_cases() -> None:
    result = run("rules", "test", str(RULES), "-k", "ESC-BASIN", "-v")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "3 passed, 0 failed"
    assert all(line.startswith("PASS ESC-BASIN::") for line in lines[:-1])


def test_a_failing_case_shows_wanted_against_got(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    cases = rules / "overdue" / "RECT-OVERDUE.cases.yaml"
    cases.write_text(
        cases.read_text("utf-8").replace(
            "responsible: U-2\n        severity: high", "responsible: U-1\n        severity: high"
        ),
        "utf-8",
    )
    result = run("rules", "test", str(rules), "-k", "RECT-OVERDUE")
    assert result.exit_code == 1
    assert "FAIL RECT-OVERDUE::flags_problem_one_day_past_deadline" in result.stdout
    assert "responsible wanted 'U-1', got 'U-2'" in result.stdout
    assert "-  responsible: U-1" in result.stdout and "+  responsible: U-2" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "5 passed, 1 failed"


def test_a_malformed_case_file_is_a_usage_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "overdue" / "RECT-OVERDUE.cases.yaml").write_text("cases:\n  - name: Bad Name\n", "utf-8")
    result = run("rules", "test", str(rules))
    assert result.exit_code == 2
    assert "RECT-OVERDUE.cases.yaml:2" in result.stderr


@pytest.mark.parametrize(
    ("make", "code"),
    [
        pytest.param(lambda folder: None, "rules-folder", id="missing-folder"),
        pytest.param(lambda folder: folder.mkdir(), "rules-empty", id="empty-folder"),
        pytest.param(
            lambda folder: (folder.mkdir(), shutil.copy(RULES / "params.yaml", folder)),
            "rules-empty",
            id="params-but-no-rules",
        ),
        pytest.param(
            lambda folder: shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("*.cases.yaml")),
            "cases-none",
            id="rules-but-no-cases",
        ),
    ],
)
def test_nothing_to_run_is_a_usage_error_never_zero_passed(
    tmp_path: Path, make: Callable[[Path], object], code: str
) -> None:
    """A pre-commit hook must not pass on nothing: no folder, no rules or no cases is exit 2."""
    folder = tmp_path / "rules"
    make(folder)
    result = run("rules", "test", str(folder))
    assert result.exit_code == 2, result.output
    assert "passed" not in result.stdout
    first, second = result.stderr.splitlines()[:2]
    assert first.startswith(f"{folder}: {code}: ")
    assert second.startswith("    help: ")


def test_a_pattern_matching_no_case_is_a_usage_error() -> None:
    result = run("rules", "test", str(RULES), "-k", "NO-SUCH-RULE")
    assert result.exit_code == 2
    assert f"{RULES}: cases-unmatched: no case id contains 'NO-SUCH-RULE'" in result.stderr


# explain --------------------------------------------------------------------------------------------


def accountability_fingerprint() -> str:
    result = run("scan", str(DEMO), "--as-of", AS_OF, "--format", "json")
    document = json.loads(result.stdout)
    (finding,) = [f for f in document["findings"] if f["rule"] == "ACCOUNTABILITY-REFERRAL"]
    return str(finding["fingerprint"])


def test_explain_shows_the_three_step_chain_of_an_accountability_referral() -> None:
    fingerprint = accountability_fingerprint()
    result = run("explain", fingerprint[:8], str(DEMO), "--as-of", AS_OF, "--lang", "en")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(f"ACCOUNTABILITY-REFERRAL [{fingerprint}] critical · Article 28")
    chain = text[text.index("How it was derived:") : text.index("What would make it compliant:")]
    steps = [line.strip() for line in chain.splitlines()[1:] if line.strip()]
    # the finding, then per problem: persisting after the interview -> overdue -> the recorded problem
    assert steps[0] == "ACCOUNTABILITY-REFERRAL → U-TOWN-A"
    assert steps[1].startswith("└─ persisting_after_interview P-007 (RECT-PERSISTS)")
    assert steps[2].startswith("└─ overdue_problem P-007 (RECT-OVERDUE, finding ")
    assert steps[3] == "└─ problem:P-007"
    assert "problem P-007  demo/district/problems.yaml:11" in text or "problems.yaml:11" in text
    assert "Why: Article 28" in text
    assert "What would make it compliant: Ask the authority with jurisdiction" in text


def test_explain_from_a_saved_report_matches_a_new_scan(tmp_path: Path) -> None:
    fingerprint = accountability_fingerprint()
    saved = tmp_path / "report.json"
    assert run("scan", str(DEMO), "--as-of", AS_OF, "--format", "json", "--output", str(saved)).exit_code == 1
    from_file = run("explain", fingerprint, "--result", str(saved))
    fresh = run("explain", fingerprint, str(DEMO), "--as-of", AS_OF)
    assert from_file.exit_code == 0 and from_file.stdout == fresh.stdout
    assert "依据: 第二十八条" in from_file.stdout


def test_explain_errors_are_usage_errors(tmp_path: Path) -> None:
    unknown = run("explain", "ffffffffff", str(DEMO), "--as-of", AS_OF)
    assert unknown.exit_code == 2
    assert "explain-fingerprint" in unknown.stderr
    bad = tmp_path / "not-a-report.json"
    bad.write_text('{"findings": 3}', "utf-8")
    wrong = run("explain", "ffffffffff", "--result", str(bad))
    assert wrong.exit_code == 2
    assert "result-format" in wrong.stderr and str(bad) in wrong.stderr


# rules impact ---------------------------------------------------------------------------------------


def test_impact_of_a_lower_interview_threshold_lists_the_interviews_added(tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(RULES, new)
    params = new / "params.yaml"
    text = params.read_text("utf-8")
    assert "interview_min_overdue:\n  value: 3\n" in text
    params.write_text(
        text.replace("interview_min_overdue:\n  value: 3\n", "interview_min_overdue:\n  value: 1\n"), "utf-8"
    )
    result = run(
        "rules",
        "impact",
        "--base",
        str(RULES),
        "--rules",
        str(new),
        str(DEMO),
        "--as-of",
        AS_OF,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [(f["rule"], f["subject"]) for f in document["added"]] == [("INTERVIEW-OVERDUE", "U-ENV")]
    assert document["removed"] == [] and document["changed"] == []
    assert [(s["unit"], s["delta"]) for s in document["scores"]] == [("U-ENV", -3.0)]


def test_impact_against_a_base_that_does_not_exist_is_a_usage_error() -> None:
    result = run("rules", "impact", "--base", "no-such-revision-or-folder", str(DEMO), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "impact-base" in result.stderr


def test_pre_commit_hooks_name_real_commands() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    for hook in hooks:
        args = hook["entry"].split()[1:]
        assert run(*args, "--help").exit_code == 0, hook["id"]


# rules docs, schema ---------------------------------------------------------------------------------


def test_rules_docs_writes_a_page_per_rule_and_the_index(tmp_path: Path) -> None:
    result = run("rules", "docs", str(RULES), "--output", str(tmp_path / "docs"))
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in (tmp_path / "docs").glob("*.md"))
    rules = sorted(
        p.name.replace(".yaml", ".md")
        for p in RULES.rglob("*.yaml")
        if p.name.count(".") == 1
        and p.name != "params.yaml"
        and p != RULES / ARTICLES_FILE  # the articles' texts, not a rule
    )
    assert pages == sorted([*rules, "README.md"])


def test_rules_docs_refuses_a_rule_without_a_compliant_example(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    cases = rules / "escalation" / "ESC-BASIN.cases.yaml"
    text = cases.read_text("utf-8")
    cases.write_text(text[: text.index("  - name: passes_with_a_basin_referral")], "utf-8")
    result = run("rules", "docs", str(rules), "--output", str(tmp_path / "docs"))
    assert result.exit_code == 2
    assert "ESC-BASIN" in result.stderr and "compliant" in result.stderr


def test_schema_writes_the_schemas_and_refuses_a_file_as_folder(tmp_path: Path) -> None:
    result = run("schema", "--output", str(tmp_path / "schemas"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "schemas" / "rule.schema.json").exists()
    assert (tmp_path / "schemas" / "facts" / "problems.schema.json").exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("x", "utf-8")
    refused = run("schema", "--output", str(blocker / "sub"))
    assert refused.exit_code == 2
    assert "output-write" in refused.stderr


def test_explain_shows_escape_sequences_in_a_saved_report_as_marks(tmp_path: Path) -> None:
    fingerprint = accountability_fingerprint()
    saved = tmp_path / "report.json"
    assert run("scan", str(DEMO), "--as-of", AS_OF, "--format", "json", "--output", str(saved)).exit_code == 1
    report = json.loads(saved.read_text(encoding="utf-8"))
    finding = next(f for f in report["findings"] if f["fingerprint"].startswith(fingerprint))
    finding["message"]["zh"] = "清屏\x1b[2J\u202e反转"  # a result file edited by hand, or a hostile record
    saved.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    shown = run("explain", fingerprint, "--result", str(saved))
    assert shown.exit_code == 0, shown.output
    assert "清屏\\x1b[2J<U+202E>反转" in shown.stdout
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
