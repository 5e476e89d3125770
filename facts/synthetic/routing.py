"""Step 1 of the ledger's plan, routing (Article 23): where each problem is, who holds and rectifies
it, and who it is escalated or referred to.

Each problem gets a scope and severity, a waterbody, the office whose ledger holds it, and the unit
that rectifies it. Major individual problems on city-level waterbodies are submitted to *every*
city-level chief in post there, except an exact quota that misses one (not submitted, submitted to
a district chief only, to the former chief only, or to one of two co-chiefs). Policy-wide problems
go to the 总河长 or a 副总河长 except a quota (not submitted, or only to a city river chief or a
district's 总河长); cross-provincial problems are referred to the basin mechanism except a quota.
"""

from __future__ import annotations

import random

from facts.synthetic.drafts import Draft
from facts.synthetic.draw import quota, shuffled_labels
from facts.synthetic.rows import WaterbodyRow
from facts.synthetic.world import CITY_OFFICE, World

BASIN_MECHANISMS = {
    "长江": ("yangtze_joint_meeting", "changjiang_commission"),
    "太湖": ("taihu_joint_meeting", "taihu_basin_authority"),
}
REGISTERED_SHARE = 0.03
POLICY_SHARE = 0.004
CROSS_SHARE = 0.004
MAJOR_SHARE = 0.03
"""Of individual problems."""
MAJOR_ON_CITY_WATER = 0.4
"""Of individual major problems: on a city-level waterbody (the rest on district or lower ones)."""
MISSED = {"individual": 0.06, "policy": 0.15, "cross_provincial": 0.15}
"""Shares of the problems due for escalation or referral that did not get it."""
WATER_WEIGHT_CAP = 8.0
"""Heavy-tailed problem counts per waterbody, capped so no slot is too crowded to place in."""


def route(rng: random.Random, world: World, drafts: list[Draft]) -> dict[str, int]:
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
