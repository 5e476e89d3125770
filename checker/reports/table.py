"""Reports: views of one ScanResult, never recomputing it."""

from __future__ import annotations

import unicodedata
from typing import Any

import click

from checker.findings import ScanResult

SEVERITY_COLOURS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "findings": "发现问题",
        "none": "未发现问题。",
        "article": "第{n}条",
        "scores": "单位考核得分（最低的10个）",
        "stamp": "检查日期 {as_of} · 规则版本 {rules} · 事实摘要 {facts}",
        "severity": {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"},
    },
    "en": {
        "findings": "Findings",
        "none": "No findings.",
        "article": "Art. {n}",
        "scores": "Unit scores (lowest 10)",
        "stamp": "as of {as_of} · rules {rules} · facts {facts}",
        "severity": {
            "critical": "critical",
            "high": "high",
            "medium": "medium",
            "low": "low",
            "info": "info",
        },
    },
}


def render_json(result: ScanResult) -> str:
    return result.to_json()


def render_table(result: ScanResult, lang: str = "zh", colour: bool = False) -> str:
    words = WORDS[lang]
    lines = [f"{words['findings']} ({len(result.findings)})"]
    for finding in result.findings:
        severity = _pad(words["severity"][finding.severity], 8)
        if colour:
            severity = click.style(
                severity, fg=SEVERITY_COLOURS[finding.severity], bold=finding.severity != "info"
            )
        article = _pad(words["article"].format(n=finding.article), 8)
        message = finding.message.zh if lang == "zh" else finding.message.en
        lines.append(f"  {severity} {_pad(finding.rule, 20)} {article} {message}  [{finding.fingerprint}]")
    if not result.findings:
        lines.append("  " + words["none"])
    lowest = [score for score in result.scores if score.deducted][:10]
    if lowest:
        lines.append("")
        lines.append(words["scores"])
        for score in lowest:
            lines.append(f"  {score.score:>6.1f}  -{score.deducted:<5g} {_pad(score.unit, 16)} {score.name}")
    stamp = result.stamp
    lines.append("")
    lines.append(
        words["stamp"].format(as_of=stamp.as_of, rules=stamp.rules_version, facts=stamp.facts_digest[:12])
    )
    return "\n".join(lines) + "\n"


def _pad(text: str, width: int) -> str:
    """Pad to a display width: CJK characters take two columns in a terminal."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)
