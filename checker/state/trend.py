"""`rivercheck history`: every stored scan summed up (findings by severity, new, regressed,
resolved) and a trend line, read from the history database (`checker.state.history`).

The summaries stream the findings scan by scan, so the listing of a long history holds two scans
in memory, and never the whole table.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from checker.reports.words import HISTORY as HISTORY_WORDS
from checker.reports.words import SEVERITY as SEVERITY_WORDS
from checker.state.history import History, read_rows, severity_rank


@dataclass(frozen=True)
class ScanSummary:
    """One stored scan for `rivercheck history`: its findings by severity and what changed."""

    as_of: dt.date
    rules_version: str
    total: int
    by_severity: dict[str, int] = field(default_factory=dict)
    new: int = 0
    """Findings no earlier stored scan had."""
    regressed: int = 0
    """Findings not in the previous scan but in an earlier one."""
    resolved: int = 0
    """Findings of the previous scan this one does not have."""


def scans(history: History) -> list[ScanSummary]:
    """Every stored scan, oldest first, compared with the one before it (as `annotate` would).

    Streams the findings scan by scan: memory holds two scans and the fingerprints ever seen.
    """
    versions = read_rows(history, "SELECT as_of, rules_version FROM scans ORDER BY as_of")
    summaries = []
    ever: set[str] = set()
    previous: set[str] = set()
    try:
        rows = history.connection.execute(
            "SELECT as_of, fingerprint, severity FROM findings ORDER BY as_of, fingerprint"
        )
        groups = groupby(rows, itemgetter(0))
        pending = next(groups, None)
        for as_of, rules_version in versions:
            while pending is not None and pending[0] < as_of:  # findings of no stored scan
                pending = next(groups, None)
            now: dict[str, str] = {}
            if pending is not None and pending[0] == as_of:
                now = {fingerprint: severity for _, fingerprint, severity in pending[1]}
                pending = next(groups, None)
            summaries.append(_summary(as_of, rules_version, now, ever, previous))
            ever |= now.keys()
            previous = set(now)
    except sqlite3.Error as error:
        raise history.fail(f"cannot read the history: {error}") from None
    return summaries


def _summary(
    as_of: str, rules_version: str, now: dict[str, str], ever: set[str], previous: set[str]
) -> ScanSummary:
    by_severity = Counter(now.values())
    return ScanSummary(
        as_of=dt.date.fromisoformat(as_of),
        rules_version=rules_version,
        total=len(now),
        by_severity={s: by_severity[s] for s in sorted(by_severity, key=severity_rank, reverse=True)},
        new=sum(1 for f in now if f not in ever),
        regressed=sum(1 for f in now if f in ever and f not in previous),
        resolved=len(previous - now.keys()),
    )


SPARK = "▁▂▃▄▅▆▇█"
TREND_SCANS = 30
"""The trend line shows the last this many scans."""
_WORDS = {
    "zh": {
        "title": "检查历史（{n}次）",
        "empty": "尚无检查记录。",
        "total": "共{n}项",
        "rules": "规则版本 {v}",
        "trend": "趋势（最近{n}次，每次的问题数）",
    },
    "en": {
        "title": "Scan history ({n} scans)",
        "empty": "No scans recorded yet.",
        "total": "{n} findings",
        "rules": "rules {v}",
        "trend": "Trend (findings per scan, last {n})",
    },
}


def render_history(summaries: Sequence[ScanSummary], lang: str = "zh") -> str:
    """One line per scan (findings by severity, new, regressed, resolved, rules version), and a trend."""
    words = _WORDS[lang]
    if not summaries:
        return words["empty"] + "\n"
    change = HISTORY_WORDS[lang]
    lines = [words["title"].format(n=len(summaries))]
    for summary in summaries:
        severities = " ".join(f"{SEVERITY_WORDS[lang].get(s, s)} {n}" for s, n in summary.by_severity.items())
        moves = [f"{change['new']} {summary.new}"]
        if summary.regressed:
            moves.append(f"{change['regressed']} {summary.regressed}")
        moves.append(f"{change['resolved']} {summary.resolved}")
        lines.append(
            f"  {summary.as_of}  {words['total'].format(n=summary.total)}"
            + (f" ({severities})" if severities else "")
            + f"  {' · '.join(moves)}  {words['rules'].format(v=summary.rules_version)}"
        )
    recent = list(summaries)[-TREND_SCANS:]
    totals = [s.total for s in recent]
    last = " → ".join(str(total) for total in totals[-2:])
    lines.append("")
    lines.append(f"{words['trend'].format(n=len(recent))}: {sparkline(totals)}  {last}")
    return "\n".join(lines) + "\n"


def sparkline(values: Sequence[int]) -> str:
    """A bar per value, scaled from zero to the largest (all zeros: the lowest bar)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[round(value / top * (len(SPARK) - 1))] for value in values)
