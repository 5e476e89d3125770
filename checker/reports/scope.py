"""The scope section every format shows: demo data or not, the files read (kind, records, digest),
the kinds not supplied, the rules not checked and why, references that could not be checked, what
taking the records as of the scan day left out, and the files ignored (docs/scope.md).

The words and the tables are made here once; each format lays them out its own way (a block of
lines in the terminal, tables in Markdown, HTML and Excel, rows in CSV, skipped tests in JUnit).
Record text (paths) is escaped by each format, as everything else is.
"""

from __future__ import annotations

from checker.results.document import Scope
from facts.labels import field_label, kind_label

WORDS = {
    "zh": {
        "scope": "检查范围",
        "demo": "演示数据：本报告依据内置的虚构示范区（清溪区）记录，不是任何河长办的真实记录",
        "files": "已读取的文件（{n}个）",
        "file": "文件",
        "kind": "记录类别",
        "records": "记录数",
        "digest": "摘要",
        "supplied": "已提供的记录",
        "not_supplied": "未提供的记录",
        "not_checked": "未检查的规则（{n}条）",
        "all_checked": "所有规则均已检查。",
        "rule": "规则",
        "title": "名称",
        "why": "原因",
        "unchecked_references": "未核对的引用（对应记录未提供）",
        "not_yet": "截至{day}，以下记录日期在此日之后，当时尚不存在，未计入：{items}",
        "undone": "截至{day}，以下日期在此日之后，视为当时尚未发生：{items}",
        "undated": "注：没有自身日期的字段（如责任单位、河长负责的河湖）按现有记录取值",
        "ignored": "未读取的文件（{n}个）",
        "reason": "原因",
        "hidden": "隐藏文件",
        "not-records": "不是记录文件",
        "silenced": "仅为所选规则提供推导、不报告发现的规则",
        "selection": "规则选择",
        "none": "无",
        "status": "未检查",
        "more": "……另有{n}个（见JSON报告）",
        "section": "类别",
        "item": "项目",
        "text": "说明",
        "section_demo": "演示数据",
        "section_files": "已读取的文件",
        "section_not_checked": "未检查的规则",
        "section_references": "未核对的引用",
        "section_as_of": "截至检查日期",
        "section_ignored": "未读取的文件",
        "sheet": "检查范围",
    },
    "en": {
        "scope": "Scope",
        "demo": "Demo data: this report rests on the bundled fictional district (清溪区), not on any "
        "office's records",
        "files": "Files read ({n})",
        "file": "File",
        "kind": "Records",
        "records": "Count",
        "digest": "Digest",
        "supplied": "Records supplied",
        "not_supplied": "Records not supplied",
        "not_checked": "Rules not checked ({n})",
        "all_checked": "Every rule was checked.",
        "rule": "Rule",
        "title": "Title",
        "why": "Why",
        "unchecked_references": "References not checked (their records were not supplied)",
        "not_yet": "As of {day}, these records are dated later, did not exist yet and are left out: {items}",
        "undone": "As of {day}, these dates are later and taken as not yet happened: {items}",
        "undated": "Note: fields without a date of their own (a problem's responsible unit, a chief's "
        "waterbodies) are taken as recorded",
        "ignored": "Files not read ({n})",
        "reason": "Reason",
        "hidden": "hidden",
        "not-records": "not a record file",
        "silenced": "Rules run only for what they derive for selected rules (findings not reported)",
        "selection": "Selection",
        "none": "none",
        "status": "not checked",
        "more": "... and {n} more (listed in the JSON report)",
        "section": "Section",
        "item": "Item",
        "text": "Text",
        "section_demo": "Demo data",
        "section_files": "Files read",
        "section_not_checked": "Rules not checked",
        "section_references": "References not checked",
        "section_as_of": "As of the scan date",
        "section_ignored": "Files not read",
        "sheet": "scope",
    },
}


SHOWN_IGNORED = 20
"""Ignored files listed by name in the short form; the JSON report lists them all."""


def kinds(names: list[str], lang: str) -> str:
    """Kinds as people name them, joined (`problem, unit` -> 问题台账、单位)."""
    if not names:
        return WORDS[lang]["none"]
    return ("、" if lang == "zh" else ", ").join(kind_label(name, lang) for name in names)


def file_rows(scope: Scope, lang: str) -> list[list[str | int]]:
    """Files read: path, kind as people name it, records, the digest's first 16 digits."""
    return [[f.path, kind_label(f.kind, lang), f.records, f.digest[:16]] for f in scope.files]


