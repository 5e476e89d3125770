"""The snapshot of a table of records (`Snapshot.view_rows`) is the snapshot of each record
(`Snapshot.view`): the same rows, the same fields cleared and set, the same summary. Problems carry
dated changes (a sign-off after the day is undone, so the problem is open and not verified), chiefs
a change with no other field; both are taken as of several days of a generated city."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from facts.load.factset import FactSet
from facts.load.pipeline import load_facts
from facts.snapshot import Snapshot
from facts.synthetic.generator import generate
from tests.engine.test_counting import rows_of

DAYS = [dt.date(2024, 1, 1), dt.date(2026, 3, 15), dt.date(2026, 9, 30), dt.date(2026, 11, 26)]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> FactSet:
    folder: Path = tmp_path_factory.mktemp("city")
    generate("small", 1, folder, dt.date(2026, 11, 26))
    return load_facts([folder])


@pytest.mark.parametrize("kind", ["problem", "chief", "patrol"])
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_table_as_of_a_day_is_each_record_as_of_the_day(city: FactSet, kind: str, day: dt.date) -> None:
    records = [fact.record for fact in city.of_kind(kind)]
    assert records
    rows = rows_of(kind, records)
    by_record, by_table = Snapshot(day), Snapshot(day)
    columns = list(rows.columns)
    want = sorted(
        tuple(vars(seen)[name] for name in columns)
        for seen in (by_record.view(record) for record in records)
        if seen is not None
    )
    got = sorted(by_table.view_rows(rows).fetch(f"SELECT {', '.join(columns)} FROM {{rows}}"))
    assert got == want
    assert by_table.summary == by_record.summary


def test_the_days_leave_out_and_undo_something(city: FactSet) -> None:
    """The comparison above is not of empty views: some days leave records out and undo changes."""
    summaries = []
    for day in DAYS:
        snapshot = Snapshot(day)
        snapshot.view_rows(rows_of("problem", [fact.record for fact in city.of_kind("problem")]))
        summaries.append(snapshot.summary)
    assert any(summary.not_yet for summary in summaries)
    assert any(summary.undone for summary in summaries)
