"""Reading spreadsheets: the sheets of an XLSX workbook, CSV files, and the cells in them.

A `Grid` is one sheet (or one CSV file) as read: its non-blank rows, numbered as the spreadsheet
numbers them. `records` pairs the cells of each row after the header row with their headers. Excel
hands cells over typed (text, numbers, booleans, datetimes); CSV cells are always text. `cell_text`
and `read_date` turn either into what a fact file would hold.

Dates: a date or datetime cell is its day. A number is an Excel date number (serial) when the
column accepts them: in the 1900 date system day 1 is 1900-01-01 and Excel counts a 29 February
1900 that never was (serial 60), so from serial 61 on the day is 1899-12-30 plus the serial
(46352 is 2026-11-26); in the 1904 system (old Mac workbooks) day 0 is 1904-01-01.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from checker.errors import CheckerError, Location

__all__ = [
    "DATE_SPELLINGS",
    "EXCEL_1900",
    "EXCEL_1904",
    "Cell",
    "DateError",
    "Grid",
    "cell_text",
    "header",
    "read_csv",
    "read_date",
    "read_workbook",
    "records",
]

Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None

EXCEL_1900 = dt.date(1899, 12, 30)
"""What serial 0 would be in the 1900 date system, were it not for Excel's 1900-02-29."""
EXCEL_1904 = dt.date(1904, 1, 1)
"""Serial 0 in the 1904 date system."""
_LAST_SERIAL = 2_958_465  # 9999-12-31, the last day Excel knows


@dataclass(frozen=True)
class Grid:
    """One sheet of a workbook, or one CSV file: its non-blank rows by spreadsheet row number."""

    path: str
    """The file as given."""
    sheet: str | None
    """The sheet's name; None for a CSV file."""
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    epoch: dt.date = EXCEL_1900
    """Serial 0 of the workbook's date system (EXCEL_1900 or EXCEL_1904)."""

    @property
    def place(self) -> str:
        """How a Location names it: `ledger.xlsx[问题台账]`, or the CSV file."""
        return self.path if self.sheet is None else f"{self.path}[{self.sheet}]"

    @property
    def title(self) -> str:
        """How a message names it: the sheet, or the CSV file's name."""
        return self.sheet if self.sheet is not None else Path(self.path).name


