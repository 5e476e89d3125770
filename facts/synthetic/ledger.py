"""The moving part of the city: the problem ledger (问题台账) and the interviews (约谈), planned so that
every violation the rules can find is known before a date is drawn.

The plan, in order (`build_ledger` reads like it; each step but 2 and 3 is a module of its own):

1. **Routing** (Article 23, `routing`). Each problem gets a scope and severity, a waterbody, the
   office whose ledger holds it, and the unit that rectifies it. Major individual problems on
   city-level waterbodies are submitted to *every* city-level chief in post there, except an exact
   quota that misses one (not submitted, submitted to a district chief only, to the former chief
   only, or to one of two co-chiefs). Policy-wide problems go to the 总河长 or a 副总河长 except a
   quota (not submitted, or only to a city river chief or a district's 总河长); cross-provincial
   problems are referred to the basin mechanism except a quota.
2. **Recurrences** (Article 25). An exact number of signed-off problems come back: a new problem of the
   same category on the same waterbody 1 to `recurrence_window_days` days after the sign-off.
3. **Lives, unit by unit** (Articles 25, 27). Every unit that rectifies problems gets a profile:
   *due* units have at least `interview_min_overdue` problems overdue by `interview_min_days_overdue`
   days or more and no interview in `interview_cooldown_days`; *interviewed* units had an interview
   in that time (however many overdue problems they have); *steady* units stay below the threshold.
   Their problems are then marked overdue (long or short of the interview threshold), open, rectified
   awaiting sign-off, or signed off, to those counts.
4. **Dates and categories** (`placing`). Dates follow from each problem's life (an overdue
   problem's deadline lies before the scan by the planned days; an open one's on or after it).
   Categories are chosen so that no problem is found on a waterbody 1 to `recurrence_window_days`
   days after another of its category there was signed off, unless the pair was planned in step 2:
   every problem is checked, as it is placed, against every problem already placed in its
   (waterbody, category) slot, both ways.
5. **Interviews** (`interviews`). Interviewed units have one in the cooldown; some other units
   had one before it. Each lists problems of the unit overdue at the time; those still overdue at
   the scan, more than `accountability_grace_days` after the interview, persist (Article 28).

`Ledger.expected` counts the findings per rule from the plan, and `Ledger.derived` the facts the
recording rules derive (`tally`, which checks the plan against the records it made). The drafts
all these steps work on are in `drafts`.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from facts.synthetic import names
from facts.synthetic.drafts import LONG, OVERDUE, SHORT, Draft
from facts.synthetic.draw import key_width, pick, quota, scaled, shuffled_labels
from facts.synthetic.interviews import hold_interviews
from facts.synthetic.params import RuleParams
from facts.synthetic.placing import Placer
from facts.synthetic.routing import route
from facts.synthetic.rows import InterviewRow, ProblemRow
from facts.synthetic.tally import tally
from facts.synthetic.world import World

RECURRENCE_SHARE = 0.006
"""Of all problems; about 1% of the signed-off ones."""
SUSPECT_UNITS = 0.15
"""Share of the units that rectify problems among which the recurrences fall."""
PROFILES = (("due", 0.22), ("interviewed", 0.15))
"""Shares of the units that rectify problems; the rest are "steady"."""
LONG_SHARE = {"due": 0.12, "interviewed": 0.10}
"""Of a lagging unit's problems: overdue by at least the interview threshold."""
DUE_PORTFOLIO = 4
"""A unit is planned "due" only with at least this many times the threshold of problems in hand."""
SHORT_SHARE = 0.035
"""Of every unit's problems: overdue, but for fewer days than the interview threshold."""
REST = (("open", 25), ("rectified", 2), ("signed", 60))
"""The other lives, by weight."""


@dataclass
class Ledger:
    problems: list[ProblemRow]
    interviews: list[InterviewRow]
    expected: dict[str, int]
    """Findings per rule the problems and interviews give."""
    derived: dict[str, int]
    """Facts derived per recording rule (RECT-PERSISTS, ESC-SUBMITTED ...)."""


