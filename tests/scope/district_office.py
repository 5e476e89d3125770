"""A district river chief office's year, day by day: what happens each day and what the office writes.

Every day: problems are found and move on (assigned, in progress, rectified, signed off), listed for
supervision and planned; chiefs patrol; complaints come in and are answered and closed; chiefs decide
matters and units answer them; chiefs leave and successors take post (with signboards and contact
departments after them); planned documents take their steps. The office also reacts to its own
ledger, late as offices are: a unit with slow rectifications is interviewed some days after the
interview fell due, a chief with overdue problems gets a reminder letter, a recurrence soon after a
sign-off may bring an interview. After an interview the unit hurries with some of its problems.

Fields without a date of their own (a problem's assignee, deadline and escalation, a matter's unit
and due date, a chief's waterbodies, a document's unit and topic) are written once, with the record.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.scope import district_roster as roster
from tests.scope.district_ledger import Entry, Ledger, Value

DAY = dt.timedelta(days=1)
START = dt.date(2025, 7, 1)
"""The first day simulated: patrols begin (the patrol rules look up to 183 days back)."""
LEDGER_START = dt.date(2025, 10, 1)
"""Problems, complaints and matters begin, so that 2026 opens on a ledger with open problems."""
END = dt.date(2027, 1, 31)

CATEGORIES = ["河道垃圾", "漂浮物", "违法排污", "违章搭建", "岸线破损", "黑臭水体", "非法捕捞", "违规堆放"]
CATEGORIES += ["雨污混接", "河道淤积", "涉河施工", "水葫芦"]
SOURCES = ("inspection", "unannounced_visit", "complaint", "patrol", "assigned", "survey")
SOURCE_WEIGHTS = (22, 10, 15, 33, 10, 10)
TARGETS = ("清理到位", "截污纳管", "拆除恢复", "修复岸线", "消除黑臭", "长效管护")
INSPECTED = ("inspection", "unannounced_visit")
CHANNELS = ("hotline", "letter", "online", "visit", "media")
GAPS = {"村居": (1, 6, 0.08, 8, 16), "街镇": (6, 28, 0.1, 32, 50), "区": (20, 85, 0.12, 93, 125)}
GAPS["市"] = (40, 150, 0.3, 184, 230)
"""Days between a chief's patrols of a waterbody, by level: usually (low, high); with the given chance a
gap (low, high) longer than the rule's period."""


@dataclass
class Problem:
    """What the office knows of a problem, and the days its next steps are due."""

    entry: Entry
    waterbody: str
    category: str
    assignee: str | None
    deadline: dt.date | None
    steps: dict[str, dt.date]
    signed_off: dt.date | None = None

    def days_overdue(self, today: dt.date) -> int:
        if self.signed_off or self.assignee is None or self.deadline is None or self.deadline >= today:
            return 0
        return (today - self.deadline).days


@dataclass
class Chief:
    post: roster.Post
    entry: Entry
    left: bool = False


