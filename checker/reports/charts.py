"""The HTML report's charts, drawn here as inline SVG: findings by article, kind, severity and
district, and overdue findings by age. Labels go through `checker.reports.safe.for_html`."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from checker.reports.safe import for_html
from checker.results.document import ChainLink, ScanResult

COLOURS = {"critical": "#8e24aa", "high": "#c62828", "medium": "#b86e00", "low": "#1e6fc8", "info": "#607d8b"}
BAR_COLOUR = "#3f6e8c"
AGES: tuple[tuple[int, int | None], ...] = ((0, 30), (31, 90), (91, 180), (181, None))
"""Overdue ageing buckets, in days (inclusive); the last is open-ended."""
AGE_COLOURS = ("#f2b134", "#e07b28", "#c8432b", "#8e1b1b", "#9aa3ad")


def empty(w: dict[str, str], key: str = "empty") -> str:
    """The note shown where a table or chart has nothing to show."""
    return f'<p class="note">{for_html(w[key])}</p>'


CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT = 440, 150, 22


def bar_chart(
    key: str, title: str, rows: Sequence[tuple[str, int, str]], w: dict[str, str], note: str = ""
) -> str:
    """A horizontal bar chart as inline SVG: one bar per (label, count, colour), the count beside it."""
    head = f'<figure class="chart" data-chart="{key}"><figcaption>{for_html(title)}</figcaption>'
    foot = (f'<p class="note">{for_html(note)}</p>' if note else "") + "</figure>"
    if not any(count for _, count, _ in rows):
        return head + empty(w) + foot
    top = max(count for _, count, _ in rows)
    span = CHART_WIDTH - LABEL_WIDTH - 40
    height = len(rows) * ROW_HEIGHT + 4
    bars = []
    for i, (label, count, colour) in enumerate(rows):
        y = i * ROW_HEIGHT + 2
        width = span * count / top
        bars.append(
            f"<g><title>{for_html(label)}: {count}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{for_html(_clip(label, 22))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="15" rx="2" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + width + 5:.1f}" y="{y + 15}">{count}</text></g>'
        )
    svg = (
        f'<svg viewBox="0 0 {CHART_WIDTH} {height}" width="100%" role="img" aria-label="{for_html(title)}">'
        + "".join(bars)
        + "</svg>"
    )
    return head + svg + foot


def _clip(text: str, width: int) -> str:
    """At most `width` display columns (CJK characters take two), with an ellipsis when cut."""
    shown, out = 0, list[str]()
    for ch in text:
        shown += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if shown > width:
            return "".join(out) + "…"
        out.append(ch)
    return text


def _walk(links: Iterable[ChainLink]) -> Iterator[ChainLink]:
    for link in links:
        yield link
        yield from _walk(link.rests_on)


def _overdue_days(result: ScanResult) -> dict[str, int]:
    """Days overdue per finding: the `days` of the derived facts and chain links that belong to it."""
    days: dict[str, int] = {}
    links = (link for f in result.findings for link in _walk(f.chain))
    pairs = itertools.chain(
        ((d.finding, d.values) for d in result.derived), ((c.finding, c.values) for c in links)
    )
    for finding, values in pairs:
        value = values.get("days")
        if finding is not None and isinstance(value, int) and not isinstance(value, bool):
            days[finding] = max(value, days.get(finding, value))
    return days


def ageing(result: ScanResult, w: dict[str, str]) -> str:
    """Overdue findings by days overdue; days open stand in (and a note says so) where days are missing."""
    known = _overdue_days(result)
    counts = [0] * (len(AGES) + 1)
    fallback = False
    for finding in result.findings:
        if finding.kind != "overdue":
            continue
        days = known.get(finding.fingerprint)
        if days is None and finding.history is not None:
            days, fallback = finding.history.days_open, True
        counts[_bucket(days)] += 1
    labels = [f"{low}–{high}" if high is not None else f">{low - 1}" for low, high in AGES]
    rows = [(f"{label} {w['days']}", counts[i], AGE_COLOURS[i]) for i, label in enumerate(labels)]
    if counts[-1]:
        rows.append((w["unknown"], counts[-1], AGE_COLOURS[-1]))
    return bar_chart("overdue_ageing", w["overdue_ageing"], rows, w, w["age_fallback"] if fallback else "")


def _bucket(days: int | None) -> int:
    if days is None:
        return len(AGES)
    for i, (_, high) in enumerate(AGES):
        if high is None or days <= high:
            return i
    return len(AGES) - 1
