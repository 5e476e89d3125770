"""Crowded ledgers, legal but shaped to strain a join engine: the dense and adversarial scales.

The usual ledger (`ledger`) spreads its problems over a city's waterbodies and keeps every
(waterbody, category) slot sparse enough to plan each recurrence pair by hand. A `Shape` crowds them
instead: a dense ledger puts all its problems on a few waterbodies and categories (1,400 problems a
slot at the `dense` scale, a few found every day), an adversarial one puts a large share on a single
waterbody whose every problem is signed off (and, that crowded, nearly every one followed by another
of its kind within the recurrence window), has one city member unit rectify those and a share of the
rest, gives one village chief hundreds of waterbodies and one of their posts thousands of patrols,
and one waterbody a long chain of former chiefs.

Exact all the same: routing (`routing`), the units' profiles and their problems' lives
(`ledger.plan_units`) and the interviews (`interviews`) are the usual plan, so the overdue,
escalation, interview and accountability findings are planned as always; dates follow each life
(`placing.Placer`'s dating) but categories are drawn freely, so recurrences are not planned pair by
pair: once every problem is placed, each signed-off problem is marked a recurrence ("closed") when a
problem of its slot was found 1 to `recurrence_window_days` days after its sign-off, and `tally`
counts them with the rest (and checks the plan, as for every ledger). bench/oracle.py and the scan
are checked against these counts (tests/synthetic/test_shapes.py).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path

from facts.synthetic import names
from facts.synthetic.drafts import Draft
from facts.synthetic.interviews import hold_interviews
from facts.synthetic.ledger import Ledger, plan_units, problem_row
from facts.synthetic.params import RuleParams
from facts.synthetic.placing import Placer
from facts.synthetic.routing import route
from facts.synthetic.rows import ChiefRow, WaterbodyRow, iso, patrol_line
from facts.synthetic.tally import tally
from facts.synthetic.world import Shape, World

VILLAGE = "村居"
HOT_WEIGHT = 4
"""How many times over the hot waterbody's share is written into the list routing draws from, per
other waterbody (routing weighs each entry by a capped Pareto draw, so the share is close, not exact)."""


def reshape_world(rng: random.Random, world: World, shape: Shape, as_of: int) -> World:
    """One long-serving village chief takes `chief_waters` more village waterbodies (as a second chief
    in post there), and one village waterbody gets `tenure_chain` former chiefs before its present one."""
    chiefs = world.chiefs
    width = len(chiefs[0].key) - 2
    long_serving = [
        c
        for c in chiefs
        if c.level == VILLAGE
        and c.waterbodies
        and c.in_post_to is None
        and c.in_post_from <= as_of - 400
        and c.key not in world.silent
    ]
    if shape.chief_waters and long_serving:
        busy = long_serving[0]
        others = [w.key for w in world.waterbodies if w.level == VILLAGE and w.key not in busy.waterbodies]
        busy.waterbodies.extend(others[: shape.chief_waters])
    if shape.tenure_chain and len(long_serving) > 1:
        present = long_serving[-1]
        end = present.in_post_from - 1
        for _ in range(shape.tenure_chain):
            start = end - rng.randint(0, 30)
            key = f"C-{len(chiefs) + 1:0{width}d}"
            chiefs.append(
                ChiefRow(
                    key, names.person_name(rng), VILLAGE, present.role, start, end, present.waterbodies[:1]
                )
            )
            end = start - 1
    in_post: dict[str, list[str]] = defaultdict(list)
    for chief in chiefs:
        if chief.in_post_on(as_of):
            for water in chief.waterbodies:
                in_post[water].append(chief.key)
    return dataclasses.replace(world, chiefs_in_post=dict(in_post))


def busy_chief(world: World, shape: Shape) -> ChiefRow | None:
    """The village chief `reshape_world` gave the extra waterbodies to (None when the shape has none)."""
    if not shape.chief_waters:
        return None
    return max((c for c in world.chiefs if c.level == VILLAGE), key=lambda c: len(c.waterbodies))


def build_crowded_ledger(
    rng: random.Random, world: World, count: int, params: RuleParams, as_of: int, shape: Shape
) -> Ledger:
    """`count` problems crowded as `shape` says, and the interviews about them, every finding counted."""
    waters, hot = _problem_waters(rng, world, shape)
    drafts = [Draft(index, waters[0]) for index in range(count)]
    missed = route(rng, dataclasses.replace(world, waterbodies=waters), drafts)
    if hot is not None:
        crowd = world.member_units[0]
        for draft in drafts:
            if draft.water is hot:
                draft.assignee, draft.life = crowd, "signed"
            elif draft.assignee is not None and rng.random() < shape.hot_unit_share:
                draft.assignee = crowd
    by_unit: dict[str, list[Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.assignee is not None:
            by_unit[draft.assignee].append(draft)
    units = [unit.key for unit in world.units if unit.key in by_unit]
    profiles = plan_units(rng, units, by_unit, params)
    _place(rng, drafts, params, as_of, shape.categories)
    _mark_recurrences(drafts, params.recurrence_window_days)
    width = max(6, len(str(len(drafts))))
    for number, draft in enumerate(sorted(drafts, key=lambda d: (d.found, d.index)), start=1):
        draft.key = f"P-{number:0{width}d}"
    interviews = hold_interviews(rng, units, by_unit, profiles, params, as_of)
    expected, derived = tally(world, drafts, interviews, by_unit, units, missed, params, as_of)
    problems = [problem_row(rng, draft) for draft in sorted(drafts, key=lambda d: d.key)]
    return Ledger(problems, interviews, expected, derived)


def _problem_waters(
    rng: random.Random, world: World, shape: Shape
) -> tuple[list[WaterbodyRow], WaterbodyRow | None]:
    """The waterbodies routing draws from: every city waterbody (the escalation plan needs its
    co-chiefs and handed-over posts) and every cross-provincial one, then others to `problem_waters`;
    the hot one (a village waterbody) repeated to take about `hot_share` of the draws."""
    everything = world.waterbodies
    if shape.problem_waters is None:
        chosen = list(everything)
    else:
        first = [w for w in everything if w.level == "市" or w.cross_provincial]
        rest = [w for w in everything if w not in first]
        chosen = first + rng.sample(rest, max(0, min(len(rest), shape.problem_waters - len(first))))
    if not shape.hot_share:
        return chosen, None
    villages = [w for w in chosen if w.level == VILLAGE and not w.cross_provincial]
    hot = villages[0]
    others = len(chosen) - 1
    copies = round(HOT_WEIGHT * others * shape.hot_share / (1 - shape.hot_share))
    return chosen + [hot] * copies, hot


def _place(rng: random.Random, drafts: list[Draft], params: RuleParams, as_of: int, categories: int) -> None:
    """Dates by life, as the usual plan dates them (boundary days included); categories drawn freely."""
    order = list(drafts)
    rng.shuffle(order)
    Placer(rng, params, as_of).place_freely(order, categories)


def _mark_recurrences(drafts: list[Draft], window: int) -> None:
    """A signed-off problem is "closed" (a recurrence) when a problem of its waterbody and category was
    found 1 to `window` days after its sign-off (RECT-RECURRENCE: after, and within the window)."""
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for draft in drafts:
        found[(draft.water.key, draft.category)].append(draft.found)
    for days in found.values():
        days.sort()
    for draft in drafts:
        if draft.life != "signed" or draft.assignee is None or draft.signed is None:
            continue
        days = found[(draft.water.key, draft.category)]
        after = bisect.bisect_right(days, draft.signed)
        if after < len(days) and days[after] <= draft.signed + window:
            draft.life = "closed"


def add_post_patrols(path: Path, rng: random.Random, chief: ChiefRow, count: int, numbered_from: int) -> int:
    """Append `count` patrols on the chief's first post, on days from its first patrol to the day before
    its last (so its last patrol, and what the patrol rules find, stay as planned); the number added."""
    water = chief.waterbodies[0]
    marker = f'"chief": "{chief.key}", "waterbody": "{water}"'
    with path.open(encoding="utf-8") as lines:
        days = [
            dt.date.fromisoformat(json.loads(line)["patrolled_on"]).toordinal()
            for line in lines
            if marker in line
        ]
    if len(days) < 2 or max(days) - min(days) < 1:
        return 0
    first, last = min(days), max(days)
    extra = sorted(rng.randint(first, last - 1) for _ in range(count))
    with path.open("a", encoding="utf-8", newline="\n") as out:
        out.write(
            "".join(
                patrol_line(f"PT-{number:07d}", chief.key, water, iso(day))
                for number, day in enumerate(extra, start=numbered_from)
            )
        )
    return count
