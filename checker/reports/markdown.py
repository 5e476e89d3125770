"""Markdown report: for a pull request, a wiki page or an email to the supervisors.

Layout: title and stamp; a summary (findings by severity, failing and waived, and by history state);
the findings grouped by article, then by severity (most severe first), each group a table; unit
scores lowest first; findings resolved since the previous scan; the waivers and what they did.
Record text goes only into table cells, through `checker.reports.safe.for_markdown`: it renders as
it was typed (no column break, link, image, code span or HTML from a record; line breaks as `<br>`,
control and bidi characters as visible marks). The report's own code spans (fingerprints) are
`Code` cells.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby

from checker.language.schema import SEVERITIES
from checker.reports.csv import finding_status, in_lang, ranked, waiver_table
from checker.reports.safe import for_markdown
from checker.reports.scope import WORDS as SCOPE_WORDS
from checker.reports.scope import (
    as_of_notes,
    file_rows,
    ignored_rows,
    kinds,
    not_checked_rows,
    reference_texts,
)
from checker.reports.words import HISTORY, LABEL, SEVERITY, provisional
from checker.results.document import Finding, ResolvedFinding, ScanResult, WaiverReport

WORDS = {
    "zh": {
        "summary": "概况",
        "failing": "未豁免",
        "waived": "已豁免",
        "count": "数量",
        "history": "与上次检查相比",
        "name": "名称",
        "first_seen": "首次发现",
        "last_seen": "最后发现",
        "sep": "；",
    },
    "en": {
        "summary": "Summary",
        "failing": "Failing",
        "waived": "Waived",
        "count": "Count",
        "history": "Against the previous scan",
        "name": "Name",
        "first_seen": "First seen",
        "last_seen": "Last seen",
        "sep": "; ",
    },
}


def render_markdown(result: ScanResult, lang: str = "zh") -> str:
    label = LABEL[lang]
    lines = [f"# {label['title']}", "", _stamp(result, lang), ""]
    if result.scope.demo:
        lines += [f"> **{for_markdown(SCOPE_WORDS[lang]['demo'])}**", ""]
    lines += _summary(result, lang)
    lines += [f"## {label['findings']} ({len(result.findings)})", ""]
    lines += _findings(result.findings, lang) if result.findings else [label["none"], ""]
    if result.scores:
        lines += [f"## {label['scores']}", ""]
        lines += _scores(result, lang)
    if result.resolved:
        lines += [f"## {label['resolved']} ({len(result.resolved)})", ""]
        lines += _resolved(result.resolved, lang)
    if result.waivers:
        lines += [f"## {label['waivers']} ({len(result.waivers)})", ""]
        lines += _waivers(result.waivers, lang)
    lines += _scope(result, lang)
    return "\n".join(lines).rstrip("\n") + "\n"


def _scope(result: ScanResult, lang: str) -> list[str]:
    """Files read, kinds not supplied, rules not checked, as-of notes, files not read."""
    words, scope = SCOPE_WORDS[lang], result.scope
    lines = [f"## {words['scope']}", ""]
    lines += [f"### {words['files'].format(n=len(scope.files))}", ""]
    header = [words["file"], words["kind"], words["records"], words["digest"]]
    lines += table(header, [[path, kind, n, Code(d)] for path, kind, n, d in file_rows(scope, lang)])
    lines += [f"{words['not_supplied']}: {for_markdown(kinds(scope.not_supplied, lang))}", ""]
    lines += [f"### {words['not_checked'].format(n=len(scope.not_checked))}", ""]
    if scope.not_checked:
        rows: list[list[object]] = [[rule, title, why] for rule, title, why in not_checked_rows(scope, lang)]
        lines += table([words["rule"], words["title"], words["why"]], rows)
    else:
        lines += [words["all_checked"], ""]
    if scope.unchecked_references:
        lines += [
            f"{words['unchecked_references']}: " + for_markdown(", ".join(reference_texts(scope, lang))),
            "",
        ]
    lines += [for_markdown(note) for note in as_of_notes(scope, result.stamp.as_of.isoformat(), lang)]
    if scope.ignored:
        lines += ["", f"### {words['ignored'].format(n=len(scope.ignored))}", ""]
        lines += table([words["file"], words["reason"]], [list(row) for row in ignored_rows(scope, lang)])
    return [*lines, ""]


class Code(str):
    """A cell shown as a code span (a fingerprint), when its text is plain enough to be one."""

    __slots__ = ()


PLAIN_CODE = re.compile(r"[0-9A-Za-z.:/-]+")
"""Text a code span shows as it is: nothing a code span, a table or the escaping would change."""


def cell(value: object) -> str:
    """One table cell: text made safe (`for_markdown`), or a `Code` value as a code span."""
    text = "" if value is None else str(value)
    if isinstance(value, Code) and PLAIN_CODE.fullmatch(text):
        return f"`{text}`"
    return for_markdown(text)


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table, every cell escaped, then a blank line."""
    lines = ["| " + " | ".join(cell(name) for name in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def _stamp(result: ScanResult, lang: str) -> str:
    label, stamp = LABEL[lang], result.stamp
    parts = [
        f"{label['as_of']} {stamp.as_of}",
        f"{label['rules_version']} `{stamp.rules_version}`",
        f"{label['facts_digest']} `{stamp.facts_digest[:12]}`",
        f"{label['tool']} {stamp.tool}",
        f"{label['engine']} {stamp.engine}",
    ]
    if result.previous_scan is not None:
        parts.append(f"{label['previous_scan']} {result.previous_scan}")
    return " · ".join(parts)


def _summary(result: ScanResult, lang: str) -> list[str]:
    label, words, severity = LABEL[lang], WORDS[lang], SEVERITY[lang]
    failing = Counter(f.severity for f in result.findings if f.failing)
    waived = Counter(f.severity for f in result.findings if not f.failing)
    rows: list[list[object]] = [
        [severity.get(s, s), failing[s], waived[s], failing[s] + waived[s]]
        for s in reversed(SEVERITIES)
        if failing[s] or waived[s]
    ]
    total = [label["total"], failing.total(), waived.total(), len(result.findings)]
    header = [label["severity"], words["failing"], words["waived"], label["total"]]
    lines = [f"## {words['summary']}", "", *table(header, [*rows, total])]
    states = Counter(f.history.state for f in result.findings if f.history)
    if states or result.resolved:
        history = [[HISTORY[lang][s], states[s]] for s in ("new", "persisting", "regressed")]
        history.append([HISTORY[lang]["resolved"], len(result.resolved)])
        lines += [f"### {words['history']}", "", *table([label["status"], words["count"]], history)]
    return lines


def _findings(findings: list[Finding], lang: str) -> list[str]:
    label = LABEL[lang]
    header = [
        label["severity"],
        label["rule"],
        label["subject"],
        label["responsible"],
        label["status"],
        label["message"],
        label["fingerprint"],
    ]
    lines = []
    ordered = sorted(findings, key=_order)
    for article, in_article in groupby(ordered, key=lambda f: f.article):
        group = list(in_article)
        lines += [f"### {label['article_n'].format(n=article)} ({len(group)})", ""]
        for severity, in_severity in groupby(group, key=lambda f: f.severity):
            same = list(in_severity)
            lines += [f"#### {SEVERITY[lang].get(severity, severity)} ({len(same)})", ""]
            rows: list[list[object]] = [
                [
                    SEVERITY[lang].get(f.severity, f.severity),
                    f.rule,
                    f.subject,
                    _unit(f.responsible, f.responsible_name),
                    _status(f, lang),
                    in_lang(f.message, lang),
                    Code(f.fingerprint),
                ]
                for f in same
            ]
            lines += table(header, rows)
    return lines


def _order(finding: Finding) -> tuple[int, int, str, str, str]:
    rank = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else -1
    return (finding.article, -rank, finding.rule, finding.subject, finding.fingerprint)


def _status(finding: Finding, lang: str) -> str:
    """The status word, and the waiver's date: until when it holds, or when it ran out."""
    words, label = [finding_status(finding, lang)], LABEL[lang]
    if finding.waiver is not None:
        key = "waived_until" if finding.waiver.state == "active" else "waiver_expired"
        words.append(label[key].format(date=finding.waiver.expires_on))
    words.append(provisional(finding.provisional_years, lang))
    return WORDS[lang]["sep"].join(word for word in words if word)


def _scores(result: ScanResult, lang: str) -> list[str]:
    label = LABEL[lang]
    header = [label["rank"], label["unit"], WORDS[lang]["name"], label["score"], label["deducted"]]
    rows: list[list[object]] = [
        [rank, s.unit, s.name, f"{s.score:g}", f"{s.deducted:g}"] for rank, s in ranked(result.scores)
    ]
    return table(header, rows)


def _resolved(resolved: list[ResolvedFinding], lang: str) -> list[str]:
    label, words = LABEL[lang], WORDS[lang]
    header = [
        label["article"],
        label["severity"],
        label["rule"],
        label["subject"],
        label["responsible"],
        label["message"],
        words["first_seen"],
        words["last_seen"],
        label["fingerprint"],
    ]
    rows: list[list[object]] = [
        [
            label["article_n"].format(n=r.article),
            SEVERITY[lang].get(r.severity, r.severity),
            r.rule,
            r.subject,
            r.responsible,
            in_lang(r.message, lang),
            r.first_seen,
            r.last_seen,
            Code(r.fingerprint),
        ]
        for r in sorted(resolved, key=lambda r: (r.article, r.rule, r.subject, r.fingerprint))
    ]
    return table(header, rows)


def _waivers(waivers: list[WaiverReport], lang: str) -> list[str]:
    header, rows = waiver_table(waivers, lang)
    for row in rows:
        row[1] = Code(row[1]) if isinstance(row[1], str) else ""
    return table(header, [list(row) for row in rows])


def _unit(code: str | None, name: str | None) -> str:
    if code is None:
        return name or ""
    return f"{name} ({code})" if name and name != code else code
