"""The simulated district itself: each day's records are the final records as they stood that day.

These are the properties the metamorphic test of `test_as_of.py` rests on: if a day's records held
something dated later, or a date moved after it was written, a difference between the two scans
could be the simulation's fault rather than the scan's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from checker.bundled import RULES
from checker.scan import ScanOptions, scan
from facts.load.pipeline import load_facts
from facts.models import FILE_STEMS, MODELS
from tests.scope.district_history import FIRST_DAY, LAST_DAY, SEED, district, simulate
from tests.scope.district_ledger import Record, write_records

DAYS = [FIRST_DAY + dt.timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
EXISTS_FROM = {
    "chief": ("in_post_from",),
    "problem": ("found_on",),
    "interview": ("held_on",),
    "patrol": ("patrolled_on",),
    "document": ("drafted_on", "consulted_on", "reviewed_on", "approved_on", "issued_on"),
    "complaint": ("received_on",),
    "matter": ("decided_on",),
}
UNDONE = {
    "chief": ("in_post_to",),
    "problem": ("signed_off_on", "listed_on", "plan_on"),
    "document": ("drafted_on", "consulted_on", "reviewed_on", "approved_on", "issued_on", "repealed_on"),
    "complaint": ("answered_on", "closed_on"),
    "matter": ("answered_on",),
}
"""docs/scope.md section 3: the dates that bring a record into being, and the changes undone after D."""
DEADLINES = ("deadline", "due_on")


def kind_of(file: str) -> str:
    return MODELS[FILE_STEMS[file.split(".")[0]]].kind


def dates(record: Record) -> list[dt.date]:
    """The days of events in a record: every date but the deadlines, which are not events."""
    return [value for name, value in record.items() if isinstance(value, dt.date) and name not in DEADLINES]


def as_of(records: dict[str, list[Record]], day: dt.date) -> dict[str, list[Record]]:
    """The records as they stood on `day`, by the rule of docs/scope.md (status `open`: not signed off)."""
    cut: dict[str, list[Record]] = {}
    for file, rows in records.items():
        kind = kind_of(file)
        cut[file] = []
        for row in rows:
            born = [
                value
                for name, value in row.items()
                if name in EXISTS_FROM.get(kind, ()) and isinstance(value, dt.date)
            ]
            if born and min(born) > day:
                continue
            kept = {name: value for name, value in row.items() if not later(kind, name, value, day)}
            if kind == "problem" and "signed_off_on" not in kept:
                kept["status"] = "open"
                kept.pop("verified", None)
            cut[file].append(kept)
    return cut


def later(kind: str, name: str, value: object, day: dt.date) -> bool:
    return name in UNDONE.get(kind, ()) and isinstance(value, dt.date) and value > day


def open_status(records: dict[str, list[Record]]) -> dict[str, list[Record]]:
    """A day's records with every status but signed_off written as `open` (rules only ask 'signed off?')."""
    problems = [
        {**row, "status": "open"} if row["status"] != "signed_off" else row
        for row in records["problems.jsonl"]
    ]
    return {**records, "problems.jsonl": problems}


def by_key(records: dict[str, list[Record]]) -> dict[tuple[str, str], Record]:
    return {(file, str(row["key"])): row for file, rows in records.items() for row in rows}


def test_records_of_a_day_hold_nothing_dated_after_it() -> None:
    history = district()
    for day in DAYS:
        late = [
            (file, row["key"])
            for file, rows in history.records_on(day).items()
            for row in rows
            if any(date > day for date in dates(row))
        ]
        assert late == [], f"records of {day} dated after it: {late[:5]}"


