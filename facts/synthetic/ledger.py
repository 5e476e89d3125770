"""The moving part of the city: the problem ledger (问题台账) and the interviews (约谈), planned so that
every violation the rules can find is known before a date is drawn.

The plan, in order:

1. **Routing** (Article 23). Each problem gets a scope and severity, a waterbody, the office whose
   ledger holds it, and the unit that rectifies it. Major individual problems on city-level
   waterbodies are submitted to *every* city-level chief in post there, except an exact quota that
   misses one (not submitted, submitted to a district chief only, to the former chief only, or to
   one of two co-chiefs). Policy-wide problems go to the 总河长 or a 副总河长 except a quota (not
   submitted, or only to a city river chief or a district's 总河长); cross-provincial problems are
   referred to the basin mechanism except a quota.
2. **Recurrences** (Article 25). An exact number of signed-off problems come back: a new problem of the
   same category on the same waterbody 1 to `recurrence_window_days` days after the sign-off.
3. **Lives, unit by unit** (Articles 25, 27). Every unit that rectifies problems gets a profile:
   *due* units have at least `interview_min_overdue` problems overdue by `interview_min_days_overdue`
   days or more and no interview in `interview_cooldown_days`; *interviewed* units had an interview
   in that time (however many overdue problems they have); *steady* units stay below the threshold.
   Their problems are then marked overdue (long or short of the interview threshold), open, rectified
   awaiting sign-off, or signed off, to those counts.
4. **Dates and categories.** Dates follow from each problem's life (an overdue problem's deadline lies
   before the scan by the planned days; an open one's on or after it). Categories are chosen so that
   no problem is found on a waterbody 1 to `recurrence_window_days` days after another of its category
   there was signed off, unless the pair was planned in step 2: every problem is checked, as it is
   placed, against every problem already placed in its (waterbody, category) slot, both ways.
5. **Interviews.** Interviewed units have one in the cooldown; some other units had one before it.
   Each lists problems of the unit overdue at the time; those still overdue at the scan, more than
   `accountability_grace_days` after the interview, persist (Article 28).

`Ledger.expected` counts the findings per rule from the plan, and `Ledger.derived` the facts the
recording rules derive.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from facts.synthetic import names
from facts.synthetic.draw import key_width, pick, quota, scaled, shuffled_labels
from facts.synthetic.params import RuleParams, SyntheticError
from facts.synthetic.rows import InterviewRow, ProblemRow, WaterbodyRow
from facts.synthetic.world import CITY_OFFICE, World

BASIN_MECHANISMS = {
    "长江": ("yangtze_joint_meeting", "changjiang_commission"),
    "太湖": ("taihu_joint_meeting", "taihu_basin_authority"),
}
HISTORY_DAYS = 365
"""Problems are found within the year before the scan (long-overdue ones a little earlier)."""
RECURRENCE_SHARE = 0.006
"""Of all problems; about 1% of the signed-off ones."""
SUSPECT_UNITS = 0.15
"""Share of the units that rectify problems among which the recurrences fall."""
REGISTERED_SHARE = 0.03
POLICY_SHARE = 0.004
CROSS_SHARE = 0.004
MAJOR_SHARE = 0.03
"""Of individual problems."""
MAJOR_ON_CITY_WATER = 0.4
"""Of individual major problems: on a city-level waterbody (the rest on district or lower ones)."""
MISSED = {"individual": 0.06, "policy": 0.15, "cross_provincial": 0.15}
"""Shares of the problems due for escalation or referral that did not get it."""
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
OLD_INTERVIEW = {"due": 0.35, "steady": 0.08}
"""Chance that a unit had an interview before the cooldown (steady and due units have none in it)."""
WATER_WEIGHT_CAP = 8.0
"""Heavy-tailed problem counts per waterbody, capped so no slot is too crowded to place in."""
DATE_TRIES = 60

LONG = "long"
SHORT = "short"
OVERDUE = (LONG, SHORT)


@dataclass(slots=True, eq=False)
class Draft:
    """A problem as it is planned; becomes a `ProblemRow` once it has its dates, category and key."""

    index: int
    water: WaterbodyRow
    scope: str = "individual"
    major: bool = False
    office: str = CITY_OFFICE
    assignee: str | None = None
    escalated_to: list[str] = field(default_factory=list)
    basin_referral: str | None = None
    life: str = ""
    """registered, open, rectified, long, short (overdue), signed, closed (signed off, to recur), again
    (its recurrence, open) or again-signed (its recurrence, signed off)."""
    partner: int = -1
    """For a planned recurrence: the index of the other problem of the pair."""
    found: int = 0
    deadline: int | None = None
    signed: int | None = None
    category: str = ""
    key: str = ""


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
    missed = _route(rng, world, drafts)
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
    labels = shuffled_labels(rng, len(units), [(p, quota(len(units), s)) for p, s in PROFILES], "steady")
    profiles = dict(zip(units, labels, strict=True))
    for unit in units:
        profiles[unit] = _plan_lives(rng, by_unit[unit], profiles[unit], params)
    Placer(rng, params, as_of).place(drafts)
    width = key_width(len(drafts), 6)
    for number, draft in enumerate(sorted(drafts, key=lambda d: (d.found, d.index)), start=1):
        draft.key = f"P-{number:0{width}d}"
    interviews = _interviews(rng, units, by_unit, profiles, params, as_of)
    expected, derived = _tally(world, drafts, interviews, by_unit, units, missed, params, as_of)
    problems = [_row(rng, draft) for draft in sorted(drafts, key=lambda d: d.key)]
    return Ledger(problems, interviews, expected, derived)


# --- 1. routing --------------------------------------------------------------------------------------


def _route(rng: random.Random, world: World, drafts: list[Draft]) -> dict[str, int]:
    """Scope, severity, waterbody, office, assignee and escalation of every problem; returns the
    number of escalation misses planned per rule."""
    total = len(drafts)
    big = total >= 200
    scopes = shuffled_labels(
        rng,
        total,
        [
            ("policy", quota(total, POLICY_SHARE, 2 if big else 0)),
            ("cross_provincial", quota(total, CROSS_SHARE, 2 if big else 0)),
        ],
        "individual",
    )
    individual = [d for d, scope in zip(drafts, scopes, strict=True) if scope == "individual"]
    majors = rng.sample(individual, quota(len(individual), MAJOR_SHARE, 4 if big else 0))
    on_city = majors[: quota(len(majors), MAJOR_ON_CITY_WATER, 3 if big else 0)]
    for draft, scope in zip(drafts, scopes, strict=True):
        draft.scope = scope
        draft.major = scope == "policy" or (scope == "cross_provincial" and rng.random() < 0.2)
    for draft in majors:
        draft.major = True

    waters = world.waterbodies
    city_waters = [row for row in waters if row.level == "市"]
    crossing = [row for row in waters if row.cross_provincial]
    cum: list[float] = []
    running = 0.0
    for _ in waters:
        running += min(WATER_WEIGHT_CAP, rng.paretovariate(2.5))
        cum.append(running)
    drawn = iter(rng.choices(waters, cum_weights=cum, k=total))
    local_waters = [row for row in waters if row.level != "市"]
    city_major = {id(d) for d in on_city}
    for draft in drafts:
        water = next(drawn)
        if draft.scope == "cross_provincial":
            water = rng.choice(crossing)
        elif id(draft) in city_major:
            water = rng.choice(city_waters)
        elif draft.major and draft.scope == "individual" and water.level == "市":
            # Only the planned ones are on city waterbodies, where Article 23 names the chief.
            water = rng.choice(local_waters)
        draft.water = water
        draft.office = _office(rng, world, water)

    registered = rng.sample(drafts, quota(total, REGISTERED_SHARE))
    for draft in registered:
        draft.life = "registered"
    for draft in drafts:
        if draft.life != "registered":
            draft.assignee = _assignee(rng, world, draft.water)

    missed = {
        "ESC-INDIVIDUAL": _escalate_city_majors(rng, world, on_city),
        "ESC-POLICY": _escalate_policy(rng, world, [d for d in drafts if d.scope == "policy"]),
        "ESC-BASIN": _refer_basin(rng, [d for d in drafts if d.scope == "cross_provincial"]),
    }
    for draft in majors:
        if id(draft) not in city_major and rng.random() < 0.5:
            # Submitted to the waterbody's own (district or town) chief: nothing the rules ask for.
            draft.escalated_to = world.chiefs_in_post.get(draft.water.key, [])[:1]
    return missed


def _office(rng: random.Random, world: World, water: WaterbodyRow) -> str:
    if water.district is None or rng.random() < 0.07:
        return CITY_OFFICE
    return world.district_offices[water.district]


def _assignee(rng: random.Random, world: World, water: WaterbodyRow) -> str:
    draw = rng.random()
    if water.district is None:
        if draw < 0.6:
            return rng.choice(world.member_units)
        district = rng.choice(sorted(world.governments))
        return world.governments[district] if draw < 0.75 else world.district_members[district][0]
    members = world.district_members[water.district]
    if draw < 0.08:
        return rng.choice(world.member_units)
    if water.level == "区":
        if draw < 0.4:
            return world.governments[water.district]
        return members[0] if draw < 0.75 else members[1] if draw < 0.85 else _town(rng, world, water)
    if draw < 0.13:
        return world.governments[water.district]
    if draw < 0.3:
        return members[0] if draw < 0.25 else members[1]
    return _town(rng, world, water)


def _town(rng: random.Random, world: World, water: WaterbodyRow) -> str:
    assert water.district is not None
    return rng.choice(world.lower_offices[water.district])


def _escalate_city_majors(rng: random.Random, world: World, majors: list[Draft]) -> int:
    """Submit each to all city chiefs in post on its waterbody, but for a quota that misses one."""
    co_waters = [key for key, chiefs in world.city_chiefs.items() if len(chiefs) > 1]
    former_waters = [key for key in world.former_city_chiefs if key in world.city_chiefs]
    by_key = {row.key: row for row in world.waterbodies if row.level == "市"}
    misses = set(rng.sample(range(len(majors)), quota(len(majors), MISSED["individual"], 3 if majors else 0)))
    missed = 0
    for number, draft in enumerate(majors):
        miss = number in misses
        # The first of each kind goes where it tests a boundary: co-chiefs, and a handed-over post.
        if co_waters and (number == 0 or (miss and missed == 0)):
            draft.water = by_key[rng.choice(co_waters)]
        elif former_waters and miss and missed == 1:
            draft.water = by_key[rng.choice(former_waters)]
        in_post = world.city_chiefs[draft.water.key]
        if not miss:
            extra = [world.general_chief] if rng.random() < 0.1 else []
            draft.escalated_to = [*in_post, *extra]
            continue
        forms = ["none", "district"]
        if len(in_post) > 1:
            forms.append("partial")
        if draft.water.key in world.former_city_chiefs:
            forms.append("former")
        form = rng.choice(forms)
        if missed < 2 and ("partial", "former")[missed] in forms:
            form = ("partial", "former")[missed]
        if form == "partial":
            draft.escalated_to = [rng.choice(in_post)]
        elif form == "former":
            draft.escalated_to = list(world.former_city_chiefs[draft.water.key])
        elif form == "district" and world.district_river_chiefs:
            draft.escalated_to = [rng.choice(world.district_river_chiefs)]
        else:
            draft.escalated_to = []
        missed += 1
    return missed


def _escalate_policy(rng: random.Random, world: World, policy: list[Draft]) -> int:
    """To the 总河长 or a 副总河长, but for a quota (none; a city river chief; a district's 总河长)."""
    misses = set(rng.sample(range(len(policy)), quota(len(policy), MISSED["policy"], 1 if policy else 0)))
    missed = 0
    for number, draft in enumerate(policy):
        if number not in misses:
            draw = rng.random()
            deputy = rng.choice(world.deputy_chiefs)
            generals = (
                [world.general_chief]
                if draw < 0.6
                else [deputy]
                if draw < 0.85
                else [
                    world.general_chief,
                    deputy,
                ]
            )
            draft.escalated_to = generals
            continue
        form = missed % 3 if missed < 3 else rng.randrange(3)
        if form == 1 and world.city_river_chiefs:
            draft.escalated_to = [rng.choice(world.city_river_chiefs)]
        elif form == 2:
            draft.escalated_to = [rng.choice(world.district_general_chiefs)]
        else:
            draft.escalated_to = []
        missed += 1
    return missed


def _refer_basin(rng: random.Random, crossing: list[Draft]) -> int:
    misses = set(
        rng.sample(
            range(len(crossing)), quota(len(crossing), MISSED["cross_provincial"], 1 if crossing else 0)
        )
    )
    for number, draft in enumerate(crossing):
        basin = draft.water.basin
        assert basin is not None, draft.water
        draft.basin_referral = None if number in misses else rng.choice(BASIN_MECHANISMS[basin])
    return len(misses)


# --- 3. lives ----------------------------------------------------------------------------------------


def _plan_lives(rng: random.Random, items: list[Draft], profile: str, params: RuleParams) -> str:
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


# --- 4. dates and categories -------------------------------------------------------------------------


class Placer:
    """Dates each problem by its life and gives it a category that makes no unplanned recurrence."""

    def __init__(self, rng: random.Random, params: RuleParams, as_of: int) -> None:
        self.rng = rng
        self.as_of = as_of
        self.window = params.recurrence_window_days
        self.grace = params.overdue_grace_days
        self.min_days = params.interview_min_days_overdue
        self.slots: dict[tuple[str, str], list[tuple[int, int | None, int]]] = {}
        first_long = max(self.min_days, self.grace + 1)
        # The first problem of a life takes the boundary value (days overdue, or deadline day).
        self.boundaries: dict[str, list[int]] = {
            SHORT: [d for d in (self.grace + 1, self.min_days - 1) if self.grace + 1 <= d < self.min_days],
            LONG: [first_long],
            "open": [as_of - self.grace],
            "again": [1, self.window],
        }
        self.first_long = first_long
        self.using: dict[int, str] = {}
        """Draft index -> the boundary queue its current dates came from (popped once it is placed)."""

    def place(self, drafts: list[Draft]) -> None:
        pairs = [d for d in drafts if d.life == "closed"]
        rest = [d for d in drafts if d.life not in ("closed", "again")]
        self.rng.shuffle(rest)
        for closed in pairs:
            self._place_pair(closed, drafts[closed.partner])
        for draft in rest:
            self._place(draft, self._dates)

    def _place_pair(self, closed: Draft, again: Draft) -> None:
        """A signed-off problem and its recurrence, placed together: both must fit their slot."""
        rng = self.rng
        again_dates = self._dates_again(closed)
        for attempt in range(DATE_TRIES):
            self._dates_closed(closed, attempt == 0)
            first = pick(rng, names.CATEGORY_NAMES, names.CATEGORY_CUM_WEIGHTS)
            for category in (first, *rng.sample(names.CATEGORY_NAMES, len(names.CATEGORY_NAMES))):
                if not self._fits(closed, category):
                    continue
                for again_try in range(10):
                    again_dates(again, attempt == 0 and again_try == 0)
                    if self._fits(again, category):
                        self._add(closed, category)
                        self._add(again, category)
                        return
        raise SyntheticError(
            f"cannot place the planned recurrence of problem {closed.index} on {closed.water.key} "
            f"after {DATE_TRIES} tries; the waterbodies are too crowded for this many problems"
        )

    def _place(self, draft: Draft, dates: Callable[[Draft, bool], None]) -> None:
        rng = self.rng
        for attempt in range(DATE_TRIES):
            dates(draft, attempt == 0)
            first = pick(rng, names.CATEGORY_NAMES, names.CATEGORY_CUM_WEIGHTS)
            if self._fits(draft, first):
                return self._add(draft, first)
            for other in rng.sample(names.CATEGORY_NAMES, len(names.CATEGORY_NAMES)):
                if self._fits(draft, other):
                    return self._add(draft, other)
        raise SyntheticError(
            f"cannot place problem {draft.index} on {draft.water.key} without an unplanned recurrence "
            f"after {DATE_TRIES} tries; the waterbodies are too crowded for this many problems"
        )

    def _fits(self, draft: Draft, category: str) -> bool:
        """No problem of the slot found within the window after this one's sign-off, and this one not
        found within the window after another's (the planned partner excepted)."""
        window, found, signed = self.window, draft.found, draft.signed
        for other_found, other_signed, other in self.slots.get((draft.water.key, category), ()):
            if other == draft.partner:
                continue
            if other_signed is not None and other_signed < found <= other_signed + window:
                return False
            if signed is not None and signed < other_found <= signed + window:
                return False
        return True

    def _add(self, draft: Draft, category: str) -> None:
        if draft.index in self.using:
            self.boundaries[self.using.pop(draft.index)].pop(0)
        draft.category = category
        entry = (draft.found, draft.signed, draft.index)
        self.slots.setdefault((draft.water.key, category), []).append(entry)

    def _boundary(self, draft: Draft, life: str, use: bool, fits: Callable[[int], bool] = bool) -> int | None:
        """The next boundary value of `life` for the draft's first try, if there is one it can take."""
        self.using.pop(draft.index, None)
        queue = self.boundaries.get(life)
        if not use or not queue or not fits(queue[0]):
            return None
        self.using[draft.index] = life
        return queue[0]

    def _dates(self, draft: Draft, first_try: bool) -> None:
        rng, as_of = self.rng, self.as_of
        self.using.pop(draft.index, None)
        allowed = rng.randint(15, 90)
        draft.signed = None
        life = draft.life
        if life == "registered":
            draft.found, draft.deadline = as_of - rng.randint(1, 14), None
            return
        if life in ("open", "rectified"):
            # Due on or after the last day that is not yet overdue.
            due = self._boundary(draft, "open", first_try and life == "open")
            last_ok = as_of - self.grace
            deadline = due if due is not None else rng.randint(last_ok, last_ok + allowed - 1)
            draft.found, draft.deadline = deadline - allowed, deadline
            return
        if life in OVERDUE:
            days = self._boundary(draft, life, first_try)
            if days is None:
                low = self.grace + 1 if life == SHORT else self.first_long
                high = self.min_days - 1 if life == SHORT else self.first_long + 170
                days = rng.randint(low, high)
            draft.deadline = as_of - days
            draft.found = draft.deadline - allowed
            return
        # signed off: found in the year, due 15-90 days later, signed off by ten days after the deadline
        draft.found = as_of - rng.randint(1, HISTORY_DAYS)
        draft.deadline = draft.found + allowed
        draft.signed = draft.found + rng.randint(0, min(draft.deadline + 10, as_of) - draft.found)

    def _dates_closed(self, draft: Draft, first_try: bool) -> None:
        """Found 130 days or more before the scan and signed off before it: room for its recurrence."""
        rng, as_of = self.rng, self.as_of
        allowed = rng.randint(15, 90)
        draft.found = as_of - rng.randint(130, HISTORY_DAYS)
        draft.deadline = draft.found + allowed
        draft.signed = draft.found + rng.randint(0, min(draft.deadline + 10, as_of - 1) - draft.found)

    def _dates_again(self, closed: Draft) -> Callable[[Draft, bool], None]:
        def dates(draft: Draft, first_try: bool) -> None:
            rng, as_of = self.rng, self.as_of
            assert closed.signed is not None
            latest = min(self.window, as_of - closed.signed)
            days = self._boundary(draft, "again", first_try, lambda days: days <= latest)
            if days is None:
                days = rng.randint(1, latest)
            allowed = rng.randint(15, 90)
            draft.found = closed.signed + days
            draft.deadline = draft.found + allowed
            if draft.deadline >= as_of - self.grace:
                draft.signed = None
                draft.life = "again"
            else:
                signed = draft.found + rng.randint(0, min(draft.deadline + 10, as_of) - draft.found)
                draft.signed = signed
                draft.life = "again-signed"

        return dates


# --- 5. interviews -----------------------------------------------------------------------------------


def _interviews(
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


# --- the expected findings ---------------------------------------------------------------------------


def _tally(
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


def _row(rng: random.Random, draft: Draft) -> ProblemRow:
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