def build_ledger(rng: random.Random, world: World, count: int, params: RuleParams, as_of: int) -> Ledger:
    """`count` problems and the interviews about them, with every violation planned."""
    recurrences = quota(count, RECURRENCE_SHARE, at_least=1) if count >= 50 else 0
    drafts = [Draft(index, world.waterbodies[0]) for index in range(count - recurrences)]
    missed = route(rng, world, drafts)
    # Recurrences cluster at a few units (a unit that fakes one rectification fakes others).
    assigned = [d for d in drafts if d.assignee is not None]
    held = {d.assignee for d in assigned}
    candidates = [unit.key for unit in world.units if unit.key in held]
    suspects = set(rng.sample(candidates, quota(len(candidates), SUSPECT_UNITS, 1 if recurrences else 0)))
    pool = [d for d in assigned if d.assignee in suspects]
    closed = rng.sample(pool if len(pool) >= recurrences else assigned, recurrences)
    for source in closed:
        source.life = "closed"
        again = Draft(
            len(drafts),
            source.water,
            office=source.office,
            assignee=source.assignee,
            life="again",
            partner=source.index,
        )
        source.partner = again.index
        drafts.append(again)
    by_unit: dict[str, list[Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.assignee is not None:
            by_unit[draft.assignee].append(draft)
    units = [unit.key for unit in world.units if unit.key in by_unit]
    profiles = plan_units(rng, units, by_unit, params)
    Placer(rng, params, as_of).place(drafts)
    width = key_width(len(drafts), 6)
    for number, draft in enumerate(sorted(drafts, key=lambda d: (d.found, d.index)), start=1):
        draft.key = f"P-{number:0{width}d}"
    interviews = hold_interviews(rng, units, by_unit, profiles, params, as_of)
    expected, derived = tally(world, drafts, interviews, by_unit, units, missed, params, as_of)
    problems = [problem_row(rng, draft) for draft in sorted(drafts, key=lambda d: d.key)]
    return Ledger(problems, interviews, expected, derived)


# --- 3. lives ----------------------------------------------------------------------------------------


def plan_units(
    rng: random.Random, units: list[str], by_unit: dict[str, list[Draft]], params: RuleParams
) -> dict[str, str]:
    """A profile per unit (due, interviewed, steady, by PROFILES' shares), and its problems' lives."""
    labels = shuffled_labels(rng, len(units), [(p, quota(len(units), s)) for p, s in PROFILES], "steady")
    profiles = dict(zip(units, labels, strict=True))
    for unit in units:
        profiles[unit] = plan_lives(rng, by_unit[unit], profiles[unit], params)
    return profiles


def plan_lives(rng: random.Random, items: list[Draft], profile: str, params: RuleParams) -> str:
    """Mark the unit's problems long- or short-overdue, open, rectified or signed off; returns the
    profile it keeps (a "due" unit with too few problems in hand is "steady")."""
    free = [d for d in items if not d.life]
    total = len(free)
    threshold = params.interview_min_overdue
    if profile == "due" and total < DUE_PORTFOLIO * threshold:
        profile = "steady"
    if profile == "steady":
        long = min(total, rng.randint(0, threshold - 1))
    else:
        long = scaled(rng, total, LONG_SHARE[profile])
        if profile == "due":
            long = max(long, threshold)
    # Short of the interview threshold: overdue by grace + 1 to threshold - 1 days, when there are any.
    short_days = params.interview_min_days_overdue - params.overdue_grace_days - 1
    short = scaled(rng, total - long, SHORT_SHARE) if short_days > 0 else 0
    rng.shuffle(free)
    lives = [LONG] * long + [SHORT] * short
    lives += rng.choices([life for life, _ in REST], weights=[w for _, w in REST], k=total - len(lives))
    for draft, life in zip(free, lives, strict=True):
        draft.life = life
    return profile


def problem_row(rng: random.Random, draft: Draft) -> ProblemRow:
    """The record: status by life, a source, and a rectification target for most assigned problems."""
    life = draft.life
    if life == "registered":
        status = "registered"
    elif life in ("signed", "closed", "again-signed"):
        status = "signed_off"
    elif life == "rectified":
        status = "rectified"
    elif life in OVERDUE:
        status = pick(rng, ("in_progress", "assigned", "rectified"), (70, 90, 100))
    else:
        status = pick(rng, ("assigned", "in_progress"), (40, 100))
    assigned = draft.assignee is not None
    return ProblemRow(
        key=draft.key,
        waterbody=draft.water.key,
        source=pick(rng, names.SOURCES, names.SOURCE_CUM_WEIGHTS),
        category=draft.category,
        severity="major" if draft.major else "general",
        scope=draft.scope,
        found_on=draft.found,
        office=draft.office,
        assignee=draft.assignee,
        escalated_to=draft.escalated_to,
        basin_referral=draft.basin_referral,
        target=names.TARGETS[draft.category] if assigned and rng.random() < 0.92 else None,
        deadline=draft.deadline,
        status=status,
        signed_off_on=draft.signed if status == "signed_off" else None,
        verified=status == "signed_off" and rng.random() < 0.95,
    )
