"""The documents a compliant office keeps: the city's records of duties done, all in order on the scan day.

The document rules (rules/records, rules/office) are not planned to report anything: every record they
ask for is here, dated inside the window `rules/params.yaml` allows, with its steps in order (consulted
and approved before issued), and nothing repealed. So on the synthetic city they report nothing, and
the planned findings stay the ones of the ledger and the patrols. What is written, per:

- waterbody: one signboard (公示牌), issued on or after the latest start of a 河长/湖长 who holds it (within
  `signboard_update_days` of it when the scan day allows), so every chief in post has a current board;
- 市 and 区 waterbody: a river file (一河一档) and a health evaluation within their maximum ages, and a
  river policy (一河一策) consulted, reviewed and approved before it was issued, in force;
- cross-provincial waterbody: a joint prevention mechanism in force;
- 市-level 河长/湖长 in post: a contact department (a city member unit), issued once they took post;
- member unit: a liaison officer in force;
- office (city and districts): an annual plan (consulted and approved first), an annual summary, a
  training plan and a training session within their windows, the ten working systems, the 河长+警长 and
  河长+检察长 mechanisms, and an approved assessment submission;
- the city: the six task areas of the implementation plan, each assigned to a member unit and approved.

Documents are few (about two per waterbody of 市/区 level, one per waterbody, and some thirty per
office), so they are built as rows and written in one go, in a fixed order from a seeded generator.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from facts.synthetic.params import RuleParams
from facts.synthetic.rows import DocumentRow
from facts.synthetic.world import CITY_OFFICE, World

CHIEF_ROLES = frozenset({"河长", "湖长"})
"""The chiefs a signboard shows and a contact department serves."""
WORK_SYSTEM_TOPICS = (
    "会议",
    "巡查",
    "信息共享",
    "信息报送",
    "工作督察",
    "考核激励与问责",
    "述职",
    "工作交接",
    "举报投诉处理",
    "问题交办分办督办",
)
"""The ten working systems of 第十五条, as the OFFICE-SYSTEM-* rules name them."""
TASK_AREAS = (
    "水污染防治和水环境治理",
    "河湖水面积管控",
    "河湖水域岸线管理保护",
    "水资源保护",
    "水生态修复",
    "执法监管",
)
"""The six task areas of the implementation plan (第二十一条), as TASK-AREA-ASSIGNED names them."""
POLICY_WATER_LEVELS = ("市", "区")
"""Levels whose waterbodies need a river file, a river policy and a health evaluation."""

_Steps = Callable[[int], tuple[int, int, int, int]]
_Within = Callable[[int], int]


def build_documents(rng: random.Random, world: World, params: RuleParams, as_of: int) -> list[DocumentRow]:
    """Every document the document rules ask of the city, dated so that none of them reports."""
    docs: list[DocumentRow] = []

    def within(days: int) -> int:
        """A day in the `days` before the scan day, both ends included (never in the future)."""
        return as_of - rng.randint(0, days)

    def steps(issued: int) -> tuple[int, int, int, int]:
        """Drafted, consulted, reviewed and approved days in order, none after `issued`."""
        approved = issued - rng.randint(0, 20)
        reviewed = approved - rng.randint(0, 20)
        consulted = reviewed - rng.randint(0, 30)
        return consulted - rng.randint(10, 60), consulted, reviewed, approved

    # Signboards: one per waterbody, dated on or after the latest start of a chief holding it.
    latest_start: dict[str, int] = {}
    for chief in world.chiefs:
        if chief.role not in CHIEF_ROLES or chief.in_post_from > as_of:
            continue
        for held in chief.waterbodies:
            latest_start[held] = max(latest_start.get(held, chief.in_post_from), chief.in_post_from)
    for water in world.waterbodies:
        start = latest_start.get(water.key)
        if start is None:
            continue
        issued = start + rng.randint(0, min(params.signboard_update_days, as_of - start))
        docs.append(DocumentRow(f"D-SB-{water.key}", "signboard", waterbody=water.key, issued_on=issued))

    # Files, policies and evaluations of the 市 and 区 waterbodies; joint mechanisms across provinces.
    for water in world.waterbodies:
        if water.level not in POLICY_WATER_LEVELS:
            continue
        key = water.key
        docs.append(
            DocumentRow(
                f"D-RF-{key}", "river_file", waterbody=key, issued_on=within(params.river_file_max_age_days)
            )
        )
        issued = within(900)
        drafted, consulted, reviewed, approved = steps(issued)
        docs.append(
            DocumentRow(
                f"D-RP-{key}",
                "river_policy",
                waterbody=key,
                drafted_on=drafted,
                consulted_on=consulted,
                reviewed_on=reviewed,
                approved_on=approved,
                issued_on=issued,
            )
        )
        docs.append(
            DocumentRow(
                f"D-HE-{key}",
                "health_evaluation",
                waterbody=key,
                issued_on=within(params.health_evaluation_max_age_days),
            )
        )
    for water in world.waterbodies:
        if water.cross_provincial:
            office = world.district_offices[water.district] if water.district else CITY_OFFICE
            docs.append(
                DocumentRow(
                    f"D-JM-{water.key}",
                    "joint_mechanism",
                    unit=office,
                    waterbody=water.key,
                    issued_on=within(1500),
                )
            )

    # Contact departments of the city-level chiefs; liaison officers of the member units.
    chiefs = {chief.key: chief for chief in world.chiefs}
    for key in world.city_river_chiefs:
        start = chiefs[key].in_post_from
        issued = start + rng.randint(0, min(30, as_of - start))
        unit = rng.choice(world.member_units)
        docs.append(DocumentRow(f"D-CD-{key}", "contact_department", unit=unit, chief=key, issued_on=issued))
    for unit_row in world.units:
        if unit_row.type == "member_unit":
            docs.append(
                DocumentRow(
                    f"D-LO-{unit_row.key}", "liaison_officer", unit=unit_row.key, issued_on=within(1500)
                )
            )

    # Each office's plans, summaries, training, working systems, mechanisms and assessment.
    for unit_row in world.units:
        if unit_row.type == "office":
            docs.extend(_office_documents(rng, unit_row.key, params, as_of, steps, within))

    # The implementation plan's six task areas, assigned to city member units by the general chief.
    for number, area in enumerate(TASK_AREAS, start=1):
        issued = within(1500)
        docs.append(
            DocumentRow(
                f"D-TA-{number}",
                "task_assignment",
                topic=area,
                unit=rng.choice(world.member_units),
                approved_on=issued - rng.randint(0, 20),
                issued_on=issued,
            )
        )
    return docs


def _office_documents(
    rng: random.Random,
    office: str,
    params: RuleParams,
    as_of: int,
    steps: _Steps,
    within: _Within,
) -> list[DocumentRow]:
    docs: list[DocumentRow] = []
    tag = office.removeprefix("U-")

    def year(day: int) -> int:
        return dt.date.fromordinal(day).year

    issued = within(params.annual_plan_max_age_days)
    drafted, consulted, _, approved = steps(issued)
    docs.append(
        DocumentRow(
            f"D-AP-{tag}",
            "annual_plan",
            year=year(issued),
            unit=office,
            drafted_on=drafted,
            consulted_on=consulted,
            approved_on=approved,
            issued_on=issued,
        )
    )
    issued = within(params.annual_summary_max_age_days)
    docs.append(
        DocumentRow(
            f"D-AS-{tag}",
            "annual_summary",
            year=year(issued) - 1,
            unit=office,
            drafted_on=issued - rng.randint(0, 30),
            issued_on=issued,
        )
    )
    issued = within(params.training_plan_max_age_days)
    docs.append(DocumentRow(f"D-TP-{tag}", "training_plan", year=year(issued), unit=office, issued_on=issued))
    issued = within(params.training_session_max_gap_days)
    docs.append(DocumentRow(f"D-TS-{tag}", "training_session", unit=office, issued_on=issued))
    for number, topic in enumerate(WORK_SYSTEM_TOPICS, start=1):
        docs.append(
            DocumentRow(
                f"D-WS-{tag}-{number:02d}", "work_system", topic=topic, unit=office, issued_on=within(2000)
            )
        )
    docs.append(DocumentRow(f"D-PM-{tag}", "police_mechanism", unit=office, issued_on=within(2000)))
    docs.append(DocumentRow(f"D-PC-{tag}", "procurator_mechanism", unit=office, issued_on=within(2000)))
    issued = within(params.assessment_submission_max_age_days)
    docs.append(
        DocumentRow(
            f"D-SUB-{tag}",
            "assessment_submission",
            year=year(issued) - 1,
            unit=office,
            approved_on=issued - rng.randint(0, 10),
            issued_on=issued,
        )
    )
    return docs
