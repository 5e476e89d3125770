"""`rivercheck rules validate` on a deliberately broken rules folder: every problem at its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.maintain.validate import validate
from cli import main

HERE = Path(__file__).parent
BROKEN = HERE / "broken_rules"
RULES = HERE.parents[1] / "rules"

WANTED = [
    # (file under broken_rules/, code, line, words in the message or help)
    ("shape/A-UNKNOWN-FIELD.yaml", "unknown-field", 6, "did you mean 'severity'?"),
    ("shape/A-ARTICLE.yaml", "bad-value", 2, "less than or equal to 34"),
    ("dup_b/A-DUP.yaml", "rule-duplicate-id", 1, "also used by"),
    ("meaning/B-KIND.yaml", "unknown-fact-kind", 8, "did you mean 'problem'?"),
    ("meaning/B-FIELD.yaml", "unknown-fact-field", 11, "did you mean 'deadline'?"),
    ("meaning/B-PARAM.yaml", "undeclared-param", 11, "did you mean 'grace'?"),
    ("meaning/B-PLACEHOLDER.yaml", "unknown-placeholder", 12, "{days}"),
    ("chain/C-UNPRODUCED.yaml", "derived-unproduced", 8, "no rule derives 'late_problem_report'"),
    ("chain/C-UNCONSUMED.yaml", "derived-unconsumed", 11, "'orphan_fact'"),
    ("chain/D-LOOP-ONE.yaml", "rule-cycle", 7, "D-LOOP-ONE -> D-LOOP-TWO -> D-LOOP-ONE"),
    ("params.yaml", "param-unused", 8, "'never_used'"),
]


@pytest.mark.parametrize(("file", "code", "line", "words"), WANTED, ids=[w[1] for w in WANTED])
def test_each_problem_is_reported_at_its_line(file: str, code: str, line: int, words: str) -> None:
    found = [d for d in validate(BROKEN) if d.code == code and d.location.path == str(BROKEN / file)]
    assert [d.location.line for d in found if words in d.render()] == [line], [d.render() for d in found]


def test_problems_come_sorted_by_place() -> None:
    problems = validate(BROKEN)
    assert problems == sorted(problems)


def test_no_case_file_points_at_a_rule_that_exists_but_is_broken() -> None:
    assert not [d for d in validate(BROKEN) if d.code == "case-rule"]


def test_a_rule_without_cases_is_reported(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(RULES, tmp_path / "rules")
    (tmp_path / "rules" / "escalation" / "ESC-BASIN.cases.yaml").unlink()
    problems = validate(tmp_path / "rules")
    assert [(d.code, Path(d.location.path).name) for d in problems] == [("rule-no-cases", "ESC-BASIN.yaml")]


def test_cli_exit_statuses() -> None:
    clean = CliRunner().invoke(main, ["rules", "validate", str(RULES)])
    assert clean.exit_code == 0, clean.output
    assert "no problems" in clean.stdout
    broken = CliRunner().invoke(main, ["rules", "validate", str(BROKEN)])
    assert broken.exit_code == 2
    assert f"{BROKEN / 'meaning/B-KIND.yaml'}:8:15: unknown-fact-kind" in broken.stderr
    missing = CliRunner().invoke(main, ["rules", "validate", str(HERE / "no_such_folder")])
    assert missing.exit_code == 2
    assert "rules-folder" in missing.stderr


def test_articles_yaml_is_validated_with_the_rules(tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    articles = rules / "articles.yaml"
    text = articles.read_text("utf-8")
    articles.write_text(text.replace("    chapter: 第一章 总则\n", "    chapter: 第一章 总 则\n", 1), "utf-8")
    (problem,) = validate(rules)
    assert problem.code == "articles-chapter"
    assert problem.location.path == str(articles)
    assert problem.location.line == text.splitlines().index("    chapter: 第一章 总则") + 1
    articles.unlink()
    assert [(d.code, d.location.path) for d in validate(rules)] == [("articles-missing", str(articles))]
