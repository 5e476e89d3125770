"""Hostile text from records in every report (issue #7): each format shows it safely, as it promises.

The facts in `fixtures/hostile/` carry markup and script, formulas, Markdown, line breaks and
characters XML cannot hold into every field a report shows. Text the loader refuses (terminal
escapes, NUL, bidi overrides, zero-width characters) can still reach a report from a result
document or the history database, so the `result` fixture adds it to the scanned result. Each
format is then read back the way its readers read it: a real Chromium for HTML (Playwright and
Debian's /usr/bin/chromium, never a downloaded browser), ElementTree and junitparser for JUnit, the
csv module and openpyxl for CSV and XLSX, `json` for JSON, and by the rules of GitHub's Markdown.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from junitparser import JUnitXml
from openpyxl import load_workbook

from checker.language.schema import Text
from checker.reports import render
from checker.reports.html import render_html
from checker.reports.html_assets import SCRIPT, STYLE
from checker.reports.junit import render_junit
from checker.reports.markdown import render_markdown
from checker.reports.safe import for_csv, for_html, for_markdown, for_terminal, for_xml, visible
from checker.reports.table import render_table
from checker.results.document import Finding, History, ResolvedFinding, ScanResult, Scope
from checker.scan import ScanOptions, scan
from checker.state.waivers import apply_waivers, load_waivers
from cli import main

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "hostile"
AS_OF = dt.date(2026, 11, 26)
LANGS = ("zh", "en")

SCRIPT_TAG = "<script>window.__pwned=1</script>"
HYPERLINK = '=HYPERLINK("http://evil.example/","点我")'
FORGED = "第一行\n  RECT-OVERDUE  Art. 25  伪造的一行  [0000000000000000]"
"""A unit name whose second line looks like a row of the terminal table."""
ATTRIBUTE = '=1" autofocus onfocus="alert(1);window.__pwned=1" x="'
"""A district that would add attributes to any attribute value it were put in unescaped."""
MARKUP = [  # record text from the fixture that a browser would run or draw if it were not escaped
    SCRIPT_TAG,
    ATTRIBUTE,
    "</style></script><script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    '<img src=x onerror="alert(1);window.__pwned=1">',
    '"><svg onload=alert(1)>',
    '"><svg/onload=window.__pwned=1>',
    '<a href="javascript:alert(1)">链接</a>',
    "<img src=x onerror=alert(1)>",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
"""First characters that make a spreadsheet read a cell as a formula (see docs/reports.md)."""

# What the loader refuses, put into the result by hand: terminal escapes (colour, an OSC 8
# hyperlink, clear screen), bell, NUL, DEL, C1 controls, bidi controls and zero-width characters.
ANSI = "\x1b[31m红色单位\x1b[0m\x07"
OSC8 = "\x1b]8;;http://evil.example/\x1b\\点这里\x1b]8;;\x1b\\ \x1b[2J"
BIDI = "甲\u202e乙丙丁\u2066x\u2069\u2067y\u2069\u2068z\u2069\u200e\u200f戊"
ZERO_WIDTH = "U-1\u200b\u200c\u200d\u2060\ufeff"
NUL = "\x00NUL\x7f\x85\x9b"
WAIVERS = """\
- rule: RECT-OVERDUE
  subject: "@SUM(1)"
  reason: "<script>window.__pwned=1</script> | [link](javascript:alert(1)) `tick`"
  approver: "=HYPERLINK(\\"http://evil.example/\\",\\"批准\\")"
  approved_on: 2026-11-01
  expires_on: 2026-12-31
- rule: RECT-OVERDUE
  subject: "#P-5|`x`|"
  reason: "</script></style>过期"
  approver: "-2+3"
  approved_on: 2026-09-01
  expires_on: 2026-11-01
- rule: ESC-BASIN
  subject: "<img src=x onerror=\\"alert(1);window.__pwned=1\\">"
  reason: "+1+1"
  approver: "@SUM(1)"
  approved_on: 2026-09-01
  expires_on: 2027-01-31
