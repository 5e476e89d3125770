"""The simulated district's standing records: units, waterbodies, chiefs in post, the documents it plans.

The fictional 云溪区: 11 units (the city and district offices, the district government, five member
units, three town offices), 30 waterbodies (2 city-level, one of them on the Taihu boundary, 6
district-level, 10 town-level, 12 village-level), 24 chiefs in post when the simulation starts, and
the office documents of articles 7-34 with the dates their steps are planned for. The dates are
chosen so that each office rule has a gap somewhere in the year (a plan issued late, a mechanism
repealed before its successor, a step recorded after the issue); `district_office` plays them out.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from tests.scope.district_ledger import Value

D = dt.date.fromisoformat
DISTRICT = "云溪区"
OFFICE = "U-OFFICE"

UNITS: list[dict[str, Value]] = [
    {"key": "U-CITY", "name": "市河长制办公室", "type": "office"},
    {"key": OFFICE, "name": "云溪区河长制办公室", "type": "office", "district": DISTRICT, "parent": "U-CITY"},
    {"key": "U-GOV", "name": "云溪区人民政府", "type": "district_government", "district": DISTRICT},
    {"key": "U-WATER", "name": "云溪区水务局", "type": "member_unit", "district": DISTRICT},
    {"key": "U-ENV", "name": "云溪区生态环境局", "type": "member_unit", "district": DISTRICT},
    {"key": "U-GREEN", "name": "云溪区绿化市容局", "type": "member_unit", "district": DISTRICT},
    {"key": "U-HOUSING", "name": "云溪区建设管理委员会", "type": "member_unit", "district": DISTRICT},
    {"key": "U-AGRI", "name": "云溪区农业农村委员会", "type": "member_unit", "district": DISTRICT},
]
_TOWN_NAMES = {
    "U-TOWN-A": "枫林镇河长制办公室",
    "U-TOWN-B": "白沙街道河长制办公室",
    "U-TOWN-C": "芦湾镇河长制办公室",
}
UNITS += [
    {"key": key, "name": name, "type": "lower_office", "district": DISTRICT, "parent": OFFICE}
    for key, name in _TOWN_NAMES.items()
]
MEMBER_UNITS = ("U-WATER", "U-ENV", "U-GREEN", "U-HOUSING", "U-AGRI")
TOWNS = ("U-TOWN-A", "U-TOWN-B", "U-TOWN-C")
LATENESS = {"U-WATER": 0.25, "U-ENV": 0.3, "U-GREEN": 0.25, "U-HOUSING": 0.5, "U-AGRI": 0.35}
LATENESS.update({"U-TOWN-A": 0.3, "U-TOWN-B": 0.2, "U-TOWN-C": 0.45})
"""How often each unit rectifies after the deadline: U-HOUSING and U-TOWN-C are the slow ones."""

_NAMES = ["云溪江", "翠屏湖", "白沙河", "东泾港", "南塘河", "西漕河", "北渠", "芦花浜", "长泾", "鹤溪"]
_NAMES += ["桂花浜", "柳塘河", "石门港", "金沙浜", "青龙港", "荷花泾", "杨家浜", "陈家河", "马桥港", "新泾"]
_NAMES += ["竹园浜", "李家塘", "沈泾", "枫泾河", "王家浜", "横塘", "花园浜", "小沙河", "黄泥塘", "顾家浜"]
LEVELS = ["市"] * 2 + ["区"] * 6 + ["街镇"] * 10 + ["村居"] * 12
WATERBODIES: list[dict[str, Value]] = [
    {"key": f"W-{number:02d}", "name": name, "level": level, "district": DISTRICT}
    for number, (name, level) in enumerate(zip(_NAMES, LEVELS, strict=True), 1)
]
WATERBODIES[0].update(basin="太湖", cross_provincial=True)
WATERBODIES[1].update(basin="长江")
WATERBODIES[3].update(basin="长江", cross_provincial=True)
WEIGHTS = [{"市": 4, "区": 2}.get(level, 1) for level in LEVELS]
"""Where problems are found: the large waterbodies have more of them."""
LEVEL_OF = {str(water["key"]): str(water["level"]) for water in WATERBODIES}
BOUNDARY = {"W-01": ("taihu_joint_meeting", "taihu_basin_authority"), "W-04": ("yangtze_joint_meeting",)}
"""Cross-provincial waterbodies and the basin mechanisms a problem on them is referred to."""
PLANNED = ("W-01", "W-02", "W-03", "W-04", "W-05", "W-06", "W-07", "W-08")
"""City- and district-level waterbodies: they need river files, policies and health evaluations."""


@dataclass(frozen=True)
class Post:
    """A chief's post: who, at which level, in charge of which waterbodies, from when."""

    key: str
    name: str
    level: str
    role: str
    since: dt.date
    waterbodies: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """A chief leaves on `last_day`; their successor (if any) takes post on `successor.since`."""

    chief: str
    last_day: dt.date
    successor: Post | None


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = ["建国", "晓梅", "志强", "海燕", "立新", "秀英", "国华", "丽娟", "永刚", "春兰"]
_GIVEN += ["文斌", "玉珍", "德明", "雪芳", "少华", "桂英", "宏伟", "静怡", "明轩", "子涵"]


