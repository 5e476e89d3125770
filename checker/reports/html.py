"""The HTML report: one self-contained page a supervisor can open, filter, sort and print.

Everything is inline (style, a small script, charts drawn here as SVG), so the page makes no request
and reads the same offline, attached to an e-mail or printed. The script only filters and sorts rows
already in the page; with scripts off every table is there in full. Every text taken from the result
goes through `checker.reports.safe.for_html` (unit names, messages and waiver reasons are data, never
markup; control and bidi characters show as marks and reorder nothing), and a Content-Security-Policy
admitting only this page's own style and script, by hash, is a second line. No record text is ever
put inside the <style> or the <script>, and no link is made from it (every href is a #fragment).
Same result, same bytes: nothing reads the clock, and every grouping is sorted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from checker.language.schema import SEVERITIES, Text
from checker.reports.charts import BAR_COLOUR, COLOURS, ageing, bar_chart, empty
from checker.reports.html_assets import CSP, SCRIPT, STYLE
from checker.reports.html_scope import demo_banner, scope_section
from checker.reports.safe import for_html
from checker.reports.words import HISTORY, KIND, LABEL, SEVERITY, provisional, status
from checker.results.document import Finding, ScanResult

LANGS = {"zh": "zh-CN", "en": "en"}

# Words only this page needs (the shared ones are in words.py).
EXTRA = {
    "zh": {
        "summary": "概览",
        "charts": "统计图",
        "failing": "未豁免",
        "all": "全部",
        "search": "搜索（任意文字）",
        "shown": "显示 {n} / {total} 条",
        "sort_hint": "点击列标题排序",
        "days": "天",
        "unknown": "天数不明",
        "age_fallback": "部分逾期问题没有逾期天数，按其持续天数计。",
        "cards_note": "各严重程度下的数字为未豁免的问题数。",
        "empty": "无",
        "params_digest": "参数摘要",
        "state": "状态",
        "active": "生效",
        "expired": "已过期",
        "reason": "理由",
        "approver": "批准人",
        "approved_on": "批准日期",
        "expires_on": "到期日期",
        "source": "来源",
        "matched": "对应问题",
        "waiver_for": "豁免对象",
        "first_seen": "首次发现",
        "last_seen": "最后发现",
    },
    "en": {
        "summary": "Summary",
        "charts": "Charts",
        "failing": "failing",
        "all": "all",
        "search": "Search (any text)",
        "shown": "Showing {n} of {total}",
        "sort_hint": "click a column header to sort",
        "days": "days",
        "unknown": "days unknown",
        "age_fallback": "Some overdue findings carry no days overdue; their days open are counted instead.",
        "cards_note": "Counts by severity leave out waived findings.",
        "empty": "None.",
        "params_digest": "Parameters digest",
        "state": "State",
        "active": "active",
        "expired": "expired",
        "reason": "Reason",
        "approver": "Approver",
        "approved_on": "Approved on",
        "expires_on": "Expires on",
        "source": "Source",
        "matched": "Findings",
        "waiver_for": "Waiver for",
        "first_seen": "First seen",
        "last_seen": "Last seen",
    },
}


Section = tuple[str, str, str]
"""(anchor, heading, inner HTML) of one part of the page; the navigation lists them in order."""


def render_html(result: ScanResult, lang: str = "zh") -> str:
    """The whole page for one result, in `lang` ("zh" or "en")."""
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}")
    w = {**LABEL[lang], **EXTRA[lang]}
    sections = [
        _summary(result, w, lang),
        _charts(result, w, lang),
        _scores(result, w),
        _findings(result, w, lang),
        _subset(result, "interview", "interviews_due", w, lang),
        _subset(result, "escalation", "escalations", w, lang),
        _resolved(result, w, lang),
        _waivers(result, w),
        scope_section(result, lang),
    ]
    present = [section for section in sections if section is not None]
    body = "\n".join(
        f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n{inner}\n</section>'
        for anchor, heading, inner in present
    )
    title = f"{w['title']} · {result.stamp.as_of.isoformat()}"
    return (
        f'<!DOCTYPE html>\n<html lang="{LANGS[lang]}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"{_header(result, w, present)}\n{demo_banner(result, lang)}\n{body}\n</main>\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _e(value: object) -> str:
    return for_html(str(value))


def _text(text: Text, lang: str) -> str:
    return text.zh if lang == "zh" else text.en


def _rank(severity: str) -> int:
    """Higher is more severe; a severity the report does not know sorts below info."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _severity(severity: str, lang: str) -> str:
    """A table cell: the severity as a coloured badge, sorting by rank."""
    label = _e(SEVERITY[lang].get(severity, severity))
    return f'<td data-sort="{_rank(severity)}"><span class="sev sev-{_e(severity)}">{label}</span></td>'


