"""`rivercheck explain --rule RULE --subject KEY`: why a subject has a finding, has none, or was not
checked, in words (`checker.results.whynot` finds the answer; this says it).

Each condition is one line: ✓ or ✗, the field as the office names it (整改期限, not `deadline`),
the comparison, and the value found on the record, with the record's file and line. The first ✗ is
where the subject's match stopped. Record text goes through `for_terminal`, as everywhere.
"""

from __future__ import annotations

from checker.reports.safe import for_terminal
from checker.results.whynot import Condition, Step, WhyNot
from facts.labels import KINDS, field_label, kind_label

SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "in": "∈", "not_in": "∉"}
WORDS = {
    "zh": {
        "head": "规则 {rule}（{title}）· 对象 {subject}",
        "finding": "有发现 [{fingerprint}]：用 rivercheck explain {fingerprint} 查看依据与推导过程",
        "not-checked": "未检查：{why}",
        "no-match": "未发现问题：以下是逐项条件，✗ 为首个未满足的条件",
        "group": "未发现问题：记录符合条件，但数量未达到阈值",
        "match-without-finding": "记录满足全部条件，却没有发现（请报告此问题）",
        "step": "第{n}步 {name}（{kind}）",
        "none": "  ✗ {kind}中没有可与之对应的",
        "blocked": "  ✗ {kind}中不应有符合条件的，但找到 {key}  {place}",
        "absent": "  ✓ {kind}中没有符合条件的",
        "exists": "存在",
        "missing": "不存在",
        "found": "实际",
        "count": "  {mark} {name} {op} {wanted}（实际 {found}）",
        "later": "  注意：{kind} {key} 的日期为{day}，在检查日期之后，当时尚不存在，不计入  {place}",
    },
    "en": {
        "head": "Rule {rule} ({title}) · subject {subject}",
        "finding": "Has a finding [{fingerprint}]: rivercheck explain {fingerprint} shows its evidence",
        "not-checked": "Not checked: {why}",
        "no-match": "No finding: each condition in order; ✗ marks the first that is not met",
        "group": "No finding: the records match, but their count does not reach the threshold",
        "match-without-finding": "The records meet every condition, yet there is no finding "
        "(please report this)",
        "step": "Step {n} {name} ({kind})",
        "none": "  ✗ none of the {kind} matches",
        "blocked": "  ✗ none of the {kind} may match, but {key} does  {place}",
        "absent": "  ✓ none of the {kind} matches",
        "exists": "exists",
        "missing": "is missing",
        "found": "found",
        "count": "  {mark} {name} {op} {wanted} (found {found})",
        "later": "  Note: {kind} {key} is dated {day}, after the scan date: it did not exist yet  {place}",
    },
}


def render_why_not(answer: WhyNot, lang: str = "zh") -> str:
    words = WORDS[lang]
    title = answer.title[0] if lang == "zh" else answer.title[1]
    lines = [words["head"].format(rule=answer.rule, title=title, subject=answer.subject)]
    if answer.verdict == "finding":
        lines.append(words["finding"].format(fingerprint=answer.fingerprint))
    elif answer.verdict == "not-checked":
        assert answer.why is not None
        lines.append(words["not-checked"].format(why=answer.why[0] if lang == "zh" else answer.why[1]))
    else:
        lines.append(words[answer.verdict])
        for record, day in answer.later:
            kind = kind_label(record.kind, lang)
            lines.append(words["later"].format(kind=kind, key=record.key, day=day, place=record.place))
        for number, step in enumerate(answer.steps, 1):
            lines += _step(number, step, lang)
        for condition in answer.group:
            mark = "✓" if condition.passed else "✗"
            op = SYMBOLS.get(condition.op, condition.op)
            lines.append(
                words["count"].format(
                    mark=mark, name=condition.field, op=op, wanted=condition.wanted, found=condition.found
                )
            )
    return "\n".join(for_terminal(line) for line in lines) + "\n"


def _step(number: int, step: Step, lang: str) -> list[str]:
    words = WORDS[lang]
    kind = kind_label(step.kind, lang) if step.kind in KINDS else step.kind
    head = words["step"].format(n=number, name=step.pattern, kind=kind)
    if step.record is not None:
        head += f"  {step.record.key}  {step.record.place}"
    lines = [head]
    if step.negated:
        if step.blocked_by is not None:
            lines.append(
                words["blocked"].format(kind=kind, key=step.blocked_by.key, place=step.blocked_by.place)
            )
        else:
            lines.append(words["absent"].format(kind=kind))
        return lines
    if step.record is None:
        lines.append(words["none"].format(kind=kind))
    lines += [_condition(condition, lang) for condition in step.conditions]
    return lines


def _condition(condition: Condition, lang: str) -> str:
    words = WORDS[lang]
    mark = "✓" if condition.passed else "✗"
    name = field_label(condition.field, lang)
    if condition.op == "exists":
        wanted = words["exists"] if condition.wanted == "True" else words["missing"]
    else:
        wanted = f"{SYMBOLS.get(condition.op, condition.op)} {condition.wanted}"
    found = f"{words['found']} {condition.found}"
    return f"  {mark} {name} {wanted}" + (f"（{found}）" if lang == "zh" else f" ({found})")