def names(rng: random.Random) -> list[str]:
    """Fictional names, each once, in a seeded order."""
    every = [surname + given for surname in _SURNAMES for given in _GIVEN]
    rng.shuffle(every)
    return every


def first_posts(name: list[str]) -> list[Post]:
    """The chiefs in post when the simulation starts (names taken from the front of `name`)."""
    since = (D("2023-01-01"), D("2022-06-01"), D("2024-03-01"), D("2021-09-01"), D("2025-02-01"))
    posts = [
        Post("C-GEN", name.pop(), "市", "总河长", D("2023-01-01"), ()),
        Post("C-DEP", name.pop(), "市", "副总河长", D("2023-01-01"), ()),
        Post("C-01", name.pop(), "市", "河长", D("2024-03-01"), ("W-01",)),
        Post("C-02", name.pop(), "市", "湖长", D("2024-03-01"), ("W-02",)),
    ]
    groups = [
        ("区", 3, 2, 3),
        ("街镇", 5, 2, 9),
        ("村居", 12, 1, 19),
    ]  # level, chiefs, waterbodies each, first
    number = 3
    for level, chiefs, each, first in groups:
        for index in range(chiefs):
            waters = tuple(f"W-{first + index * each + offset:02d}" for offset in range(each))
            posts.append(Post(f"C-{number:02d}", name.pop(), level, "河长", since[number % 5], waters))
            number += 1
    return posts


CIVIL_POSTS = (
    ("C-CV-01", "区", "民间河长", "2026-03-16", "W-03"),
    ("C-CV-02", "村居", "巡河员", "2026-05-06", "W-25"),
    ("C-CV-03", "街镇", "企业河长", "2026-08-01", "W-12"),
)
"""The civil posts of 第十一条, the first of them in March 2026 (until then CIVIL-POST-NONE holds)."""


def changes(rng: random.Random, posts: list[Post], name: list[str]) -> list[Change]:
    """Fourteen chiefs leave during the year; most have a successor the next day, some after weeks."""
    leaving = ["C-01", "C-04", *rng.sample([post.key for post in posts[4:] if post.key != "C-04"], 12)]
    days = sorted(D("2026-01-20") + dt.timedelta(days=rng.randint(0, 355)) for _ in leaving)
    days[-1] = D("2027-01-08")  # one after the year's end: the assessment must not see it
    rng.shuffle(days)
    by_key = {post.key: post for post in posts}
    result = []
    for number, (key, last_day) in enumerate(zip(leaving, days, strict=True), 23):
        gap = rng.choice(
            (1, 1, 1, rng.randint(2, 12), rng.randint(2, 12), rng.randint(15, 45), rng.randint(15, 45))
        )
        old = by_key[key]
        since = last_day + dt.timedelta(days=gap)
        successor = Post(f"C-{number:02d}", name.pop(), old.level, old.role, since, old.waterbodies)
        result.append(Change(key, last_day, successor if since <= D("2027-01-31") else None))
    return sorted(result, key=lambda change: change.last_day)


@dataclass(frozen=True)
class Plan:
    """A document and the days its steps are taken (the record is written on the first)."""

    fields: dict[str, Value]
    steps: dict[str, dt.date]


STEPS = {"d": "drafted_on", "c": "consulted_on", "r": "reviewed_on", "a": "approved_on"}
STEPS.update({"i": "issued_on", "x": "repealed_on"})