"""


def hidden(char: str) -> bool:
    """Whether a reader would not see `char`, or it would act on the text around it (the test's own
    definition: controls, format characters, separators, surrogates, the two XML non-characters)."""
    category = unicodedata.category(char)
    return category in {"Cc", "Cf", "Cs", "Zl", "Zp"} or char in "\ufffe\uffff"


def hidden_in(text: str, allowed: str = "") -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if hidden(c) and c not in allowed})


NOT_XML_10 = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@pytest.fixture(scope="module")
def scanned() -> ScanResult:
    # waived findings keep deducting here, so every unit the waivers name stays in the score lists
    # (and its hostile name with it)
    return scan([FIXTURE], ROOT / "rules", AS_OF, ScanOptions(params={"waived_findings_deduct": True}))


def _by_subject(result: ScanResult, subject: str) -> Finding:
    return next(f for f in result.findings if f.subject == subject)


@pytest.fixture(scope="module")
def result(scanned: ScanResult, tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """The scan with hostile waivers, a history, a resolved finding, and the text the loader refuses."""
    path = tmp_path_factory.mktemp("waivers") / "waivers.yaml"
    path.write_text(WAIVERS, encoding="utf-8")
    waived = apply_waivers(scanned, load_waivers(path))
    escapes = _by_subject(waived, "javascript:window.__pwned=1")
    invisible = _by_subject(waived, "[x](javascript:alert(1))")
    findings = []
    for finding in waived.findings:
        update: dict[str, Any] = {"history": History(state="new", first_seen=AS_OF, days_open=0)}
        if finding is escapes:
            update |= {
                "responsible_name": ANSI,
                "district": "\t=1",
                "message": Text(zh=f"问题（{BIDI}）逾期 {OSC8}", en=f"Problem ({BIDI}) is overdue {OSC8}"),
            }
        elif finding is invisible:
            update |= {
                "subject": ZERO_WIDTH,
                "responsible_name": "\r=1",
                "remedy": Text(zh=f"整改 {NUL}", en=f"Rectify {NUL}"),
            }
        findings.append(finding.model_copy(update=update))
    names = {"－1": OSC8, "-2+3": NUL, "+1+1": ANSI}
    scores = [s.model_copy(update={"name": names.get(s.unit, s.name)}) for s in waived.scores]
    waivers = [waived.waivers[0].model_copy(update={"reason": ANSI + BIDI}), *waived.waivers[1:]]
    resolved = ResolvedFinding(
        fingerprint="0123456789abcdef",
        rule="RECT-OVERDUE",
        article=25,
        severity="high",
        subject=SCRIPT_TAG,
        responsible="+1+1",
        message=Text(zh=f"{HYPERLINK} {ANSI}", en=f"{HYPERLINK} {ANSI}"),
        first_seen=dt.date(2026, 10, 1),
        last_seen=dt.date(2026, 11, 19),
    )
    return waived.model_copy(
        update={
            "findings": findings,
            "scores": scores,
            "waivers": waivers,
            "resolved": [resolved],
            "previous_scan": dt.date(2026, 11, 19),
        }
    )


def _texts(result: ScanResult, lang: str) -> list[str]:
    """Every piece of record text the result puts in front of a reader."""
    texts = []
    for f in result.findings:
        message = f.message.zh if lang == "zh" else f.message.en
        texts += [f.subject, f.responsible or "", f.responsible_name or "", f.district or "", message]
    texts += [s.name for s in result.scores] + [s.unit for s in result.scores]
    texts += [w.reason for w in result.waivers] + [w.approver for w in result.waivers]
    return [text for text in texts if text]


# --- the fixture --------------------------------------------------------------------------------


def test_the_fixture_reaches_every_field_a_report_shows(scanned: ScanResult) -> None:
    rules = Counter(f.rule for f in scanned.findings)
    assert rules == {
        # the problems, interview, escalation and patrols the fixture was written for
        "RECT-OVERDUE": 7,
        "ESC-INDIVIDUAL": 1,
        "INTERVIEW-OVERDUE": 1,
        "PATROL-CITY": 1,
        "PATROL-TOWN": 1,
        # the fixture has no documents: the office (U-OFFICE) has none of its plans, summaries,
        # trainings, mechanisms, systems or assessment submissions ...
        "OFFICE-ASSESS-SUBMIT": 1,
        "OFFICE-PLAN-MISSING": 1,
        "OFFICE-POLICE-MECH": 1,
        "OFFICE-PROCURATOR-MECH": 1,
        "OFFICE-SYSTEMS-NONE": 1,
        "OFFICE-SUMMARY-MISSING": 1,
        "OFFICE-TRAINING-PLAN": 1,
        "OFFICE-TRAINING-SESSION": 1,
        # ... the five member units no liaison officer, city-level C-1 no contact department, W-1
        # (city level) no river policy, river file or health evaluation, the two chiefs no signboard
        "LIAISON-MISSING": 5,
        "CONTACT-DEPT-MISSING": 1,
        "RIVER-POLICY-MISSING": 1,
        "RIVER-FILE-MISSING": 1,
        "HEALTH-EVAL-MISSING": 1,
        "SIGNBOARD-OUTDATED": 2,
        # P-7, major and found in an inspection, is neither listed for supervision nor notified
        "MAJOR-NOT-LISTED": 1,
        "MAJOR-NOT-NOTIFIED": 1,
        # C-2's waterbody has long overdue problems and no reminder letter was sent
        "REMINDER-LETTER-DUE": 1,
        # the waterbodies' two districts ("=1+1", "-1") have no civil chief
        "CIVIL-POST-NONE": 2,
    }
    subjects = {f.subject for f in scanned.findings}
    assert {"@SUM(1)", "＝SUM(1)", "#P-5|`x`|", "javascript:window.__pwned=1", SCRIPT_TAG} <= subjects
    assert {"C-1/W-1", "C-2\"'<b>/@W-2", '"><svg/onload=window.__pwned=1>', "P-\uffff6"} <= subjects
    assert {f.responsible for f in scanned.findings} >= {"+1+1", "-2+3", "－1", SCRIPT_TAG, "U-\uffffX"}
    names = {f.responsible_name for f in scanned.findings}
    assert {HYPERLINK, FORGED, "＠SUM(1)", "水务局\u2028换行\u2029分段\ufffe"} <= names
    assert {"=1", "@SUM(1)", "＋1", ATTRIBUTE} <= {
        f.district for f in scanned.findings
    }  # "\t", "\r" stripped
    messages = " ".join(f.message.en for f in scanned.findings)
    for text in ("</style><script>", "</script><script>", '"><svg onload=alert(1)>', "=1+1\ttab\rcr\nnl"):
        assert text in messages
    assert len(scanned.scores) == 6 and SCRIPT_TAG in {s.unit for s in scanned.scores}


# --- JSON: the text as recorded ------------------------------------------------------------------


def test_json_keeps_every_text_exactly(result: ScanResult) -> None:
    text = render(result, "json").decode()
    assert ScanResult.model_validate_json(text).to_json() == text  # read back, written again: same
    document = json.loads(text)  # strict: a raw control character in a string would fail here
    by_fingerprint = {f["fingerprint"]: f for f in document["findings"]}
    for finding in result.findings:
        found = by_fingerprint[finding.fingerprint]
        assert found["subject"] == finding.subject
        assert found["responsible_name"] == finding.responsible_name
        assert found["message"] == {"zh": finding.message.zh, "en": finding.message.en}
    assert any(f["responsible_name"] == ANSI for f in document["findings"])
    assert any(f["subject"] == ZERO_WIDTH for f in document["findings"])
    assert not any(char in text for char in "\x00\x07\x1b")  # escaped by the encoder: \u001b


# --- HTML ---------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every element of a page with its attributes, and the text inside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in self.raw else None

    def handle_data(self, data: str) -> None:
        if self._open:
            self.raw[self._open].append(data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None


@pytest.mark.parametrize("lang", LANGS)
def test_html_escapes_every_record_text(result: ScanResult, lang: str) -> None:
    page = render_html(result, lang)
    parsed = _Tags()
    parsed.feed(page)
    parsed.close()
    names = [tag for tag, _ in parsed.tags]
    assert names.count("script") == names.count("style") == 1 and "img" not in names
    assert page.count("</script>") == page.count("</style>") == 1
    assert parsed.raw == {"script": [SCRIPT], "style": [STYLE]}  # no record text inside them
    for tag, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert (attrs.get("href") or "#").startswith(("#", "data:,")), (tag, attrs)  # no javascript:
    for text in MARKUP:
        assert text not in page
        assert html.escape(text) in page
    assert html.escape(HYPERLINK) in page
    assert hidden_in(page, "\n\t\r") == []  # white space to HTML
    assert "&lt;U+202E&gt;" in page and "\\x1b[31m" in page and "&lt;U+FFFF&gt;" in page


class Opened:
    """A page opened from a file, with every dialog, request and console error it caused."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.url = path.as_uri()
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(5_000)
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url, wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def left_of(self, needle: str, first: str, second: str) -> tuple[float, float, float, float]:
        """(x, y) of `first` and of `second` as drawn, in the table cell whose text holds `needle`;
        the cell is kept on one line so that only the bidi algorithm can move them."""
        found: list[float] | None = self.page.evaluate(
            """([needle, first, second]) => {
                const cell = Array.from(document.querySelectorAll('td'))
                    .find(td => td.textContent.includes(needle));
                if (!cell) return null;
                cell.style.whiteSpace = 'nowrap';
                const node = Array.from(cell.childNodes)
                    .find(n => n.nodeType === 3 && n.data.includes(needle));
                const at = (part) => {
                    const start = node.data.indexOf(part), range = document.createRange();
                    range.setStart(node, start);
                    range.setEnd(node, start + part.length);
                    const box = range.getBoundingClientRect();
                    return [box.left, box.top];
                };
                return [...at(first), ...at(second)];
            }""",
            [needle, first, second],
        )
        assert found is not None, needle
        return (found[0], found[1], found[2], found[3])


