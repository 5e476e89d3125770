"""The traceability matrix: each article of the regulation, the rules that cite it, their case files
and how the cases fare, and what each rule makes of the current facts.

Read from a rules folder (its rules, case files and `articles.yaml`) and a scan of facts. Gaps are
what stops the regulation being checked end to end: a checkable article no rule with cases cites, a
rule without a case file, a failing case, a rule citing an article `articles.yaml` does not list, an
article missing from `articles.yaml`. The command, the file and the JSON are described in
docs/matrix.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from checker.language.articles import chinese_numeral, read_articles
from checker.language.load import ARTICLES_FILE, CASES_SUFFIX, LoadedRule, load_rules
from checker.language.schema import ARTICLES
from checker.maintain.cases import LoadedCase, load_cases, run_case
from checker.results.document import ScanResult
from checker.scan import scan

MATRIX_VERSION = 1
"""Bumped when the JSON document's structure changes."""
Cites = Literal["primary", "also"]
Produces = Literal["findings", "derives", "findings+derives"]
GapCode = Literal["article-no-rule", "rule-no-cases", "case-failing", "article-unknown", "article-unlisted"]


@dataclass(frozen=True)
class RuleRow:
    """One rule under one article it cites."""

    id: str
    article: int
    """The rule's own (primary) article."""
    title: dict[str, str]
    cites: Cites
    kind: str
    severity: str
    produces: Produces
    rule_file: str
    case_file: str | None
    cases: int
    passed: int
    failed: int
    failing: tuple[str, ...]
    findings: int
    derived: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article": self.article,
            "title": self.title,
            "cites": self.cites,
            "kind": self.kind,
            "severity": self.severity,
            "produces": self.produces,
            "rule_file": self.rule_file,
            "case_file": self.case_file,
            "cases": {
                "total": self.cases,
                "passed": self.passed,
                "failed": self.failed,
                "failing": list(self.failing),
            },
            "on_facts": {"findings": self.findings, "derived": self.derived},
        }


@dataclass(frozen=True)
class Gap:
    """Something missing between an article and a passing case."""

    code: GapCode
    article: int | None
    rule: str | None
    case: str | None
    zh: str
    en: str

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "article": self.article,
            "rule": self.rule,
            "case": self.case,
            "message": {"zh": self.zh, "en": self.en},
        }

    def sort_key(self) -> tuple[int, str, str, str]:
        return (self.article or 0, self.code, self.rule or "", self.case or "")


@dataclass(frozen=True)
class ArticleRow:
    number: int
    listed: bool
    """In articles.yaml (an unlisted article appears only because a rule cites it, or it is missing)."""
    gist: dict[str, str] | None
    checkable: bool
    why: dict[str, str] | None
    rules: tuple[RuleRow, ...]
    gaps: tuple[Gap, ...]

    @property
    def covered(self) -> bool:
        """At least one rule with a case file cites it."""
        return any(row.case_file is not None for row in self.rules)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": f"第{chinese_numeral(self.number)}条",
            "listed": self.listed,
            "gist": self.gist,
            "checkable": self.checkable,
            "why": self.why,
            "covered": self.covered,
            "rules": [row.to_json() for row in self.rules],
            "gaps": [gap.to_json() for gap in self.gaps],
        }