def read_workbook(path: Path, wanted: Collection[str]) -> tuple[list[str], list[Grid]]:
    """Every sheet name of an XLSX workbook, and the sheets named in `wanted`, read whole."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except OSError as error:
        raise _unreadable(path, error.strerror or str(error)) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, ParseError) as error:
        raise _unreadable(path, f"not an XLSX workbook ({error})") from None
    try:
        epoch = EXCEL_1904 if workbook.epoch.year == 1904 else EXCEL_1900
        names = [str(name) for name in workbook.sheetnames]
        grids = []
        for name in names:
            if name not in wanted:
                continue
            sheet = workbook[name]
            sheet.reset_dimensions()  # some exporters write a wrong size: read every row there is
            rows = [
                (number, tuple(cells))
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
                if not _blank(cells)
            ]
            grids.append(Grid(str(path), name, tuple(rows), epoch))
    except (zipfile.BadZipFile, KeyError, ValueError, ParseError) as error:
        raise _unreadable(path, f"a damaged XLSX workbook ({error})") from None
    finally:
        workbook.close()
    return names, grids


def read_csv(path: Path) -> Grid:
    """A CSV file in UTF-8 (with or without a BOM) or GB18030, as Chinese Excel saves it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error.strerror or str(error)) from None
    text = _decode(data)
    if text is None:
        raise CheckerError.at(
            Location(str(path)),
            "map-read",
            "cannot read the file: it is neither UTF-8 nor GB18030 text",
            help="save it as CSV UTF-8 (or the CSV of Chinese Excel)",
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not _blank(cells):
                rows.append((number, tuple(cells)))
    except csv.Error as error:
        raise CheckerError.at(
            Location(str(path), number + 1), "map-read", f"row {number + 1}: not valid CSV: {error}"
        ) from None
    return Grid(str(path), None, tuple(rows))


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    return None


def _unreadable(path: Path, why: str) -> CheckerError:
    return CheckerError.at(Location(str(path)), "map-read", f"cannot read the file: {why}")


def _blank(cells: Any) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


# --- headers and rows -----------------------------------------------------------------------------


def header(grid: Grid, row: int) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """The headers in spreadsheet row `row` by their (1-based) column, and any header written twice
    (text, first column, second column). Empty header cells are skipped."""
    found: dict[str, int] = {}
    twice: list[tuple[str, int, int]] = []
    cells = next((cells for number, cells in grid.rows if number == row), ())
    for column, cell in enumerate(cells, start=1):
        text = cell_text(cell)
        if not text:
            continue
        if text in found:
            twice.append((text, found[text], column))
        else:
            found[text] = column
    return found, twice


def records(grid: Grid, header_row: int, columns: dict[str, int]) -> Iterator[tuple[int, dict[str, Cell]]]:
    """(row number, {header: cell}) for each non-blank row after the header row, for `columns`."""
    for number, cells in grid.rows:
        if number <= header_row:
            continue
        yield number, {name: cells[at - 1] if at <= len(cells) else None for name, at in columns.items()}


# --- cells ----------------------------------------------------------------------------------------


def cell_text(cell: Cell) -> str:
    """A cell as text, the way the spreadsheet shows it: whole numbers without '.0', a datetime at
    midnight as its day, text stripped of surrounding whitespace; '' for an empty cell."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


_SPELLINGS = {
    "iso": re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    "slash": re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),
    "chinese": re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日"),
    "excel_serial": re.compile(r"[0-9]{1,7}(\.[0-9]+)?"),
}
DATE_SPELLINGS = {
    "iso": "2026-11-26",
    "slash": "2026/11/26",
    "chinese": "2026年11月26日",
    "excel_serial": "Excel date numbers",
}
"""Every date spelling a mapping can accept, and how messages show it."""
_SHOWN = DATE_SPELLINGS


class DateError(ValueError):
    """A cell that is not a date the column accepts: the message, and a cheap fix."""

    def __init__(self, message: str, help: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def read_date(cell: Cell, accepted: Collection[str], epoch: dt.date = EXCEL_1900) -> dt.date:
    """The day a cell holds, if it is written in one of the `accepted` spellings (`iso`, `slash`,
    `chinese`, `excel_serial`); a date or datetime cell is always its day. Raises DateError."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    shown = ", ".join(_SHOWN[name] for name in _SHOWN if name in accepted)
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _serial(cell, f"{cell_text(cell)}", accepted, shown, epoch)
    text = cell_text(cell) if not isinstance(cell, str) else cell.strip()
    quoted = f"'{text}'" if isinstance(cell, str) else text
    for spelling, pattern in _SPELLINGS.items():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if spelling == "excel_serial":
            return _serial(float(text), quoted, accepted, shown, epoch)
        if spelling not in accepted:
            raise DateError(
                f"{quoted} is a date written like {_SHOWN[spelling]}, which this column does not accept "
                f"(accepted: {shown})",
                help=f"add '{spelling}' to the mapping's 'dates' to accept it",
            )
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise DateError(f"{quoted} is not a date (accepted: {shown})", "there is no such day") from None
    raise DateError(f"{quoted} is not a date (accepted: {shown})")


def _serial(number: float, quoted: str, accepted: Collection[str], shown: str, epoch: dt.date) -> dt.date:
    if "excel_serial" not in accepted:
        raise DateError(
            f"{quoted} is an Excel date number, which is not accepted here (accepted: {shown})",
            help="add 'excel_serial' to the mapping's 'dates' to accept it, "
            "or format the column as dates in Excel",
        )
    day = int(number)  # a fraction is the time of day
    first = 1 if epoch == EXCEL_1900 else 0
    last = _LAST_SERIAL if epoch == EXCEL_1900 else _LAST_SERIAL - 1462
    if not first <= day <= last:
        raise DateError(f"{quoted} is not an Excel date number (accepted: {shown})")
    if epoch == EXCEL_1900:
        if day == 60:
            raise DateError(
                f"{quoted} is 1900-02-29, a day Excel counts but that never was (accepted: {shown})"
            )
        if day < 60:
            day += 1  # before Excel's phantom 1900-02-29
    return epoch + dt.timedelta(days=day)
