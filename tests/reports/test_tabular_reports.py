"""The Markdown, CSV, XLSX and JUnit reports of one scan of the demo, with history and waivers added.

Each format is read back with the tool its readers use (the csv module, openpyxl, junitparser) and
checked for what they rely on: same result, same bytes; layout; counts; text that could break or
attack the format (a formula, a pipe, a line break, a control character) kept harmless.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml, Skipped
from openpyxl import load_workbook

from checker.language.load import load_rules
from checker.language.schema import Text
from checker.reports import render
from checker.reports.csv import FORMULA_STARTS, neutralise
from checker.reports.junit import render_junit
from checker.reports.markdown import render_markdown
from checker.reports.words import LABEL
from checker.results.document import Finding, History, ResolvedFinding, ScanResult, WaiverReport, WaiverState
from checker.scan import scan

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 26)
PREVIOUS = dt.date(2026, 11, 19)
HOSTILE = '=HYPERLINK("http://evil.example/","点我")'
PIPED = "清溪区|河长办\n二科"
REMEDY = "-1+1 \x07 bell"
FORMATS = ("markdown", "csv", "xlsx", "junit")
LANGS = ("zh", "en")
SHEETS = {
    "zh": ["问题", "得分", "应约谈", "提级报送", "已解决", "豁免", "检查范围"],
    "en": ["findings", "scores", "interviews due", "escalations", "resolved", "waivers", "scope"],
}


@pytest.fixture(scope="module")
def scanned() -> ScanResult:
    return scan([ROOT / "demo" / "district"], ROOT / "rules", AS_OF)


def _finding(result: ScanResult, rule: str, subject: str) -> Finding:
    return next(f for f in result.findings if (f.rule, f.subject) == (rule, subject))


def _waiver(state: str, finding: Finding | None, expires: dt.date, line: int) -> WaiverReport:
    return WaiverReport.model_validate(
        {
            "state": state,
            "fingerprint": finding.fingerprint if finding else "ffffffffffffffff",
            "rule": finding.rule if finding else "RECT-OVERDUE",
            "subject": finding.subject if finding else "P-999",
            "reason": "整改方案已报批",
            "approver": "王主任",
            "approved_on": dt.date(2026, 10, 1),
            "expires_on": expires,
            "file": "waivers.yaml",
            "line": line,
            "matched": [finding.fingerprint] if finding else [],
        }
    )


@pytest.fixture(scope="module")
def result(scanned: ScanResult) -> ScanResult:
    """The demo scan as a history and waivers would leave it, plus one finding with hostile text.

    RECT-OVERDUE P-001 persists under an active waiver; P-002 regressed and its waiver expired;
    ACCOUNTABILITY-REFERRAL is new; ESC-BASIN carries a formula, a pipe, a line break and a bell.
    """
    waived = _finding(scanned, "RECT-OVERDUE", "P-001")
    expired = _finding(scanned, "RECT-OVERDUE", "P-002")
    new = _finding(scanned, "ACCOUNTABILITY-REFERRAL", "U-TOWN-A")
    hostile = _finding(scanned, "ESC-BASIN", "P-032")
    active_waiver, expired_waiver, unmatched = (
        _waiver("active", waived, dt.date(2026, 12, 31), 2),
        _waiver("expired", expired, dt.date(2026, 11, 1), 9),
        _waiver("unmatched", None, dt.date(2027, 1, 31), 16),
    )
    findings = []
    for finding in scanned.findings:
        update: dict[str, object] = {"history": History(state="persisting", first_seen=PREVIOUS, days_open=7)}
        if finding is waived:
            update["history"] = History(state="persisting", first_seen=dt.date(2026, 10, 1), days_open=56)
            update["waiver"] = _state(active_waiver)
        elif finding is expired:
            update["history"] = History(state="regressed", first_seen=dt.date(2026, 9, 1), days_open=86)
            update["waiver"] = _state(expired_waiver)
        elif finding is new:
            update["history"] = History(state="new", first_seen=AS_OF, days_open=0)
        elif finding is hostile:
            update["message"] = Text(zh=HOSTILE, en=HOSTILE)
            update["remedy"] = Text(zh=REMEDY, en=REMEDY)
            update["responsible_name"] = PIPED
        findings.append(finding.model_copy(update=update))
    resolved = ResolvedFinding(
        fingerprint="0123456789abcdef",
        rule="RECT-OVERDUE",
        article=25,
        severity="high",
        subject="P-010",
        responsible="U-GREEN",
        message=Text(zh="问题P-010已逾期", en="Problem P-010 is overdue"),
        first_seen=dt.date(2026, 10, 15),
        last_seen=PREVIOUS,
    )
    return scanned.model_copy(
        update={
            "findings": findings,
            "previous_scan": PREVIOUS,
            "resolved": [resolved],
            "waivers": [active_waiver, expired_waiver, unmatched],
        }
    )


def _state(report: WaiverReport) -> WaiverState:
    fields = ("state", "reason", "approver", "approved_on", "expires_on", "file", "line")
    return WaiverState.model_validate({name: getattr(report, name) for name in fields})


def _bare(result: ScanResult) -> ScanResult:
    """The result without history or waivers (what a first scan gives)."""
    return result.model_copy(update={"resolved": [], "waivers": [], "previous_scan": None})


# --- every format -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_same_result_gives_same_bytes(result: ScanResult, fmt: str, lang: str) -> None:
    first = render(result, fmt, lang)
    again = render(ScanResult.model_validate_json(result.to_json()), fmt, lang)
    assert first == again
    assert first != render(result, fmt, "en" if lang == "zh" else "zh")


def test_xlsx_carries_as_of_as_every_time(result: ScanResult) -> None:
    data = render(result, "xlsx", "zh")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 26, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2026-11-26T00:00:00Z") == 2  # created and modified
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.properties.created == workbook.properties.modified == dt.datetime(2026, 11, 26)


# --- Markdown -----------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """A Markdown table row's cells, split on the pipes that are not escaped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("lang", LANGS)
def test_markdown_sections_in_order(result: ScanResult, lang: str) -> None:
    text = render_markdown(result, lang)
    label = LABEL[lang]
    headings = [line for line in text.splitlines() if line.startswith(("# ", "## "))]
    summary = "概况" if lang == "zh" else "Summary"
    assert headings == [
        f"# {label['title']}",
        f"## {summary}",
        f"## {label['findings']} ({len(result.findings)})",
        f"## {label['scores']}",
        f"## {label['resolved']} (1)",
        f"## {label['waivers']} (3)",
        "## 检查范围" if lang == "zh" else "## Scope",
    ]
    assert f"{label['as_of']} 2026-11-26" in text
    assert f"{label['previous_scan']} 2026-11-19" in text
    assert result.stamp.rules_version in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_markdown_groups_findings_by_article_then_severity(result: ScanResult) -> None:
    section = _section(render_markdown(result, "zh"), f"## 发现问题 ({len(result.findings)})")
    headings = [line for line in section.splitlines() if line.startswith("###")]
    # articles in order, and within each the severities from the most severe down, each with its count
    order = ("critical", "high", "medium", "low", "info")
    zh = {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"}
    expected = []
    for article in sorted({f.article for f in result.findings}):
        of_article = [f for f in result.findings if f.article == article]
        expected.append(f"### 第{article}条 ({len(of_article)})")
        for severity in order:
            count = sum(f.severity == severity for f in of_article)
            if count:
                expected.append(f"#### {zh[severity]} ({count})")
    assert headings == expected
    # some groups as they were before the rules of 2026-11, and the new articles 6 and 34
    for group in (["### 第23条 (3)", "#### 高 (2)", "#### 中 (1)"], ["### 第28条 (1)", "#### 严重 (1)"]):
        assert headings[headings.index(group[0]) : headings.index(group[0]) + len(group)] == group
    assert headings[:3] == ["### 第6条 (2)", "#### 高 (1)", "#### 中 (1)"]
    assert headings[-3:] == ["### 第34条 (2)", "#### 中 (1)", "#### 低 (1)"]
    rows = [_cells(line) for line in section.splitlines() if line.startswith("| ") and "`" in line]
    assert sorted(row[-1].strip("`") for row in rows) == sorted(f.fingerprint for f in result.findings)
    assert rows[0][:3] == ["高", "COMPLAINT-MAJOR-NOT-CLOSED", "CP-003"]  # article 6, high


def test_markdown_summary_counts_failing_waived_and_history(result: ScanResult) -> None:
    text = render_markdown(result, "en")
    rows = {cells[0]: cells[1:] for cells in map(_cells, _section(text, "## Summary").splitlines()) if cells}
    high = sum(f.severity == "high" for f in result.findings)
    assert high == 17  # the demo's 15 of before, COMPLAINT-MAJOR-NOT-CLOSED and MATTER-UNANSWERED
    assert rows["high"] == [str(high - 1), "1", str(high)]  # RECT-OVERDUE P-001 is waived
    assert rows["critical"] == ["1", "0", "1"]
    assert rows["Severity"] == ["Failing", "Waived", "Total"]
    assert rows["Total"][:3] == [str(len(result.findings) - 1), "1", str(len(result.findings))]
    assert rows["new"] == ["1"]
    assert rows["persisting"] == [str(len(result.findings) - 2)]
    assert rows["regressed"] == ["1"]
    assert rows["resolved"] == ["1"]


def test_markdown_escapes_pipes_and_line_breaks(result: ScanResult) -> None:
    text = render_markdown(result, "zh")
    assert "清溪区\\|河长办<br>二科 (U-OFFICE)" in text
    for table in re.findall(r"(?:^\|.*\n)+", text, flags=re.MULTILINE):
        widths = {len(_cells(row)) for row in table.splitlines()[:1] + table.splitlines()[2:]}
        assert len(widths) == 1, table
    row = next(line for line in text.splitlines() if "ESC-BASIN" in line)
    assert _cells(row)[3] == "清溪区\\|河长办<br>二科 (U-OFFICE)"


def test_markdown_status_names_waivers_and_their_dates(result: ScanResult) -> None:
    text = render_markdown(result, "zh")
    rows = {cells[2]: cells for cells in map(_cells, text.splitlines()) if len(cells) == 7}
    assert rows["P-001"][4] == "已豁免；已豁免至2026-12-31"
    assert rows["P-002"][4] == "复发；豁免已于2026-11-01到期"
    assert rows["U-TOWN-A"][4] == "新增"
    waivers = [_cells(line) for line in _section(text, "## 豁免 (3)").splitlines()[4:] if line]
    assert [row[0] for row in waivers] == ["生效", "已到期", "未匹配任何问题"]
    assert waivers[2][8] == "waivers.yaml:16"


def test_markdown_scores_lowest_first_with_rank(result: ScanResult) -> None:
    section = _section(render_markdown(result, "en"), "## Unit scores")
    rows = [_cells(line) for line in section.splitlines()[4:] if line.startswith("|")]
    assert [float(row[3]) for row in rows] == sorted(s.score for s in result.scores)
    assert rows[0][:2] == [str(len(result.scores)), "U-TOWN-A"]
    assert rows[-1][0] == rows[-2][0] == "1"  # two untouched units share first place


def test_markdown_without_findings_says_so(result: ScanResult) -> None:
    text = render_markdown(_bare(result).model_copy(update={"findings": []}), "en")
    assert "## Findings (0)\n\nNo findings.\n" in text
    assert "## Resolved" not in text and "## Waivers" not in text


# --- CSV ----------------------------------------------------------------------------------------


def _csv_rows(result: ScanResult, lang: str) -> list[list[str]]:
    data = render(result, "csv", lang)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("lang", "header"),
    [
        ("zh", ["指纹", "规则", "条款", "类别", "严重程度", "状态", "持续天数", "对象", "责任单位"]),
        ("en", ["Fingerprint", "Rule", "Article", "Kind", "Severity", "Status", "Days open", "Subject"]),
    ],
)
def test_csv_one_row_per_finding_headed_in_lang(result: ScanResult, lang: str, header: list[str]) -> None:
    rows = _csv_rows(result, lang)
    assert rows[0][: len(header)] == header
    assert len(rows[0]) == 14
    found = len(result.findings)
    assert [row[0] for row in rows[1 : found + 1]] == [f.fingerprint for f in result.findings]
    # then the scope: the demo is named as such (status 演示数据 / Demo data), every rule was checked
    demo = "演示数据" if lang == "zh" else "Demo data"
    assert [row[5] for row in rows[found + 1 :]] == [demo]
    assert all(len(row) == 14 for row in rows)


