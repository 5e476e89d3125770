"""The words reports use, in Chinese and English (one place, so every format says the same)."""

from __future__ import annotations

SEVERITY = {
    "zh": {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"},
    "en": {"critical": "critical", "high": "high", "medium": "medium", "low": "low", "info": "info"},
}
KIND = {
    "zh": {
        "overdue": "逾期",
        "due-soon": "即将到期",
        "escalation": "提级报送",
        "interview": "约谈",
        "reminder": "提醒函",
        "accountability": "问责",
        "false-rectification": "虚假整改",
        "missing-record": "记录缺失",
        "procedure": "程序",
        "undetermined": "无法判定",
        "deduction": "扣分",
    },
    "en": {
        "overdue": "overdue",
        "due-soon": "due soon",
        "escalation": "escalation",
        "interview": "interview",
        "reminder": "reminder letter",
        "accountability": "accountability",
        "false-rectification": "false rectification",
        "missing-record": "missing record",
        "procedure": "procedure",
        "undetermined": "cannot determine",
        "deduction": "deduction",
    },
}
HISTORY = {
    "zh": {
        "new": "新增",
        "persisting": "持续",
        "regressed": "复发",
        "resolved": "已解决",
        "waived": "已豁免",
    },
    "en": {
        "new": "new",
        "persisting": "persisting",
        "regressed": "regressed",
        "resolved": "resolved",
        "waived": "waived",
    },
}
LABEL = {
    "zh": {
        "title": "河长制合规检查报告",
        "findings": "发现问题",
        "none": "未发现问题。",
        "rule": "规则",
        "article": "条款",
        "article_n": "第{n}条",
        "kind": "类别",
        "severity": "严重程度",
        "subject": "对象",
        "responsible": "责任单位",
        "district": "区",
        "message": "说明",
        "remedy": "整改要求",
        "status": "状态",
        "days_open": "持续天数",
        "fingerprint": "指纹",
        "scores": "单位考核得分",
        "score": "得分",
        "deducted": "扣分",
        "unit": "单位",
        "rank": "排名",
        "resolved": "上次检查以来已解决",
        "waivers": "豁免",
        "waiver_expired": "豁免已于{date}到期",
        "waived_until": "已豁免至{date}",
        "unmatched": "未匹配任何问题",
        "as_of": "检查日期",
        "rules_version": "规则版本",
        "facts_digest": "数据摘要",
        "tool": "工具",
        "engine": "规则引擎",
        "previous_scan": "对比的上次检查",
        "interviews_due": "应约谈",
        "escalations": "应提级报送",
        "overdue_ageing": "逾期时长分布",
        "by_article": "按条款",
        "by_kind": "按类别",
        "by_severity": "按严重程度",
        "by_district": "按区",
        "total": "合计",
    },
    "en": {
        "title": "River chief system compliance report",
        "findings": "Findings",
        "none": "No findings.",
        "rule": "Rule",
        "article": "Article",
        "article_n": "Art. {n}",
        "kind": "Kind",
        "severity": "Severity",
        "subject": "Subject",
        "responsible": "Responsible",
        "district": "District",
        "message": "Message",
        "remedy": "Remedy",
        "status": "Status",
        "days_open": "Days open",
        "fingerprint": "Fingerprint",
        "scores": "Unit scores",
        "score": "Score",
        "deducted": "Deducted",
        "unit": "Unit",
        "rank": "Rank",
        "resolved": "Resolved since the previous scan",
        "waivers": "Waivers",
        "waiver_expired": "waiver expired on {date}",
        "waived_until": "waived until {date}",
        "unmatched": "matches no finding",
        "as_of": "As of",
        "rules_version": "Rules version",
        "facts_digest": "Facts digest",
        "tool": "Tool",
        "engine": "Engine",
        "previous_scan": "Compared with the scan of",
        "interviews_due": "Interviews due",
        "escalations": "Escalations",
        "overdue_ageing": "Overdue ageing",
        "by_article": "By article",
        "by_kind": "By kind",
        "by_severity": "By severity",
        "by_district": "By district",
        "total": "Total",
    },
}


def status(finding_history_state: str | None, waiver_state: str | None, lang: str) -> str:
    """One word for where a finding stands: waived, or its history state (empty without history)."""
    if waiver_state == "active":
        return HISTORY[lang]["waived"]
    return HISTORY[lang].get(finding_history_state or "", "")


WAIVER = {
    "zh": {
        "reason": "理由",
        "approver": "批准人",
        "approved_on": "批准日期",
        "expires_on": "到期日期",
        "source": "来源",
        "matched": "匹配的问题",
        "active": "生效",
        "expired": "已到期",
    },
    "en": {
        "reason": "Reason",
        "approver": "Approver",
        "approved_on": "Approved on",
        "expires_on": "Expires on",
        "source": "Source",
        "matched": "Matched findings",
        "active": "active",
        "expired": "expired",
    },
}
"""Columns of the waivers tables (Markdown, Excel)."""


PROVISIONAL = {
    "zh": "暂定：{years}年工作日按法定节假日规则推算，官方安排尚未发布",
    "en": "provisional: working days of {years} computed without the official schedule",
}


def provisional(years: list[int], lang: str) -> str:
    """The note on a finding that rests on working days of years with no official schedule yet
    (empty when there are none)."""
    if not years:
        return ""
    return PROVISIONAL[lang].format(years=("、" if lang == "zh" else ", ").join(str(y) for y in years))
