"""Reports: views of one ScanResult. None recomputes anything; each only lays the result out.

`render(result, fmt, lang)` gives a report's bytes. Formats, and the file suffix that selects each
when `scan --output PATH` names no format: table (.txt), json (.json), markdown (.md), html (.html),
junit (.xml), csv (.csv), xlsx (.xlsx). Human-readable formats follow `lang` (zh by default).
"""

from __future__ import annotations

from pathlib import Path

from checker.errors import CheckerError, Location
from checker.results.document import ScanResult

FORMATS = ("table", "json", "markdown", "html", "junit", "csv", "xlsx")
SUFFIXES = {
    ".txt": "table",
    ".json": "json",
    ".md": "markdown",
    ".html": "html",
    ".xml": "junit",
    ".csv": "csv",
    ".xlsx": "xlsx",
}


def render(result: ScanResult, fmt: str, lang: str = "zh", colour: bool = False) -> bytes:
    """The report in one format, as the bytes to write."""
    if fmt == "table":
        from checker.reports.table import render_table

        return render_table(result, lang, colour).encode()
    if fmt == "json":
        return result.json_bytes()
    if fmt == "markdown":
        from checker.reports.markdown import render_markdown

        return render_markdown(result, lang).encode()
    if fmt == "html":
        from checker.reports.html import render_html

        return render_html(result, lang).encode()
    if fmt == "junit":
        from checker.reports.junit import render_junit

        return render_junit(result, lang, {rule.id: rule.title for rule in result.rules}).encode()
    if fmt == "csv":
        from checker.reports.csv import render_csv

        return render_csv(result, lang).encode("utf-8-sig")  # with a BOM, so Excel reads the Chinese
    if fmt == "xlsx":
        from checker.reports.xlsx import render_xlsx

        return render_xlsx(result, lang)
    raise ValueError(f"unknown report format {fmt!r}")


def output_format(spec: str, default: str | None = None) -> tuple[str, Path]:
    """`FORMAT:PATH`, or a PATH whose suffix says the format (`report.html`, `junit.xml`), or else
    the `default` format."""
    head, sep, tail = spec.partition(":")
    if sep and head in FORMATS:
        return head, Path(tail)
    path = Path(spec)
    fmt = SUFFIXES.get(path.suffix.lower(), default)
    if fmt is None:
        raise CheckerError.at(
            Location(spec),
            "output-format",
            f"cannot tell the report format of '{spec}' from its suffix",
            help="use one of "
            + ", ".join(SUFFIXES)
            + ", or write FORMAT:PATH with FORMAT one of "
            + ", ".join(FORMATS),
        )
    return fmt, path
