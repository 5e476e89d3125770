"""The HTML report: same result, same bytes; every section present; and, in a real headless Chromium,
filtering, sorting, no network request, and hostile text shown as text and never run.

The browser tests need Playwright (the `test` extra) and Debian's `chromium` (/usr/bin/chromium); when
either is missing they fail with the command that installs it, never skip.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from checker.language.schema import SEVERITIES, Text
from checker.reports import render
from checker.reports.html import render_html
from checker.reports.words import HISTORY, LABEL
from checker.results.document import History, ResolvedFinding, ScanResult, WaiverReport, WaiverState
from checker.scan import scan

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 26)
PREVIOUS = dt.date(2026, 10, 26)
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def _waiver_report(state: str, fingerprint: str | None, matched: list[str], line: int) -> WaiverReport:
    return WaiverReport.model_validate(
        {
            "state": state,
            "fingerprint": fingerprint,
            "rule": None if fingerprint else "RECT-OVERDUE",
            "subject": None if fingerprint else "P-999",
            "reason": f"{state} waiver reason 同意延期",
            "approver": "区河长办 王某",
            "approved_on": dt.date(2026, 9, 1),
            "expires_on": dt.date(2026, 12, 31) if state != "expired" else dt.date(2026, 11, 1),
            "file": "waivers.yaml",
            "line": line,
            "matched": matched,
        }
    )


@pytest.fixture(scope="module")
def result() -> ScanResult:
    """The demo scan with every history state, an active and an expired waiver, a resolved finding and
    an unmatched waiver, built directly from the result models."""
    base = scan([ROOT / "demo" / "district"], ROOT / "rules", AS_OF)
    findings = list(base.findings)
    assert len(findings) >= 6, "the demo should have enough findings to exercise every state"
    waived, expired = findings[4], findings[5]
    for i, finding in enumerate(findings):
        state = ("new", "persisting", "regressed")[i % 3]
        first = AS_OF if state == "new" else AS_OF - dt.timedelta(days=30 + 40 * i)
        update: dict[str, Any] = {
            "history": History(state=state, first_seen=first, days_open=(AS_OF - first).days)
        }
        if finding is waived or finding is expired:
            active = finding is waived
            update["waiver"] = WaiverState(
                state="active" if active else "expired",
                reason="waiver reason",
                approver="区河长办 王某",
                approved_on=dt.date(2026, 9, 1),
                expires_on=dt.date(2026, 12, 31) if active else dt.date(2026, 11, 1),
                file="waivers.yaml",
                line=2 if active else 9,
            )
        findings[i] = finding.model_copy(update=update)
    resolved = ResolvedFinding(
        fingerprint="0123456789abcdef",
        rule="RECT-OVERDUE",
        article=25,
        severity="high",
        subject="P-010",
        responsible="U-ENV",
        message=Text(zh="问题P-010已逾期", en="Problem P-010 was overdue"),
        first_seen=dt.date(2026, 8, 1),
        last_seen=PREVIOUS,
    )
    waivers = [
        _waiver_report("active", waived.fingerprint, [waived.fingerprint], 2),
        _waiver_report("expired", expired.fingerprint, [expired.fingerprint], 9),
        _waiver_report("unmatched", None, [], 16),
    ]
    return base.model_copy(
        update={"findings": findings, "previous_scan": PREVIOUS, "resolved": [resolved], "waivers": waivers}
    )


@pytest.fixture(scope="module")
def hostile(result: ScanResult) -> ScanResult:
    """The same result with script and markup in every kind of text a record can put on the page."""
    first = result.findings[0].model_copy(
        update={
            "subject": "S " + HOSTILE,
            "responsible_name": "N " + HOSTILE,
            "district": "D " + HOSTILE,
            "message": Text(zh="M " + HOSTILE, en="M " + HOSTILE),
        }
    )
    score = result.scores[0].model_copy(update={"name": "U " + HOSTILE})
    waiver = result.waivers[0].model_copy(update={"reason": "R " + HOSTILE})
    return result.model_copy(
        update={
            "findings": [first, *result.findings[1:]],
            "scores": [score, *result.scores[1:]],
            "waivers": [waiver, *result.waivers[1:]],
        }
    )


# -- the page as text -------------------------------------------------------------------------------

VOID = {"meta", "link", "input", "br", "img", "hr", "col", "source", "wbr", "area", "base", "embed"}
SVG_SELF_CLOSING = {"rect", "path", "line", "circle"}


class _Balance(HTMLParser):
    """Checks that every element is closed, in order, and counts tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID | SVG_SELF_CLOSING:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def _parse(page: str) -> _Balance:
    parser = _Balance()
    parser.feed(page)
    parser.close()
    return parser


