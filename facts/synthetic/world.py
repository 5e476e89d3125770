"""The standing part of the city: units (offices and member units), waterbodies and their chiefs.

Every waterbody has a chief of its own level (村居, 街镇, 区, 市) in charge of one to four waterbodies of
one district; the city has its 总河长 and two 副总河长, and each district its 区总河长. Tenures are
planned, not drawn blindly, because the rules read them: a chief counts for Article 23 escalation
when in post on the scan day, and is held to a patrol period only after being in post that long. So
besides long-serving chiefs the world has, by quota:

- handovers (a former chief, and a successor appointed within the last year);
- vacancies (the chief left, nobody is in post; one of them left the day before the scan);
- a term that ends on the scan day (still in post), one of them with a successor from the next day;
- city waterbodies with two city-level chiefs (co-chiefs: a major problem must reach both);
- per level, one chief appointed exactly one patrol period before the scan and one a day later,
  neither of whom has patrolled yet (`World.silent`): the first must have, the second need not.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from facts.synthetic import names
from facts.synthetic.draw import key_width, quota, shuffled_labels
from facts.synthetic.params import RuleParams
from facts.synthetic.rows import ChiefRow, UnitRow, WaterbodyRow

CITY_OFFICE = "U-CITY-OFFICE"
LEVELS = ("市", "区", "街镇", "村居")
CHUNKS = {"市": ((1, 2), (75, 25)), "other": ((1, 2, 3, 4), (35, 35, 20, 10))}
"""How many waterbodies one chief has in charge: (sizes, weights); about 2 on average."""
LEVEL_SHARES = {"市": 0.005, "区": 0.10, "街镇": 0.30}
"""Shares of the waterbodies by level; the rest are 村居 (village) waterbodies."""
MIN_CITY_WATERS = 10
"""Enough city-level waterbodies at every scale for each planned tenure (at least five chiefs' posts)."""
_URBAN = frozenset(d.name for d in names.DISTRICTS if d.weight <= 2)


@dataclass(frozen=True)
class Shape:
    """How a crowded ledger is shaped (`facts.synthetic.shapes`): the dense and adversarial scales."""

    problem_waters: int | None
    """Waterbodies the problems sit on (None: all of them)."""
    categories: int
    """Problem categories used (the first of `names.CATEGORIES`, by weight)."""
    hot_share: float = 0.0
    """Share of the problems on one waterbody, every one of its problems signed off."""
    hot_unit_share: float = 0.0
    """Share of the other assigned problems a city member unit rectifies (besides all the hot ones)."""
    chief_waters: int = 0
    """Village waterbodies one long-serving village chief holds besides their own."""
    post_patrols: int = 0
    """Extra patrols on one post of that chief (before its last patrol, so nothing it finds changes)."""
    tenure_chain: int = 0
    """Former chiefs, one after another, of one village waterbody before its present chief."""


@dataclass(frozen=True)
class Scale:
    """How big a city to build."""

    problems: int
    waterbodies: int
    lower_offices: int
    """Town and subdistrict river chief offices (Shanghai has about 215)."""
    shape: Shape | None = None
    """None: the usual spread (`ledger`); otherwise a crowded ledger (`shapes`)."""

    @classmethod
    def for_problems(cls, problems: int) -> Scale:
        """A city sized for `problems` problems: about one waterbody per six problems, as the named
        district and city scales have."""
        if problems < 1:
            raise ValueError(f"problems must be at least 1, got {problems}")
        waterbodies = max(40, round(problems / 6))
        return cls(problems, waterbodies, min(215, max(16, round(0.4 * problems**0.5))))


@dataclass(frozen=True)
class World:
    """The rows of the standing records, and who is who for routing problems and planning patrols."""

    units: list[UnitRow]
    waterbodies: list[WaterbodyRow]
    chiefs: list[ChiefRow]
    district_offices: dict[str, str]
    """District name -> its river chief office."""
    governments: dict[str, str]
    """District name -> its district government."""
    district_members: dict[str, list[str]]
    """District name -> its member units (水务局, 生态环境局)."""
    lower_offices: dict[str, list[str]]
    """District name -> the town and subdistrict offices in it."""
    member_units: list[str]
    """The city's member units."""
    general_chief: str
    deputy_chiefs: list[str]
    district_general_chiefs: list[str]
    """The districts' 总河长: level 区, so not whom Article 23 means for policy-wide problems."""
    city_chiefs: dict[str, list[str]]
    """市 waterbody -> its 市-level chiefs in post on the scan day (one, or two co-chiefs)."""
    former_city_chiefs: dict[str, list[str]]
    """市 waterbody -> 市-level chiefs who held it and have left."""
    chiefs_in_post: dict[str, list[str]]
    """Waterbody -> every chief in post on the scan day who has it in charge."""
    city_river_chiefs: list[str]
    """市-level 河长/湖长 in post (not the general chiefs)."""
    district_river_chiefs: list[str]
    """区-level 河长/湖长 in post."""
    silent: frozenset[str]
    """Chiefs appointed at the patrol-period boundary who have not patrolled yet."""


def build_world(rng: random.Random, scale: Scale, params: RuleParams, as_of: int) -> World:
    """Units, waterbodies and chiefs for `scale`, with chiefs' tenures planned around `as_of`."""
    units, offices, governments, members, lower = _build_units(rng, scale.lower_offices)
    waters = _build_waterbodies(rng, scale.waterbodies)
    chiefs, silent = _build_chiefs(rng, waters, params, as_of)
    in_post = [chief for chief in chiefs if chief.in_post_on(as_of)]
    chiefs_in_post: dict[str, list[str]] = defaultdict(list)
    for chief in in_post:
        for water in chief.waterbodies:
            chiefs_in_post[water].append(chief.key)
    city_chiefs: dict[str, list[str]] = defaultdict(list)
    former: dict[str, list[str]] = defaultdict(list)
    for chief in chiefs:
        if chief.level != "市":
            continue
        for water in chief.waterbodies:
            if chief.in_post_on(as_of):
                city_chiefs[water].append(chief.key)
            elif chief.in_post_to is not None and chief.in_post_to < as_of:
                former[water].append(chief.key)
    return World(
        units=units,
        waterbodies=waters,
        chiefs=chiefs,
        district_offices=offices,
        governments=governments,
        district_members=members,
        lower_offices=lower,
        member_units=[key for key, _ in names.CITY_MEMBER_UNITS],
        general_chief=chiefs[0].key,
        deputy_chiefs=[chiefs[1].key, chiefs[2].key],
        district_general_chiefs=[chief.key for chief in chiefs[3 : 3 + len(names.DISTRICTS)]],
        city_chiefs=dict(city_chiefs),
        former_city_chiefs=dict(former),
        chiefs_in_post=dict(chiefs_in_post),
        city_river_chiefs=[c.key for c in in_post if c.level == "市" and c.waterbodies],
        district_river_chiefs=[c.key for c in in_post if c.level == "区" and c.waterbodies],
        silent=frozenset(silent),
    )


def _build_units(
    rng: random.Random, lower_target: int
) -> tuple[list[UnitRow], dict[str, str], dict[str, str], dict[str, list[str]], dict[str, list[str]]]:
    rows = [UnitRow(CITY_OFFICE, "上海市河长制办公室", "office")]
    offices: dict[str, str] = {}
    governments: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for district in names.DISTRICTS:
        office = f"U-{district.code}-OFFICE"
        government = f"U-{district.code}-GOV"
        rows.append(UnitRow(office, f"{district.name}河长制办公室", "office", district.name, CITY_OFFICE))
        rows.append(UnitRow(government, f"{district.name}人民政府", "district_government", district.name))
        offices[district.name] = office
        governments[district.name] = government
        members[district.name] = []
        for suffix, name in names.DISTRICT_MEMBER_UNITS:
            key = f"U-{district.code}-{suffix}"
            rows.append(UnitRow(key, f"{district.name}{name}", "member_unit", district.name))
            members[district.name].append(key)
    rows.extend(UnitRow(key, name, "member_unit") for key, name in names.CITY_MEMBER_UNITS)

    # At least one town office per district; the rest spread like the waterbodies.
    extra = max(0, lower_target - len(names.DISTRICTS))
    weights = [d.weight for d in names.DISTRICTS]
    placed = list(names.DISTRICTS) + rng.choices(names.DISTRICTS, weights=weights, k=extra)
    lower: dict[str, list[str]] = {d.name: [] for d in names.DISTRICTS}
    taken: set[str] = set()
    for district in placed:
        town = _fresh_town(rng, district, taken)
        key = f"U-{district.code}-T{len(lower[district.name]) + 1:03d}"
        rows.append(
            UnitRow(key, f"{town}河长制办公室", "lower_office", district.name, offices[district.name])
        )
        lower[district.name].append(key)
    return rows, offices, governments, members, lower


def _fresh_town(rng: random.Random, district: names.District, taken: set[str]) -> str:
    """A town name not yet used in `district` (after a few tries, one with a number)."""
    urban = district.name in _URBAN
    for _ in range(20):
        town = names.town_name(rng, urban)
        if district.name + town not in taken:
            break
    else:
        town = f"{town.removesuffix('镇').removesuffix('街道')}{len(taken)}{'街道' if urban else '镇'}"
    taken.add(district.name + town)
    return town


def _build_waterbodies(rng: random.Random, count: int) -> list[WaterbodyRow]:
    count = max(count, MIN_CITY_WATERS + len(names.DISTRICTS))
    city = max(MIN_CITY_WATERS, round(count * LEVEL_SHARES["市"]))
    shares = [("区", quota(count, LEVEL_SHARES["区"])), ("街镇", quota(count, LEVEL_SHARES["街镇"]))]
    levels = ["市"] * city + shuffled_labels(rng, count - city, shares, "村居")
    # Every district gets at least one waterbody; the rest go by weight.
    local = count - city
    spread = rng.choices(names.DISTRICTS, weights=[d.weight for d in names.DISTRICTS], k=local)
    spread[: len(names.DISTRICTS)] = names.DISTRICTS
    rng.shuffle(spread)
    districts = iter(spread)
    width = key_width(count, 5)
    rows: list[WaterbodyRow] = []
    for number, level in enumerate(levels, start=1):
        key = f"W-{number:0{width}d}"
        if level == "市":
            name = names.lake_name(rng) if rng.random() < 0.2 else names.city_river_name(rng)
            rows.append(WaterbodyRow(key, name, level))
        else:
            name = names.lake_name(rng) if rng.random() < 0.03 else names.river_name(rng)
            rows.append(WaterbodyRow(key, name, level, next(districts).name))
    _mark_basins(rng, rows)
    return rows


def _mark_basins(rng: random.Random, rows: list[WaterbodyRow]) -> None:
    """About 2% of waterbodies (city and district level) in a basin; a quarter of those cross provinces."""
    candidates = [row for row in rows if row.level in ("市", "区")]
    in_basin = rng.sample(candidates, min(len(candidates), max(4, round(0.02 * len(rows)))))
    crossing = max(2, round(0.005 * len(rows)))
    for number, row in enumerate(in_basin):
        if row.district is None:
            row.basin = rng.choice(("长江", "太湖"))
        else:
            row.basin = "太湖" if row.district in names.TAIHU_DISTRICTS else "长江"
        row.cross_provincial = number < crossing


def _build_chiefs(
    rng: random.Random, waterbodies: list[WaterbodyRow], params: RuleParams, as_of: int
) -> tuple[list[ChiefRow], list[str]]:
    """The general chiefs first, then the chiefs of each chunk of waterbodies, by planned tenure."""
    width = key_width(len(waterbodies) + 100, 5)
    chiefs: list[ChiefRow] = []
    silent: list[str] = []

    def add(level: str, role: str, start: int, end: int | None, waters: list[str]) -> str:
        key = f"C-{len(chiefs) + 1:0{width}d}"
        chiefs.append(ChiefRow(key, names.person_name(rng), level, role, start, end, waters))
        return key

    def long_ago() -> int:
        return as_of - rng.randint(400, 2500)

    add("市", "总河长", as_of - rng.randint(400, 1500), None, [])
    for _ in range(2):
        add("市", "副总河长", as_of - rng.randint(400, 1500), None, [])
    for _ in names.DISTRICTS:
        add("区", "总河长", long_ago(), None, [])

    for level in LEVELS:
        chunks = _chunks(rng, [row for row in waterbodies if row.level == level], level)
        period = params.patrol_period(level)
        for (waters, role), tenure in zip(chunks, _tenures(rng, len(chunks), level), strict=True):
            if tenure == "handover":
                start = as_of - rng.randint(1, 330)
                add(level, role, start - rng.randint(365, 1800), start - 1, waters)
                add(level, role, start, None, waters)
            elif tenure in ("vacancy", "left-yesterday"):
                gone = as_of - (1 if tenure == "left-yesterday" else rng.randint(2, 200))
                add(level, role, long_ago(), gone, waters)
            elif tenure in ("ends-today", "ends-today-successor"):
                add(level, role, long_ago(), as_of, waters)
                if tenure == "ends-today-successor":
                    add(level, role, as_of + 1, None, waters)
            elif tenure == "co-chiefs":
                add(level, role, long_ago(), None, waters)
                add(level, role, long_ago(), None, waters)
            elif tenure == "period-boundary":
                silent.append(add(level, role, as_of - period, None, waters))
            elif tenure == "period-boundary-after":
                silent.append(add(level, role, as_of - period + 1, None, waters))
            else:
                add(level, role, long_ago(), None, waters)
    return chiefs, silent


def _chunks(rng: random.Random, rows: list[WaterbodyRow], level: str) -> list[tuple[list[str], str]]:
    """Groups of 1-4 waterbodies of one level and district, each with the role of its chief."""
    sizes, weights = CHUNKS["市" if level == "市" else "other"]
    groups: dict[str, list[WaterbodyRow]] = defaultdict(list)
    for row in rows:
        groups[row.district or ""].append(row)
    chunks: list[tuple[list[str], str]] = []
    for group in groups.values():
        rng.shuffle(group)
        group.sort(key=_is_lake, reverse=True)  # lakes first, so they mostly share a 湖长
        while group:
            size = rng.choices(sizes, weights=weights)[0]
            role = "湖长" if all(_is_lake(row) for row in group[:size]) else "河长"
            chunks.append(([row.key for row in group[:size]], role))
            del group[:size]
    return chunks


def _tenures(rng: random.Random, count: int, level: str) -> list[str]:
    """A planned tenure per chunk of `level`: mostly long-serving ("regular"), the rest by quota."""
    if level == "市":
        plan = [
            ("co-chiefs", quota(count, 0.15, 1)),
            ("handover", quota(count, 0.10, 1)),
            ("ends-today-successor", 1),
            ("period-boundary", 1),
            ("period-boundary-after", 1),
        ]
    else:
        plan = [
            ("period-boundary", 1),
            ("period-boundary-after", 1),
            ("handover", quota(count, 0.03, 1)),
            ("left-yesterday", 1 if level == "村居" else 0),
            ("ends-today", 1 if level == "村居" else 0),
            ("vacancy", quota(count, 0.004)),
        ]
    return shuffled_labels(rng, count, plan, "regular")


def _is_lake(row: WaterbodyRow) -> bool:
    return row.name.endswith(names.LAKE_SUFFIXES)