PLANS = """
D-AP-2025   annual_plan           U-OFFICE 2025 -        c=2024-12-02 a=2024-12-12 i=2024-12-20
D-AP-2026   annual_plan           U-OFFICE 2026 -        d=2026-02-03 c=2026-02-24 a=2026-03-17 i=2026-03-30
D-AP-2027   annual_plan           U-OFFICE 2027 -        d=2027-01-12 c=2027-01-26
D-AP-C2025  annual_plan           U-CITY   2025 -        c=2025-02-10 a=2025-02-20 i=2025-02-28
D-AP-C2026  annual_plan           U-CITY   2026 -        d=2026-03-02 i=2026-06-20 a=2026-06-25 c=2026-07-02
D-AS-2024   annual_summary        U-OFFICE 2024 -        d=2025-01-10 i=2025-01-25
D-AS-2025   annual_summary        U-OFFICE 2025 -        d=2026-01-08 i=2026-01-28
D-AS-2026   annual_summary        U-OFFICE 2026 -        d=2027-01-11 i=2027-01-27
D-AS-C2024  annual_summary        U-CITY   2024 -        d=2024-12-20
D-AS-C2025  annual_summary        U-CITY   2025 -        d=2026-02-25 i=2026-03-10
D-TP-2025   training_plan         U-OFFICE 2025 -        i=2025-02-25
D-TP-2026   training_plan         U-OFFICE 2026 -        d=2026-03-01 i=2026-03-20
D-TP-C2025  training_plan         U-CITY   2025 -        i=2025-01-15
D-TP-C2026  training_plan         U-CITY   2026 -        d=2026-04-20 i=2026-05-08
D-TS-01     training_session      U-OFFICE -    河长湖长培训 i=2025-11-18
D-TS-02     training_session      U-OFFICE -    管护人员培训 i=2026-05-20
D-TS-03     training_session      U-OFFICE -    河长湖长培训 i=2026-11-10
D-TS-04     training_session      -        -    巡河员培训   i=2026-10-12
D-TS-C1     training_session      U-CITY   -    河长湖长培训 i=2025-03-20
D-TS-C2     training_session      U-CITY   -    河长湖长培训 i=2026-07-15
D-WS-01     work_system           U-OFFICE -    会议         i=2019-04-01 x=2026-05-31
D-WS-02     work_system           U-OFFICE -    巡查         i=2019-04-01
D-WS-03     work_system           U-OFFICE -    信息共享     i=2019-04-01
D-WS-04     work_system           U-OFFICE -    信息报送     i=2019-04-01
D-WS-05     work_system           U-OFFICE -    工作督察     i=2019-04-01
D-WS-06     work_system           U-OFFICE -    考核激励与问责 i=2020-03-01
D-WS-07     work_system           U-OFFICE -    工作交接     i=2020-03-01
D-WS-08     work_system           U-OFFICE -    举报投诉处理 i=2020-03-01
D-WS-09     work_system           U-OFFICE -    问题交办分办督办 i=2020-03-01
D-WS-11     work_system           U-OFFICE -    会议 d=2026-05-10 c=2026-05-25 a=2026-06-15 i=2026-06-20
D-WS-12     work_system           U-OFFICE -    述职         d=2026-07-01 a=2026-08-20 i=2026-09-01
D-WS-13     work_system           U-OFFICE -    -            d=2026-08-05 i=2026-08-25
D-WS-C1     work_system           U-CITY   -    会议         i=2020-05-01
D-WS-C2     work_system           U-CITY   -    巡查         i=2020-05-01
D-WS-C3     work_system           U-CITY   -    信息报送     i=2020-05-01
D-WS-C4     work_system           U-CITY   -    工作交接     i=2020-05-01 x=2026-09-30
D-PM-01     police_mechanism      U-OFFICE -    -            i=2021-04-01
D-PR-01     procurator_mechanism  U-OFFICE -    -            i=2021-04-01 x=2026-04-30
D-PR-02     procurator_mechanism  U-OFFICE -    -            d=2026-05-15 i=2026-07-01
D-PR-C1     procurator_mechanism  U-CITY   -    -            i=2022-09-01
D-PM-C1     police_mechanism      U-CITY   -    -            d=2026-08-01 i=2026-09-15
D-SU-2024   assessment_submission U-OFFICE 2024 -        a=2025-01-20 i=2025-01-28
D-SU-2025   assessment_submission U-OFFICE 2025 -        a=2026-01-20 i=2026-01-26
D-SU-2026   assessment_submission U-OFFICE 2026 -        a=2027-01-22 i=2027-01-28
D-SU-C2024  assessment_submission U-CITY   2024 -        a=2025-02-10 i=2025-02-14
D-SU-C2025  assessment_submission U-CITY   2025 -        i=2026-06-05
D-LO-WATER  liaison_officer       U-WATER  -    -            i=2023-03-01
D-LO-ENV    liaison_officer       U-ENV    -    -            i=2023-03-01
D-LO-GREEN  liaison_officer       U-GREEN  -    -            i=2023-03-01
D-LO-AGRI   liaison_officer       U-AGRI   -    -            i=2023-03-01 x=2026-08-31
D-LO-AGRI2  liaison_officer       U-AGRI   -    -            i=2026-09-20
D-LO-HOUS   liaison_officer       U-HOUSING -   -            i=2026-04-15
D-TA-01     task_assignment       U-ENV    -    水污染防治和水环境治理 a=2023-02-20 i=2023-03-01
D-TA-02     task_assignment       U-WATER  -    河湖水面积管控 a=2023-02-20 i=2023-03-01
D-TA-03     task_assignment       U-WATER  -    河湖水域岸线管理保护 a=2023-02-20 i=2023-03-01
D-TA-04     task_assignment       U-WATER  -    水资源保护   a=2023-02-20 i=2023-03-01
D-TA-05     task_assignment       U-GREEN  -    水生态修复   a=2023-02-20 i=2023-03-01
D-TA-06     task_assignment       U-WATER  -    执法监管     d=2026-02-01 a=2026-04-10 i=2026-04-20
D-TA-07     task_assignment       -        -    河湖水面积管控 d=2026-09-01
D-JM-01     joint_mechanism       W-01     -    云溪江跨省联防联控 i=2023-05-18
D-JM-04     joint_mechanism       W-04     -    东泾港跨省联防联控 d=2026-03-01 i=2026-07-10
D-RF-X      river_file            -        -    -            i=2026-06-05
D-RP-06     river_policy          W-06 - - d=2026-04-01 c=2026-05-10 a=2026-07-20 i=2026-08-01 r=2026-08-20
D-RP-08     river_policy          W-08 - - d=2026-09-01 i=2026-11-02 c=2026-11-15 a=2026-11-20
"""
"""The offices' and waterbodies' documents: key, type, unit or waterbody, year, topic, then the steps
(d drafted, c consulted, r reviewed, a approved, i issued, x repealed). The gaps they leave: the
district's 2026 plan is issued ten days after the 2025 one runs out; the city issues its 2026 plan
before approving it and consulting on it, submits its assessment unapproved, trains nobody from
March to July and repeals a working system without a successor; the district repeals its 会议
system three weeks before the new one and its procurator mechanism two months before the new one;
述职 comes only in September; a
liaison officer leaves a gap; a task area, a training and a river file are recorded without the unit
or waterbody they belong to; two policies are issued before their review, consultation or approval
is recorded (W-08's is never reviewed)."""


