"""Every format shows the scan's scope: the files read, the kinds supplied and not, the rules not
checked and why; each format is read back as its reader would (docs/scope.md, docs/reports.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checker.bundled import DEMO_DISTRICT, RULES
from checker.reports import render
from checker.results.document import ScanResult
from checker.scan import scan

LEDGER = Path(__file__).resolve().parents[1] / "field" / "songjiang-records" / "ledger-only"
AS_OF = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def result() -> ScanResult:
    return scan([LEDGER], RULES, AS_OF)


@pytest.fixture(scope="module")
def demo() -> ScanResult:
    return scan([DEMO_DISTRICT], RULES, AS_OF)


def text(result: ScanResult, fmt: str, lang: str = "zh") -> str:
    return render(result, fmt, lang).decode("utf-8-sig")


def test_the_scope_names_the_file_and_the_rules_not_checked(result: ScanResult) -> None:
    [read] = result.scope.files
    assert Path(read.path).name == "problems.csv" and read.kind == "problem" and read.records == 28
    assert len(result.scope.not_checked) > 40 and result.scope.not_supplied[:2] == ["chief", "complaint"]


def test_json(result: ScanResult) -> None:
    data = json.loads(text(result, "json"))
    assert data["scope"]["supplied"] == ["problem"]
    assert {item["rule"] for item in data["scope"]["not_checked"]} == {
        i.rule for i in result.scope.not_checked
    }
    assert data["stamp"]["result_version"] == "2"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table(result: ScanResult, lang: str) -> None:
    shown = text(result, "table", lang)
    heading = "检查范围" if lang == "zh" else "Scope"
    assert f"\n{heading}\n" in shown
    assert "problems.csv" in shown
    scope = shown.split(f"\n{heading}\n", 1)[1]
    assert ("未提供河长湖长名录" if lang == "zh" else "no chief records") in scope
    assert all(item.rule in scope for item in result.scope.not_checked)


def test_markdown(result: ScanResult) -> None:
    shown = text(result, "markdown")
    section = shown.split("## 检查范围\n", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| CHIEF-VACANCY |")]
    assert len(rows) == 1 and "未提供河长湖长名录" in rows[0]
    assert "problems.csv | 问题台账 | 28 |" in section


def test_html(result: ScanResult, demo: ScanResult) -> None:
    page = text(result, "html")
    section = page.split('<section id="scope">', 1)[1].split("</section>", 1)[0]
    assert "problems.csv" in section and "<td>CHIEF-VACANCY</td>" in section
    assert '<a href="#scope">' in page
    assert 'class="demo"' not in page
    assert 'class="demo"' in text(demo, "html")


def test_xlsx(result: ScanResult) -> None:
    workbook = load_workbook(io.BytesIO(render(result, "xlsx", "zh")))
    sheet = workbook["检查范围"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert ["已读取的文件", str(LEDGER / "problems.csv"), "问题台账", 28] == rows[0][:4]
    assert {row[1] for row in rows if row[0] == "未检查的规则"} == {i.rule for i in result.scope.not_checked}


def test_csv(result: ScanResult, demo: ScanResult) -> None:
    rows = list(csv.reader(io.StringIO(text(result, "csv"))))
    skipped = [row for row in rows if row[5] == "未检查"]
    assert {row[1] for row in skipped} == {i.rule for i in result.scope.not_checked}
    vacancy = next(row for row in skipped if row[1] == "CHIEF-VACANCY")
    assert vacancy[2] == "9" and vacancy[11].endswith("未提供河长湖长名录、河湖名录")
    demo_rows = list(csv.reader(io.StringIO(text(demo, "csv"))))
    assert [row[5] for row in demo_rows].count("演示数据") == 1


def test_junit(result: ScanResult) -> None:
    root = ET.fromstring(text(result, "junit"))
    skipped = {
        case.get("classname"): case.find("skipped")
        for case in root.iter("testcase")
        if case.get("name") == "not checked"
    }
    assert set(skipped) == {f"rivercheck.{i.rule}" for i in result.scope.not_checked}
    vacancy = skipped["rivercheck.CHIEF-VACANCY"]
    assert vacancy is not None and "河长湖长名录" in (vacancy.get("message") or "")
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["rivercheck.supplied"] == "problem" and properties["rivercheck.demo"] == "false"
    file_property = next(
        value for name, value in properties.items() if name and name.endswith("problems.csv")
    )
    assert file_property is not None and re.fullmatch(r"problem 28 [0-9a-f]{64}", file_property)
