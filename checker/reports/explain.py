"""`rivercheck explain`: one finding in plain words, with its evidence and how it came about."""

from __future__ import annotations

from typing import Any

from checker.errors import CheckerError, Location
from checker.reports.safe import for_terminal
from checker.results.document import ChainLink, Finding, ScanResult

CHINESE_DIGITS = "零一二三四五六七八九"
WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "severity": {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"},
        "why": "依据",
        "responsible": "责任单位",
        "facts": "所依据的记录",
        "chain": "推导过程",
        "remedy": "如何整改",
        "finding": "发现",
        "as_of": "检查日期",
    },
    "en": {
        "severity": {
            "critical": "critical",
            "high": "high",
            "medium": "medium",
            "low": "low",
            "info": "info",
        },
        "why": "Why",
        "responsible": "Responsible",
        "facts": "Records it rests on",
        "chain": "How it was derived",
        "remedy": "What would make it compliant",
        "finding": "finding",
        "as_of": "as of",
    },
}


def chinese_article(number: int) -> str:
    """第二十五条 for 25 (articles run from 1 to 34)."""
    tens, units = divmod(number, 10)
    text = ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" if tens else ""
    return f"第{text}{CHINESE_DIGITS[units] if units else ''}条"


def find_finding(result: ScanResult, fingerprint: str) -> Finding:
    """The finding whose fingerprint is, or starts with, the given text (at least 6 characters)."""
    matches = [f for f in result.findings if f.fingerprint == fingerprint]
    if not matches and len(fingerprint) >= 6:
        matches = [f for f in result.findings if f.fingerprint.startswith(fingerprint)]
    if len(matches) == 1:
        return matches[0]
    detail = "it matches several findings" if matches else "no finding has it in this result"
    raise CheckerError.at(
        Location(fingerprint),
        "explain-fingerprint",
        f"cannot explain '{fingerprint}': {detail}",
        help="give the fingerprint shown in [brackets] in the report (at least its first 6 characters)",
    )


def explain(result: ScanResult, fingerprint: str, lang: str = "zh") -> str:
    finding = find_finding(result, fingerprint)
    words = WORDS[lang]
    text = finding.message.zh if lang == "zh" else finding.message.en
    title = finding.title.zh if lang == "zh" else finding.title.en
    article = chinese_article(finding.article) if lang == "zh" else f"Article {finding.article}"
    lines = [
        f"{finding.rule} [{finding.fingerprint}] {words['severity'][finding.severity]} · {article}"
        f" · {words['as_of']} {finding.as_of}",
        title,
        f"  {text}",
        "",
        f"{words['why']}: {article} {finding.gist}",
    ]
    if finding.also_cites:
        if lang == "zh":
            lines[-1] += "（并见" + "、".join(chinese_article(a) for a in finding.also_cites) + "）"
        else:
            lines[-1] += " (see also Article " + ", ".join(str(a) for a in finding.also_cites) + ")"
    if finding.responsible:
        lines.append(
            f"{words['responsible']}: {finding.responsible} {finding.responsible_name or ''}".rstrip()
        )
    lines += ["", f"{words['facts']}:"]
    for fact in finding.facts:
        values = _values(fact.values)
        lines.append(f"  {fact.kind} {fact.key}  {fact.file}:{fact.line}  {values}".rstrip())
    lines += ["", f"{words['chain']}:", f"  {finding.rule} → {finding.subject}"]
    for link in finding.chain:
        lines += _chain(link, 2, words["finding"])
    remedy = finding.remedy.zh if lang == "zh" else finding.remedy.en
    lines += ["", f"{words['remedy']}: {remedy}"]
    # record text may hold escape sequences or bidi overrides: shown as marks, never obeyed
    return "\n".join(for_terminal(line) for line in lines) + "\n"


def _values(values: dict[str, object]) -> str:
    shown = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in sorted(values.items())}
    return " ".join(f"{k}={v}" for k, v in shown.items() if v not in (None, ""))


def _chain(link: ChainLink, depth: int, finding_word: str) -> list[str]:
    indent = "   " * (depth - 1) + "└─ "
    values = _values(link.values)
    via = f"{link.rule}" + (f", {finding_word} {link.finding}" if link.finding else "")
    lines = [f"  {indent}{link.kind} {link.key} ({via})  {values}".rstrip()]
    for child in link.rests_on:
        lines += _chain(child, depth + 1, finding_word)
    inner = "   " * depth + "└─ "
    lines += [f"  {inner}{record}" for record in link.records]
    return lines
