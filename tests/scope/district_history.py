"""A seeded simulation of one fictional district office's records over 2026, and January 2027.

`simulate(seed)` plays the office's year day by day (`district_office`: what happens and what the
office writes, on the day it happens) and keeps every record as it stood at the end of each day
(`district_ledger`). `records_on(day)` gives the records of that day, file name -> records, and
`write(day, folder)` writes them as fact files (YAML, patrols as JSON Lines), in the names and
spellings of `facts/models.py` and `docs/facts.md`.

The scale is a district's: 11 units, 30 waterbodies, about 40 chiefs (24 in post at the start, 14
leave during the year and most have a successor, some only weeks later; three civil posts), about
530 problems (some 400 found in 2026), 2,300 patrols, 200 complaints, 60 matters, 15 to 20
interviews and 300 documents (120 of them reminder letters). It is rich on purpose:
on most days many bundled rules fire (overdue rectifications, interviews and reminder letters due,
vacancies, patrol gaps, signboards and documents missing, complaints and matters unanswered, major
problems not listed or notified, suspected false rectification), and many findings change from day
to day. January 2027 is included because the annual assessment of 2026 is run then, on the ledger as
it stands, and December's problems are signed off in January.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass
from pathlib import Path

from tests.scope.district_ledger import FILES, Ledger, Record, write_records
from tests.scope.district_office import END, Office

SEED = 2026
FIRST_DAY = dt.date(2026, 1, 1)
LAST_DAY = END
"""The days the history is for (the office's records from before 2026 are simulated too, from July
2025, so that the year opens on a ledger with open problems and patrols behind it)."""

__all__ = ["FILES", "FIRST_DAY", "LAST_DAY", "SEED", "DistrictHistory", "Event", "district", "simulate"]


@dataclass(frozen=True)
class Event:
    """Something that happened on a day: an interview, a sign-off (of an overdue problem or not), a
    chief leaving or taking post. Tests pick the days around them to scan."""

    day: dt.date
    what: str
    key: str


@dataclass(frozen=True)
class DistrictHistory:
    seed: int
    ledger: Ledger
    events: tuple[Event, ...]

    def records_on(self, day: dt.date) -> dict[str, list[Record]]:
        """File name -> the office's records as they stood at the end of `day`."""
        return self.ledger.records_on(day)

    def final(self) -> dict[str, list[Record]]:
        """The records at the end of the history (2027-01-31): every record, with every change."""
        return self.records_on(LAST_DAY)

    def write(self, day: dt.date, folder: Path) -> Path:
        """Write the records of `day` as fact files in `folder`; returns the folder."""
        return write_records(self.records_on(day), folder)

    def days(self, what: str) -> list[dt.date]:
        """The days of events of one kind, in order, each once."""
        return sorted({event.day for event in self.events if event.what == what})


def simulate(seed: int = SEED) -> DistrictHistory:
    """Play the office's year with this seed: the same seed gives the same records."""
    office = Office(random.Random(seed))
    ledger = office.run()
    return DistrictHistory(seed, ledger, tuple(Event(*event) for event in office.events))


@functools.cache
def district(seed: int = SEED) -> DistrictHistory:
    """`simulate(seed)`, played once per test session (treat it as read-only)."""
    return simulate(seed)