def test_csv_cells(result: ScanResult) -> None:
    rows = {row[7]: row for row in _csv_rows(result, "zh")[1:]}
    assert rows["P-001"][1:7] == ["RECT-OVERDUE", "25", "逾期", "高", "已豁免", "56"]
    assert rows["P-002"][5:7] == ["复发", "86"]
    assert rows["P-001"][8:11] == ["U-WATER", "清溪区水务局", "清溪区"]
    assert rows["P-001"][13] == "2026-11-26"


def test_csv_neutralises_formulas_and_quotes_line_breaks(result: ScanResult) -> None:
    text = render(result, "csv", "en").decode("utf-8-sig")
    assert "\r" not in text
    row = next(row for row in _csv_rows(result, "en") if row[1] == "ESC-BASIN")
    assert row[11] == "'" + HOSTILE
    assert row[12] == "'" + REMEDY
    assert row[9] == PIPED  # a line break inside a quoted cell survives the round trip


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralise_prefixes_every_formula_start(start: str) -> None:
    assert neutralise(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize("text", ["P-001", "a=b", "清溪区", "", " =1"])
def test_neutralise_leaves_plain_text(text: str) -> None:
    assert neutralise(text) == text


# --- XLSX ---------------------------------------------------------------------------------------


def _workbook(result: ScanResult, lang: str = "zh") -> Any:  # an openpyxl Workbook (untyped)
    return load_workbook(io.BytesIO(render(result, "xlsx", lang)))


@pytest.mark.parametrize("lang", LANGS)
def test_xlsx_sheets_header_filter_and_rows(result: ScanResult, lang: str) -> None:
    workbook = _workbook(result, lang)
    assert workbook.sheetnames == SHEETS[lang]
    wanted_rows = [
        len(result.findings),
        len(result.scores),
        sum(f.kind == "interview" for f in result.findings),
        sum(f.kind == "escalation" for f in result.findings),
        1,
        3,
        1 + len(result.scope.files),  # the demo note, then each file read
    ]
    for sheet, rows in zip(workbook.worksheets, wanted_rows, strict=True):
        assert sheet.max_row - 1 == rows, sheet.title
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(cell.font.bold for cell in sheet[1])
        assert not any(cell.font.bold for cell in sheet[2])
    assert wanted_rows[2:4] == [2, 3]


def test_xlsx_only_sheets_it_has_rows_for(result: ScanResult) -> None:
    assert _workbook(_bare(result), "en").sheetnames == [*SHEETS["en"][:4], "scope"]
    empty = _workbook(_bare(result).model_copy(update={"findings": []}), "en")
    assert empty["findings"].max_row == 1
    assert empty["findings"].auto_filter.ref == "A1:N1"


def test_xlsx_dates_are_dates_and_severity_is_text(result: ScanResult) -> None:
    workbook = _workbook(result)
    findings = workbook["问题"]
    header = [cell.value for cell in findings[1]]
    as_of = findings.cell(2, header.index("检查日期") + 1)
    assert as_of.value == dt.datetime(2026, 11, 26)
    assert as_of.number_format == "yyyy-mm-dd"
    severity = findings.cell(2, header.index("严重程度") + 1)
    assert (severity.value, severity.data_type) == ("严重", "s")
    assert findings.cell(2, header.index("条款") + 1).value == 28
    waivers = workbook["豁免"]
    assert isinstance(waivers.cell(2, 8).value, dt.datetime)


def test_xlsx_formula_text_stays_text(result: ScanResult) -> None:
    data = render(result, "xlsx", "en")
    sheet = load_workbook(io.BytesIO(data))["findings"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "ESC-BASIN")
    message = row[header.index("Message")]
    assert (message.value, message.data_type) == (HOSTILE, "s")
    assert row[header.index("Remedy")].value == REMEDY.replace("\x07", "\ufffd")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)