@dataclass(frozen=True)
class Matrix:
    rules_folder: str
    articles_file: str
    facts: tuple[str, ...]
    as_of: dt.date
    articles: tuple[ArticleRow, ...]
    gaps: tuple[Gap, ...] = field(default=())

    @property
    def exit_status(self) -> int:
        """0 when there are no gaps, 1 when there are (bad input never gets this far: 2)."""
        return 1 if self.gaps else 0

    def counts(self) -> dict[str, int]:
        rules = {row.id: row for article in self.articles for row in article.rules}
        return {
            "articles": sum(1 for a in self.articles if a.listed),
            "checkable": sum(1 for a in self.articles if a.listed and a.checkable),
            "covered": sum(1 for a in self.articles if a.listed and a.checkable and a.covered),
            "rules": len(rules),
            "cases": sum(row.cases for row in rules.values()),
            "cases_passed": sum(row.passed for row in rules.values()),
            "cases_failed": sum(row.failed for row in rules.values()),
            "findings": sum(row.findings for row in rules.values()),
            "derived": sum(row.derived for row in rules.values()),
            "gaps": len(self.gaps),
        }

    def to_json(self) -> str:
        """The documented JSON document (docs/matrix.md): sorted keys, same input → same bytes."""
        document = {
            "matrix_version": MATRIX_VERSION,
            "rules_folder": self.rules_folder,
            "articles_file": self.articles_file,
            "facts": list(self.facts),
            "as_of": self.as_of.isoformat(),
            "articles": [article.to_json() for article in self.articles],
            "gaps": [gap.to_json() for gap in self.gaps],
            "counts": self.counts(),
        }
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def build_matrix(rules_dir: Path, facts: Sequence[str | Path], as_of: dt.date, jobs: int = 1) -> Matrix:
    """Load the rules, articles and cases, run every case, scan the facts, and put it together."""
    ruleset = load_rules(rules_dir)
    articles = read_articles(rules_dir).entries
    cases = load_cases(rules_dir)
    outcomes: dict[str, list[tuple[LoadedCase, bool]]] = {}
    for case in cases:
        outcomes.setdefault(case.rule, []).append((case, run_case(case, rules_dir, jobs=jobs).passed))
    result = scan(facts, rules_dir, as_of)
    rows = {loaded.rule.id: _rule_facts(loaded, rules_dir, outcomes, result) for loaded in ruleset.rules}

    citing: dict[int, list[RuleRow]] = {}
    for loaded in ruleset.rules:
        base = rows[loaded.rule.id]
        citing.setdefault(loaded.rule.article, []).append(base)
        for number in sorted(set(loaded.rule.also_cites) - {loaded.rule.article}):
            citing.setdefault(number, []).append(_as_also(base))

    article_rows = []
    for number in sorted(set(ARTICLES) | set(articles) | set(citing)):
        entry = articles.get(number)
        rules = tuple(sorted(citing.get(number, []), key=lambda r: (r.cites != "primary", r.id)))
        row = ArticleRow(
            number=number,
            listed=entry is not None,
            gist=entry.gist.model_dump() if entry else None,
            checkable=entry.checkable if entry else True,
            why=entry.why.model_dump() if entry and entry.why else None,
            rules=rules,
            gaps=(),
        )
        article_rows.append(_with_gaps(row))
    rule_gaps = [gap for row in rows.values() for gap in _rule_gaps(row)]
    gaps = sorted([*(g for a in article_rows for g in a.gaps), *rule_gaps], key=Gap.sort_key)
    shown_facts = tuple(str(path) for path in facts)
    return Matrix(
        rules_folder=str(rules_dir),
        articles_file=str(rules_dir / ARTICLES_FILE),
        facts=shown_facts,
        as_of=as_of,
        articles=tuple(article_rows),
        gaps=tuple(gaps),
    )


def _rule_facts(
    loaded: LoadedRule,
    rules_dir: Path,
    outcomes: dict[str, list[tuple[LoadedCase, bool]]],
    result: ScanResult,
) -> RuleRow:
    rule = loaded.rule
    ran = outcomes.get(rule.id, [])
    case_file = _relative(Path(ran[0][0].location.path), rules_dir) if ran else None
    then = rule.then
    produces: Produces = (
        "findings+derives" if then.finding and then.derive else "findings" if then.finding else "derives"
    )
    return RuleRow(
        id=rule.id,
        article=rule.article,
        title=rule.title.model_dump(),
        cites="primary",
        kind=rule.kind,
        severity=rule.severity,
        produces=produces,
        rule_file=_relative(Path(loaded.path), rules_dir),
        case_file=case_file,
        cases=len(ran),
        passed=sum(1 for _, ok in ran if ok),
        failed=sum(1 for _, ok in ran if not ok),
        failing=tuple(sorted(case.case.name for case, ok in ran if not ok)),
        findings=sum(1 for finding in result.findings if finding.rule == rule.id),
        derived=sum(1 for fact in result.derived if fact.rule == rule.id),
    )


def _as_also(row: RuleRow) -> RuleRow:
    return replace(row, cites="also")


def _relative(path: Path, rules_dir: Path) -> str:
    """A path inside the rules folder as written from it (`overdue/RECT-OVERDUE.cases.yaml`)."""
    try:
        return path.relative_to(rules_dir).as_posix()
    except ValueError:
        return path.as_posix()


def _with_gaps(row: ArticleRow) -> ArticleRow:
    gaps: list[Gap] = []
    n = row.number
    name = f"第{chinese_numeral(n)}条"
    if not row.listed:
        if row.rules:
            for rule in row.rules:
                gaps.append(
                    Gap(
                        "article-unknown",
                        n,
                        rule.id,
                        None,
                        f"{rule.id} 引用{name}，但 {ARTICLES_FILE} 未列出该条",
                        f"{rule.id} cites article {n}, which {ARTICLES_FILE} does not list",
                    )
                )
        else:
            gaps.append(
                Gap(
                    "article-unlisted",
                    n,
                    None,
                    None,
                    f"{ARTICLES_FILE} 未列出{name}",
                    f"article {n} is missing from {ARTICLES_FILE}",
                )
            )
    elif row.checkable and not row.covered:
        without = "" if not row.rules else "有案例文件的"
        without_en = "" if not row.rules else " with a case file"
        gaps.append(
            Gap(
                "article-no-rule",
                n,
                None,
                None,
                f"{name}可检查，但没有{without}规则引用它",
                f"article {n} is checkable but no rule{without_en} cites it",
            )
        )
    return replace(row, gaps=tuple(gaps))