def planned(text: str) -> list[Plan]:
    """Plans from lines of the PLANS table."""
    plans = []
    for line in text.strip().splitlines():
        key, type_, of, year, topic, *steps = line.split()
        fields: dict[str, Value] = {"key": key, "type": type_}
        if year != "-":
            fields["year"] = int(year)
        if topic != "-":
            fields["topic"] = topic
        if of != "-":
            fields["waterbody" if of.startswith("W-") else "unit"] = of
        parsed = {STEPS[step[0]]: D(step[2:]) for step in steps}
        plans.append(Plan(fields, parsed))
    return plans


def waterbody_plans(rng: random.Random) -> list[Plan]:
    """River policies, river files (updated about yearly) and health evaluations (about every three years)."""
    plans = []
    for water in PLANNED:
        if water not in ("W-06", "W-08"):  # their policies come in 2026 (PLANS)
            steps = {STEPS[step]: D(day) for step, day in zip("dcrai", POLICY_2024, strict=True)}
            plans.append(
                Plan({"key": f"D-RP-{water[2:]}", "type": "river_policy", "waterbody": water}, steps)
            )
        issued = D("2026-07-01") if water == "W-08" else D("2025-01-10") + dt.timedelta(rng.randint(0, 340))
        number = 1
        while issued <= D("2027-01-31"):
            fields: dict[str, Value] = {"key": f"D-RF-{water[2:]}-{number}", "type": "river_file"}
            plans.append(Plan({**fields, "waterbody": water}, {"issued_on": issued}))
            issued += dt.timedelta(rng.randint(320, 400))
            number += 1
        if water == "W-07":  # never evaluated
            continue
        evaluated = D("2023-03-01") + dt.timedelta(rng.randint(0, 900))
        again = evaluated + dt.timedelta(1095 + rng.randint(-90, 60))
        for number, day in enumerate((evaluated, again), 1):
            if day <= D("2027-01-31"):
                fields = {
                    "key": f"D-HE-{water[2:]}-{number}",
                    "type": "health_evaluation",
                    "waterbody": water,
                }
                plans.append(Plan(fields, {"issued_on": day}))
    return plans


POLICY_2024 = ("2024-01-10", "2024-02-01", "2024-03-01", "2024-03-20", "2024-04-01")
