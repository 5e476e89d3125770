"""The moving part of a fact set: the problem ledger (问题台账) and the interviews (约谈) it led to.

Each problem is first given a plan (scope, severity, whether it was routed as Article 23 requires, and
where it is in its life), drawn as exact quotas so that every seed has every case; then a waterbody,
office, assignee and dates that fit the plan. A few signed-off problems come back on the same
waterbody soon after sign-off (recurrences, the practical sign of false rectification).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass

from bench import names
from bench.draw import days_after, days_before, key_width, quota, shuffled_labels
from bench.records import InterviewRow, ProblemRow, WaterbodyRow
from bench.world import CITY_OFFICE, World

BASIN_MECHANISMS = {
    "长江": ("yangtze_joint_meeting", "changjiang_commission"),
    "太湖": ("taihu_joint_meeting", "taihu_basin_authority"),
}
LIVES = (("overdue", 0.10), ("open", 0.25), ("rectified", 0.02), ("registered", 0.03))
"""Shares of where problems are in their life; the rest (about 60%) are signed off."""
RECURRENCE_SHARE = 0.006
"""Of all problems; about 1% of the signed-off ones."""
REDRAWS = 30
"""Tries to draw a problem that does not look like an unplanned recurrence (see `Spacing`)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What a problem is meant to show before any detail is drawn."""

    scope: str
    major: bool
    compliant: bool
    """Routed as Article 23 requires (escalation or basin referral); only meaningful when one is due."""
    life: str
    recurs: bool


def build_problems(rng: random.Random, world: World, count: int, as_of: dt.date) -> list[ProblemRow]:
    """`count` problems found in the 365 days before `as_of`, recurrences last."""
    recurrences = quota(count, RECURRENCE_SHARE, at_least=1) if count >= 20 else 0
    plans = plan_problems(rng, count - recurrences, recurrences)
    router = Router(rng, world)
    spacing = Spacing()
    width = key_width(count, 6)
    rows: list[ProblemRow] = []
    for number, plan in enumerate(plans, start=1):
        for _ in range(REDRAWS):
            row = _problem(rng, f"P-{number:0{width}d}", plan, router, as_of)
            if not spacing.clashes(row):
                break
        spacing.add(row)
        rows.append(row)
    sources = [row for row, plan in zip(rows, plans, strict=True) if plan.recurs]
    for number, source in enumerate(sources, start=len(rows) + 1):
        rows.append(_recurrence(rng, f"P-{number:0{width}d}", source, as_of))
    return rows


def plan_problems(rng: random.Random, total: int, recurrences: int) -> list[Plan]:
    """Plans for `total` problems with exact quotas of every rare case."""
    scopes = shuffled_labels(
        rng,
        total,
        [("policy", quota(total, 0.005, 1)), ("cross_provincial", quota(total, 0.005, 1))],
        "individual",
    )
    individual = [i for i, scope in enumerate(scopes) if scope == "individual"]
    majors = rng.sample(individual, quota(len(individual), 0.045, 1))
    policy = [i for i, scope in enumerate(scopes) if scope == "policy"]
    crossing = [i for i, scope in enumerate(scopes) if scope == "cross_provincial"]
    not_compliant = (
        set(rng.sample(majors, quota(len(majors), 0.06, 1)))
        | set(rng.sample(policy, quota(len(policy), 0.15)))
        | set(rng.sample(crossing, quota(len(crossing), 0.15)))
    )
    lives = shuffled_labels(
        rng,
        total,
        [(life, quota(total, share, 1 if life == "overdue" else 0)) for life, share in LIVES],
        "signed_off",
    )
    signed = [i for i, life in enumerate(lives) if life == "signed_off"]
    recurring = set(rng.sample(signed, min(recurrences, len(signed))))
    major_set = set(majors)
    return [
        Plan(
            scope=scopes[i],
            major=i in major_set or scopes[i] == "policy",
            compliant=i not in not_compliant,
            life=lives[i],
            recurs=i in recurring,
        )
        for i in range(total)
    ]


class Spacing:
    """Keeps problems of one category on one waterbody apart, so that recurrences come only as planned.

    A problem found soon after another of its category on its waterbody was signed off looks like a
    recurrence to a rule. With hot waterbodies and a dozen categories, chance alone would make about
    one problem in ten look so; a problem that would is drawn again (and kept after `REDRAWS` tries).
    """

    WINDOW = 120
    """Days after a sign-off in which a new problem of the same kind and place counts as a clash."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)

    def clashes(self, row: ProblemRow) -> bool:
        for found_on, signed_off_on in self._held.get((row.waterbody, row.category), ()):
            if signed_off_on is not None and 0 <= (row.found_on - signed_off_on).days <= self.WINDOW:
                return True
            if row.signed_off_on is not None and 0 <= (found_on - row.signed_off_on).days <= self.WINDOW:
                return True
        return False

    def add(self, row: ProblemRow) -> None:
        self._held[(row.waterbody, row.category)].append((row.found_on, row.signed_off_on))