def test_xlsx_scores_and_column_widths(result: ScanResult) -> None:
    workbook = _workbook(result, "en")
    scores = [[cell.value for cell in row] for row in workbook["scores"].iter_rows(min_row=2)]
    assert [row[2] for row in scores] == sorted(s.score for s in result.scores)
    assert scores[0][0] == "U-TOWN-A" and scores[0][4] == len(result.scores)
    sheet = workbook["findings"]
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert all(6 <= width <= 60 for width in widths.values())
    assert widths["Message"] == 60  # long text is capped
    assert widths["Fingerprint"] == 18  # 16 hex digits, +2 for the filter button


# --- JUnit --------------------------------------------------------------------------------------


def _junit(tmp_path: Path, text: str) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


@pytest.mark.parametrize("lang", LANGS)
def test_junit_one_suite_per_rule_with_correct_counts(tmp_path: Path, result: ScanResult, lang: str) -> None:
    text = render_junit(result, lang)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    xml = _junit(tmp_path, text)
    suites = list(xml)
    titles = {f.rule: (f.title.zh if lang == "zh" else f.title.en) for f in result.findings}
    # the rules that only derive records (no findings), each with one passing "no findings" case
    record_rules = {r.rule.id for r in load_rules(ROOT / "rules").rules if r.rule.then.finding is None}
    assert record_rules == {
        "CHIEF-IN-POST",
        "CIVIL-POST",
        "DOC-IN-FORCE",
        "DOC-LATEST",
        "ESC-SUBMITTED",
        "OFFICE-SYSTEM-IN-FORCE",
        "PATROL-LAST",
        "RECT-PERSISTS",
        "REMINDER-CHIEF-OVERDUE",
        "SCORE-DEDUCTION",
        "SIGNBOARD-CURRENT",
        "TASK-AREA-ASSIGNED",
    }
    assert [s.name for s in suites] == sorted(
        [f"{rule} {title}" for rule, title in titles.items()] + sorted(record_rules)
    )
    for suite in suites:
        cases = list(suite)
        assert suite.tests == len(cases) > 0
        assert suite.failures == sum(case.is_failure for case in cases)
        assert suite.skipped == sum(case.is_skipped for case in cases)
        assert suite.errors == 0
        assert suite.timestamp == "2026-11-26T00:00:00"
    assert xml.tests == len(result.findings) + len(record_rules)
    assert xml.failures == sum(f.failing for f in result.findings) == len(result.findings) - 1
    assert xml.skipped == 1