def _without_csp(page: str) -> str:
    page, count = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page, count=1)
    assert count == 1
    return page


@pytest.mark.parametrize("csp", [True, False], ids=["with_csp", "escaping_alone"])
def test_browser_runs_no_record_text_and_shows_it(
    browser: Browser, result: ScanResult, tmp_path: Path, csp: bool
) -> None:
    path = tmp_path / "hostile.html"
    page_text = render_html(result, "en")
    path.write_text(page_text if csp else _without_csp(page_text), encoding="utf-8")
    opened = Opened(browser, path)
    try:
        page = opened.page
        for link in page.locator("a[href]").all():  # every link stays on the page
            link.click()
        page.fill("#filter-text", "window.__pwned")  # the script works on the hostile rows
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert opened.dialogs == []
        assert page.evaluate("document.scripts.length") == 1
        assert page.evaluate("document.images.length") == 0
        assert (
            page.evaluate(
                "Array.from(document.querySelectorAll('*')).filter(e => "
                "Array.from(e.attributes).some(a => a.name.startsWith('on'))).length"
            )
            == 0
        )
        assert page.url.split("#")[0] == opened.url
        assert opened.requests == [opened.url] and opened.errors == []
        page.fill("#filter-text", "")
        text = page.inner_text("body")
        for shown in [*MARKUP, HYPERLINK, "[link](javascript:alert(1))", "C-2\"'<b>", "＝SUM(1)"]:
            assert shown in text, shown
        assert "甲<U+202E>乙丙丁<U+2066>x<U+2069>" in text and "\\x1b[31m红色单位\\x1b[0m\\x07" in text
        assert "U-1<U+200B><U+200C><U+200D><U+2060><U+FEFF>" in text
        assert hidden_in(text, "\n\t") == []
    finally:
        opened.context.close()