class Router:
    """Chooses where a problem is, whose ledger holds it, who rectifies it and whom it goes up to."""

    def __init__(self, rng: random.Random, world: World) -> None:
        self._rng = rng
        self._world = world
        self._waters = world.waterbodies
        # Some waterbodies draw far more problems than others (a heavy tail, as in real ledgers).
        self._cum_weights = list(itertools.accumulate(rng.paretovariate(2.5) for _ in self._waters))
        self._city = [row for row in self._waters if row.level == "市"]
        self._crossing = [row for row in self._waters if row.cross_provincial]
        self._districts = sorted(world.governments)

    def waterbody(self, plan: Plan) -> WaterbodyRow:
        if plan.scope == "cross_provincial":
            return self._rng.choice(self._crossing)
        if plan.major and plan.scope == "individual":
            return self._rng.choice(self._city)
        return self._rng.choices(self._waters, cum_weights=self._cum_weights)[0]

    def office(self, water: WaterbodyRow) -> str:
        if water.district is None or self._rng.random() < 0.07:
            return CITY_OFFICE
        return self._world.district_offices[water.district]

    def assignee(self, water: WaterbodyRow) -> str:
        rng, world = self._rng, self._world
        draw = rng.random()
        if water.district is None:
            if draw < 0.6:
                return rng.choice(world.member_units)
            return world.governments[rng.choice(self._districts)]
        if draw < 0.08:
            return rng.choice(world.member_units)
        if draw < (0.6 if water.level == "区" else 0.2):
            return world.governments[water.district]
        return rng.choice(world.lower_offices[water.district])

    def escalation(self, plan: Plan, water: WaterbodyRow) -> list[str]:
        rng, world = self._rng, self._world
        if plan.scope == "policy":
            if not plan.compliant:
                return []
            return [world.general_chief] + ([rng.choice(world.deputy_chiefs)] if rng.random() < 0.3 else [])
        if plan.scope == "individual" and plan.major:
            if plan.compliant:
                return [world.city_chief_of[water.key]]
            # Not escalated at all, or only to a district-level chief: both miss the city-level chief.
            return [rng.choice(world.district_chiefs)] if rng.random() < 0.3 else []
        return []

    def basin_referral(self, plan: Plan, water: WaterbodyRow) -> str | None:
        if plan.scope != "cross_provincial" or not plan.compliant or water.basin is None:
            return None
        return self._rng.choice(BASIN_MECHANISMS[water.basin])


def _problem(rng: random.Random, key: str, plan: Plan, router: Router, as_of: dt.date) -> ProblemRow:
    water = router.waterbody(plan)
    category = rng.choices(names.CATEGORY_NAMES, cum_weights=names.CATEGORY_CUM_WEIGHTS)[0]
    found_on, deadline = _dates(rng, plan, as_of)
    row = ProblemRow(
        key=key,
        waterbody=water.key,
        source=rng.choices(names.SOURCES, cum_weights=names.SOURCE_CUM_WEIGHTS)[0],
        category=category,
        severity="major" if plan.major else "general",
        scope=plan.scope,
        found_on=found_on,
        office=router.office(water),
        escalated_to=router.escalation(plan, water),
        basin_referral=router.basin_referral(plan, water),
    )
    if plan.life != "registered":
        row.assignee = router.assignee(water)
        row.deadline = deadline
        row.target = names.TARGETS[category] if rng.random() < 0.92 else None
    _settle(rng, row, plan.life, as_of)
    return row