def test_junit_cases_fail_or_skip_per_finding(tmp_path: Path, result: ScanResult) -> None:
    xml = _junit(tmp_path, render_junit(result, "en"))
    cases = {case.name: case for suite in xml for case in suite}
    for finding in result.findings:
        case = cases[f"{finding.subject} ({finding.fingerprint})"]
        assert case.classname == f"rivercheck.{finding.rule}"
        (outcome,) = case.result
        if finding.failing:
            assert isinstance(outcome, Failure)
            assert outcome.type == finding.severity
            assert outcome.message == finding.message.en
            assert finding.remedy.en.replace("\x07", "\ufffd") in outcome.text
            assert all(f"{fact.file}:{fact.line}" in outcome.text for fact in finding.facts)
        else:
            assert isinstance(outcome, Skipped)
            assert outcome.message == "waived until 2026-12-31"
    expired = cases[f"P-002 ({_finding(result, 'RECT-OVERDUE', 'P-002').fingerprint})"]
    assert "waiver expired on 2026-11-01" in expired.result[0].text
    for rule in ("ESC-SUBMITTED", "RECT-PERSISTS", "SCORE-DEDUCTION"):
        (passing,) = (case for suite in xml for case in suite if case.classname == f"rivercheck.{rule}")
        assert passing.name == "no findings" and passing.is_passed


def test_junit_lists_every_rule_it_is_given(tmp_path: Path, result: ScanResult) -> None:
    quiet = Text(zh="安静的规则", en="A quiet rule")
    xml = _junit(tmp_path, render_junit(_bare(result), "zh", rules={"ZZ-QUIET": quiet}))
    suite = next(s for s in xml if s.name == "ZZ-QUIET 安静的规则")
    (case,) = list(suite)
    assert (case.name, case.is_passed, suite.tests, suite.failures) == ("no findings", True, 1, 0)


def test_junit_escapes_and_drops_what_xml_cannot_hold(tmp_path: Path, result: ScanResult) -> None:
    odd = _finding(result, "ESC-BASIN", "P-032").model_copy(
        update={"subject": 'P-032 <&> "q"\x01', "message": Text(zh="a\x0bb", en="<b>&amp;</b>")}
    )
    text = render_junit(result.model_copy(update={"findings": [odd]}), "en")
    assert "\x01" not in text and "\x0b" not in text
    (case,) = (case for suite in _junit(tmp_path, text) for case in suite if "P-032" in case.name)
    assert case.name == f'P-032 <&> "q"\ufffd ({odd.fingerprint})'
    assert case.result[0].message == "<b>&amp;</b>"
