"""What loading gives: facts (validated records and their places), the fact set, raw records.

These types are the loader's output and the input of everything after it (the engine, the results,
the exports), so they stand apart from the readers: using facts does not mean importing them.
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from checker.errors import Location
from facts.models import Record

__all__ = [
    "HIDDEN",
    "MAPPING",
    "NOT_RECORDS",
    "Consumer",
    "Fact",
    "FactSet",
    "Feed",
    "FileRead",
    "Ignored",
    "Index",
    "RawRecord",
    "fact_at",
]


class Fact(tuple[Any, ...]):
    """A validated record and where it was read: the file as given or joined, 1-based line.

    `Fact(record, location)`, read as `fact.record` and `fact.location`. A tuple underneath (the
    record, then the place's path, line and column), made at C speed and 64 bytes: a city keeps
    2.4 million. The place is kept as its parts; `location` makes the `Location` when asked (for
    the few facts a finding cites or an error names). Equal and hashed as record and place.
    """

    __slots__ = ()

    def __new__(cls, record: Record, location: Location) -> Fact:
        return tuple.__new__(cls, (record, location.path, location.line, location.column))

    if typing.TYPE_CHECKING:

        @property
        def record(self) -> Record: ...

    else:
        record = property(operator.itemgetter(0), doc="The validated record.")

    @property
    def location(self) -> Location:
        return Location(self[1], self[2], self[3])

    def __getnewargs__(self) -> tuple[Any, ...]:  # pickled by its parts
        return (self[0], self.location)

    def __repr__(self) -> str:
        return f"Fact(record={self[0]!r}, location={self.location!r})"


def fact_at(record: Record, path: str, line: int) -> Fact:
    """The fact of a record read at a line of a file, without a `Location` made for it."""
    return _TUPLE_NEW(Fact, (record, path, line, 0))


_TUPLE_NEW = tuple.__new__


Index = tuple[dict[str, tuple[Fact, ...]], dict[str, dict[str, Fact]]]
"""A fact set's facts per kind (in key order) and per kind and key."""


@dataclass(frozen=True)
class FileRead:
    """A file records were read from: its kind, how many valid records it held, its digest.

    `path` is the file as given or joined (an export's sheet as `file[sheet]`), `digest` the SHA-256
    that enters the fact set's digest (the file's base name, size and bytes, in hex)."""

    path: str
    kind: str
    records: int
    digest: str


@dataclass(frozen=True)
class Ignored:
    """A file or folder under a scanned path that was not read, and why (`HIDDEN`, `NOT_RECORDS`)."""

    path: str
    reason: str


MAPPING = "mapping"
"""The kind listed for a mapping file among the files read (it says how to read an export)."""
HIDDEN = "hidden"
"""A name starting with `.` (`.git`, `.DS_Store`), or inside such a folder."""
NOT_RECORDS = "not-records"
"""A file of another type than records: `notes.txt`, `README.md`, `report.pdf`."""


@dataclass(frozen=True)
class FactSet:
    """All facts read, sorted by (kind, key), with a digest of the files they came from."""

    facts: tuple[Fact, ...]
    digest: str
    """sha256 over each file's base name and bytes, in sorted path order: moving the files keeps it."""
    sources: tuple[str, ...]
    """The files read, sorted."""
    streamed: Mapping[str, int] = field(default_factory=dict)
    """Records per kind that were validated and handed to a consumer instead of kept (`stream`)."""
    supplied: frozenset[str] = frozenset()
    """The kinds some file was given for, even an empty one (docs/scope.md §2)."""
    files: tuple[FileRead, ...] = ()
    """Every file read, in path order."""
    ignored: tuple[Ignored, ...] = ()
    """Every file or folder under the scanned paths that was not read, with the reason."""
    index: InitVar[Index | None] = None
    """The facts per kind and per key, when the loader has them already (else worked out here)."""
    _by_key: dict[str, dict[str, Fact]] = field(init=False, repr=False, compare=False)
    _by_kind: dict[str, tuple[Fact, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self, index: Index | None) -> None:
        if index is None:
            by_key: dict[str, dict[str, Fact]] = {}
            by_kind: dict[str, list[Fact]] = {}
            for fact in self.facts:
                kind = fact.record.kind
                by_key.setdefault(kind, {}).setdefault(fact.record.key, fact)
                by_kind.setdefault(kind, []).append(fact)
            index = {kind: tuple(facts) for kind, facts in by_kind.items()}, by_key
        object.__setattr__(self, "_by_kind", index[0])
        object.__setattr__(self, "_by_key", index[1])

    def of_kind(self, kind: str) -> tuple[Fact, ...]:
        """The facts of one kind (`problem`) in key order; empty for a kind with no records."""
        return self._by_kind.get(kind, ())

    def find(self, kind: str, key: str) -> Fact | None:
        """The fact of `kind` with `key`, or None."""
        of_kind = self._by_key.get(kind)
        return None if of_kind is None else of_kind.get(key)

    def __len__(self) -> int:
        return len(self.facts)


Consumer = Callable[[Record], None]
"""What takes each validated record of a streamed kind, instead of the fact set keeping it."""


@dataclass(frozen=True)
class Feed:
    """A streamed kind's consumer that can also take a whole file's records as one table
    (`facts.load.table.Rows`): the loader then reads a large JSON Lines file in bulk
    (`facts.load.bulk`) when it can vouch for every line of it."""

    record: Consumer
    rows: Callable[[Any], None] | None = None

    def __call__(self, record: Record) -> None:
        self.record(record)


@dataclass(frozen=True)
class RawRecord:
    """A record read by something other than a fact file (a spreadsheet import), not yet validated.

    `raw` holds the fields as a fact file would (dates as YYYY-MM-DD text, keys as text); `location`
    is the record's place and `fields` the place of each field it has one for (a column), where
    diagnostics about that field point. `row` is the spreadsheet row messages name (0: none), and
    `absent` the fields whose value could not be read: already reported, so not "missing" again.
    """

    kind: str
    raw: dict[str, Any]
    location: Location
    fields: Mapping[str, Location] = field(default_factory=dict)
    row: int = 0
    absent: frozenset[str] = frozenset()