def _article(n: int, w: dict[str, str], note: str = "") -> str:
    """A table cell: 第N条 / Art. N, sorting by number; `note` shows on hover."""
    title = f' title="{_e(note)}"' if note else ""
    return f'<td data-sort="{n}"{title}>{_e(w["article_n"].format(n=n))}</td>'


def _status(f: Finding, lang: str) -> str:
    return status(f.history.state if f.history else None, f.waiver.state if f.waiver else None, lang)


def _kind(kind: str, lang: str) -> str:
    return KIND[lang].get(kind, kind)


def _link(fingerprint: str) -> str:
    return f'<a href="#f-{_e(fingerprint)}"><code>{_e(fingerprint)}</code></a>'


NUM = ' class="num"'


def _table(heads: Sequence[tuple[str, str]], rows: Sequence[str], ident: str = "") -> str:
    """A sortable table in a scrolling box. Heads are (label, type): "num" sorts by number and aligns right,
    "rank" sorts by the cells' data-sort number, "text" sorts as text."""
    cells = "".join(
        f'<th scope="col" data-type="{kind}"{NUM if kind == "num" else ""}>{_e(label)}</th>'
        for label, kind in heads
    )
    attrs = f' id="{ident}"' if ident else ""
    return (
        f'<div class="scroll"><table{attrs} class="sortable">\n<thead><tr>{cells}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table></div>"
    )