def test_same_result_gives_the_same_bytes(result: ScanResult) -> None:
    again = ScanResult.model_validate_json(result.to_json())
    assert render_html(result, "zh") == render_html(result, "zh") == render_html(again, "zh")
    assert render(result, "html", "en") == render_html(result, "en").encode()


def test_page_is_well_formed_and_self_contained(result: ScanResult) -> None:
    page = render_html(result, "zh")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []
    names = [tag for tag, _ in parsed.tags]
    assert [names.count(t) for t in ("html", "head", "body", "style", "script")] == [1, 1, 1, 1, 1]
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action", "xlink:href"):
            value = attrs.get(name)
            assert value is None or value.startswith(("#", "data:")), f"<{tag} {name}={value!r}>"
    assert not re.search(r"https?://|url\(|@import", page)
    rows = [attrs for tag, attrs in parsed.tags if tag == "tr" and "data-fingerprint" in attrs]
    table_rows = [a for a in rows if (a.get("id") or "").startswith("f-")]
    assert [a["data-fingerprint"] for a in table_rows] == [f.fingerprint for f in result.findings]


def test_every_section_is_there(result: ScanResult) -> None:
    page = render_html(result, "en")
    ids = {attrs.get("id") for _, attrs in _parse(page).tags}
    for section in ("summary", "charts", "scores", "findings", "interviews_due", "escalations"):
        assert section in ids
    for section in ("resolved", "waivers", "findings-table", "resolved-table", "waivers-table"):
        assert section in ids
    for chart in ("by_article", "by_kind", "by_severity", "by_district", "overdue_ageing"):
        assert f'data-chart="{chart}"' in page
    assert "0123456789abcdef" in page  # the resolved finding
    for state in ("active", "expired", "unmatched"):
        assert f'data-state="{state}"' in page
    for status in ("new", "persisting", "regressed", "waived"):
        assert f'data-status="{status}"' in page
    assert "2026-10-26" in page and result.stamp.facts_digest in page and result.stamp.rules_version in page


def _ageing_chart(page: str) -> str:
    chart = page[page.index('data-chart="overdue_ageing"') :]
    return chart[: chart.index("</figure>")]


def test_overdue_ageing_uses_the_days_overdue(result: ScanResult) -> None:
    """The demo's overdue problems are 1 to 108 days late: 0-30 has 2, 31-90 has 7, 91-180 has 1."""
    problems = result.model_copy(
        update={"findings": [f for f in result.findings if f.kind != "overdue" or f.rule == "RECT-OVERDUE"]}
    )
    chart = _ageing_chart(render_html(problems, "en"))
    counts = dict(re.findall(r"<title>([^<]+) days: (\d+)</title>", chart))
    assert counts == {"0–30": "2", "31–90": "7", "91–180": "1", "&gt;180": "0"}
    assert "their days open are counted instead" not in chart  # every overdue problem has its days
    # the other overdue findings (complaints, matters, stale files and evaluations) derive no days:
    # they are counted by days open, and the chart says so
    overdue = [f for f in result.findings if f.kind == "overdue"]
    assert len(overdue) > 10
    chart = _ageing_chart(render_html(result, "en"))
    counts = dict(re.findall(r"<title>([^<]+) days: (\d+)</title>", chart))
    assert sum(int(n) for n in counts.values()) == len(overdue)
    assert "their days open are counted instead" in chart


