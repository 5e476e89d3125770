"""The standing part of a fact set: units (offices and member units), waterbodies and their chiefs.

`build_world` returns the rows and the indexes the problem ledger needs to route problems the way
Article 23 of the office's work rules says: individual major problems to the waterbody's city-level
chief, policy-wide ones to the 总河长, and every problem in the ledger of a district or the city office.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from bench import names
from bench.draw import days_before, key_width, quota, shuffled_labels
from bench.records import ChiefRow, UnitRow, WaterbodyRow

CITY_OFFICE = "U-CITY-OFFICE"
CHUNK_SIZES = (1, 2, 3, 4)
CHUNK_WEIGHTS = (35, 35, 20, 10)
"""How many waterbodies one chief has in charge (about 2 on average)."""
_URBAN = frozenset(d.name for d in names.DISTRICTS if d.weight <= 2)


@dataclass(frozen=True)
class World:
    """Rows of the standing records, and who is who for routing problems."""

    units: list[UnitRow]
    waterbodies: list[WaterbodyRow]
    chiefs: list[ChiefRow]
    district_offices: dict[str, str]
    """District name -> its river chief office."""
    governments: dict[str, str]
    """District name -> its district government."""
    lower_offices: dict[str, list[str]]
    """District name -> the town and subdistrict offices in it."""
    member_units: list[str]
    general_chief: str
    deputy_chiefs: list[str]
    city_chief_of: dict[str, str]
    """市-level waterbody -> its 市-level chief in post."""
    district_chiefs: list[str]
    """区-level chiefs in post (the wrong place to escalate a major problem to)."""


def build_world(rng: random.Random, waterbodies: int, units: int, as_of: dt.date) -> World:
    """Units, `waterbodies` waterbodies and their chiefs; `units` is a target the structure may exceed."""
    unit_rows, offices, governments, lower = _build_units(rng, units)
    water_rows = _build_waterbodies(rng, waterbodies)
    chief_rows = _build_chiefs(rng, water_rows, as_of)
    in_post = [chief for chief in chief_rows if chief.in_post_to is None]
    return World(
        units=unit_rows,
        waterbodies=water_rows,
        chiefs=chief_rows,
        district_offices=offices,
        governments=governments,
        lower_offices=lower,
        member_units=[key for key, _ in names.CITY_MEMBER_UNITS],
        general_chief=chief_rows[0].key,
        deputy_chiefs=[chief_rows[1].key, chief_rows[2].key],
        city_chief_of={
            water: chief.key for chief in in_post if chief.level == "市" for water in chief.waterbodies
        },
        district_chiefs=[chief.key for chief in in_post if chief.level == "区" and chief.waterbodies],
    )


def _build_units(
    rng: random.Random, target: int
) -> tuple[list[UnitRow], dict[str, str], dict[str, str], dict[str, list[str]]]:
    rows = [UnitRow(CITY_OFFICE, "上海市河长制办公室", "office")]
    offices: dict[str, str] = {}
    governments: dict[str, str] = {}
    for district in names.DISTRICTS:
        office = f"U-{district.code}-OFFICE"
        government = f"U-{district.code}-GOV"
        rows.append(UnitRow(office, f"{district.name}河长制办公室", "office", district.name, CITY_OFFICE))
        rows.append(UnitRow(government, f"{district.name}人民政府", "district_government", district.name))
        offices[district.name] = office
        governments[district.name] = government
    rows.extend(UnitRow(key, name, "member_unit") for key, name in names.CITY_MEMBER_UNITS)

    # At least one town office per district; the rest spread like the waterbodies.
    extra = max(0, target - len(rows) - len(names.DISTRICTS))
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
    return rows, offices, governments, lower


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
    city = quota(count, 0.01, at_least=1)
    levels = shuffled_labels(
        rng, count, [("市", city), ("区", quota(count, 0.12)), ("街镇", quota(count, 0.32))], "村居"
    )
    # Every district gets at least one waterbody; the rest go by weight.
    local = count - city
    spread = rng.choices(names.DISTRICTS, weights=[d.weight for d in names.DISTRICTS], k=local)
    spread[: len(names.DISTRICTS)] = names.DISTRICTS[:local]
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
    in_basin = rng.sample(candidates, min(len(candidates), max(2, round(0.02 * len(rows)))))
    crossing = quota(len(rows), 0.005, at_least=1)
    for number, row in enumerate(in_basin):
        if row.district is None:
            row.basin = rng.choice(("长江", "太湖"))
        else:
            row.basin = "太湖" if row.district in names.TAIHU_DISTRICTS else "长江"
        row.cross_provincial = number < crossing


def _build_chiefs(rng: random.Random, waterbodies: list[WaterbodyRow], as_of: dt.date) -> list[ChiefRow]:
    """The 总河长 and 副总河长 first, then one chief per group of 1-4 waterbodies of one level and district.

    A few groups also have a former chief (replaced long before any problem was found); a few
    non-city groups have lost their chief recently and have nobody in post (a vacancy, Article 9).
    """
    width = key_width(2 * len(waterbodies) + 3, 5)
    chiefs: list[ChiefRow] = []

    def add(level: str, role: str, start: dt.date, end: dt.date | None, waters: list[str]) -> None:
        key = f"C-{len(chiefs) + 1:0{width}d}"
        chiefs.append(ChiefRow(key, names.person_name(rng), level, role, start, end, waters))

    add("市", "总河长", days_before(as_of, rng.randint(400, 1500)), None, [])
    for _ in range(2):
        add("市", "副总河长", days_before(as_of, rng.randint(400, 1500)), None, [])

    groups: dict[tuple[str, str], list[WaterbodyRow]] = defaultdict(list)
    for row in waterbodies:
        groups[(row.level, row.district or "")].append(row)
    for (level, _), rows in groups.items():
        rng.shuffle(rows)
        rows.sort(key=_is_lake, reverse=True)  # lakes first, so they mostly share a 湖长
        while rows:
            size = rng.choices(CHUNK_SIZES, weights=CHUNK_WEIGHTS)[0]
            role = "湖长" if all(_is_lake(row) for row in rows[:size]) else "河长"
            waters = [row.key for row in rows[:size]]
            del rows[:size]
            start = days_before(as_of, rng.randint(400, 2500))
            if rng.random() < 0.03:
                earlier = days_before(start, rng.randint(365, 1800))
                add(level, role, earlier, days_before(start, 1), waters)
            vacant = level != "市" and rng.random() < 0.005
            add(level, role, start, days_before(as_of, rng.randint(10, 200)) if vacant else None, waters)
    return chiefs


def _is_lake(row: WaterbodyRow) -> bool:
    return row.name.endswith(names.LAKE_SUFFIXES)
