"""The records as they stood on a day: what is dated after it did not exist yet (docs/scope.md §3).

Each model says which of its dates mark it into being (`Record.exists_from`) and which mark a
change (`Record.changes`). On day D a record whose first such date is after D is left out, and a
change dated after D is undone: the date is cleared and the fields the model names are set (a
problem signed off after D is `open` on D, not yet verified). Fields without a date of their own
(a problem's `assignee`, a chief's `waterbodies`) are taken as they stand; `AsOf.latest` says
whether D is before the latest date in the records, which is when that matters.

The annual assessment for 2026, run in January 2027 on the ledger as it is then, must see the
ledger as it stood on 31 December 2026: a sign-off on 5 January must not rescue a problem overdue
at the end of the year. That is why the whole snapshot is taken, not only the rules' own dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from facts.load.factset import Consumer, Fact, FactSet, Feed
from facts.load.table import Rows, literal
from facts.models import MODELS, Record

__all__ = ["AsOf", "Snapshot", "as_of"]

R = TypeVar("R", bound=Record)


@dataclass
class AsOf:
    """What taking the records as of `day` left out and undid, for the report's scope section."""

    day: dt.date
    not_yet: dict[str, int] = field(default_factory=dict)
    """Records per kind dated after the day: they did not exist yet."""
    undone: dict[str, int] = field(default_factory=dict)
    """Changes per `kind.field` dated after the day: not yet made on it."""
    latest: dt.date | None = None
    """The latest date found in the records (kept and streamed)."""


class Snapshot:
    """Takes records as of one day, counting what it leaves out and undoes."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.summary = AsOf(day)

    def view(self, record: R) -> R | None:
        """The record as it stood at the end of the day, or None if it did not exist yet."""
        day = self.day
        values = vars(record)
        summary = self.summary
        first: dt.date | None = None
        for name in record.exists_from:
            value = values.get(name)
            if value is not None and (first is None or value < first):
                first = value
        for name in record.changes:
            value = values.get(name)
            if value is not None and (summary.latest is None or value > summary.latest):
                summary.latest = value
        if first is not None and (summary.latest is None or first > summary.latest):
            summary.latest = first
        if first is not None and first > day:
            summary.not_yet[record.kind] = summary.not_yet.get(record.kind, 0) + 1
            return None
        update: dict[str, Any] = {}
        for name, also in record.changes.items():
            value = values.get(name)
            if value is not None and value > day:
                update[name] = None
                update.update(also)
                place = f"{record.kind}.{name}"
                summary.undone[place] = summary.undone.get(place, 0) + 1
        return record.model_copy(update=update) if update else record

    def view_rows(self, rows: Rows) -> Rows:
        """`view` of every row of a table at once: the rows as they stood at the end of the day,
        with what was left out and undone added to the summary, as `view` adds it record by record."""
        model = MODELS[rows.kind]
        day = literal(self.day)
        first = f"least({', '.join(model.exists_from)})" if model.exists_from else "NULL"
        exists = f"({first} IS NULL OR {first} <= {day})"
        dated = [f"max({name})" for name in model.changes] + [f"max({first})"]
        counts = [f"count(*) FILTER (WHERE NOT {exists})"] + [
            f"count(*) FILTER (WHERE {exists} AND {name} > {day})" for name in model.changes
        ]
        found = rows.fetch(f"SELECT greatest({', '.join(dated)}), {', '.join(counts)} FROM {{rows}}")[0]
        summary = self.summary
        latest, not_yet, undone = found[0], found[1], found[2:]
        if latest is not None and (summary.latest is None or latest > summary.latest):
            summary.latest = latest
        if not_yet:
            summary.not_yet[rows.kind] = summary.not_yet.get(rows.kind, 0) + not_yet
        for name, count in zip(model.changes, undone, strict=True):
            if count:
                place = f"{rows.kind}.{name}"
                summary.undone[place] = summary.undone.get(place, 0) + count
        # each column as `view` leaves it: a change after the day clears its date and sets its
        # `also` values, the later change in `changes` winning where two set the same field
        undo: dict[str, list[tuple[str, Any]]] = {}
        for name, also in model.changes.items():
            for column, value in {name: None, **also}.items():
                undo.setdefault(column, []).append((f"{name} > {day}", value))
        columns = []
        for column in rows.columns:
            cases = undo.get(column)
            if not cases:
                columns.append(column)
                continue
            whens = " ".join(f"WHEN {when} THEN {literal(value)}" for when, value in reversed(cases))
            columns.append(f"CASE {whens} ELSE {column} END AS {column}")
        return rows.derived(f"SELECT {', '.join(columns)} FROM {{rows}} WHERE {exists}")

    def consumer(self, consumer: Consumer) -> Consumer:
        """A streamed kind's consumer that sees only the records of the day, as they stood; one
        that takes a table of them (`Feed.rows`) gets the table as of the day."""
        view = self.view

        def feed(record: Record) -> None:
            seen = view(record)
            if seen is not None:
                consumer(seen)

        take_rows = consumer.rows if isinstance(consumer, Feed) else None
        if take_rows is None:
            return feed
        view_rows = self.view_rows

        def feed_rows(rows: Rows) -> None:
            take_rows(view_rows(rows))

        return Feed(feed, feed_rows)

    def facts(self, facts: FactSet) -> FactSet:
        """The fact set as of the day (the same object when nothing is dated after it)."""
        kept: list[Fact] = []
        changed = False
        view: Callable[[Record], Record | None] = self.view
        for fact in facts.facts:
            seen = view(fact.record)
            if seen is None:
                changed = True
            elif seen is not fact.record:
                changed = True
                kept.append(Fact(seen, fact.location))
            else:
                kept.append(fact)
        if not changed:
            return facts
        return FactSet(
            tuple(kept),
            facts.digest,
            facts.sources,
            facts.streamed,
            supplied=facts.supplied,
            files=facts.files,
            ignored=facts.ignored,
        )


def as_of(facts: FactSet, day: dt.date) -> tuple[FactSet, AsOf]:
    """The records of `facts` as they stood on `day`, and what was left out or undone."""
    snapshot = Snapshot(day)
    return snapshot.facts(facts), snapshot.summary


def dated_kinds() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each kind's dates that mark it into being and its dated changes (for the docs and tests)."""
    return {kind: (model.exists_from, tuple(model.changes)) for kind, model in MODELS.items()}
