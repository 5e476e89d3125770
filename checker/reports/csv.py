"""CSV report: one row per finding, headed in the report's language, safe to open in a spreadsheet.

The findings table defined here (its columns and a finding's cells) is shared with the XLSX report,
so both say the same thing in the same order. A cell whose text starts like a formula (`=`, `+`,
`-`, `@`, tab, CR, NUL, or a full-width `＝＋－＠`) gets a leading `'`: record text comes from many
hands, and a spreadsheet would otherwise run `=HYPERLINK(...)` from a problem description (CSV
injection; `checker.reports.safe.for_csv`). Other text is kept as recorded. Every field is quoted
(RFC 4180, through the csv module): with minimal quoting the csv module leaves a field holding a bare
CR unquoted, and a spreadsheet starts a new row at the CR, the text after it a cell of its own that
no prefix guards. Lines end in `\\n`. The dispatcher encodes the text as UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from checker.language.schema import Text
from checker.reports.safe import FORMULA_STARTS as FORMULA_STARTS
from checker.reports.safe import for_csv
from checker.reports.scope import WORDS as SCOPE_WORDS
from checker.reports.words import KIND, LABEL, SEVERITY, WAIVER, status
from checker.results.document import Finding, ScanResult, UnitScore, WaiverReport

WORDS = {
    "zh": {"responsible_name": "责任单位名称"},
    "en": {"responsible_name": "Responsible name"},
}
COLUMNS = (
    "fingerprint",
    "rule",
    "article",
    "kind",
    "severity",
    "status",
    "days_open",
    "subject",
    "responsible",
    "responsible_name",
    "district",
    "message",
    "remedy",
    "as_of",
)

Cell = str | int | float | dt.date | None


def render_csv(result: ScanResult, lang: str = "zh") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(finding_header(lang))
    for finding in result.findings:
        writer.writerow([_text(cell) for cell in finding_cells(finding, lang)])
    for row in scope_rows(result, lang):
        writer.writerow([_text(cell) for cell in row])
    return buffer.getvalue()


def scope_rows(result: ScanResult, lang: str) -> list[list[Cell]]:
    """The scope as rows of the findings table: the demo note, then each rule not checked with the
    status 未检查 / not checked and why as its message, so a filter on the status column finds them
    (the files read are listed by the other formats)."""
    words = SCOPE_WORDS[lang]
    as_of = result.stamp.as_of
    rows: list[list[Cell]] = []
    if result.scope.demo:
        rows.append(
            ["", "", None, "", "", words["section_demo"], None, "", "", "", "", words["demo"], "", as_of]
        )
    for item in result.scope.not_checked:
        rows.append(
            [
                "",
                item.rule,
                item.article,
                KIND[lang].get(item.kind, item.kind),
                SEVERITY[lang].get(item.severity, item.severity),
                words["status"],
                None,
                "",
                "",
                "",
                "",
                f"{in_lang(item.title, lang)}: {in_lang(item.why, lang)}",
                "",
                as_of,
            ]
        )
    return rows


def finding_header(lang: str) -> list[str]:
    """The findings table's column names in `lang`."""
    return [WORDS[lang].get(name) or LABEL[lang][name] for name in COLUMNS]


def finding_cells(finding: Finding, lang: str) -> list[Cell]:
    """One finding as the findings table's cells (typed: a date stays a date, a number a number)."""
    return [
        finding.fingerprint,
        finding.rule,
        finding.article,
        KIND[lang].get(finding.kind, finding.kind),
        SEVERITY[lang].get(finding.severity, finding.severity),
        finding_status(finding, lang),
        finding.history.days_open if finding.history else None,
        finding.subject,
        finding.responsible,
        finding.responsible_name,
        finding.district,
        in_lang(finding.message, lang),
        in_lang(finding.remedy, lang),
        finding.as_of,
    ]


def finding_status(finding: Finding, lang: str) -> str:
    """waived, or the history state (new, persisting, regressed); empty without history."""
    return status(
        finding.history.state if finding.history else None,
        finding.waiver.state if finding.waiver else None,
        lang,
    )


def waiver_table(waivers: Sequence[WaiverReport], lang: str) -> tuple[list[str], list[list[Cell]]]:
    """The waivers as a table (header, rows), in file order: shared by Markdown and Excel."""
    label, words = LABEL[lang], WAIVER[lang]
    header = [label["status"], label["fingerprint"], label["rule"], label["subject"]]
    header += [
        words[name] for name in ("reason", "approver", "approved_on", "expires_on", "source", "matched")
    ]
    rows: list[list[Cell]] = [
        [
            label["unmatched"] if w.state == "unmatched" else words[w.state],
            w.fingerprint,
            w.rule,
            w.subject,
            w.reason,
            w.approver,
            w.approved_on,
            w.expires_on,
            f"{w.file}:{w.line}",
            ", ".join(w.matched),
        ]
        for w in sorted(waivers, key=lambda w: (w.file, w.line))
    ]
    return header, rows


def in_lang(text: Text, lang: str) -> str:
    """A Text's words in `lang` (zh or en)."""
    return text.zh if lang == "zh" else text.en


neutralise = for_csv
"""Text a spreadsheet would read as a formula, with a leading `'` so it stays text."""


def ranked(scores: Sequence[UnitScore]) -> list[tuple[int, UnitScore]]:
    """Unit scores lowest first, each with its rank (1 = highest score; equal scores share a rank)."""
    rank: dict[float, int] = {}
    for place, score in enumerate(sorted((s.score for s in scores), reverse=True), start=1):
        rank.setdefault(score, place)
    return [(rank[s.score], s) for s in sorted(scores, key=lambda s: (s.score, s.unit))]


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)