def not_checked_rows(scope: Scope, lang: str) -> list[list[str]]:
    """Rules not checked: id, title, why."""
    return [
        [
            item.rule,
            item.title.zh if lang == "zh" else item.title.en,
            item.why.zh if lang == "zh" else item.why.en,
        ]
        for item in scope.not_checked
    ]


def ignored_rows(scope: Scope, lang: str) -> list[list[str]]:
    return [[item.path, WORDS[lang][item.reason]] for item in scope.ignored]


def reference_texts(scope: Scope, lang: str) -> list[str]:
    """`problem.waterbody` as 问题台账·所在河湖."""
    texts = []
    for reference in scope.unchecked_references:
        kind, _, name = reference.partition(".")
        texts.append(f"{kind_label(kind, lang)}·{field_label(name, lang)}")
    return texts


def as_of_notes(scope: Scope, day: str, lang: str) -> list[str]:
    """What taking the records as of the day left out and undid, in sentences (none: empty)."""
    words = WORDS[lang]
    sep = "；" if lang == "zh" else "; "
    notes = []
    if scope.as_of.not_yet:
        items = sep.join(f"{kind_label(kind, lang)} {n}" for kind, n in scope.as_of.not_yet.items())
        notes.append(words["not_yet"].format(day=day, items=items))
    if scope.as_of.undone:
        parts = []
        for place, n in scope.as_of.undone.items():
            kind, _, name = place.partition(".")
            parts.append(f"{kind_label(kind, lang)}·{field_label(name, lang)} {n}")
        notes.append(words["undone"].format(day=day, items=sep.join(parts)))
    if scope.as_of.undated_as_recorded:
        notes.append(words["undated"])
    return notes


def scope_lines(scope: Scope, day: str, lang: str) -> list[str]:
    """The scope as plain lines (terminal, and the short form other formats start from)."""
    words = WORDS[lang]
    lines = [words["scope"]]
    if scope.demo:
        lines.append("  " + words["demo"])
    lines.append("  " + words["files"].format(n=len(scope.files)))
    lines += [
        f"    {path}  {kind} {records}  {digest}" for path, kind, records, digest in file_rows(scope, lang)
    ]
    lines.append(f"  {words['not_supplied']}: {kinds(scope.not_supplied, lang)}")
    if scope.not_checked:
        lines.append("  " + words["not_checked"].format(n=len(scope.not_checked)))
        by_why: dict[str, list[str]] = {}
        for rule, _, why in not_checked_rows(scope, lang):
            by_why.setdefault(why, []).append(rule)
        lines += [f"    {why}: {', '.join(rules)}" for why, rules in sorted(by_why.items())]
    else:
        lines.append("  " + words["all_checked"])
    if scope.unchecked_references:
        lines.append(f"  {words['unchecked_references']}: " + ", ".join(reference_texts(scope, lang)))
    lines += ["  " + note for note in as_of_notes(scope, day, lang)]
    if scope.ignored:
        lines.append("  " + words["ignored"].format(n=len(scope.ignored)))
        rows = ignored_rows(scope, lang)
        lines += [f"    {path}  ({reason})" for path, reason in rows[:SHOWN_IGNORED]]
        if len(rows) > SHOWN_IGNORED:
            lines.append("    " + words["more"].format(n=len(rows) - SHOWN_IGNORED))
    return lines


def scope_table(scope: Scope, day: str, lang: str) -> tuple[list[str], list[list[str | int]]]:
    """The whole scope as one table (Excel): section, item, text, records, digest."""
    words = WORDS[lang]
    header = [words["section"], words["item"], words["text"], words["records"], words["digest"]]
    rows: list[list[str | int]] = []
    if scope.demo:
        rows.append([words["section_demo"], "", words["demo"], "", ""])
    rows += [
        [words["section_files"], path, kind, n, digest] for path, kind, n, digest in file_rows(scope, lang)
    ]
    rows += [[words["not_supplied"], kind_label(kind, lang), "", "", ""] for kind in scope.not_supplied]
    rows += [
        [words["section_not_checked"], rule, f"{title}: {why}", "", ""]
        for rule, title, why in not_checked_rows(scope, lang)
    ]
    rows += [[words["section_references"], text, "", "", ""] for text in reference_texts(scope, lang)]
    rows += [[words["section_as_of"], "", note, "", ""] for note in as_of_notes(scope, day, lang)]
    rows += [[words["section_ignored"], path, reason, "", ""] for path, reason in ignored_rows(scope, lang)]
    return header, rows
