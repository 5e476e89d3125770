"""The headline rules in plain Python: an independent baseline for the benchmark and the scale tests.

    python -m bench.oracle FACT_PATHS... --as-of 2026-11-26 [--rules rules] [--output oracle.json]

`findings(facts, as_of, params)` gives the set of (rule id, subject) that the rules in `ORACLE_RULES`
should report for a loaded fact set, written from what the rule files say (rules/overdue,
escalation, interview, accountability, patrol) with the numbers of rules/params.yaml, in dicts and
loops. It shares nothing with the checker's compiler, engine or evaluator, so a finding the scan and
the oracle disagree on is a bug in one of them (or a rule changed and this file did not follow).

Subjects are as the rules produce them: a problem key (RECT-*, ESC-*), a unit key (INTERVIEW-*,
ACCOUNTABILITY-REFERRAL), or `CHIEF/WATERBODY` (PATROL-*).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gc
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from checker.bundled import RULES as RULES_DIR
from facts.load.factset import FactSet
from facts.load.pipeline import load_facts
from facts.models import Chief, Interview, Patrol, Problem, Record

PATROL_RULES = {"村居": "PATROL-VILLAGE", "街镇": "PATROL-TOWN", "区": "PATROL-DISTRICT", "市": "PATROL-CITY"}
"""Chief level -> the rule that checks its patrol frequency."""
CIVIL_POSTS = ("民间河长", "企业河长", "巡河员")
"""Civil river chiefs, enterprise river chiefs and patrollers (art. 11): volunteers with no patrol quota."""
PATROL_PERIODS = {
    "村居": "patrol_period_village_days",
    "街镇": "patrol_period_town_days",
    "区": "patrol_period_district_days",
    "市": "patrol_period_city_days",
}
"""Chief level -> the parameter holding its patrol period."""
ORACLE_RULES = (
    "RECT-OVERDUE",
    "RECT-RECURRENCE",
    "ESC-INDIVIDUAL",
    "ESC-POLICY",
    "ESC-BASIN",
    "INTERVIEW-OVERDUE",
    "INTERVIEW-FALSE-RECT",
    "ACCOUNTABILITY-REFERRAL",
    *PATROL_RULES.values(),
)
"""The rules the oracle evaluates (the scan's other rules are records or scores)."""
GENERAL_CHIEFS = frozenset({"总河长", "副总河长"})

Finding = tuple[str, str]
"""(rule id, subject)"""
R = TypeVar("R", bound=Record)


def load_params(
    rules_dir: str | Path = RULES_DIR, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Parameter name -> value from `params.yaml`; an override replaces a whole value (as in case files)."""
    document = yaml.safe_load((Path(rules_dir) / "params.yaml").read_text(encoding="utf-8-sig"))
    params = {name: entry["value"] for name, entry in document.items()}
    unknown = set(overrides or {}) - params.keys()
    if unknown:
        raise KeyError(f"parameters not declared in params.yaml: {', '.join(sorted(unknown))}")
    return {**params, **(overrides or {})}


def findings(facts: FactSet, as_of: dt.date, params: Mapping[str, Any]) -> set[Finding]:
    """Every (rule, subject) the oracle's rules find in `facts` on `as_of`."""
    # Only acyclic dicts, sets and tuples are built: the cyclic collector would rescan the whole heap
    # of loaded records again and again (as in facts.load.pipeline.load_facts).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _findings(facts, as_of, params)
    finally:
        if collecting:
            gc.enable()


def _findings(facts: FactSet, as_of: dt.date, params: Mapping[str, Any]) -> set[Finding]:
    def days_before(name: str) -> dt.date:
        return as_of - dt.timedelta(days=int(params[name]))

    found: set[Finding] = set()
    problems = _records(facts, Problem)
    chiefs = {chief.key: chief for chief in _records(facts, Chief)}
    units = {fact.record.key for fact in facts.of_kind("unit")}
    interviews = _records(facts, Interview)

    # One pass over the problems (the bulk of the records) picks out what each rule looks at.
    overdue_before = days_before("overdue_grace_days")
    overdue: dict[str, tuple[str, int]] = {}
    """problem key -> (responsible unit, days overdue): the derived `overdue_problem`."""
    found_on: dict[tuple[str, str], list[dt.date]] = {}
    """(waterbody, category) -> the days problems of that kind were found there."""
    closed: list[Problem] = []
    major: list[Problem] = []
    for p in problems:
        found_on.setdefault((p.waterbody, p.category), []).append(p.found_on)
        unit = p.assignee
        if p.status == "signed_off":
            if unit is not None and p.signed_off_on is not None:
                closed.append(p)
        elif unit is not None and p.deadline is not None and p.deadline < overdue_before:
            # RECT-OVERDUE (art. 25): not signed off, assigned, and due more than the grace ago.
            found.add(("RECT-OVERDUE", p.key))
            overdue[p.key] = (unit, (as_of - p.deadline).days)
        if p.severity == "major":
            major.append(p)
        if p.scope == "cross_provincial" and p.basin_referral is None:
            # ESC-BASIN (art. 23): a cross-provincial problem with no basin referral.
            found.add(("ESC-BASIN", p.key))

    # RECT-RECURRENCE (art. 25): a signed-off, assigned problem, and a problem of the same category
    # found on the same waterbody after the sign-off, within the window.
    window = dt.timedelta(days=int(params["recurrence_window_days"]))
    suspects: dict[str, str] = {}
    """closed problem key -> its assignee: the derived `suspected_false_rectification`."""
    for dates in found_on.values():
        dates.sort()  # once per (waterbody, category): a crowded one holds tens of thousands
    for p in closed:
        assert p.signed_off_on is not None and p.assignee is not None
        dates = found_on[(p.waterbody, p.category)]
        if len(dates) == 1:
            continue  # only itself
        after = bisect.bisect_right(dates, p.signed_off_on)
        if after < len(dates) and dates[after] <= p.signed_off_on + window:
            found.add(("RECT-RECURRENCE", p.key))
            suspects[p.key] = p.assignee

    # ESC-INDIVIDUAL (art. 23): a major individual problem not submitted to some city-level chief of its
    # waterbody who is in post on as_of.
    city_chiefs: dict[str, set[str]] = {}
    for chief in chiefs.values():
        in_post = chief.in_post_from <= as_of and (chief.in_post_to is None or chief.in_post_to >= as_of)
        if chief.level == "市" and in_post:
            for waterbody in chief.waterbodies:
                city_chiefs.setdefault(waterbody, set()).add(chief.key)
    for p in major:
        if p.scope == "individual" and city_chiefs.get(p.waterbody, set()).difference(p.escalated_to):
            found.add(("ESC-INDIVIDUAL", p.key))

    # ESC-POLICY (art. 23): a major policy problem submitted to no city general or deputy general chief.
    for p in major:
        if p.scope == "policy":
            submitted = (chiefs.get(key) for key in p.escalated_to)
            if not any(c is not None and c.level == "市" and c.role in GENERAL_CHIEFS for c in submitted):
                found.add(("ESC-POLICY", p.key))

    # INTERVIEW-* (art. 27): units with no interview held on or after as_of minus the cooldown.
    cooldown_from = days_before("interview_cooldown_days")
    interviewed = {iv.unit for iv in interviews if iv.held_on >= cooldown_from}
    slow: Counter[str] = Counter(
        unit
        for unit, days in overdue.values()
        if days >= int(params["interview_min_days_overdue"]) and unit in units and unit not in interviewed
    )
    for unit, count in slow.items():
        if count >= int(params["interview_min_overdue"]):
            found.add(("INTERVIEW-OVERDUE", unit))
    for unit in set(suspects.values()):
        if unit in units and unit not in interviewed:
            found.add(("INTERVIEW-FALSE-RECT", unit))

    # RECT-PERSISTS and ACCOUNTABILITY-REFERRAL (art. 28): overdue problems an interview of their unit
    # was about, held more than the grace before as_of; enough of them at a unit.
    grace_before = days_before("accountability_grace_days")
    persisting: dict[str, str] = {}
    for iv in interviews:
        if iv.held_on < grace_before:
            for key in iv.problems:
                if key in overdue and overdue[key][0] == iv.unit:
                    persisting[key] = iv.unit
    for unit, count in Counter(persisting.values()).items():
        if unit in units and count >= int(params["accountability_min_persisting"]):
            found.add(("ACCOUNTABILITY-REFERRAL", unit))

    # PATROL-* (art. 10): a chief in post for at least the period (and still on as_of) who has not
    # patrolled one of their waterbodies within the period. Patrols count from the window to as_of.
    window_from = days_before("patrol_window_days")
    last: dict[tuple[str, str], dt.date] = {}
    for patrol in _records(facts, Patrol):
        if window_from <= patrol.patrolled_on <= as_of:
            pair = (patrol.chief, patrol.waterbody)
            if pair not in last or patrol.patrolled_on > last[pair]:
                last[pair] = patrol.patrolled_on
    periods_from = {level: days_before(name) for level, name in PATROL_PERIODS.items()}
    for chief in chiefs.values():
        rule = PATROL_RULES.get(chief.level)
        if rule is None or not chief.waterbodies or chief.role in CIVIL_POSTS:
            continue
        period_from = periods_from[chief.level]
        if chief.in_post_from > period_from or (chief.in_post_to is not None and chief.in_post_to < as_of):
            continue
        for waterbody in chief.waterbodies:
            latest = last.get((chief.key, waterbody))
            if latest is None or latest <= period_from:
                found.add((rule, f"{chief.key}/{waterbody}"))
    return found


def _records(facts: FactSet, model: type[R]) -> list[R]:
    return cast(list[R], [fact.record for fact in facts.of_kind(model.kind)])


def counts_by_rule(found: Iterable[Finding]) -> dict[str, int]:
    """Findings per rule, every oracle rule listed (0 when it found nothing)."""
    counts = dict.fromkeys(ORACLE_RULES, 0)
    for rule, _ in found:
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.oracle", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", help="fact files or folders")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True, help="scan date")
    parser.add_argument("--rules", type=Path, default=RULES_DIR, help="rules folder (for params.yaml)")
    parser.add_argument("--output", type=Path, help="write {load_s, evaluate_s, findings} as JSON here")
    args = parser.parse_args(argv)
    params = load_params(args.rules)  # first: allocating after the load starts a collection of it all
    started = time.perf_counter()
    facts = load_facts(args.paths)
    loaded = time.perf_counter()
    found = findings(facts, args.as_of, params)
    done = time.perf_counter()
    if args.output:
        document = {
            "facts": len(facts),
            "load_s": loaded - started,
            "evaluate_s": done - loaded,
            "findings": sorted(found),
        }
        args.output.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    for rule, count in counts_by_rule(found).items():
        print(f"{rule:<24} {count:>8}")
    print(f"{len(facts)} facts: loaded in {loaded - started:.2f} s, evaluated in {done - loaded:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
