"""A table of validated records in DuckDB, for the stages that read a streamed kind in bulk.

The loader's bulk path (`facts.load.bulk`) makes one; the snapshot takes it as of a day
(`facts.snapshot.Snapshot.view_rows`) and the counts group it (`checker.engine.counting`). Column
names are the model's field names (Python identifiers); values reach SQL as parameters or as
`literal`s, never as text from a file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Rows", "connect", "literal"]

MEMORY = "1GB"
"""DuckDB's memory limit. Beyond it a query fails (nothing is written to disk: DuckDB would spill
into a `.tmp` folder in the working directory): the bulk path then reads the file line by line."""


def connect(duckdb: Any) -> Any:
    """A private in-memory database on at most two threads, within `MEMORY`, never spilling."""
    threads = max(1, min(2, os.cpu_count() or 1))
    config = {
        "threads": threads,
        "memory_limit": MEMORY,
        "max_temp_directory_size": "0B",
        "preserve_insertion_order": False,
    }
    return duckdb.connect(config=config)


def literal(value: Any) -> str:
    """A Python value (None, bool, int, str, date) as an SQL literal."""
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is str:
        return "'" + value.replace("'", "''") + "'"
    if type(value) is dt.date:
        return f"DATE '{value.isoformat()}'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


class Rows:
    """Records of one kind as a DuckDB table or query, with each column's SQL type."""

    def __init__(
        self, connection: Any, source: str, kind: str, columns: Mapping[str, str], count: int
    ) -> None:
        self.connection = connection
        self.source = source
        """A table name or a parenthesised query."""
        self.kind = kind
        self.columns = dict(columns)
        self.count = count
        """The records read (before any view of them)."""

    _tables = 0
    """Temporary tables made so far (each named after its number)."""

    def derived(self, query: str) -> Rows:
        """The same kind's rows as another query over these (`FROM {rows}` in `query`)."""
        source = f"({query.replace('{rows}', self.source)})"
        return Rows(self.connection, source, self.kind, self.columns, self.count)

    def having(self, columns: Sequence[str], values: Sequence[tuple[Any, ...]]) -> Rows:
        """These rows whose values in `columns` are one of `values` (NULL matching NULL)."""
        Rows._tables += 1
        table = f"having_{Rows._tables}"
        lists = ", ".join(f"unnest(${n}::{self.columns[c]}[]) AS {c}" for n, c in enumerate(columns, 1))
        transposed = [[value[n] for value in values] for n in range(len(columns))]
        self.connection.execute(f"CREATE TEMP TABLE {table} AS SELECT {lists}", transposed)
        same = " AND ".join(f"h.{c} IS NOT DISTINCT FROM r.{c}" for c in columns)
        query = f"SELECT r.* FROM {self.source} AS r SEMI JOIN {table} AS h ON {same}"
        return Rows(self.connection, f"({query})", self.kind, self.columns, self.count)

    def fetch(self, query: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The result of `query` over these rows (`FROM {rows}` in it)."""
        found = self.connection.execute(query.replace("{rows}", self.source), list(parameters))
        return list(found.fetchall())