@dataclass
class Office:
    rng: random.Random
    ledger: Ledger = field(default_factory=lambda: Ledger(START))
    events: list[tuple[dt.date, str, str]] = field(default_factory=list)
    """(day, what, key): interviews, sign-offs, chiefs leaving and taking post, for choosing days to test."""
    agenda: dict[dt.date, list[Callable[[], None]]] = field(default_factory=lambda: defaultdict(list))
    chiefs: dict[str, Chief] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    patrols: dict[tuple[str, str], dt.date] = field(default_factory=dict)
    interviewed: dict[str, dt.date] = field(default_factory=dict)
    lettered: dict[str, dt.date] = field(default_factory=dict)
    signed: dict[tuple[str, str], list[Problem]] = field(default_factory=lambda: defaultdict(list))
    counter: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def today(self) -> dt.date:
        return self.ledger.today

    def later(self, days: int, action: Callable[[], None]) -> None:
        self.agenda[self.today + dt.timedelta(days=max(days, 1))].append(action)

    def next_key(self, prefix: str, width: int) -> str:
        self.counter[prefix] += 1
        return f"{prefix}{self.counter[prefix]:0{width}d}"

    def run(self) -> Ledger:
        self.open_books()
        while self.today <= END:
            for action in self.agenda.pop(self.today, []):
                action()
            self.move_problems()
            if self.today >= LEDGER_START:
                self.find_problems()
                self.receive_complaints()
                self.decide_matters()
            self.patrol()
            self.react()
            self.ledger.today += DAY
        self.ledger.today = END
        return self.ledger

    # -- the records the office already has, and what it has planned -----------------------------

    def open_books(self) -> None:
        for unit in roster.UNITS:
            self.ledger.write("unit", **unit)
        for waterbody in roster.WATERBODIES:
            self.ledger.write("waterbody", **waterbody)
        name = roster.names(self.rng)
        posts = roster.first_posts(name)
        for post in posts:
            self.take_post(post, new=False)
            for water in post.waterbodies:
                issued = post.since + dt.timedelta(days=self.rng.randint(2, 12))
                self.plan_document({"type": "signboard", "waterbody": water, "chief": post.key}, issued)
            if post.level == "市" and post.waterbodies:
                fields: dict[str, Value] = {
                    "type": "contact_department",
                    "chief": post.key,
                    "unit": "U-WATER",
                }
                self.plan_document(fields, post.since + dt.timedelta(days=30))
        for change in roster.changes(self.rng, posts, name):
            self.agenda[change.last_day].append(functools.partial(self.leave_post, change.chief))
            if change.successor is not None:
                self.agenda[change.successor.since].append(
                    functools.partial(self.take_post, change.successor)
                )
        for key, level, role, since, water in roster.CIVIL_POSTS:
            civil = roster.Post(key, name.pop(), level, role, dt.date.fromisoformat(since), (water,))
            self.agenda[civil.since].append(functools.partial(self.take_post, civil))
        for plan in roster.planned(roster.PLANS) + roster.waterbody_plans(self.rng):
            self.follow_plan(plan)

    def follow_plan(self, plan: roster.Plan) -> None:
        """Write the document on its first step's day, then each later step on its day."""
        days = sorted(set(plan.steps.values()))
        steps_on = {day: {step: day for step, on in plan.steps.items() if on == day} for day in days}
        first = max(days[0], self.today)
        done = {step: day for step, day in plan.steps.items() if day <= first}
        entries: list[Entry] = []

        def write() -> None:
            entries.append(self.ledger.write("document", **plan.fields, **done))

        def step(values: dict[str, dt.date]) -> None:
            self.ledger.change(entries[0], **values)

        if first > self.today:
            self.agenda[first].append(write)
        else:
            write()
        for day in days:
            if day > first:
                self.agenda[day].append(functools.partial(step, steps_on[day]))

    def plan_document(self, fields: dict[str, Value], *days: dt.date, steps: str = "issued_on") -> None:
        """A document for a chief, waterbody or problem: its steps (names in `steps`) on `days`."""
        plan = roster.Plan(
            {"key": self.next_key("D-", 4), **fields}, dict(zip(steps.split(), days, strict=True))
        )
        self.follow_plan(plan)

    # -- chiefs -----------------------------------------------------------------------------------

    def take_post(self, post: roster.Post, new: bool = True) -> None:
        entry = self.ledger.write(
            "chief",
            key=post.key,
            name=post.name,
            level=post.level,
            role=post.role,
            in_post_from=post.since,
            waterbodies=list(post.waterbodies) or None,
        )
        self.chiefs[post.key] = Chief(post, entry)
        high = self.gap(post)[1]
        for water in post.waterbodies:
            self.patrols[post.key, water] = self.today + dt.timedelta(days=self.rng.randint(0, high))
        if new and post.role in ("河长", "湖长"):
            self.events.append((self.today, "chief-took-post", post.key))
            for water in post.waterbodies:
                late = self.rng.choice(
                    (self.rng.randint(3, 14), self.rng.randint(3, 14), self.rng.randint(16, 40))
                )
                self.plan_document(
                    {"type": "signboard", "waterbody": water, "chief": post.key}, self.on(late)
                )
            if post.level == "市":
                fields: dict[str, Value] = {
                    "type": "contact_department",
                    "chief": post.key,
                    "unit": "U-WATER",
                }
                draft = self.rng.randint(3, 10)
                days = (self.on(draft), self.on(draft + 12), self.on(draft + self.rng.randint(20, 45)))
                self.plan_document(fields, *days, steps="drafted_on approved_on issued_on")

    def leave_post(self, key: str) -> None:
        chief = self.chiefs[key]
        self.ledger.change(chief.entry, in_post_to=self.today)
        chief.left = True
        self.events.append((self.today, "chief-left", key))
        for water in chief.post.waterbodies:
            del self.patrols[key, water]

    def in_post(self, *roles: str) -> list[Chief]:
        return [chief for chief in self.chiefs.values() if not chief.left and chief.post.role in roles]

    def gap(self, post: roster.Post) -> tuple[int, int, float, int, int]:
        return (1, 5, 0.0, 1, 5) if post.role in ("民间河长", "企业河长", "巡河员") else GAPS[post.level]

    def on(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def patrol(self) -> None:
        for (chief, water), due in list(self.patrols.items()):
            if due > self.today:
                continue
            self.ledger.write(
                "patrol", key=self.next_key("PT-", 5), chief=chief, waterbody=water, patrolled_on=self.today
            )
            low, high, chance, long_low, long_high = self.gap(self.chiefs[chief].post)
            long = self.rng.random() < chance
            self.patrols[chief, water] = self.on(
                self.rng.randint(*((long_low, long_high) if long else (low, high)))
            )

    # -- problems -------------------------------------------------------------------------------

    def find_problems(self) -> None:
        for _ in range(self.rng.choices((0, 1, 2, 3), (30, 38, 24, 8))[0]):
            self.find_problem()

    def find_problem(self) -> None:
        rng = self.rng
        water = str(rng.choices(roster.WATERBODIES, roster.WEIGHTS)[0]["key"])
        source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
        category = rng.choice(CATEGORIES)
        if self.recently_signed_off(water, category) and rng.random() < 0.93:
            category = rng.choice(CATEGORIES)  # most rectifications hold: the same problem rarely returns
        major = rng.random() < (0.15 if source in INSPECTED else 0.05)
        scope = "policy" if major and rng.random() < 0.3 else "individual"
        referral = None
        if water in roster.BOUNDARY and rng.random() < 0.35:
            scope = "cross_provincial"
            referral = rng.choice(roster.BOUNDARY[water]) if rng.random() < 0.65 else None
        towns = roster.LEVEL_OF[water] in ("街镇", "村居")
        units = roster.MEMBER_UNITS + (roster.TOWNS * 2 if towns else ())
        assignee = rng.choice(units) if rng.random() < 0.95 else None
        allowed = rng.choice((15, 30, 30, 45, 60, 90)) + (30 if major else 0)
        deadline = self.on(allowed) if rng.random() < 0.96 else None
        escalated = self.escalation(water, scope) if major and rng.random() < 0.8 else []
        key = self.next_key("P-", 4)
        entry = self.ledger.write(
            "problem",
            key=key,
            waterbody=water,
            source=source,
            category=category,
            severity="major" if major else "general",
            scope=scope,
            found_on=self.today,
            office=roster.OFFICE,
            assignee=assignee,
            escalated_to=escalated or None,
            basin_referral=referral,
            target=rng.choice(TARGETS),
            deadline=deadline,
            status="registered",
        )
        problem = Problem(entry, water, category, assignee, deadline, self.schedule(assignee, allowed))
        if major and source in INSPECTED:
            if rng.random() < 0.9:
                problem.steps["listed"] = self.on(
                    rng.choice((rng.randint(2, 14), rng.randint(2, 14), rng.randint(16, 40)))
                )
            if rng.random() < 0.85:
                drafted = rng.randint(3, 40)
                days = (self.on(drafted), self.on(drafted + rng.randint(1, 8)))
                fields: dict[str, Value] = {"type": "notification", "problem": key, "unit": roster.OFFICE}
                self.plan_document(fields, *days, steps="drafted_on issued_on")
        if assignee in roster.MEMBER_UNITS and rng.random() < 0.85:
            problem.steps["plan"] = self.on(
                rng.choice((rng.randint(3, 14), rng.randint(3, 14), rng.randint(16, 35)))
            )
        self.problems.append(problem)
        self.suspect_recurrence(problem)

    def escalation(self, water: str, scope: str) -> list[str]:
        """The chiefs a major problem is submitted to: a general chief, or its waterbody's city chief."""
        if scope == "policy":
            return [self.rng.choice(("C-GEN", "C-DEP"))]
        return [
            chief.post.key
            for chief in self.in_post("河长", "湖长")
            if chief.post.level == "市" and water in chief.post.waterbodies
        ]

    def schedule(self, assignee: str | None, allowed: int) -> dict[str, dt.date]:
        """The days a new problem will be assigned, taken on, rectified and signed off."""
        rng = self.rng
        steps = {}
        begun = self.today
        if assignee is not None:
            begun = steps["assigned"] = self.on(rng.randint(0, 3))
        steps["in_progress"] = begun = begun + dt.timedelta(days=rng.randint(1, 8))
        late = roster.LATENESS.get(assignee or "", 0.3)
        outcome = rng.random()
        if outcome < 0.06:  # not rectified within the simulation
            return steps
        if outcome < 0.06 + late:
            rectified = self.on(allowed + rng.randint(1, 110))
        else:
            rectified = self.on(rng.randint(max(3, allowed // 3), max(3, allowed - 2)))
        steps["rectified"] = rectified = max(rectified, begun + DAY)
        steps["signed_off"] = rectified + dt.timedelta(days=rng.randint(1, 14))
        return steps

    def move_problems(self) -> None:
        for problem in self.problems:
            for step, day in list(problem.steps.items()):
                # a step due the day the problem was found is taken the next day; a sign-off ends the others
                if day <= self.today and step in problem.steps:
                    del problem.steps[step]
                    self.take_step(problem, step)

    def take_step(self, problem: Problem, step: str) -> None:
        entry = problem.entry
        if step == "listed":
            self.ledger.change(entry, listed_on=self.today)
        elif step == "plan":
            self.ledger.change(entry, plan_on=self.today)
        elif step != "signed_off":
            self.ledger.change(entry, status=step)
        else:
            overdue = problem.days_overdue(self.today)
            problem.signed_off = self.today
            verified = {"verified": True} if self.rng.random() < 0.9 else {}
            self.ledger.change(entry, status="signed_off", signed_off_on=self.today, **verified)
            self.events.append((self.today, "sign-off-overdue" if overdue else "sign-off", entry.key))
            if problem.assignee is not None:
                self.signed[problem.waterbody, problem.category].append(problem)
            problem.steps.clear()

    def recently_signed_off(self, water: str, category: str) -> bool:
        closed = self.signed.get((water, category), [])
        return any(p.signed_off and (self.today - p.signed_off).days <= 60 for p in closed)

    def suspect_recurrence(self, found: Problem) -> None:
        """The same problem back soon after a sign-off: the office may interview the unit."""
        for closed in self.signed.get((found.waterbody, found.category), []):
            assert closed.signed_off is not None and closed.assignee is not None
            if (self.today - closed.signed_off).days <= 60 and self.rng.random() < 0.5:
                self.plan_interview(closed.assignee, "疑似虚假整改", self.rng.randint(10, 40))

    # -- complaints and matters -------------------------------------------------------------------

    def receive_complaints(self) -> None:
        rng = self.rng
        for _ in range(rng.choices((0, 1, 2), (65, 30, 5))[0]):
            major = rng.random() < 0.1
            water = str(rng.choice(roster.WATERBODIES)["key"])
            entry = self.ledger.write(
                "complaint",
                key=self.next_key("CP-", 4),
                office=roster.OFFICE,
                received_on=self.today,
                channel=rng.choice(CHANNELS),
                major=major,
                waterbody=water,
                handler=rng.choice(roster.MEMBER_UNITS + roster.TOWNS),
            )
            if rng.random() < 0.05:
                continue
            answered = rng.randint(1, 22)
            self.later(answered, functools.partial(self.stamp, entry, "answered_on"))
            if rng.random() < 0.07:
                continue
            closed = answered + rng.randint(0, 20) + (rng.randint(5, 20) if major else 0)
            self.later(closed, functools.partial(self.stamp, entry, "closed_on"))

    def stamp(self, entry: Entry, name: str) -> None:
        """Today's date written in a record's field (a complaint answered or closed, a matter answered)."""
        self.ledger.change(entry, **{name: self.today})

    def decide_matters(self) -> None:
        rng = self.rng
        if rng.random() >= 0.12:
            return
        deciders = [
            c for c in self.in_post("总河长", "副总河长", "河长", "湖长") if c.post.level in ("市", "区")
        ]
        unit = rng.choice(roster.MEMBER_UNITS + roster.TOWNS) if rng.random() < 0.88 else None
        due = self.on(rng.randint(14, 45)) if unit and rng.random() < 0.9 else None
        entry = self.ledger.write(
            "matter",
            key=self.next_key("M-", 3),
            chief=rng.choice(deciders).post.key,
            office=roster.OFFICE,
            decided_on=self.today,
            unit=unit,
            due_on=due,
        )
        if unit and rng.random() < 0.88:
            self.later(rng.randint(5, 60), functools.partial(self.stamp, entry, "answered_on"))

    # -- what the office does about its ledger ----------------------------------------------------

    def react(self) -> None:
        slow: dict[str, int] = defaultdict(int)
        overdue_on: dict[str, int] = defaultdict(int)
        for problem in self.problems:
            days = problem.days_overdue(self.today)
            if days >= 30 and problem.assignee is not None:
                slow[problem.assignee] += 1
            if days >= 15:
                overdue_on[problem.waterbody] += 1
        for unit, count in slow.items():
            if count >= 3:
                self.plan_interview(unit, "整改进展缓慢", self.rng.randint(7, 60))
        for chief in self.in_post("河长", "湖长"):
            if chief.post.level != "市" and any(overdue_on[water] for water in chief.post.waterbodies):
                self.plan_letter(chief.post.key)

    def plan_interview(self, unit: str, reason: str, days: int) -> None:
        last = self.interviewed.get(unit)
        if last is not None and (self.today - last).days < 90:
            return  # held within 90 days, or planned (the plan's day counts)
        held = self.on(days)
        self.interviewed[unit] = held
        self.agenda[held].append(functools.partial(self.hold_interview, unit, reason))

    def hold_interview(self, unit: str, reason: str) -> None:
        about = [p for p in self.problems if p.assignee == unit and p.days_overdue(self.today) > 0]
        key = self.next_key("I-", 3)
        self.ledger.write(
            "interview",
            key=key,
            unit=unit,
            held_on=self.today,
            reason=reason,
            problems=[p.entry.key for p in about] or None,
        )
        self.events.append((self.today, "interview", key))
        for problem in about:  # the unit hurries with some of those not yet rectified
            if (
                "signed_off" not in problem.steps or "rectified" in problem.steps
            ) and self.rng.random() < 0.6:
                rectified = min(self.on(self.rng.randint(5, 45)), problem.steps.get("rectified", END))
                problem.steps["rectified"] = rectified
                problem.steps["signed_off"] = rectified + dt.timedelta(days=self.rng.randint(1, 10))

    def plan_letter(self, chief: str) -> None:
        last = self.lettered.get(chief)
        if last is not None and (self.today - last).days < 30:
            return
        sent = self.on(self.rng.randint(2, 20))
        self.lettered[chief] = sent
        self.agenda[sent].append(functools.partial(self.send_letter, chief))

    def send_letter(self, chief: str) -> None:
        if not self.chiefs[chief].left:
            fields = {"key": self.next_key("D-RL-", 3), "type": "reminder_letter", "chief": chief}
            self.ledger.write("document", **fields, unit=roster.OFFICE, issued_on=self.today)
