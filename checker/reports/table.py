"""The terminal table: findings grouped by severity, most severe first, coloured on a terminal.

Record text goes through `checker.reports.safe.for_terminal`: an escape sequence, a bidi override or
a line break in a record shows as a mark (`\\x1b`, `<U+202E>`, `\\n`) and never acts on the
terminal, and each finding stays one line. The only escape sequences are the table's own colours.
"""

from __future__ import annotations

import unicodedata

import click

from checker.reports.safe import for_terminal as shown
from checker.reports.scope import scope_lines
from checker.reports.words import HISTORY, LABEL, SEVERITY, provisional, status
from checker.results.document import Finding, ScanResult

SEVERITY_COLOURS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
ORDER = ("critical", "high", "medium", "low", "info")


def render_table(result: ScanResult, lang: str = "zh", colour: bool = False) -> str:
    label = LABEL[lang]
    lines = [f"{label['findings']} ({len(result.findings)})"]
    for severity in ORDER:
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        heading = f"{SEVERITY[lang][severity]} ({len(group)})"
        lines.append(click.style(heading, fg=SEVERITY_COLOURS[severity], bold=True) if colour else heading)
        lines += [_row(finding, lang) for finding in group]
    if not result.findings:
        lines.append("  " + label["none"])
    if result.resolved:
        lines += ["", f"{label['resolved']} ({len(result.resolved)})"]
        lines += [f"  {shown(r.rule):<22} {shown(r.subject)}  [{r.fingerprint}]" for r in result.resolved]
    problems = [w for w in result.waivers if w.state != "active"]
    if problems:
        lines += ["", label["waivers"]]
        for waiver in problems:
            named = waiver.fingerprint or f"{waiver.rule} {waiver.subject}"
            state = (
                label["unmatched"]
                if waiver.state == "unmatched"
                else HISTORY[lang].get(waiver.state, waiver.state)
            )
            if waiver.state == "expired":
                state = label["waiver_expired"].format(date=waiver.expires_on)
            lines.append(f"  {shown(named)}: {state}  ({shown(waiver.file)}:{waiver.line})")
    lowest = [score for score in result.scores if score.deducted][:10]
    if lowest:
        lines += ["", f"{label['scores']} (-10)"]
        lines += [
            f"  {s.score:>6.1f}  -{s.deducted:<5g} {_pad(shown(s.unit), 16)} {shown(s.name)}" for s in lowest
        ]
    stamp = result.stamp
    lines += ["", *(shown(line) for line in scope_lines(result.scope, stamp.as_of.isoformat(), lang))]
    lines += [
        "",
        f"{label['as_of']} {stamp.as_of} · {label['rules_version']} {stamp.rules_version} · "
        f"{label['facts_digest']} {stamp.facts_digest[:12]}"
        + (f" · {label['previous_scan']} {result.previous_scan}" if result.previous_scan else ""),
    ]
    return "\n".join(lines) + "\n"


def _row(finding: Finding, lang: str) -> str:
    article = _pad(LABEL[lang]["article_n"].format(n=finding.article), 8)
    message = shown(finding.message.zh if lang == "zh" else finding.message.en)
    state = status(
        finding.history.state if finding.history else None,
        finding.waiver.state if finding.waiver else None,
        lang,
    )
    if finding.history and finding.history.state == "persisting":
        state += f" {finding.history.days_open}d"
    if finding.waiver and finding.waiver.state == "expired":
        state = LABEL[lang]["waiver_expired"].format(date=finding.waiver.expires_on)
    tag = f"  ({state})" if state else ""
    note = provisional(finding.provisional_years, lang)
    tag += f"  ({note})" if note else ""
    return f"  {_pad(shown(finding.rule), 24)} {article} {message}{tag}  [{finding.fingerprint}]"


def _pad(text: str, width: int) -> str:
    """Pad to a display width: CJK characters take two columns in a terminal."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)
