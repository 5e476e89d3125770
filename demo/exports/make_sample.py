"""Generate the sample export of the demo district: ledger-2026-11.xlsx and ledger-2026-11.csv.

    python demo/exports/make_sample.py        # from the repository root, in the project's .venv

The export is what a river chief information system hands a supervisor: the demo district's problem
ledger, its 37 problems (demo/district/problems.yaml, not problems-supervision.yaml, whose plan and
listing dates the export has no column for) and 300 more, with Chinese headers, units, waterbodies
and chiefs by NAME (some units by an alias, a few waterbodies by key), status and other words as the
mapping (ledger-mapping.yaml) translates them, and dates in every spelling it accepts: ISO text,
2026/11/26, 2026年11月26日, real Excel date cells and Excel date numbers (the CSV, being text, has
the text spellings and the numbers). The 300 extra problems (P-100 to P-399) are compliant: signed
off in time in 2025, or open with a deadline more than a week after the demo's scan date (not due
soon) and found before 2026-11-01 (plan_required_from: the export records no plan dates), and their
categories are not the demo's; so the export, with every other demo file beside it, gives exactly
the demo's findings.

Same input, same bytes: the workbook's times are fixed (checker.reports.xlsx), and nothing here is
random. The CSV is GB18030, as Chinese Excel saves "CSV".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from checker.reports.xlsx import _save  # the deterministic save of the XLSX report
from facts.exports.mapping import load_mapping
from facts.load.pipeline import load_facts
from facts.models import Problem

HERE = Path(__file__).resolve().parent
DISTRICT = HERE.parent / "district"
AS_OF = dt.date(2026, 11, 26)
EXTRA = 300
TITLE = "清溪区河长制问题台账（导出日期：2026年11月26日）"
SHEET = "问题台账"
LEDGER = "problems.yaml"  # the demo's problem ledger, the file the export stands for
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_1900 = dt.date(1899, 12, 30)  # serial 0 for days after 1900-02-28
EXTRA_CATEGORIES = [
    "护岸破损",
    "绿化缺损",
    "标识缺失",
    "水面保洁不到位",
    "涉河施工",
    "养殖污染",
    "取水口异常",
    "闸站故障",
    "堤防渗漏",
    "树木倒伏",
    "排水管破损",
    "非法捕捞",
    "河道障碍物",
    "水草疯长",
    "沿岸堆物",
]
UNITS = ["U-WATER", "U-ENV", "U-GREEN", "U-TOWN-A", "U-TOWN-B", "U-GOV"]
REMARKS = ["", "已现场复核", "", "群众来电", "", "", "河长巡河发现", ""]


def main(out: Path = HERE) -> None:
    facts = load_facts([DISTRICT])
    names = {(f.record.kind, f.record.key): getattr(f.record, "name", "") for f in facts.facts}
    mapping = load_mapping(HERE / "ledger-mapping.yaml").mapping
    columns = mapping.tables[0].columns
    header = [*columns, *mapping.tables[0].ignore]
    words = {  # field -> value -> the first word the mapping translates to it
        column.field: {value: word for word, value in reversed(list(column.values.items()))}
        for column in columns.values()
        if column.values is not None
    }
    problems = [
        f.record
        for f in facts.of_kind("problem")
        if isinstance(f.record, Problem) and Path(f.location.path).name == LEDGER
    ]
    problems += list(extra_problems())
    rows = [row_of(problem, index, names, words) for index, problem in enumerate(problems)]
    write_xlsx(out / "ledger-2026-11.xlsx", header, rows)
    write_csv(out / "ledger-2026-11.csv", header, rows)


def extra_problems() -> Iterator[Problem]:
    """Compliant problems: each (waterbody, category) signed off once in 2025, in time; the rest open
    with deadlines more than rect_due_soon_days (7) after AS_OF, found more than the recurrence window
    after those sign-offs and before plan_required_from (2026-11-01), so none needs a plan date."""
    for number in range(EXTRA):
        waterbody = f"W-{number % 12 + 1:02d}"
        category = EXTRA_CATEGORIES[(number // 12) % len(EXTRA_CATEGORIES)]
        assignee = UNITS[number % len(UNITS)]
        common: dict[str, Any] = {
            "key": f"P-{100 + number}",
            "waterbody": waterbody,
            "source": ["patrol", "inspection", "complaint", "survey", "unannounced_visit"][number % 5],
            "category": category,
            "severity": "general",
            "office": "U-OFFICE",
            "assignee": assignee,
        }
        if number % 7 == 3:
            common["target"] = "限期整改到位"
        if number < 12 * len(EXTRA_CATEGORIES):
            found = dt.date(2025, 1, 6) + dt.timedelta(days=number)
            yield Problem(
                **common,
                found_on=found,
                deadline=found + dt.timedelta(days=30),
                status="signed_off",
                signed_off_on=found + dt.timedelta(days=number % 25 + 1),
                verified=number % 4 != 0,
            )
        else:
            found = dt.date(2026, 7, 2) + dt.timedelta(days=number - 180)  # to 2026-10-29
            status = ["assigned", "in_progress", "rectified", "in_progress"][number % 4]
            escalated = ["C-03", "C-04"] if number % 10 == 5 else []
            yield Problem(
                **common,
                found_on=found,
                deadline=dt.date(2026, 12, 4) + dt.timedelta(days=number % 60),
                status=status,
                escalated_to=escalated,
            )


def row_of(
    problem: Problem, index: int, names: dict[tuple[str, str], str], words: dict[str, dict[Any, str]]
) -> list[Any]:
    """One row of the export, in the mapping's column order; dates stay dates (spelt when written)."""

    def name(kind: str, key: str | None) -> str:
        if key is None:
            return ""
        if kind == "unit" and key == "U-WATER":
            return ["清溪区水务局", "区水务局", "水务局"][index % 3]  # the mapping's aliases
        if kind == "waterbody" and index % 17 == 5:
            return key  # a cell that already is a key
        return names[kind, key]

    def word(field: str, value: Any) -> str:
        return "" if value is None else words[field][value]

    return [
        problem.key,
        name("waterbody", problem.waterbody),
        word("source", problem.source),
        problem.category,
        word("severity", problem.severity),
        word("scope", problem.scope),
        problem.found_on,
        name("unit", problem.assignee),
        problem.target or "",
        problem.deadline,
        word("status", problem.status),
        problem.signed_off_on,
        "、".join(name("chief", key) for key in problem.escalated_to),
        word("basin_referral", problem.basin_referral),
        word("verified", problem.verified),
        REMARKS[index % len(REMARKS)],
    ]


