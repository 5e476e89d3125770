"""XLSX report: a workbook for the supervisors, one sheet per thing they act on.

Sheets (names in the report's language): findings (every finding, the CSV report's columns), scores
(unit, name, score, deducted, rank; lowest first), interviews due (findings of kind interview),
escalations (kind escalation), when the result has them resolved and waivers, and the scope (files read,
rules not checked and why: `checker.reports.scope`). Each sheet has a
bold header row frozen in place, an autofilter over its data, column widths fitted to the text
(CJK characters count double), dates as real dates (yyyy-mm-dd) and severities as words.

Record text is always stored as a string cell, never a formula: openpyxl would otherwise store
`=HYPERLINK(...)` from a problem description as a formula. The text is kept exactly as recorded (a
string cell cannot run), minus the control characters an XLSX cannot hold (U+FFFD instead;
`checker.reports.safe.for_xlsx`). A cell that looks like a formula also gets Excel's quote-prefix
style, which is what typing `'` before it would give: Excel shows it as text, and it stays text when
someone edits the cell (a plain string cell would become a formula on F2 and Enter). No `'` is added
to the value itself, so a program reading the workbook gets the text as recorded.

Same result, same bytes: the workbook's created and modified times are as_of (openpyxl's own save
would stamp the current time, so it is bypassed), and every zip entry carries as_of as its date.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from checker.reports.csv import Cell, finding_cells, finding_header, in_lang, ranked, waiver_table
from checker.reports.safe import for_xlsx, looks_like_formula
from checker.reports.scope import WORDS as SCOPE_WORDS
from checker.reports.scope import scope_table
from checker.reports.words import LABEL, SEVERITY
from checker.results.document import Finding, ScanResult

SHEETS = {
    "zh": {
        "findings": "问题",
        "scores": "得分",
        "interviews": "应约谈",
        "escalations": "提级报送",
        "resolved": "已解决",
        "waivers": "豁免",
    },
    "en": {
        "findings": "findings",
        "scores": "scores",
        "interviews": "interviews due",
        "escalations": "escalations",
        "resolved": "resolved",
        "waivers": "waivers",
    },
}
WORDS = {
    "zh": {
        "name": "名称",
        "first_seen": "首次发现",
        "last_seen": "最后发现",
    },
    "en": {
        "name": "Name",
        "first_seen": "First seen",
        "last_seen": "Last seen",
    },
}
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 6, 60


def render_xlsx(result: ScanResult, lang: str = "zh") -> bytes:
    sheets = SHEETS[lang]
    workbook = Workbook()
    workbook.remove(workbook.active)
    header = finding_header(lang)
    _sheet(workbook, sheets["findings"], header, _finding_rows(result.findings, lang))
    _sheet(workbook, sheets["scores"], _score_header(lang), _score_rows(result))
    for key, kind in (("interviews", "interview"), ("escalations", "escalation")):
        chosen = [f for f in result.findings if f.kind == kind]
        _sheet(workbook, sheets[key], header, _finding_rows(chosen, lang))
    if result.resolved:
        _sheet(workbook, sheets["resolved"], *_resolved(result, lang))
    if result.waivers:
        _sheet(workbook, sheets["waivers"], *_waivers(result, lang))
    header, rows = scope_table(result.scope, result.stamp.as_of.isoformat(), lang)
    _sheet(workbook, SCOPE_WORDS[lang]["sheet"], header, rows)  # type: ignore[arg-type]
    return _save(workbook, result.stamp.as_of, LABEL[lang]["title"])


def _finding_rows(findings: Sequence[Finding], lang: str) -> list[list[Cell]]:
    return [finding_cells(finding, lang) for finding in findings]


def _score_header(lang: str) -> list[str]:
    label = LABEL[lang]
    return [label["unit"], WORDS[lang]["name"], label["score"], label["deducted"], label["rank"]]


def _score_rows(result: ScanResult) -> list[list[Cell]]:
    return [[s.unit, s.name, s.score, s.deducted, rank] for rank, s in ranked(result.scores)]


def _resolved(result: ScanResult, lang: str) -> tuple[list[str], list[list[Cell]]]:
    label, words = LABEL[lang], WORDS[lang]
    header = [
        label["fingerprint"],
        label["rule"],
        label["article"],
        label["severity"],
        label["subject"],
        label["responsible"],
        label["message"],
        words["first_seen"],
        words["last_seen"],
    ]
    rows: list[list[Cell]] = [
        [
            r.fingerprint,
            r.rule,
            r.article,
            SEVERITY[lang].get(r.severity, r.severity),
            r.subject,
            r.responsible,
            in_lang(r.message, lang),
            r.first_seen,
            r.last_seen,
        ]
        for r in sorted(result.resolved, key=lambda r: (r.rule, r.subject, r.fingerprint))
    ]
    return header, rows


def _waivers(result: ScanResult, lang: str) -> tuple[list[str], list[list[Cell]]]:
    return waiver_table(result.waivers, lang)


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[Cell]]) -> None:
    """A sheet: bold frozen header, autofilter over the data, fitted widths, typed cells."""
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    widths = [_width(name) for name in header]
    for column, name in enumerate(header, start=1):
        sheet.cell(row=1, column=column, value=name).font = bold
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            _write(sheet.cell(row=row_number, column=column), value)
            widths[column - 1] = max(widths[column - 1], _width(value))
    last = get_column_letter(len(header))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    for column, width in enumerate(widths, start=1):
        # +2 for the autofilter's drop-down button on the header
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))


def _write(cell: Any, value: Cell) -> None:
    if isinstance(value, str):
        cell.value = for_xlsx(value)
        cell.data_type = "s"  # text, even when it starts with '=' (openpyxl made it a formula)
        if looks_like_formula(value):
            cell.quotePrefix = True  # and text still after an edit in Excel
    else:
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT


def _width(value: Cell) -> int:
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in text.splitlines()
        ),
        default=0,
    )


def _save(workbook: Workbook, as_of: dt.date, title: str) -> bytes:
    """The workbook's bytes, the same for the same content: every time in it is as_of."""
    moment = dt.datetime(as_of.year, as_of.month, as_of.day)
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "rivercheck"
    workbook.properties.title = title
    written = io.BytesIO()
    # ExcelWriter, not workbook.save(): save() sets `modified` to the current time.
    ExcelWriter(workbook, zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED)).save()
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(written) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            # zip stores local time to the second, from 1980 on
            info = zipfile.ZipInfo(
                entry.filename, date_time=(max(as_of.year, 1980), as_of.month, as_of.day, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()