def test_overdue_ageing_falls_back_to_days_open(result: ScanResult) -> None:
    """Without derived days the ageing counts days open, says so, and puts findings with neither apart."""
    bare = result.model_copy(
        update={"derived": [], "findings": [f.model_copy(update={"chain": []}) for f in result.findings]}
    )
    page = render_html(bare, "en")
    chart = page[page.index('data-chart="overdue_ageing"') :]
    chart = chart[: chart.index("</figure>")]
    overdue = [f.history.days_open for f in bare.findings if f.kind == "overdue" and f.history]
    counts = dict(re.findall(r"<title>([^<]+): (\d+)</title>", chart))
    assert sum(int(n) for n in counts.values()) == len(overdue)
    assert counts["&gt;180 days"] == str(sum(1 for d in overdue if d > 180))
    assert "their days open are counted instead" in chart
    unknown = bare.model_copy(
        update={"findings": [f.model_copy(update={"history": None}) for f in bare.findings]}
    )
    assert f"<title>days unknown: {len(overdue)}</title>" in render_html(unknown, "en")


def test_empty_result_without_history(result: ScanResult) -> None:
    empty = result.model_copy(
        update={"findings": [], "derived": [], "previous_scan": None, "resolved": [], "waivers": []}
    )
    page = render_html(empty, "en")
    assert '<p class="note">No findings.</p>' in page
    assert 'id="resolved"' not in page and 'id="waivers"' not in page and 'id="findings-table"' not in page
    assert _parse(page).errors == []


def test_labels_follow_the_language(result: ScanResult) -> None:
    zh, en = render_html(result, "zh"), render_html(result, "en")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    # the articles' gists are Chinese in both languages (第二十四条's has 发现问题): not labels
    en_labels = en
    for gist in {f.gist for f in result.findings}:
        en_labels = en_labels.replace(html.escape(gist), "")
    for key in ("title", "findings", "scores", "overdue_ageing", "waivers", "resolved", "interviews_due"):
        assert LABEL["zh"][key] in zh and LABEL["zh"][key] not in en_labels
        assert LABEL["en"][key] in en
    assert "第25条" in zh and "Art. 25" in en
    assert HISTORY["zh"]["regressed"] in zh and HISTORY["en"]["regressed"] in en
    assert result.findings[0].message.zh in zh and result.findings[0].message.en in en
    with pytest.raises(ValueError, match="language"):
        render_html(result, "fr")


def test_hostile_text_is_escaped(hostile: ScanResult) -> None:
    page = render_html(hostile, "zh")
    assert HOSTILE not in page and "<img" not in page
    assert page.count("<script") == 1
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "onerror=&quot;window.__pwned=2&quot;" in page


# -- the page in a browser --------------------------------------------------------------------------


class Opened:
    """A page opened from a file:// URL, with every request and every console error it made."""

    def __init__(self, browser: Browser, path: Path, javascript: bool = True) -> None:
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
        )
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(5_000)  # everything here is local: fail fast, not after 30 s
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url, wait_until="load")

    def visible_rows(self) -> list[str]:
        """Fingerprints of the findings rows a reader sees, top to bottom."""
        found: list[str] = self.page.evaluate(
            """() => Array.from(document.querySelectorAll('#findings-table tbody tr'))
                .filter(row => row.getClientRects().length > 0)
                .map(row => row.dataset.fingerprint)"""
        )
        return found


@pytest.fixture
def opened(browser: Browser, result: ScanResult, tmp_path: Path) -> Iterator[Opened]:
    path = tmp_path / "report.html"
    path.write_text(render_html(result, "zh"), encoding="utf-8")
    page = Opened(browser, path)
    yield page
    page.context.close()