def _header(result: ScanResult, w: dict[str, str], sections: Sequence[Section]) -> str:
    stamp = result.stamp
    items = [
        (w["as_of"], stamp.as_of.isoformat()),
        (w["tool"], stamp.tool),
        (w["engine"], stamp.engine),
        (w["rules_version"], stamp.rules_version),
        (w["facts_digest"], stamp.facts_digest),
        (w["params_digest"], stamp.params_digest),
    ]
    if result.previous_scan is not None:
        items.append((w["previous_scan"], result.previous_scan.isoformat()))
    stamp_html = "".join(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>" for key, value in items)
    nav = "".join(f'<a href="#{anchor}">{_e(heading)}</a>' for anchor, heading, _ in sections)
    return (
        f'<header>\n<h1>{_e(w["title"])}</h1>\n<dl class="stamp">{stamp_html}</dl>\n'
        f"<nav>{nav}</nav>\n</header>"
    )


def _has_history(result: ScanResult) -> bool:
    return (
        result.previous_scan is not None
        or bool(result.resolved)
        or any(f.history is not None for f in result.findings)
    )


def _card(key: str, label: str, count: int, note: str = "") -> str:
    small = f"<small>{_e(note)}</small>" if note else ""
    return (
        f'<div class="card {_e(key)}" data-card="{_e(key)}">{_e(label)}'
        f'<span class="n">{count}</span>{small}</div>'
    )


def _summary(result: ScanResult, w: dict[str, str], lang: str) -> Section:
    """Cards: findings by severity (failing, with the waived beside), then the history counts."""
    findings = result.findings
    failing = Counter(f.severity for f in findings if f.failing)
    waived = Counter(f.severity for f in findings if not f.failing)
    waived_word = HISTORY[lang]["waived"]
    total_note = f"{w['failing']} {sum(failing.values())} · {waived_word} {sum(waived.values())}"
    cards = [_card("total", w["findings"], len(findings), total_note)]
    for severity in sorted(set(SEVERITIES) | set(failing) | set(waived), key=_rank, reverse=True):
        note = f"{waived_word} {waived[severity]}" if waived[severity] else ""
        cards.append(_card(severity, SEVERITY[lang].get(severity, severity), failing[severity], note))
    inner = f'<div class="cards">{"".join(cards)}</div>\n<p class="note">{_e(w["cards_note"])}</p>'
    if _has_history(result):
        states = Counter(f.history.state for f in findings if f.history is not None)
        history = [
            _card(state, HISTORY[lang][state], states[state]) for state in ("new", "persisting", "regressed")
        ]
        history.append(_card("resolved", HISTORY[lang]["resolved"], len(result.resolved)))
        since = f" {result.previous_scan.isoformat()}" if result.previous_scan else ""
        inner += f'\n<h3>{_e(w["previous_scan"] + since)}</h3>\n<div class="cards">{"".join(history)}</div>'
    return ("summary", w["summary"], inner)


def _charts(result: ScanResult, w: dict[str, str], lang: str) -> Section:
    findings = result.findings
    articles = Counter(f.article for f in findings)
    kinds = Counter(f.kind for f in findings)
    severities = Counter(f.severity for f in findings)
    districts = Counter(f.district or "—" for f in findings)
    rows = {
        "by_article": [(w["article_n"].format(n=n), articles[n], BAR_COLOUR) for n in sorted(articles)],
        "by_kind": [(_kind(k, lang), kinds[k], BAR_COLOUR) for k in sorted(kinds)],
        "by_severity": [
            (SEVERITY[lang].get(s, s), severities[s], COLOURS.get(s, BAR_COLOUR))
            for s in sorted(severities, key=_rank, reverse=True)
        ],
        "by_district": [(d, n, BAR_COLOUR) for d, n in sorted(districts.items())],
    }
    charts = [bar_chart(key, w[key], bars, w) for key, bars in rows.items()] + [ageing(result, w)]
    return ("charts", w["charts"], '<div class="charts">\n' + "\n".join(charts) + "\n</div>")


def _scores(result: ScanResult, w: dict[str, str]) -> Section:
    """Units lowest score first, ranked (equal scores share a rank), each with a small bar."""
    scores = sorted(result.scores, key=lambda s: (s.score, s.unit))
    if not scores:
        return ("scores", w["scores"], empty(w))
    full = max([s.score + s.deducted for s in scores] + [1.0])
    rows, rank = [], 0
    for i, s in enumerate(scores):
        if i == 0 or s.score != scores[i - 1].score:
            rank = i + 1
        kept = 160 * s.score / full
        lost = 160 * s.deducted / full
        bar = (
            f'<svg width="160" height="12" viewBox="0 0 160 12" role="img" aria-label="{s.score:g}">'
            f'<rect width="{kept:.1f}" height="12" fill="#3f8f5a"/>'
            f'<rect x="{kept:.1f}" width="{lost:.1f}" height="12" fill="#d9534f"/></svg>'
        )
        rows.append(
            f'<tr data-unit="{_e(s.unit)}"><td class="num">{rank}</td>'
            f'<td>{_e(s.name)}<br><code>{_e(s.unit)}</code></td><td class="num">{s.score:g}</td>'
            f'<td class="num">{s.deducted:g}</td><td data-sort="{s.score:g}">{bar}</td></tr>'
        )
    heads = [
        (w["rank"], "num"),
        (w["unit"], "text"),
        (w["score"], "num"),
        (w["deducted"], "num"),
        ("", "rank"),
    ]
    return ("scores", w["scores"], _table(heads, rows, "scores-table"))


FINDING_HEADS = (
    ("severity", "rank"),
    ("rule", "text"),
    ("article", "rank"),
    ("kind", "text"),
    ("subject", "text"),
    ("responsible", "text"),
    ("district", "text"),
    ("status", "text"),
    ("days_open", "num"),
    ("message", "text"),
    ("remedy", "text"),
    ("fingerprint", "text"),
)
STATUS_KEYS = ("new", "persisting", "regressed", "waived")


def _status_key(finding: Finding) -> str:
    if not finding.failing:
        return "waived"
    return finding.history.state if finding.history is not None else ""


def _findings(result: ScanResult, w: dict[str, str], lang: str) -> Section:
    heading = f"{w['findings']} ({len(result.findings)})"
    if not result.findings:
        return ("findings", heading, empty(w, "none"))
    heads = [(w[key], kind) for key, kind in FINDING_HEADS]
    rows = [_finding_row(f, w, lang) for f in result.findings]
    return ("findings", heading, _controls(result, w, lang) + "\n" + _table(heads, rows, "findings-table"))


def _responsible(code: str | None, name: str | None) -> str:
    if code is None:
        return "—"
    return (f"{_e(name)}<br>" if name else "") + f"<code>{_e(code)}</code>"


def _finding_row(f: Finding, w: dict[str, str], lang: str) -> str:
    days = "" if f.history is None else str(f.history.days_open)
    note = ""
    if f.waiver is not None:
        template = w["waived_until"] if f.waiver.state == "active" else w["waiver_expired"]
        note = f'<br><span class="sub">{_e(template.format(date=f.waiver.expires_on.isoformat()))}</span>'
    if f.provisional_years:
        note += f'<br><span class="sub">{_e(provisional(f.provisional_years, lang))}</span>'
    word = _status(f, lang)
    data = {
        "severity": f.severity,
        "rule": f.rule,
        "article": str(f.article),
        "kind": f.kind,
        "district": f.district or "",
        "status": _status_key(f),
        "days": days,
        "fingerprint": f.fingerprint,
    }
    attrs = "".join(f' data-{key}="{_e(value)}"' for key, value in data.items())
    cited = " ".join(w["article_n"].format(n=n) for n in [f.article, *f.also_cites])
    cells = [
        _severity(f.severity, lang),
        f"<td><code>{_e(f.rule)}</code></td>",
        _article(f.article, w, f"{cited} {f.gist}"),
        f"<td>{_e(_kind(f.kind, lang))}</td>",
        f'<td class="wrap">{_e(f.subject)}</td>',
        f'<td class="wrap">{_responsible(f.responsible, f.responsible_name)}</td>',
        f"<td>{_e(f.district or '')}</td>",
        f"<td>{_e(word)}{note}</td>",
        f'<td class="num">{days}</td>',
        f'<td class="text">{_e(_text(f.message, lang))}</td>',
        f'<td class="text">{_e(_text(f.remedy, lang))}</td>',
        f"<td><code>{_e(f.fingerprint)}</code></td>",
    ]
    waived = ' class="waived"' if not f.failing else ""
    return f'<tr id="f-{_e(f.fingerprint)}"{waived}{attrs}>' + "".join(cells) + "</tr>"


def _controls(result: ScanResult, w: dict[str, str], lang: str) -> str:
    """Filters for the findings table; hidden until the script shows them (they need it to work)."""
    findings = result.findings
    statuses = {_status_key(f) for f in findings}
    choices = [
        (
            "severity",
            [
                (s, SEVERITY[lang].get(s, s))
                for s in sorted({f.severity for f in findings}, key=_rank, reverse=True)
            ],
        ),
        ("kind", [(k, _kind(k, lang)) for k in sorted({f.kind for f in findings})]),
        ("article", [(str(n), w["article_n"].format(n=n)) for n in sorted({f.article for f in findings})]),
        ("district", [(d, d) for d in sorted({f.district for f in findings if f.district})]),
        ("status", [(s, HISTORY[lang][s]) for s in STATUS_KEYS if s in statuses]),
    ]
    selects = []
    for key, options in choices:
        items = "".join(f'<option value="{_e(value)}">{_e(label)}</option>' for value, label in options)
        selects.append(
            f'<label>{_e(w[key])}<select id="filter-{key}" data-filter="{key}">'
            f'<option value="">{_e(w["all"])}</option>{items}</select></label>'
        )
    template = w["shown"].replace("{total}", str(len(findings)))
    initial = template.replace("{n}", str(len(findings)))
    return (
        f'<div class="controls" data-js hidden><label>{_e(w["search"])}'
        f'<input type="search" id="filter-text" autocomplete="off"></label>{"".join(selects)}'
        f'<output id="shown" data-template="{_e(template)}">{_e(initial)}</output>'
        f'<span class="note">{_e(w["sort_hint"])}</span></div>'
    )


def _subset(result: ScanResult, kind: str, key: str, w: dict[str, str], lang: str) -> Section:
    """The findings of one kind (interviews due, escalations) as a small table of their own."""
    chosen = [f for f in result.findings if f.kind == kind]
    if not chosen:
        return (key, w[key], empty(w))
    heads = [(w[k], t) for k, t in (("severity", "rank"), ("subject", "text"), ("responsible", "text"))]
    heads += [(w["status"], "text"), (w["message"], "text"), (w["fingerprint"], "text")]
    rows = [
        f'<tr data-fingerprint="{_e(f.fingerprint)}">{_severity(f.severity, lang)}'
        f"<td>{_e(f.subject)}</td><td>{_responsible(f.responsible, f.responsible_name)}</td>"
        f"<td>{_e(_status(f, lang))}</td>"
        f'<td class="text">{_e(_text(f.message, lang))}</td><td>{_link(f.fingerprint)}</td></tr>'
        for f in chosen
    ]
    return (key, f"{w[key]} ({len(chosen)})", _table(heads, rows, f"{key}-table"))


def _resolved(result: ScanResult, w: dict[str, str], lang: str) -> Section | None:
    if not _has_history(result):
        return None
    heading = f"{w['resolved']} ({len(result.resolved)})"
    if not result.resolved:
        return ("resolved", heading, empty(w))
    done = sorted(result.resolved, key=lambda r: (-_rank(r.severity), r.rule, r.subject, r.fingerprint))
    heads = [(w["severity"], "rank"), (w["rule"], "text"), (w["article"], "rank"), (w["subject"], "text")]
    heads += [(w["responsible"], "text"), (w["message"], "text"), (w["first_seen"], "text")]
    heads += [(w["last_seen"], "text"), (w["fingerprint"], "text")]
    rows = [
        f'<tr data-fingerprint="{_e(r.fingerprint)}">{_severity(r.severity, lang)}'
        f"<td><code>{_e(r.rule)}</code></td>{_article(r.article, w)}"
        f"<td>{_e(r.subject)}</td><td>{_responsible(r.responsible, None)}</td>"
        f'<td class="text">{_e(_text(r.message, lang))}</td><td>{r.first_seen.isoformat()}</td>'
        f"<td>{r.last_seen.isoformat()}</td><td><code>{_e(r.fingerprint)}</code></td></tr>"
        for r in done
    ]
    return ("resolved", heading, _table(heads, rows, "resolved-table"))


WAIVER_ORDER = ("active", "expired", "unmatched")


def _waivers(result: ScanResult, w: dict[str, str]) -> Section | None:
    """Every waiver in the waivers file and what it did: active, expired, or matching nothing."""
    if not result.waivers:
        return None
    shown = {f.fingerprint for f in result.findings}
    words = {"active": w["active"], "expired": w["expired"], "unmatched": w["unmatched"]}
    rows = []
    for v in sorted(result.waivers, key=lambda v: (WAIVER_ORDER.index(v.state), v.file, v.line)):
        target = " · ".join(
            [f"<code>{_e(v.fingerprint)}</code>"] * (v.fingerprint is not None)
            + [f"<code>{_e(v.rule)}</code>"] * (v.rule is not None)
            + [_e(v.subject)] * (v.subject is not None)
        )
        matched = " ".join(_link(fp) if fp in shown else f"<code>{_e(fp)}</code>" for fp in v.matched)
        rows.append(
            f'<tr data-state="{v.state}"><td>{_e(words[v.state])}</td><td>{target}</td>'
            f'<td class="text">{_e(v.reason)}</td><td>{_e(v.approver)}</td>'
            f"<td>{v.approved_on.isoformat()}</td><td>{v.expires_on.isoformat()}</td><td><code>{_e(v.file)}:{v.line}</code></td>"
            f"<td>{matched or '—'}</td></tr>"
        )
    keys = ("state", "waiver_for", "reason", "approver", "approved_on", "expires_on", "source", "matched")
    heads = [(w[key], "text") for key in keys]
    return ("waivers", f"{w['waivers']} ({len(result.waivers)})", _table(heads, rows, "waivers-table"))