def test_browser_draws_bidi_text_in_the_order_it_was_written(
    browser: Browser, result: ScanResult, tmp_path: Path
) -> None:
    """乙 is drawn left of 丁, as written; the same page with the override left in (the control)
    draws them the other way round, so the measurement can tell."""
    page_text = render_html(result, "en")
    tampered = page_text.replace("&lt;U+202E&gt;", "\u202e")
    assert tampered != page_text
    positions = []
    for name, text in (("safe.html", page_text), ("tampered.html", tampered)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        opened = Opened(browser, tmp_path / name)
        try:
            positions.append(opened.left_of("乙丙丁", "乙", "丁"))
        finally:
            opened.context.close()
    (safe_x1, safe_y1, safe_x2, safe_y2), (bad_x1, bad_y1, bad_x2, bad_y2) = positions
    assert safe_y1 == safe_y2 and bad_y1 == bad_y2  # one line each
    assert safe_x1 < safe_x2
    assert bad_x1 > bad_x2  # the control: an override really reorders, and the test sees it


# --- the terminal table ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_table_shows_escapes_as_marks_one_line_per_finding(result: ScanResult, lang: str) -> None:
    text = render_table(result, lang)
    assert hidden_in(text, "\n") == []
    lines = text.splitlines()
    for finding in result.findings:
        (line,) = [line for line in lines if f"[{finding.fingerprint}]" in line]
        assert line.startswith(f"  {finding.rule} ")
    assert not any(line.startswith("  RECT-OVERDUE  Art. 25  伪造") for line in lines)  # the forged row
    assert "第一行\\n  RECT-OVERDUE  Art. 25  伪造的一行" in text
    assert "\\x1b[31m红色单位\\x1b[0m\\x07" in text and "\\x1b]8;;http://evil.example/\\x1b\\" in text
    assert "甲<U+202E>乙丙丁<U+2066>x<U+2069>" in text and "\\x00NUL\\x7f\\x85\\x9b" in text
    coloured = render_table(result, lang, colour=True).splitlines()
    escaped = [line for line in coloured if "\x1b" in line]
    assert escaped and all(line.startswith("\x1b[") and line.endswith("\x1b[0m") for line in escaped)
    assert len(escaped) == len({f.severity for f in result.findings})  # the severity headings only


# --- Markdown -----------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """A table row's cells, split where GitHub splits them: at pipes not escaped by a backslash."""
    cells, current, escaped = [], "", False
    for char in row.strip()[1:]:
        if char == "|" and not escaped:
            cells.append(current.strip())
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return cells


def _markup(cell: str) -> list[str]:
    """Characters of a cell that Markdown would read as markup (not escaped by a backslash)."""
    found, escaped = [], False
    for char in cell:
        if not escaped and char in "`*_~$[]<>|":
            found.append(char)
        escaped = char == "\\" and not escaped
    return found


def _read(cell: str) -> str:
    """What a cell shows once rendered: escapes and entities resolved, <br> a line break."""
    cell = cell.replace("<br>", "\n")
    cell = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", cell)
    return html.unescape(cell)


@pytest.mark.parametrize("lang", LANGS)
def test_markdown_shows_record_text_as_typed(result: ScanResult, lang: str) -> None:
    text = render_markdown(result, lang)
    assert hidden_in(text, "\n\t") == []
    assert all(re.match(r"#{1,4} [^#]", line) for line in text.splitlines() if line.startswith("#"))
    rows: dict[str, list[str]] = {}
    for table in re.findall(r"(?:^\|.*\n)+", text, flags=re.MULTILINE):
        lines = table.splitlines()
        width = len(_cells(lines[0]))
        for line in lines[2:]:
            cells = _cells(line)
            assert len(cells) == width, line
            for cell in cells:
                code = re.fullmatch(r"`[0-9a-f]{16}`", cell)
                assert code or _markup(cell.replace("<br>", "")) == [], cell
                assert not re.search(r"&(?!amp;|lt;|gt;)", cell), cell
            fingerprint = next((c.strip("`") for c in cells if re.fullmatch(r"`[0-9a-f]{16}`", c)), None)
            if fingerprint and len(cells) == 7:
                rows[fingerprint] = cells
    for finding in result.findings:
        cells = rows[finding.fingerprint]
        message = finding.message.zh if lang == "zh" else finding.message.en
        assert _read(cells[2]) == visible(finding.subject, "\t")
        assert _read(cells[5]) == visible(message, "\t\n\r").replace("\r\n", "\n").replace("\r", "\n")
    assert "\\|" in text and "\\[link\\](javascript:alert(1))" in text and "&lt;script&gt;" in text


# --- JUnit --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_junit_holds_only_xml_and_shows_marks(result: ScanResult, lang: str, tmp_path: Path) -> None:
    text = render_junit(result, lang)
    assert NOT_XML_10.findall(text) == []
    assert hidden_in(text, "\n\t\r") == []
    root = ET.fromstring(text.encode("utf-8"))
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    assert xml.failures == sum(f.failing for f in result.findings)
    names = {case.get("name") for case in root.iter("testcase")}
    assert f"{SCRIPT_TAG} (" in " ".join(str(name) for name in names)
    assert any(str(name).startswith("U-1<U+200B><U+200C><U+200D><U+2060><U+FEFF> (") for name in names)
    assert any(str(name).startswith("P-\ufffd6 (") for name in names)  # U+FFFF: not XML
    failures = " ".join((case.text or "") + str(case.get("message")) for case in root.iter("failure"))
    assert "甲<U+202E>乙丙丁" in failures and "\ufffd[31m红色单位\ufffd[0m\ufffd" in failures
    assert "\ufffdNUL\\x7f\\x85\\x9b" in failures  # NUL is not XML; DEL and C1 are, shown as marks
    assert SCRIPT_TAG in failures  # markup is ElementTree's to escape, and it reads back as text


# --- CSV and XLSX -------------------------------------------------------------------------------

TEXT_COLUMNS = {7: "subject", 8: "responsible", 9: "responsible_name", 10: "district"}


@pytest.mark.parametrize("lang", LANGS)
def test_csv_neutralises_formulas_and_keeps_other_text(result: ScanResult, lang: str) -> None:
    rows = list(csv.reader(io.StringIO(render(result, "csv", lang).decode("utf-8-sig"), newline="")))
    # a row per finding, then one per rule not checked (the fixture has no complaints or matters)
    wanted = len(result.findings) + len(result.scope.not_checked) + 1
    assert len(rows) == wanted and {len(row) for row in rows} == {14}  # no row split
    for row in rows:
        assert not [cell for cell in row if cell.startswith(TRIGGERS)], row
    by_fingerprint = {row[0]: row for row in rows[1:]}
    for finding in result.findings:
        row = by_fingerprint[finding.fingerprint]
        for column, field in TEXT_COLUMNS.items():
            value = getattr(finding, field) or ""
            assert row[column] == ("'" + value if value.startswith(TRIGGERS) else value)
        message = finding.message.zh if lang == "zh" else finding.message.en
        # other text exactly as recorded; a message that opens with a trigger (CIVIL-POST-NONE's opens
        # with the district "-1") is neutralised like any other cell
        assert row[11] == ("'" + message if message.startswith(TRIGGERS) else message)
    cells = {cell for row in rows for cell in row}
    assert {"'" + HYPERLINK, "'@SUM(1)", "'+1+1", "'-2+3", "'＝SUM(1)", "'－1", "'＠SUM(1)", "'＋1"} <= cells
    assert {"'\t=1", "'\r=1", ANSI, ZERO_WIDTH} <= cells


@pytest.mark.parametrize("lang", LANGS)
def test_xlsx_stores_text_never_formulas(result: ScanResult, lang: str) -> None:
    data = render(result, "xlsx", lang)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)
    workbook = load_workbook(io.BytesIO(data))
    formula_like = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    if cell.value.startswith(TRIGGERS):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                        formula_like += 1
                else:
                    assert cell.data_type != "f"
    assert formula_like >= 10
    findings = workbook.worksheets[0]
    values = {cell.value for row in findings.iter_rows(min_row=2) for cell in row}
    assert {HYPERLINK, "@SUM(1)", "\t=1", "＝SUM(1)", ZERO_WIDTH, FORGED} <= values  # no `'` added
    assert "\n=1" in values  # "\r=1": XML reads a CR as a line feed
    assert "\ufffd[31m红色单位\ufffd[0m\ufffd" in values  # ESC and BEL cannot be in XML
    assert "P-\ufffd6" in values  # nor U+FFFF (openpyxl would write it, and the file would not open)