def test_browser_shows_one_row_per_finding_and_asks_for_nothing(opened: Opened, result: ScanResult) -> None:
    assert opened.visible_rows() == [f.fingerprint for f in result.findings]
    assert opened.page.is_visible("#filter-text")  # the script ran (the CSP admitted it)
    colour = opened.page.eval_on_selector(".sev-critical", "el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(142, 36, 170)"  # the style applied (the CSP admitted it)
    assert opened.page.eval_on_selector("#charts svg rect", "el => el.getBBox().width") > 0
    assert opened.errors == []
    assert opened.requests == [opened.url]
    assert opened.page.evaluate("performance.getEntriesByType('resource').length") == 0


def test_browser_text_filter_narrows_rows(opened: Opened, result: ScanResult) -> None:
    opened.page.fill("#filter-text", "RECT-OVERDUE")
    wanted = [f.fingerprint for f in result.findings if f.rule == "RECT-OVERDUE"]
    assert 1 < len(wanted) < len(result.findings)
    assert opened.visible_rows() == wanted
    assert opened.page.inner_text("#shown") == f"显示 {len(wanted)} / {len(result.findings)} 条"
    opened.page.select_option("#filter-status", "new")
    assert opened.visible_rows() == [
        f.fingerprint
        for f in result.findings
        if f.rule == "RECT-OVERDUE" and f.history and f.history.state == "new" and f.failing
    ]
    opened.page.fill("#filter-text", "")
    opened.page.select_option("#filter-status", "")
    opened.page.select_option("#filter-kind", "escalation")
    assert opened.visible_rows() == [f.fingerprint for f in result.findings if f.kind == "escalation"]
    opened.page.select_option("#filter-kind", "")
    opened.page.select_option("#filter-article", "27")
    assert opened.visible_rows() == [f.fingerprint for f in result.findings if f.article == 27]
    opened.page.fill("#filter-text", "no such text at all")
    assert opened.visible_rows() == []


def test_browser_sorts_by_severity(opened: Opened, result: ScanResult) -> None:
    rank = {f.fingerprint: SEVERITIES.index(f.severity) for f in result.findings}
    header = opened.page.locator("#findings-table thead th").first
    header.click()
    up = [rank[fp] for fp in opened.visible_rows()]
    assert up == sorted(up) and up[0] < up[-1]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    down = [rank[fp] for fp in opened.visible_rows()]
    assert down == sorted(down, reverse=True)
    assert opened.visible_rows()[0] == result.findings[0].fingerprint  # the critical one
    days = opened.page.locator("#findings-table thead th").nth(8)
    days.click()
    opened_days = [f.history.days_open for f in result.findings if f.history]
    shown = [
        int(d)
        for d in opened.page.eval_on_selector_all(
            "#findings-table tbody tr", "rows => rows.map(r => r.dataset.days)"
        )
    ]
    assert shown == sorted(opened_days)


def test_browser_page_reads_without_javascript(browser: Browser, result: ScanResult, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html(result, "en"), encoding="utf-8")
    plain = Opened(browser, path, javascript=False)
    try:
        rows = plain.page.locator("#findings-table tbody tr")
        assert rows.count() == len(result.findings)
        assert all(rows.nth(i).is_visible() for i in range(rows.count()))
        assert plain.page.is_hidden(".controls")  # no controls that could not work
        assert plain.page.is_visible("#waivers-table") and plain.page.is_visible("#resolved-table")
        assert plain.requests == [plain.url]
    finally:
        plain.context.close()


def test_browser_screenshot(opened: Opened, tmp_path: Path) -> None:
    """A picture to look at by eye (kept under the test's tmp_path): the page draws, wide and narrow."""
    wide = tmp_path / "html_report_wide.png"
    opened.page.screenshot(path=str(wide), full_page=True)
    opened.page.set_viewport_size({"width": 390, "height": 844})
    narrow = tmp_path / "html_report_phone.png"
    opened.page.screenshot(path=str(narrow), full_page=False)
    assert wide.stat().st_size > 10_000 and narrow.stat().st_size > 5_000
    width = opened.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # wide tables scroll inside their box; the page itself does not


@pytest.mark.parametrize("csp", [True, False], ids=["with_csp", "escaping_alone"])
def test_browser_runs_no_injected_script(
    browser: Browser, hostile: ScanResult, tmp_path: Path, csp: bool
) -> None:
    page_text = render_html(hostile, "en")
    if not csp:  # take the policy away: escaping must hold on its own
        page_text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page_text, count=1)
        assert "Content-Security-Policy" not in page_text
    path = tmp_path / "hostile.html"
    path.write_text(page_text, encoding="utf-8")
    opened = Opened(browser, path)
    try:
        page = opened.page
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.scripts.length") == 1
        assert page.evaluate("document.images.length") == 0
        text = page.inner_text("body")
        for prefix in ("S ", "N ", "M ", "U ", "R "):  # subject, unit name, message, score, waiver
            assert prefix + HOSTILE in text
        page.select_option("#filter-district", "D " + HOSTILE)  # the district option, as text
        page.fill("#filter-text", "window.__pwned")
        assert len(opened.visible_rows()) == 1
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert opened.requests == [opened.url]  # the <img src=x> was never fetched
    finally:
        opened.context.close()
