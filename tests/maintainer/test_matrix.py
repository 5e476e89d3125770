"""`rivercheck rules matrix`: article -> rules -> case files -> result on the facts, and its exit
statuses (0 no gaps, 1 gaps, 2 bad input). Built on small rules folders in tmp_path (copies of a few
bundled rules), since the bundled rule set grows while articles are being covered."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from checker.language.articles import read_articles
from checker.language.load import ARTICLES_FILE, load_rules
from cli import main

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
AS_OF = "2026-11-26"
NOT_CHECKABLE = {1, 2, 3, 4, 14, 32}
COPIED = {  # rule -> (folder, primary article, also cited, what it produces)
    "RECT-OVERDUE": ("overdue", 25, [5], "findings+derives"),
    "RECT-RECURRENCE": ("overdue", 25, [], "findings+derives"),
    "ESC-SUBMITTED": ("escalation", 23, [], "derives"),
}
COVERED = {5, 23, 25}
FACTS = {
    "units": [
        {"key": "U-1", "name": "甲区河长办", "type": "office"},
        {"key": "U-2", "name": "甲区水务局", "type": "member_unit"},
    ],
    "waterbodies": [{"key": "W-1", "name": "甲江", "level": "市"}],
    "chiefs": [
        {
            "key": "C-1",
            "name": "甲",
            "level": "市",
            "role": "河长",
            "in_post_from": "2024-01-01",
            "waterbodies": ["W-1"],
        }
    ],
    "problems": [
        {  # overdue since 2026-11-01, and submitted to C-1
            "key": "P-1",
            "waterbody": "W-1",
            "source": "inspection",
            "category": "违法排污",
            "severity": "general",
            "found_on": "2026-10-01",
            "office": "U-1",
            "assignee": "U-2",
            "deadline": "2026-11-01",
            "status": "in_progress",
            "escalated_to": ["C-1"],
        },
        {  # signed off in time
            "key": "P-2",
            "waterbody": "W-1",
            "source": "patrol",
            "category": "河道垃圾",
            "severity": "general",
            "found_on": "2026-10-01",
            "office": "U-1",
            "assignee": "U-2",
            "deadline": "2026-12-01",
            "status": "signed_off",
            "signed_off_on": "2026-10-20",
        },
    ],
}
ON_FACTS = {"RECT-OVERDUE": (1, 1), "RECT-RECURRENCE": (0, 0), "ESC-SUBMITTED": (0, 1)}
"""Findings and derived facts of each copied rule on FACTS."""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def matrix(rules: Path, facts: Path, *more: str) -> Result:
    return run("rules", "matrix", str(facts), "--rules", str(rules), "--as-of", AS_OF, *more)


def case_count(rule: str) -> int:
    folder = COPIED[rule][0]
    data = yaml.safe_load((RULES / folder / f"{rule}.cases.yaml").read_text("utf-8"))
    return len(data["cases"])


def articles_data() -> dict[str, Any]:
    data = yaml.safe_load((RULES / ARTICLES_FILE).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def write_articles(rules: Path, data: dict[str, Any]) -> None:
    (rules / ARTICLES_FILE).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    folder = tmp_path / "facts"
    folder.mkdir()
    for kind, records in FACTS.items():
        text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
        (folder / f"{kind}.yaml").write_text(text, "utf-8")
    return folder


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """Three bundled rules with their cases, params.yaml, and an articles.yaml in which every
    article those rules do not cover is marked not checkable: a folder without gaps."""
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / "params.yaml", folder / "params.yaml")
    for rule, (theme, *_) in COPIED.items():
        (folder / theme).mkdir(exist_ok=True)
        for suffix in (".yaml", ".cases.yaml"):
            shutil.copy(RULES / theme / f"{rule}{suffix}", folder / theme / f"{rule}{suffix}")
    data = articles_data()
    for entry in data["articles"]:
        if entry["number"] not in COVERED and entry.get("checkable", True):
            entry["checkable"] = False
            entry["why"] = {"zh": "本测试不覆盖", "en": "not covered by this test"}
    write_articles(folder, data)
    return folder


# articles.yaml ----------------------------------------------------------------------------------------


def test_bundled_articles_list_every_article_once() -> None:
    articles = read_articles(RULES).entries
    assert sorted(articles) == list(range(1, 35))
    assert all(entry.gist.zh and entry.gist.en for entry in articles.values())


@pytest.mark.parametrize("number", range(1, 35))
def test_bundled_articles_say_which_cannot_be_checked_and_why(number: int) -> None:
    entry = read_articles(RULES).entries[number]
    assert entry.checkable is (number not in NOT_CHECKABLE)
    assert (entry.why is not None) is (number in NOT_CHECKABLE)


def test_the_rule_loader_skips_articles_yaml_at_the_top_only(rules: Path) -> None:
    assert {loaded.rule.id for loaded in load_rules(rules).rules} == set(COPIED)
    shutil.copy(rules / ARTICLES_FILE, rules / "overdue" / ARTICLES_FILE)
    result = run("rules", "validate", str(rules))
    assert result.exit_code == 2
    assert "overdue/articles.yaml" in result.stderr


# the matrix ---------------------------------------------------------------------------------------------


def test_a_folder_without_gaps_exits_0_and_lists_every_article(rules: Path, facts: Path) -> None:
    result = matrix(rules, facts, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["gaps"] == []
    assert [a["number"] for a in document["articles"]] == list(range(1, 35))
    for article in document["articles"]:
        assert article["listed"] and article["gist"]["zh"] and article["gist"]["en"]
        assert (article["why"] is None) is article["checkable"]
    assert document["counts"]["rules"] == len(COPIED)


@pytest.mark.parametrize("rule", sorted(COPIED))
def test_a_rule_is_listed_under_each_article_it_cites(rule: str, rules: Path, facts: Path) -> None:
    theme, primary, also, produces = COPIED[rule]
    document = json.loads(matrix(rules, facts, "--format", "json").stdout)
    listed = {
        article["number"]: row
        for article in document["articles"]
        for row in article["rules"]
        if row["id"] == rule
    }
    assert {number: row["cites"] for number, row in listed.items()} == {
        primary: "primary",
        **dict.fromkeys(also, "also"),
    }
    row = listed[primary]
    total = case_count(rule)
    assert row["rule_file"] == f"{theme}/{rule}.yaml"
    assert row["case_file"] == f"{theme}/{rule}.cases.yaml"
    assert row["cases"] == {"total": total, "passed": total, "failed": 0, "failing": []}
    assert row["produces"] == produces
    assert (row["on_facts"]["findings"], row["on_facts"]["derived"]) == ON_FACTS[rule]


def _drop_cases(rules: Path) -> None:
    (rules / "overdue" / "RECT-RECURRENCE.cases.yaml").unlink()


def _checkable_article_7(rules: Path) -> None:
    data = yaml.safe_load((rules / ARTICLES_FILE).read_text("utf-8"))
    (entry,) = [e for e in data["articles"] if e["number"] == 7]
    entry["checkable"] = True
    del entry["why"]
    write_articles(rules, data)


def _failing_case(rules: Path) -> None:
    cases = rules / "overdue" / "RECT-OVERDUE.cases.yaml"
    text = cases.read_text("utf-8")
    cases.write_text(text.replace("responsible: U-2\n", "responsible: U-1\n", 1), "utf-8")


def _unlisted_article_25(rules: Path) -> None:
    data = yaml.safe_load((rules / ARTICLES_FILE).read_text("utf-8"))
    data["articles"] = [e for e in data["articles"] if e["number"] != 25]
    write_articles(rules, data)


GAPS: list[tuple[Callable[[Path], None], str, list[str]]] = [
    (_drop_cases, "rule-no-cases", ["rule RECT-RECURRENCE has no case file (RECT-RECURRENCE.cases.yaml)"]),
    (_checkable_article_7, "article-no-rule", ["article 7 is checkable but no rule cites it"]),
    (_failing_case, "case-failing", ["case RECT-OVERDUE::flags_problem_one_day_past_deadline fails"]),
    (
        _unlisted_article_25,
        "article-unknown",
        [
            f"{rule} cites article 25, which articles.yaml does not list"
            for rule in ("RECT-OVERDUE", "RECT-RECURRENCE")
        ],
    ),
]
"""How each kind of gap is made in a folder without gaps, and what the matrix then says (in English)."""


@pytest.mark.parametrize(("make_gap", "code", "messages"), GAPS, ids=[code for _, code, _ in GAPS])
def test_a_gap_exits_1_and_is_named(
    make_gap: Callable[[Path], None], code: str, messages: list[str], rules: Path, facts: Path
) -> None:
    make_gap(rules)
    table = matrix(rules, facts, "--lang", "en")
    assert table.exit_code == 1, table.output
    for message in messages:
        assert f"! [{code}] {message}" in table.stdout
    document = json.loads(matrix(rules, facts, "--format", "json").stdout)
    assert [(g["code"], g["message"]["en"]) for g in document["gaps"]] == [(code, m) for m in messages]


def test_a_failing_case_is_counted_under_its_rule(rules: Path, facts: Path) -> None:
    _failing_case(rules)
    document = json.loads(matrix(rules, facts, "--format", "json").stdout)
    (row,) = [
        r for a in document["articles"] if a["number"] == 25 for r in a["rules"] if r["id"] == "RECT-OVERDUE"
    ]
    total = case_count("RECT-OVERDUE")
    assert row["cases"] == {
        "total": total,
        "passed": total - 1,
        "failed": 1,
        "failing": ["flags_problem_one_day_past_deadline"],
    }


# bad input: exit 2, file:line ---------------------------------------------------------------------------

SOURCE = "source: {title: 规则, issued_by: 办公室, issued_on: 2022-07-20}\n"
"""Line 1 of each bad file below: the header every articles file has."""


def entry(number: str, gist: str = "{zh: 甲, en: a}", chapter: str = "第一章 总则") -> str:
    """Four lines: an article with its chapter, gist and excerpt."""
    return f"  - number: {number}\n    chapter: {chapter}\n    gist: {gist}\n    excerpt: 甲。\n"


BAD_ARTICLES = [
    pytest.param(
        SOURCE + "articles:\n" + entry("1") + entry("1", "{zh: 乙, en: b}"),
        ":7:",
        "articles-duplicate",
        id="repeated-number",
    ),
    pytest.param(
        SOURCE + "articles:\n" + entry("1") + "    checkable: false\n",
        ":3:",
        "needs 'why'",
        id="not-checkable-without-why",
    ),
    pytest.param(
        SOURCE + "articles:\n" + entry("1") + "    reason: {zh: 甲, en: a}\n",
        ":7:",
        "unknown field 'reason'",
        id="unknown-field",
    ),
    pytest.param(SOURCE + "articles:\n" + entry("第七条"), ":3:", "write 7", id="article-by-name"),
    pytest.param(
        SOURCE + "articles:\n" + entry("35"), ":3:", "less than or equal to 34", id="no-such-article"
    ),
    pytest.param(SOURCE + "articles:\n  - number: 1\n    gist: [甲\n", ":", "yaml-syntax", id="yaml-syntax"),
    pytest.param("articles:\n" + entry("1"), ":1:", "missing required field 'source'", id="no-source-header"),
    pytest.param(
        SOURCE + "articles:\n" + entry("1").replace("甲。", "甲" * 121),
        ":6:",
        "at most 120 characters of the article",
        id="excerpt-beyond-what-is-cited",
    ),
    pytest.param(
        SOURCE + "articles:\n" + entry("1", chapter="一 总则"),
        ":4:",
        "should match pattern",
        id="chapter-not-as-the-regulation-heads-it",
    ),
    pytest.param(
        SOURCE + "articles:\n" + entry("1") + entry("2", chapter="第一章 总则与依据") + entry("3"),
        ":8:",
        "'第一章 总则与依据' differs from '第一章 总则', as the other articles of it have it",
        id="one-chapter-two-titles",
    ),
    pytest.param(
        SOURCE + "articles:\n" + entry("1", chapter="第二章 主要职责") + entry("2"),
        ":8:",
        "article 2 is in 第一章 总则, but article 1 before it is in 第二章 主要职责",
        id="chapters-out-of-order",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_ARTICLES)
def test_a_bad_articles_file_exits_2_naming_file_and_line(
    text: str, line: str, message: str, rules: Path, facts: Path
) -> None:
    (rules / ARTICLES_FILE).write_text(text, "utf-8")
    result = matrix(rules, facts)
    assert result.exit_code == 2, result.output
    assert f"{rules / ARTICLES_FILE}{line}" in result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_a_rules_folder_without_articles_yaml_exits_2(rules: Path, facts: Path) -> None:
    (rules / ARTICLES_FILE).unlink()
    result = matrix(rules, facts)
    assert result.exit_code == 2
    assert "articles-missing" in result.stderr


# output -------------------------------------------------------------------------------------------------


def test_json_is_deterministic_sorted_and_written_whole(rules: Path, facts: Path, tmp_path: Path) -> None:
    first = matrix(rules, facts, "--format", "json")
    second = matrix(rules, facts, "--format", "json")
    assert first.stdout_bytes == second.stdout_bytes
    document = json.loads(first.stdout)
    assert first.stdout == json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    out = tmp_path / "matrix.json"
    written = matrix(rules, facts, "--format", "json", "--output", str(out))
    assert written.exit_code == 0 and written.stdout == ""
    assert out.read_bytes() == first.stdout_bytes


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("zh", ["第二十五条", "RECT-OVERDUE 问题整改逾期未销号 (主引", "不可检查", "无缺口"]),
        ("en", ["Art. 25", "(primary, overdue, high)", "(also, overdue, high)", "not checkable", "no gaps"]),
    ],
)
def test_the_table_reads_in_either_language(lang: str, shown: list[str], rules: Path, facts: Path) -> None:
    result = matrix(rules, facts, "--lang", lang)
    assert result.exit_code == 0, result.output
    for text in shown:
        assert text in result.stdout
