"""`facts.snapshot`: the records as they stood on a day, kind by kind, and the table of
docs/scope.md §3 that documents it (the table and the models' declarations must agree)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from facts.models import MODELS, Chief, Document, Patrol, Problem
from facts.snapshot import Snapshot, dated_kinds

DOC = Path(__file__).resolve().parents[2] / "docs" / "scope.md"
D = dt.date(2026, 10, 15)


def problem(**changes: object) -> Problem:
    base = {
        "key": "P-1",
        "waterbody": "W-1",
        "source": "patrol",
        "category": "垃圾",
        "severity": "general",
        "found_on": "2026-09-01",
        "office": "U-1",
        "assignee": "U-2",
        "deadline": "2026-10-01",
        "status": "in_progress",
    }
    return Problem.model_validate({**base, **changes})


def test_a_record_dated_after_the_day_did_not_exist() -> None:
    snapshot = Snapshot(D)
    assert snapshot.view(problem(found_on="2026-10-16", deadline="2026-11-01")) is None
    assert snapshot.view(problem(found_on="2026-10-15", deadline="2026-10-20")) is not None  # on the day
    assert (
        snapshot.view(Patrol(key="PT-1", chief="C-1", waterbody="W-1", patrolled_on=dt.date(2026, 10, 20)))
        is None
    )
    assert snapshot.summary.not_yet == {"problem": 1, "patrol": 1}


def test_a_sign_off_after_the_day_is_undone_and_the_problem_is_open() -> None:
    snapshot = Snapshot(D)
    seen = snapshot.view(
        problem(status="signed_off", signed_off_on="2026-11-01", verified=True, plan_on="2026-10-20")
    )
    assert seen is not None
    assert (seen.status, seen.signed_off_on, seen.verified, seen.plan_on) == ("open", None, False, None)
    assert seen.deadline == dt.date(2026, 10, 1)  # a deadline is not an event: kept
    kept = problem(status="signed_off", signed_off_on="2026-10-15", verified=True)
    assert snapshot.view(kept) is kept  # signed off on the day: nothing to undo, the same record
    assert snapshot.summary.undone == {"problem.signed_off_on": 1, "problem.plan_on": 1}


def test_documents_exist_from_their_first_step_and_lose_later_steps() -> None:
    snapshot = Snapshot(D)
    plan = Document(
        key="D-1", type="annual_plan", drafted_on=dt.date(2026, 9, 1), issued_on=dt.date(2026, 11, 1)
    )
    seen = snapshot.view(plan)
    assert seen is not None and seen.drafted_on == dt.date(2026, 9, 1) and seen.issued_on is None
    assert snapshot.view(Document(key="D-2", type="annual_plan", drafted_on=dt.date(2026, 10, 16))) is None
    undated = Document(key="D-3", type="signboard")
    assert snapshot.view(undated) is undated  # no date at all: taken as recorded


def test_a_departure_after_the_day_had_not_happened() -> None:
    chief = Chief(
        key="C-1",
        name="王",
        level="区",
        role="河长",
        in_post_from=dt.date(2025, 1, 1),
        in_post_to=dt.date(2026, 11, 1),
    )
    seen = Snapshot(D).view(chief)
    assert seen is not None and seen.in_post_to is None
    assert Snapshot(D).view(chief.model_copy(update={"in_post_from": dt.date(2026, 11, 1)})) is None


def test_the_latest_date_says_when_undated_fields_are_taken_as_recorded() -> None:
    snapshot = Snapshot(D)
    snapshot.view(problem(status="signed_off", signed_off_on="2026-11-20"))
    assert snapshot.summary.latest == dt.date(2026, 11, 20)


def test_the_documented_table_is_the_models_declaration() -> None:
    text = DOC.read_text("utf-8")
    table = text.split("| kind | exists from | changes dated after D are undone |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, tuple[set[str], set[str]]] = {}
    for row in table.splitlines()[2:]:
        kinds, exists, changes = (cell.strip() for cell in row.strip("|").split("|"))
        names = set(re.findall(r"`([a-z_]+)`", exists))
        undone = set(re.findall(r"`([a-z_]+)`", changes))
        for kind in re.findall(r"`([a-z]+)`", kinds):
            documented[kind] = (names, undone - {"verified"})
    declared = {kind: (set(exists), set(changes)) for kind, (exists, changes) in dated_kinds().items()}
    for kind in ("waterbody", "unit"):
        assert declared[kind] == (set(), set())
        documented[kind] = (set(), set())
    declared["document"] = ({"drafted_on", "issued_on"}, {"repealed_on"})  # the doc abbreviates the steps
    documented["document"] = (documented["document"][0], documented["document"][1] & {"repealed_on"})
    assert set(documented) == set(MODELS)
    assert documented == declared