def test_a_record_once_written_keeps_its_dates_and_fields() -> None:
    """Only a problem's status changes; every other field, once written, stays as written."""
    history = district()
    before = by_key(history.records_on(DAYS[0] - dt.timedelta(days=1)))
    for day in DAYS:
        now = by_key(history.records_on(day))
        for place, record in before.items():
            assert place in now, f"{place} is gone on {day}"
            moved = {name for name, value in record.items() if now[place].get(name) != value} - {"status"}
            assert not moved, f"{place}: {sorted(moved)} changed on {day}: {record} -> {now[place]}"
        before = now


def test_the_final_records_hold_every_record_and_date_of_every_day() -> None:
    history = district()
    final = by_key(history.final())
    for day in DAYS[::7]:
        for place, record in by_key(history.records_on(day)).items():
            assert {name: final[place].get(name) for name in record if name != "status"} == {
                name: value for name, value in record.items() if name != "status"
            }


@pytest.mark.parametrize("day", DAYS[::4], ids=str)
def test_the_final_records_as_of_a_day_are_the_records_of_that_day(day: dt.date) -> None:
    """docs/scope.md section 3 applied by hand to the final records gives the day's records."""
    history = district()
    cut, then = by_key(as_of(history.final(), day)), by_key(open_status(history.records_on(day)))
    assert cut.keys() == then.keys(), (
        f"only as of: {cut.keys() - then.keys()}; only then: {then.keys() - cut.keys()}"
    )
    differ = [(place, cut[place], then[place]) for place in cut if cut[place] != then[place]]
    assert differ == [], f"{len(differ)} records differ, the first: {differ[0]}"


@pytest.mark.parametrize("day", [dt.date(2026, 3, 31), dt.date(2026, 8, 15), dt.date(2026, 12, 31)], ids=str)
def test_scanning_the_final_records_cut_by_hand_finds_what_the_days_records_find(
    day: dt.date, tmp_path: Path
) -> None:
    """So the simulation is not why `test_as_of` fails: cut as docs/scope.md says, the final records
    give the day's findings. (`open` is written `in_progress` until the models know it.)"""
    history = district()
    cut = as_of(history.final(), day)
    cut["problems.jsonl"] = [
        {**row, "status": "in_progress"} if row["status"] == "open" else row for row in cut["problems.jsonl"]
    ]

    def found(folder: Path) -> set[tuple[str, str, str, str]]:
        result = scan([folder], RULES, day, ScanOptions(jobs=1))
        return {(f.rule, f.subject, f.message.zh, f.message.en) for f in result.findings}

    by_hand, then = found(write_records(cut, tmp_path / "cut")), found(history.write(day, tmp_path / "day"))
    assert by_hand == then, (
        f"only cut by hand: {sorted(by_hand - then)[:5]}; only the day's: {sorted(then - by_hand)[:5]}"
    )


def test_the_seed_gives_the_same_records_twice() -> None:
    assert simulate(SEED).final() == simulate(SEED).final()
    assert simulate(SEED + 1).final() != simulate(SEED).final()


def test_the_records_are_valid_fact_files(tmp_path: Path) -> None:
    """Every record reads back through the loader (fields, spellings, references) on any day."""
    history = district()
    for day in (FIRST_DAY, dt.date(2026, 7, 1), LAST_DAY):
        records = history.records_on(day)
        facts = load_facts([history.write(day, tmp_path / str(day))])  # raises on any diagnostic
        assert {kind_of(file): len(facts.of_kind(kind_of(file))) for file in records} == {
            kind_of(file): len(rows) for file, rows in records.items()
        }


def test_the_district_has_a_districts_scale() -> None:
    final = district().final()
    count = Counter({kind_of(file): len(rows) for file, rows in final.items()})
    assert (count["waterbody"], count["unit"]) == (30, 11)
    assert 35 <= count["chief"] <= 45
    found_2026 = sum(1 for row in final["problems.jsonl"] if str(row["found_on"]).startswith("2026"))
    assert 330 <= found_2026 <= 470
    assert 2000 <= count["patrol"] <= 4000
    assert count["interview"] >= 15 and count["complaint"] >= 150 and count["matter"] >= 30
