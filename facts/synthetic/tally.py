"""The ledger's expected findings, counted from its plan, and the plan checked against its records.

A slip here is a bug in the ledger's plan, never a surprise for the scan: every count is asserted
against the records the plan made before it is promised.
"""

from __future__ import annotations

from collections import defaultdict

from facts.synthetic.drafts import LONG, OVERDUE, Draft
from facts.synthetic.params import RuleParams
from facts.synthetic.rows import InterviewRow
from facts.synthetic.world import World


def tally(
    world: World,
    drafts: list[Draft],
    interviews: list[InterviewRow],
    by_unit: dict[str, list[Draft]],
    units: list[str],
    missed: dict[str, int],
    params: RuleParams,
    as_of: int,
) -> tuple[dict[str, int], dict[str, int]]:
    """Findings per rule, counted from the plan, and the plan checked against the records it made (a
    slip here is a bug in this module, never a surprise for the scan)."""
    grace, cooldown = params.overdue_grace_days, params.interview_cooldown_days
    overdue = [d for d in drafts if d.life in OVERDUE]
    for d in drafts:
        late = d.deadline is not None and d.deadline < as_of - grace
        open_ = d.life not in ("signed", "closed", "again-signed", "registered")
        assert (late and open_) == (d.life in OVERDUE), d
        if d.life in OVERDUE:
            assert d.deadline is not None
            assert (as_of - d.deadline >= params.interview_min_days_overdue) == (d.life == LONG), d
    generals = {world.general_chief, *world.deputy_chiefs}
    misses = {
        "ESC-INDIVIDUAL": sum(
            1
            for d in drafts
            if d.major
            and d.scope == "individual"
            and not set(world.city_chiefs.get(d.water.key, [])) <= set(d.escalated_to)
        ),
        "ESC-POLICY": sum(
            1 for d in drafts if d.major and d.scope == "policy" and not generals & set(d.escalated_to)
        ),
        "ESC-BASIN": sum(1 for d in drafts if d.scope == "cross_provincial" and d.basin_referral is None),
    }
    assert misses == missed, (misses, missed)

    recent = {i.unit for i in interviews if i.held_on >= as_of - cooldown}
    by_key = {d.key: d for d in drafts}
    persisting: dict[str, set[str]] = defaultdict(set)
    for interview in interviews:
        if interview.held_on < as_of - params.accountability_grace_days:
            for key in interview.problems:
                assert by_key[key].assignee == interview.unit
                if by_key[key].life in OVERDUE:
                    persisting[interview.unit].add(key)
    interview_due = 0
    false_rect_due = 0
    for unit in units:
        long = sum(1 for d in by_unit[unit] if d.life == LONG)
        suspects = sum(1 for d in by_unit[unit] if d.life == "closed")
        interview_due += long >= params.interview_min_overdue and unit not in recent
        false_rect_due += suspects >= 1 and unit not in recent
    recurrences = sum(1 for d in drafts if d.life == "closed")
    expected = {
        "RECT-OVERDUE": len(overdue),
        "RECT-RECURRENCE": recurrences,
        **missed,
        "INTERVIEW-OVERDUE": interview_due,
        "INTERVIEW-FALSE-RECT": false_rect_due,
        "ACCOUNTABILITY-REFERRAL": sum(
            1 for keys in persisting.values() if len(keys) >= params.accountability_min_persisting
        ),
    }
    derived = {
        "RECT-OVERDUE": len(overdue),
        "RECT-RECURRENCE": recurrences,
        "ESC-SUBMITTED": sum(len(d.escalated_to) for d in drafts),
        "RECT-PERSISTS": sum(len(keys) for keys in persisting.values()),
    }
    return expected, derived
