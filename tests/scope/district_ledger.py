"""The records a simulated district office keeps, as they stood at the end of each day, and their files.

A record is written on the day it comes into being and changed only on the days things happen to it
(a problem assigned, signed off; a chief leaving; a plan approved): the ledger keeps each record as
first written and every change with its day, so it can give the records as they stood on any day.
It refuses a change dated before the day it is written on: the office writes today, never the past
or the future.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

Value = str | int | bool | dt.date | list[str]
Record = dict[str, Value]

FILES: dict[str, str] = {
    "waterbody": "waterbodies.yaml",
    "unit": "units.yaml",
    "chief": "chiefs.yaml",
    "problem": "problems.jsonl",
    "interview": "interviews.yaml",
    "patrol": "patrols.jsonl",
    "document": "documents.jsonl",
    "complaint": "complaints.jsonl",
    "matter": "matters.yaml",
}
"""Fact kind -> the file its records are written to (names `facts.models.FILE_STEMS` reads back). The
large kinds are JSON Lines, which the loader reads several times faster than YAML."""

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Entry:
    """One record: the fields written the day it was made, then each change with the day it was written."""

    kind: str
    written: dt.date
    fields: Record
    changes: list[tuple[dt.date, Record]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return str(self.fields["key"])

    def on(self, day: dt.date) -> Record | None:
        """The record as it stood at the end of `day`, or None before it was written."""
        if day < self.written:
            return None
        record = dict(self.fields)
        for changed, values in self.changes:  # in the order written, so in day order
            if changed > day:
                break
            record.update(values)
        return record


class Ledger:
    """Every record of the office; `today` is the day the office is writing on."""

    def __init__(self, first_day: dt.date) -> None:
        self.today = first_day
        self.entries: list[Entry] = []

    def write(self, kind: str, **fields: Value | None) -> Entry:
        """A new record, written today; fields given as None are left out (no value)."""
        entry = Entry(kind, self.today, {name: value for name, value in fields.items() if value is not None})
        self.entries.append(entry)
        return entry

    def change(self, entry: Entry, **fields: Value) -> None:
        """Fields of a record changed today."""
        if entry.changes and entry.changes[-1][0] > self.today:
            raise AssertionError(f"{entry.kind} {entry.key}: a change written before an earlier one")
        if entry.changes and entry.changes[-1][0] == self.today:
            entry.changes[-1][1].update(fields)
        else:
            entry.changes.append((self.today, dict(fields)))

    def records_on(self, day: dt.date) -> dict[str, list[Record]]:
        """File name -> the records as they stood at the end of `day` (every file, even an empty one)."""
        records: dict[str, list[Record]] = {name: [] for name in FILES.values()}
        for entry in self.entries:
            record = entry.on(day)
            if record is not None:
                records[FILES[entry.kind]].append(record)
        return records


def write_records(records: dict[str, list[Record]], folder: Path) -> Path:
    """Write records (file name -> records) as fact files: YAML one record a line, or JSON Lines.

    An empty file is written for a kind without records: it says the kind was supplied (an empty
    `interviews.yaml` is how an office says no interview was held).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in records.items():
        plain = [{field: _plain(value) for field, value in row.items()} for row in rows]
        if name.endswith(".jsonl"):
            lines = [json.dumps(row, ensure_ascii=False) for row in plain]
        else:
            lines = ["- " + _flow(row) for row in plain]
        (folder / name).write_text("".join(line + "\n" for line in lines), "utf-8")
    return folder


def _plain(value: Value) -> str | int | bool | list[str]:
    return value.isoformat() if isinstance(value, dt.date) else value


def _flow(row: dict[str, str | int | bool | list[str]]) -> str:
    text: str = yaml.dump(
        row, Dumper=_DUMPER, default_flow_style=True, allow_unicode=True, sort_keys=False, width=1 << 20
    )
    return text.strip()
