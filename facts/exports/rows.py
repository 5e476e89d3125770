"""A row of an export's table as the import reads it: translated cell by cell, but for its names.

Cells that name records (a unit by its name) can only be resolved once every source and every fact
file alongside is read, so a row keeps them aside (`Names`) until `facts.exports.names` resolves
them; `CellError` is a cell that cannot be translated, with its code and cheap fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.errors import Location

__all__ = ["CellError", "Names", "Row"]


class CellError(Exception):
    """A cell that cannot be translated: the code, the message and the cheap fix."""

    def __init__(self, code: str, message: str, help: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.help = code, message, help


@dataclass
class Names:
    """Cells of one column of one row that name records of `kind`: resolved once all is read."""

    field: str
    kind: str
    place: Location
    prefix: str
    names: list[str]
    many: bool


@dataclass
class Row:
    """One row of a table, translated but for its names."""

    table: int
    kind: str
    raw: dict[str, Any]
    location: Location
    row: int
    fields: dict[str, Location] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    names: list[Names] = field(default_factory=list)
