"""Step 5 of the ledger's plan, the interviews (约谈, Articles 27 and 28).

Interviewed units have one in the cooldown; some other units had one before it. Each lists problems
of the unit overdue at the time; those still overdue at the scan, more than
`accountability_grace_days` after the interview, persist.
"""

from __future__ import annotations

import random

from facts.synthetic import names
from facts.synthetic.drafts import HISTORY_DAYS, Draft
from facts.synthetic.draw import key_width
from facts.synthetic.params import RuleParams
from facts.synthetic.rows import InterviewRow

OLD_INTERVIEW = {"due": 0.35, "steady": 0.08}
"""Chance that a unit had an interview before the cooldown (steady and due units have none in it)."""


def hold_interviews(
    rng: random.Random,
    units: list[str],
    by_unit: dict[str, list[Draft]],
    profiles: dict[str, str],
    params: RuleParams,
    as_of: int,
) -> list[InterviewRow]:
    cooldown, grace = params.interview_cooldown_days, params.accountability_grace_days
    recent_first = [as_of - cooldown, as_of - grace - 1, as_of - grace]
    recent_boundaries = [day for day in recent_first if as_of - cooldown <= day <= as_of - 1]
    old_boundaries = [as_of - cooldown - 1]
    held: list[tuple[int, str, list[str], str]] = []
    for unit in units:
        profile = profiles[unit]
        if profile == "interviewed":
            day = recent_boundaries.pop(0) if recent_boundaries else rng.randint(as_of - cooldown, as_of - 1)
        elif rng.random() < OLD_INTERVIEW[profile]:
            earliest = as_of - HISTORY_DAYS
            latest = as_of - cooldown - 1
            if latest < earliest:
                continue
            day = old_boundaries.pop(0) if old_boundaries else rng.randint(earliest, latest)
        else:
            continue
        # About problems of the unit that were overdue on the day (not signed off by then).
        late = [
            d
            for d in by_unit[unit]
            if d.deadline is not None and d.deadline < day and (d.signed is None or d.signed > day)
        ]
        about = rng.sample(late, min(len(late), rng.randint(1, 3)))
        suspect = any(d.life == "closed" for d in by_unit[unit])
        reason = "涉嫌虚假整改" if suspect and rng.random() < 0.5 else rng.choice(names.INTERVIEW_REASONS)
        held.append((day, unit, sorted(d.key for d in about), reason))
    held.sort()
    width = key_width(len(held), 4)
    return [
        InterviewRow(f"I-{number:0{width}d}", unit, day, reason, keys)
        for number, (day, unit, keys, reason) in enumerate(held, start=1)
    ]
