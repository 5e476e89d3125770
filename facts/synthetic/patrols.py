"""Patrols (巡河), streamed to the file post by post: never more than one post's patrols in memory.

A post is a chief and one waterbody in their charge. Chiefs patrol each of their waterbodies in the
rhythm of their level, over the year before the scan (or their tenure within it): village chiefs
about weekly, town chiefs about monthly, district chiefs about quarterly, city chiefs about
half-yearly; each gap between two patrols is at most the level's patrol period and usually close to
it. A post the rules check (the chief in post on the scan day, and for at least one period) keeps
that rhythm up to the last period before the scan, except:

- per level, the first checked post last patrolled exactly one period before the scan (flagged), the
  second on the first day inside the period (not flagged), the third never in the year (flagged);
- after those, a small share that lapsed (last patrol a period or more ago) or never patrolled.

Posts the rules do not check (the chief left, or has been in post less than a period, or the
boundary chiefs of `World.silent`) patrol during their tenure, or not at all. Whether each post is
flagged is worked out from the dates written and checked against the plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from facts.synthetic.params import RuleParams
from facts.synthetic.rows import ChiefRow, iso, open_jsonl, patrol_line

HISTORY_DAYS = 365
PATROL_RULES = {"村居": "PATROL-VILLAGE", "街镇": "PATROL-TOWN", "区": "PATROL-DISTRICT", "市": "PATROL-CITY"}
"""Chief level -> the rule that checks its patrol period."""
LAPSED = 0.012
NEVER = 0.008
"""Shares of the checked posts (after the boundary ones) that lapsed, or never patrolled in the year."""
UNCHECKED_PATROL = 0.9
"""Chance that a chief the rules do not check patrolled during their tenure."""
EXTRA = 0.15
"""Chance that the next patrol back came sooner than the rhythm (a complaint, an inspection)."""


@dataclass
class PatrolTally:
    patrols: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PATROL_RULES.values(), 0))
    """Findings per patrol rule: one per checked post without a patrol in its period."""
    latest: int = 0
    """Posts with a patrol in the window `patrol_window_days` (PATROL-LAST derives one fact each)."""


def write_patrols(
    path: Path,
    rng: random.Random,
    chiefs: list[ChiefRow],
    silent: frozenset[str],
    params: RuleParams,
    as_of: int,
) -> PatrolTally:
    """Write every post's patrols to `path` (JSON Lines) and count what the patrol rules will find."""
    tally = PatrolTally()
    boundary = dict.fromkeys(PATROL_RULES, 0)
    window_start = as_of - params.patrol_window_days
    with open_jsonl(path) as out:
        for chief in chiefs:
            if not chief.waterbodies:
                continue
            level = chief.level
            period = params.patrol_period(level)
            inside = max(as_of - period + 1, window_start)  # the first day a patrol keeps the post
            checked = chief.in_post_on(as_of) and chief.in_post_from <= as_of - period
            start = max(chief.in_post_from, as_of - HISTORY_DAYS)
            end = as_of if chief.in_post_to is None else min(chief.in_post_to, as_of)
            span = (period + 1) // 2
            for water in chief.waterbodies:
                plan = "keep"
                last: int | None = None
                if chief.key in silent or end < start:
                    plan = "never"
                elif checked:
                    step = boundary[level]
                    boundary[level] += 1
                    draw = rng.random()
                    if step == 0 or (step > 2 and draw < LAPSED):
                        plan = "lapse"
                        last = as_of - period - (0 if step == 0 else rng.randint(0, period))
                    elif step == 2 or (step > 2 and draw < LAPSED + NEVER):
                        plan = "never"
                    else:
                        low = max(inside, start)
                        last = low if step == 1 else rng.randint(low, as_of)
                elif rng.random() < UNCHECKED_PATROL:
                    last = rng.randint(max(start, end - period + 1), end)
                days: list[int] = []
                day = last
                while day is not None and day >= start:
                    days.append(day)
                    if rng.random() < EXTRA:
                        day -= 1 + int(rng.random() * period)
                    else:
                        day -= period - int(rng.random() * rng.random() * span)
                if checked:
                    flagged = not days or days[0] < inside
                    assert flagged == (plan != "keep"), (chief.key, water, plan, days[:1])
                    tally.findings[PATROL_RULES[level]] += flagged
                tally.latest += bool(days) and days[0] >= window_start
                first = tally.patrols + 1
                tally.patrols += len(days)
                out.write(
                    "".join(
                        patrol_line(f"PT-{number:07d}", chief.key, water, iso(day))
                        for number, day in enumerate(reversed(days), start=first)
                    )
                )
    return tally
