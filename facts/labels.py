"""What people call each kind of record and each field, in Chinese and English.

Messages and reports name records and fields the way an office does (问题台账, 整改期限), never by
the model's key alone: a supervisor reads Chinese, and `deadline` means nothing in a Chinese
sentence. A test checks that every kind and every field of every model has both labels.
"""

from __future__ import annotations

KINDS: dict[str, tuple[str, str]] = {
    "waterbody": ("河湖名录", "waterbody records"),
    "chief": ("河长湖长名录", "chief records"),
    "unit": ("单位名录", "unit records"),
    "problem": ("问题台账", "problem ledger"),
    "interview": ("约谈记录", "interview records"),
    "patrol": ("巡河记录", "patrol records"),
    "document": ("文件记录", "document records"),
    "complaint": ("投诉举报记录", "complaint records"),
    "matter": ("交办事项记录", "chief-assigned matters"),
    "mapping": ("导入映射文件", "mapping file"),
}
"""Kind -> (Chinese, English) name of its records, as a list or file of them (and of a mapping file,
which the scope lists among the files read)."""

FIELDS: dict[str, tuple[str, str]] = {
    "key": ("编号", "key"),
    "name": ("名称", "name"),
    "level": ("级别", "level"),
    "district": ("所在区", "district"),
    "basin": ("流域", "basin"),
    "cross_provincial": ("是否跨省", "cross-provincial"),
    "role": ("职务", "role"),
    "in_post_from": ("任职日期", "in post from"),
    "in_post_to": ("离任日期", "in post to"),
    "waterbodies": ("负责河湖", "waterbodies"),
    "type": ("类型", "type"),
    "parent": ("上级单位", "parent unit"),
    "waterbody": ("所在河湖", "waterbody"),
    "source": ("问题来源", "source"),
    "category": ("问题类别", "category"),
    "severity": ("问题等级", "severity"),
    "scope": ("问题范围", "scope"),
    "found_on": ("发现日期", "found on"),
    "office": ("河长办", "office"),
    "assignee": ("责任单位", "responsible unit"),
    "escalated_to": ("提请河长", "escalated to"),
    "basin_referral": ("流域机制提交", "basin referral"),
    "target": ("整改目标", "rectification target"),
    "deadline": ("整改期限", "deadline"),
    "status": ("整改状态", "status"),
    "signed_off_on": ("销号日期", "signed off on"),
    "verified": ("是否核查", "verified"),
    "listed_on": ("挂牌督办日期", "listed for supervision on"),
    "plan_on": ("整改方案日期", "rectification plan on"),
    "unit": ("单位", "unit"),
    "held_on": ("约谈日期", "held on"),
    "reason": ("约谈事由", "reason"),
    "problems": ("涉及问题", "problems"),
    "chief": ("河长", "chief"),
    "patrolled_on": ("巡河日期", "patrolled on"),
    "year": ("年度", "year"),
    "topic": ("主题", "topic"),
    "problem": ("问题", "problem"),
    "drafted_on": ("起草日期", "drafted on"),
    "consulted_on": ("征求意见日期", "consulted on"),
    "reviewed_on": ("专家评审日期", "reviewed on"),
    "approved_on": ("审定日期", "approved on"),
    "issued_on": ("印发日期", "issued on"),
    "repealed_on": ("废止日期", "repealed on"),
    "received_on": ("受理日期", "received on"),
    "channel": ("渠道", "channel"),
    "major": ("是否重大", "major"),
    "handler": ("承办单位", "handler"),
    "answered_on": ("答复日期", "answered on"),
    "closed_on": ("办结日期", "closed on"),
    "decided_on": ("交办日期", "decided on"),
    "due_on": ("办理期限", "due on"),
}
"""Field -> (Chinese, English) label, for every field of every record model."""


def kind_label(kind: str, lang: str) -> str:
    """A kind's records as people name them (`problem` -> 问题台账 / problem ledger)."""
    zh, en = KINDS.get(kind, (kind, kind))
    return zh if lang == "zh" else en


def field_label(name: str, lang: str) -> str:
    """A field as people name it (`deadline` -> 整改期限 / deadline); unknown names as they are."""
    zh, en = FIELDS.get(name, (name, name))
    return zh if lang == "zh" else en
