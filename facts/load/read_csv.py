"""CSV fact files: a header row of field names, then a record per row; empty cells are absent fields.

Cells are text, so the header decides what each column's cells become: a list field's cell is split
on ';', a boolean field's takes true/false, yes/no, 1/0 and 是/否. A wrong or missing column is
reported once, at the header, not once per row; rows are named by their spreadsheet row number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from checker.errors import Location, did_you_mean
from facts.load.collect import Collector
from facts.load.messages import fields_help, quote
from facts.load.model_info import ModelInfo

__all__ = ["read_csv"]

_CSV_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_CSV_BOOLS |= {"是": True, "否": False}
_PLAIN, _LIST, _BOOL = 0, 1, 2


def read_csv(collector: Collector, path: str, text: str, model: ModelInfo) -> bool:
    """A header row of field names, then a record per row; empty cells are absent fields."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    position = _CsvRows(reader)
    rows = iter(position)
    try:
        header = next((found for found in rows if any(cell.strip() for cell in found[2])), None)
        if header is None:
            return True  # nothing but blank lines
        plan, absent = _read_header(collector, path, header[1], header[2], model)
        width = len(header[2])
        kind = model.kind
        for row, line, cells in rows:
            raw: dict[str, Any] = {}
            for column, name, treat in plan:
                if column < len(cells):
                    value = cells[column].strip()
                    if value:
                        if treat == _LIST:
                            raw[name] = [part.strip() for part in value.split(";") if part.strip()]
                        elif treat == _BOOL:
                            raw[name] = _CSV_BOOLS.get(value.lower(), value)
                        else:
                            raw[name] = value
            if len(cells) > width:
                collector.problem(
                    Location(path, line),
                    "csv-row",
                    f"row {row}: {len(cells)} cells but the header has {width} columns",
                    help='quote a cell that holds a comma: "a, b"',
                )
                continue
            if not raw and not any(cell.strip() for cell in cells):
                continue  # a blank row
            collector.add(model, raw, Location(path, line), None, None, 0, kind, row=row, absent=absent)
    except csv.Error as error:
        collector.problem(
            Location(path, position.line),
            "csv-syntax",
            f"row {position.row}: not valid CSV: {error}",
            help=_csv_help(str(error)),
        )
        return False
    return True


def _read_header(
    collector: Collector, path: str, line: int, cells: list[str], model: ModelInfo
) -> tuple[list[tuple[int, str, int]], frozenset[str]]:
    """The columns to read (index, field, treatment) and the required fields without a column.

    A wrong or missing column is reported once here, not once per row.
    """
    plan: list[tuple[int, str, int]] = []
    seen: set[str] = set()
    for column, cell in enumerate(cells):
        name = cell.strip()
        if not name:
            continue
        if name in seen:
            collector.problem(
                Location(path, line), "csv-header", f"column {quote(name)} appears twice in the header"
            )
        elif name not in model.fields:
            comment = name.startswith("#")
            collector.problem(
                Location(path, line),
                "fact-unknown-field",
                f"unknown field {quote(name)} for {model.article} {model.kind}",
                help="CSV has no comments: the first non-blank line is the header of field names"
                if comment
                else did_you_mean(name, model.fields) or fields_help(model),
            )
        else:
            treat = _LIST if name in model.list_fields else _BOOL if name in model.bool_fields else _PLAIN
            plan.append((column, name, treat))
        seen.add(name)
    absent = model.required - seen
    for name in sorted(absent):
        collector.problem(
            Location(path, line),
            "fact-missing-field",
            f"no column for the required field '{name}' of {model.article} {model.kind}",
        )
    return plan, frozenset(absent)


def _csv_help(reason: str) -> str:
    if "end of data" in reason:
        return "a quoted cell starts on this row and is never closed: add the closing '\"'"
    if "expected after" in reason:
        return 'inside a quoted cell, write a quote twice: "a ""b"" c"'
    return ""


class _CsvRows:
    """(spreadsheet row number, physical line where the row starts, cells) for each row of a reader."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.row = 1
        self.line = 1
        """Row and line where the row being read starts (where a syntax error is reported)."""

    def __iter__(self) -> Iterator[tuple[int, int, list[str]]]:
        for cells in self.reader:
            yield self.row, self.line, cells
            self.row += 1
            self.line = self.reader.line_num + 1