def spelt(day: dt.date, way: int) -> Any:
    """A date written one of five ways: ISO, slashes, Chinese, a date cell, an Excel date number."""
    return [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        day,
        (day - EXCEL_1900).days,
    ][way % 5]


def cells(row: list[Any], index: int, text_only: bool) -> list[Any]:
    """The row with each date spelt: rotating by row and column, so every column has every way."""
    out = []
    for column, value in enumerate(row):
        if isinstance(value, dt.date):
            value = spelt(value, index + column)
            if text_only and isinstance(value, dt.date):
                value = value.isoformat()
            value = str(value) if text_only else value
        out.append(value)
    return out


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append([TITLE])
    sheet.append(header)
    for index, row in enumerate(rows):
        sheet.append(cells(row, index, text_only=False))
    for row_cells in sheet.iter_rows(min_row=3):
        for cell in row_cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, str):
                cell.data_type = "s"
    notes = workbook.create_sheet("填表说明")
    notes.append(["本表由河长制信息系统导出，日期列格式不一，问题来源、办理状态等为系统词表。"])
    path.write_bytes(_save(workbook, AS_OF, "河长制信息系统问题台账导出"))


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for index, row in enumerate(rows):
        writer.writerow(cells(row, index, text_only=True))
    path.write_bytes(text.getvalue().encode("gb18030"))


if __name__ == "__main__":
    main()