def _dates(rng: random.Random, plan: Plan, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """found_on and deadline (15-90 days later) that put the problem where its plan says."""
    allowed = rng.randint(15, 90)
    if plan.life == "overdue":
        deadline = days_before(as_of, rng.randint(1, 200))
        return days_before(deadline, allowed), deadline
    if plan.life in ("open", "rectified"):
        found_on = days_before(as_of, rng.randint(1, allowed - 1))
    elif plan.life == "registered":
        found_on = days_before(as_of, rng.randint(1, 14))
    elif plan.recurs:
        # Early enough that the sign-off and a recurrence 5-60 days later both fall before as_of.
        found_on = days_before(as_of, rng.randint(161, 365))
    else:
        found_on = days_before(as_of, rng.randint(1, 365))
    return found_on, days_after(found_on, allowed)


def _settle(rng: random.Random, row: ProblemRow, life: str, as_of: dt.date) -> None:
    """Status, and for signed-off problems the sign-off date and whether it was verified on site."""
    if life == "signed_off" and row.deadline is not None:
        latest = min(days_after(row.deadline, 10), as_of)
        row.status = "signed_off"
        row.signed_off_on = days_after(row.found_on, rng.randint(0, (latest - row.found_on).days))
        row.verified = rng.random() < 0.95
    elif life == "open":
        row.status = rng.choices(("assigned", "in_progress"), weights=(40, 60))[0]
    elif life == "overdue":
        row.status = rng.choices(("in_progress", "assigned", "rectified"), weights=(70, 20, 10))[0]
    else:
        row.status = life


def _recurrence(rng: random.Random, key: str, source: ProblemRow, as_of: dt.date) -> ProblemRow:
    """The same category back on the same waterbody 5-60 days after `source` was signed off."""
    assert source.signed_off_on is not None
    found_on = days_after(source.signed_off_on, rng.randint(5, 60))
    deadline = days_after(found_on, rng.randint(15, 90))
    row = ProblemRow(
        key=key,
        waterbody=source.waterbody,
        source=rng.choices(names.SOURCES, cum_weights=names.SOURCE_CUM_WEIGHTS)[0],
        category=source.category,
        severity="general",
        scope="individual",
        found_on=found_on,
        office=source.office,
        assignee=source.assignee,
        target=source.target,
        deadline=deadline,
    )
    if deadline > as_of:
        life = "open"
    elif (as_of - deadline).days <= 200 and rng.random() < 0.5:
        life = "overdue"
    else:
        life = "signed_off"
    _settle(rng, row, life, as_of)
    return row


def build_interviews(
    rng: random.Random, problems: list[ProblemRow], count: int, as_of: dt.date
) -> list[InterviewRow]:
    """`count` interviews, each with a unit about 1-3 of its problems (overdue ones when it has any)."""
    overdue: dict[str, list[ProblemRow]] = defaultdict(list)
    assigned: dict[str, list[ProblemRow]] = defaultdict(list)
    for row in problems:
        if row.assignee is None:
            continue
        assigned[row.assignee].append(row)
        if row.status != "signed_off" and row.deadline is not None and row.deadline < as_of:
            overdue[row.assignee].append(row)
    pool = overdue or assigned
    if not pool:
        return []
    units = list(pool)
    weights = [len(pool[unit]) for unit in units]
    width = key_width(count, 4)
    rows: list[InterviewRow] = []
    for number in range(1, count + 1):
        unit = rng.choices(units, weights=weights)[0]
        about = rng.sample(pool[unit], min(rng.randint(1, 3), len(pool[unit])))
        earliest = min(days_after(max(row.found_on for row in about), 1), days_before(as_of, 1))
        held_on = days_after(earliest, rng.randint(0, (days_before(as_of, 1) - earliest).days))
        rows.append(
            InterviewRow(
                key=f"I-{number:0{width}d}",
                unit=unit,
                held_on=held_on,
                reason=rng.choice(names.INTERVIEW_REASONS),
                problems=sorted(row.key for row in about),
            )
        )
    return rows