# --- the command line, two nights -----------------------------------------------------------------


def test_cli_writes_every_format_from_hostile_facts(tmp_path: Path) -> None:
    facts = tmp_path / "hostile"
    shutil.copytree(FIXTURE, facts)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    history = tmp_path / "history.sqlite"
    base = ["scan", str(facts), "--waivers", str(waivers), "--history", str(history), "--lang", "en"]
    first = CliRunner().invoke(main, [*base, "--as-of", "2026-11-26"])
    assert first.exit_code == 1, first.output
    assert "\n  RECT-OVERDUE  Art. 25  伪造" not in first.stdout and "第一行\\n  RECT" in first.stdout
    problems = facts / "problems.yaml"
    kept = [line for line in problems.read_text("utf-8").splitlines() if "javascript:window" not in line]
    problems.write_text("\n".join(kept) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    outputs = [
        f"--output={out / ('report' + suffix)}"
        for suffix in (".json", ".html", ".md", ".xml", ".csv", ".xlsx")
    ]
    second = CliRunner().invoke(main, [*base, "--as-of", "2026-11-27", *outputs])
    assert second.exit_code == 1, second.output
    document = json.loads((out / "report.json").read_text("utf-8"))
    resolved = {r["subject"] for r in document["resolved"]}
    assert resolved == {"javascript:window.__pwned=1", SCRIPT_TAG}  # and the interview it completed
    page = (out / "report.html").read_text("utf-8")
    assert html.escape("javascript:window.__pwned=1") in page and SCRIPT_TAG not in page
    markdown = (out / "report.md").read_text("utf-8")
    assert "&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;" in markdown
    ET.fromstring((out / "report.xml").read_bytes())
    rows = list(csv.reader(io.StringIO((out / "report.csv").read_text("utf-8-sig"), newline="")))
    assert "'" + HYPERLINK in {cell for row in rows for cell in row}
    load_workbook(out / "report.xlsx")


# --- the helpers, on any text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "mark"),
    [
        ("\x00", "\\x00"),
        ("\x07", "\\x07"),
        ("\x1b", "\\x1b"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\x7f", "\\x7f"),
        ("\x85", "\\x85"),
        ("\x9b", "\\x9b"),
        ("\u00ad", "<U+00AD>"),
        ("\u061c", "<U+061C>"),
        ("\u200b", "<U+200B>"),
        ("\u200f", "<U+200F>"),
        ("\u202a", "<U+202A>"),
        ("\u202e", "<U+202E>"),
        ("\u2066", "<U+2066>"),
        ("\u2069", "<U+2069>"),
        ("\u2028", "<U+2028>"),
        ("\ufeff", "<U+FEFF>"),
        ("\uffff", "<U+FFFF>"),
        ("\ud800", "<U+D800>"),
        ("\U000e0041", "<U+E0041>"),
    ],
)
def test_visible_marks_each_unseen_character(char: str, mark: str) -> None:
    assert visible(f"a{char}b") == f"a{mark}b"
    assert for_terminal(char) == mark
    assert visible(char, keep=char) == char


@pytest.mark.parametrize(
    "text", ["P-001", "清溪区水务局", "Ünïcödé", "שלום", "😀", "＝ is full-width", "a b"]
)
def test_visible_leaves_visible_text(text: str) -> None:
    assert visible(text) == text


@pytest.mark.parametrize("start", TRIGGERS)
def test_for_csv_prefixes_every_formula_start(start: str) -> None:
    assert for_csv(start + "1") == "'" + start + "1"


TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\x00\x1b\x07\t\r\n|`*_[]<>&\\#\u202e\u2066\u200b\ufeff\uffff\ud800=+-@")),
    ),
    max_size=40,
)


@given(TEXT)
def test_for_html_shows_exactly_the_visible_text(text: str) -> None:
    escaped = for_html(text)
    assert not re.search(r"[<>\"']", escaped)
    assert html.unescape(escaped) == visible(text, "\t\n\r")


@given(TEXT)
def test_for_markdown_reads_back_as_the_visible_text(text: str) -> None:
    cell = for_markdown(text)
    assert "\n" not in cell and "\r" not in cell
    assert _markup(cell.replace("<br>", "")) == []
    shown = visible(text, "\t\n\r").replace("\r\n", "\n").replace("\r", "\n")
    assert _read(cell) == shown


@given(TEXT)
def test_for_xml_is_always_xml(text: str) -> None:
    element = ET.Element("failure", message=for_xml(text))
    element.text = for_xml(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="utf-8"))
    assert NOT_XML_10.findall(parsed.text or "") == []
    assert hidden_in(parsed.get("message") or "", "\t\n\r") == []


@given(TEXT)
def test_for_terminal_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    assert hidden_in(for_terminal(text)) == []


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\",;'＝a清")), max_size=12))
def test_csv_keeps_any_text_in_its_cell(scanned: ScanResult, text: str) -> None:
    """Whatever a name holds (quotes, separators, CR, LF), its row stays one row of 14 cells, and
    the name's cell reads back as the name, with an apostrophe before a formula."""
    finding = scanned.findings[0].model_copy(update={"responsible_name": text, "district": "a\r" + text})
    alone = scanned.model_copy(update={"findings": [finding], "scope": Scope()})
    data = render(alone, "csv", "en").decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(data, newline="")))
    assert len(row) == len(header) == 14
    assert row[9] == ("'" + text if text.startswith(TRIGGERS) else text)
    assert row[10] == "a\r" + text