def _rule_gaps(row: RuleRow) -> list[Gap]:
    article = row.article
    gaps: list[Gap] = []
    if row.case_file is None:
        gaps.append(
            Gap(
                "rule-no-cases",
                article,
                row.id,
                None,
                f"规则 {row.id} 没有案例文件（{row.id}{CASES_SUFFIX}）",
                f"rule {row.id} has no case file ({row.id}{CASES_SUFFIX})",
            )
        )
    for case in row.failing:
        gaps.append(
            Gap(
                "case-failing",
                article,
                row.id,
                case,
                f"案例 {row.id}::{case} 未通过",
                f"case {row.id}::{case} fails",
            )
        )
    return gaps


# table ----------------------------------------------------------------------------------------------

_WORDS = {
    "zh": {
        "title": "条款追溯矩阵",
        "rules": "规则",
        "facts": "事实",
        "as_of": "基准日",
        "not_checkable": "不可检查",
        "unlisted": "（articles.yaml 未列出）",
        "no_rule": "无规则",
        "primary": "主引",
        "also": "兼引",
        "no_cases": "无案例文件",
        "cases": "案例 {total} 个：通过 {passed}，未通过 {failed}",
        "findings": "当前事实：问题 {n} 条",
        "derives": "当前事实：推导事实 {n} 条",
        "both": "当前事实：问题 {n} 条，推导事实 {d} 条",
        "failing": "未通过：",
        "gaps": "缺口",
        "no_gaps": "无缺口",
        "summary": (
            "共 {articles} 条，可检查 {checkable} 条，已覆盖 {covered} 条；规则 {rules} 条；"
            "案例 {cases} 个（通过 {cases_passed}，未通过 {cases_failed}）；缺口 {gaps} 个"
        ),
    },
    "en": {
        "title": "Traceability matrix",
        "rules": "rules",
        "facts": "facts",
        "as_of": "as of",
        "not_checkable": "not checkable",
        "unlisted": "(not in articles.yaml)",
        "no_rule": "no rule",
        "primary": "primary",
        "also": "also",
        "no_cases": "no case file",
        "cases": "{total} cases: {passed} pass, {failed} fail",
        "findings": "on the facts: {n} findings",
        "derives": "on the facts: derives {n} facts",
        "both": "on the facts: {n} findings, {d} derived facts",
        "failing": "failing: ",
        "gaps": "Gaps",
        "no_gaps": "no gaps",
        "summary": (
            "{articles} articles, {checkable} checkable, {covered} covered; {rules} rules; "
            "{cases} cases ({cases_passed} pass, {cases_failed} fail); {gaps} gaps"
        ),
    },
}


def render_table(matrix: Matrix, lang: str) -> str:
    """The matrix for a terminal: one block per article, its rules indented below it."""
    words = _WORDS[lang]
    lines = [
        f"{words['title']}  {words['rules']}: {matrix.rules_folder}  "
        f"{words['facts']}: {', '.join(matrix.facts)}  {words['as_of']}: {matrix.as_of.isoformat()}",
        "",
    ]
    for article in matrix.articles:
        head = f"第{chinese_numeral(article.number)}条" if lang == "zh" else f"Art. {article.number}"
        gist = article.gist[lang] if article.gist else words["unlisted"]
        lines.append(f"{head}  {gist}")
        if not article.checkable and article.why:
            lines.append(f"    {words['not_checkable']}: {article.why[lang]}")
        for row in article.rules:
            lines += _rule_lines(row, lang)
        if article.checkable and not article.rules and article.listed:
            lines.append(f"    ! {words['no_rule']}")
    lines.append("")
    if matrix.gaps:
        lines.append(f"{words['gaps']} ({len(matrix.gaps)}):")
        lines += [f"  ! [{gap.code}] {gap.zh if lang == 'zh' else gap.en}" for gap in matrix.gaps]
    else:
        lines.append(words["no_gaps"])
    lines.append(words["summary"].format(**matrix.counts()))
    return "\n".join(lines) + "\n"


def _rule_lines(row: RuleRow, lang: str) -> list[str]:
    words = _WORDS[lang]
    cases = (
        f"{row.case_file}  " + words["cases"].format(total=row.cases, passed=row.passed, failed=row.failed)
        if row.case_file
        else f"! {words['no_cases']}"
    )
    if row.produces == "findings":
        on_facts = words["findings"].format(n=row.findings)
    elif row.produces == "derives":
        on_facts = words["derives"].format(n=row.derived)
    else:
        on_facts = words["both"].format(n=row.findings, d=row.derived)
    head = f"    {row.id} {row.title[lang]} ({words[row.cites]}, {row.kind}, {row.severity})"
    lines = [head, f"        {cases}"]
    lines.append(f"        {on_facts}")
    if row.failing:
        lines.append(f"        ! {words['failing']}{', '.join(row.failing)}")
    return lines
