"""Import an export (XLSX or CSV) through a mapping file into validated facts, and write them out.

`import_facts` reads every source through the mapping: each workbook sheet or CSV file feeds the
tables that name it, each row becomes a record, words become the models' values, dates written any
accepted way become days, and names become keys. The records are then validated and cross-checked
exactly as fact files are (`facts.load.pipeline.load_records`), with the canonical fact files in
`also` read alongside, both for the names to resolve (`facts.exports.names`) and for the references
to check. Every problem of every source is reported together in one `CheckerError`, each at
`file[sheet]:row:column`, naming the column's header, the value found and what was expected.

`write_canonical` writes the facts back as canonical fact files (`problems.yaml`, ...), which
`load_facts` reads back to the same records.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.output import make_folder, write_atomically
from facts.exports.mapping import Column, FieldInfo, LoadedMapping, Table, field_info, load_mapping
from facts.exports.names import NameResolver
from facts.exports.rows import CellError, Names, Row
from facts.exports.sheets import (
    Cell,
    DateError,
    Grid,
    cell_text,
    header,
    read_csv,
    read_date,
    read_workbook,
    records,
)
from facts.load.factset import FactSet, Ignored
from facts.load.files import Inventory, survey
from facts.load.pipeline import load_records
from facts.models import FILE_STEMS, MODELS, Record

__all__ = ["import_facts", "survey_exports", "write_canonical"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
LIST_SEPARATOR = ";"
"""How a list cell is split when its column gives no `list` separator (as in fact CSV files)."""
_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_BOOLS |= {"是": True, "否": False}


def import_facts(
    mapping_path: Path,
    sources: Sequence[Path | str],
    also: Sequence[Path | str] = (),
    ignored: Sequence[Ignored] = (),
) -> FactSet:
    """Read `sources` (XLSX workbooks, CSV files) through the mapping at `mapping_path`, with the
    fact files or folders in `also` loaded alongside; raise one CheckerError with every problem.
    `ignored` (what a `survey` did not read) is carried into the fact set for the report."""
    loaded = load_mapping(mapping_path)
    importer = _Importer(loaded)
    if not sources:
        importer.problem(
            Location(str(mapping_path)),
            "mapping-export-missing",
            "no export to read: the paths hold no spreadsheet or CSV file this mapping names",
            help="give the export (.xlsx, or a .csv a table's 'file' names) or the folder that holds it",
        )
    for table_index, grid in importer.match_sources([Path(source) for source in sources]):
        importer.read_table(table_index, grid)
    resolver = NameResolver(loaded, importer.rows, importer.used, importer.incomplete)
    try:
        facts = load_records(
            resolver.records,
            list(also),
            sources=[mapping_path, *(source for source in sources if Path(source).is_file())],
            incomplete=importer.incomplete,
            supplied={loaded.mapping.tables[index].kind for index in importer.used},
            ignored=ignored,
            mappings=[mapping_path],
        )
    except CheckerError as error:
        raise CheckerError([*importer.problems, *resolver.problems, *error.diagnostics]) from None
    problems = [*importer.problems, *resolver.problems]
    if problems:
        raise CheckerError(problems)
    return facts


def survey_exports(mapping_path: Path, paths: Sequence[Path | str]) -> Inventory:
    """Every file under `paths` sorted for an import through the mapping: the exports it reads
    (workbooks, and CSV files its tables name by glob), the canonical fact files to load alongside
    (units, waterbodies, chiefs ...), and what is ignored; folders are searched, as a scan does."""
    globs = [str(table.file) for table in load_mapping(mapping_path).mapping.tables if table.file]
    problems: list[Diagnostic] = []
    inventory = survey(
        paths, problems, exported=lambda name: any(fnmatch.fnmatch(name, glob) for glob in globs)
    )
    if problems:
        raise CheckerError(problems)
    return inventory


def write_canonical(facts: FactSet, output: Path) -> list[Path]:
    """Write one canonical fact file per kind present (`units.yaml`, `problems.yaml`, ...) into the
    folder `output`, one record per line in key order, each file whole or not at all."""
    make_folder(output)
    stems = {kind: stem for stem, kind in FILE_STEMS.items()}
    written = []
    for kind in MODELS:
        chosen = facts.of_kind(kind)
        if not chosen:
            continue
        lines = [f"# {kind} records, written by rivercheck from an import (one record per line)"]
        lines += [f"- {_flow(fact.record)}" for fact in sorted(chosen, key=lambda fact: fact.record.key)]
        path = output / f"{stems[kind]}.yaml"
        write_atomically(path, "\n".join(lines) + "\n")
        written.append(path)
    return written


def _flow(record: Record) -> str:
    """A record as one YAML flow mapping, fields in model order, defaults left out, dates bare."""
    values = record.model_dump(exclude_defaults=True)
    return yaml.safe_dump(
        values, default_flow_style=True, allow_unicode=True, sort_keys=False, width=1 << 30
    ).rstrip("\n")


# --- reading rows ---------------------------------------------------------------------------------


class _Importer:
    """The state of one import: rows read so far, problems found, kinds not read whole.

    Rows are translated cell by cell as they are read; the names in them wait for `NameResolver`.
    """

    def __init__(self, loaded: LoadedMapping) -> None:
        self.loaded = loaded
        self.mapping = loaded.mapping
        self.problems: list[Diagnostic] = []
        self.rows: list[Row] = []
        self.incomplete: set[str] = set()
        self.used: set[int] = set()
        """The tables that found a sheet or file to read."""
        self.given: set[str] = set()
        """The forms of source read: 'sheet' (a workbook), 'file' (a csv file a table reads)."""
        self.sheet_names: list[str] = []

    def problem(self, location: Location, code: str, message: str, help: str = "") -> None:
        self.problems.append(Diagnostic(location, code, message, help=help))

    # sources

    def match_sources(self, sources: list[Path]) -> list[tuple[int, Grid]]:
        """Each table's sheets and files among `sources`. A source that feeds no table is an error,
        and so is a table that finds nothing among sources of its form (a `sheet` among workbooks)."""
        matched: list[tuple[int, Grid]] = []
        for path in sources:
            suffix = path.suffix.lower()
            if suffix in WORKBOOK_SUFFIXES:
                matched += self.match_workbook(path)
            elif suffix == ".csv":
                matched += self.match_csv(path)
            else:
                self.problem(
                    Location(str(path)),
                    "map-read",
                    f"'{path.name}' is not a spreadsheet this reads",
                    help="give .xlsx workbooks or .csv files (save an old .xls as .xlsx)",
                )
        self.used = {index for index, _ in matched}
        for index, table in enumerate(self.mapping.tables):
            if index not in self.used and ("sheet" if table.sheet is not None else "file") in self.given:
                self.incomplete.add(table.kind)
                self.unmatched(index, table)
        return matched

    def match_workbook(self, path: Path) -> list[tuple[int, Grid]]:
        tables = self.mapping.tables
        readers = [index for index, table in enumerate(tables) if table.sheet is not None]
        wanted = {str(tables[index].sheet) for index in readers}
        try:
            names, grids = read_workbook(path, wanted)
        except CheckerError as error:
            self.unread(error, readers)
            return []
        self.given.add("sheet")
        self.sheet_names += names
        if not grids:
            self.problem(
                Location(str(path)),
                "map-sheet",
                f"no sheet of '{path.name}' is in the mapping (sheets: {', '.join(names)}; "
                f"the mapping reads: {', '.join(sorted(wanted)) or 'csv files only'})",
            )
        return [(index, grid) for grid in grids for index in readers if tables[index].sheet == grid.sheet]

    def match_csv(self, path: Path) -> list[tuple[int, Grid]]:
        tables = self.mapping.tables
        readers = [
            index
            for index, table in enumerate(tables)
            if table.file is not None and fnmatch.fnmatchcase(path.name, table.file)
        ]
        if not readers:
            patterns = ", ".join(f"'{table.file}'" for table in tables if table.file is not None)
            self.problem(
                Location(str(path)),
                "map-sheet",
                f"'{path.name}' is named like no table's 'file' of the mapping"
                + (f" ({patterns})" if patterns else " (it reads workbook sheets only)"),
            )
            return []
        self.given.add("file")
        try:
            grid = read_csv(path)
        except CheckerError as error:
            self.unread(error, readers)
            return []
        return [(index, grid) for index in readers]

    def unmatched(self, index: int, table: Table) -> None:
        if table.sheet is not None:
            self.problem(
                self.loaded.where(("tables", index, "sheet")),
                "map-sheet",
                f"table '{table.sheet}': no workbook given has a sheet named '{table.sheet}'"
                f" (sheets: {', '.join(self.sheet_names) or 'none'})",
                help=did_you_mean(table.sheet, self.sheet_names),
            )
        else:
            self.problem(
                self.loaded.where(("tables", index, "file")),
                "map-sheet",
                f"table '{table.file}': no csv file given is named like '{table.file}'",
            )

    def unread(self, error: CheckerError, readers: list[int]) -> None:
        self.problems += error.diagnostics
        self.incomplete.update(self.mapping.tables[index].kind for index in readers)

    # tables and rows

    def read_table(self, index: int, grid: Grid) -> None:
        """Check the header row against the table's columns; translate every row if it fits."""
        table = self.mapping.tables[index]
        columns = self.check_header(table, grid)
        if columns is None:
            self.incomplete.add(table.kind)
            return
        model = MODELS[table.kind]
        infos = {column.field: field_info(model, column.field) for column in table.columns.values()}
        for number, cells in records(grid, table.header_row, columns):
            row = Row(index, table.kind, dict(table.constants), Location(grid.place, number), number)
            for name, column in table.columns.items():
                place = Location(grid.place, number, columns[name])
                row.fields[column.field] = place
                self.read_cell(row, grid, name, column, infos[column.field], cells[name], place)
            self.rows.append(row)

    def check_header(self, table: Table, grid: Grid) -> dict[str, int] | None:
        """The column of each mapped header, or None (and problems) when the header row does not fit."""
        at = table.header_row
        found, twice = header(grid, at)
        place = Location(grid.place, at)
        before = len(self.problems)
        if not found:
            self.problem(
                place,
                "map-header",
                f"{grid.title} row {at}: no headers in the header row",
                help="set 'header_row' to the row that holds the headers",
            )
            return None
        for name, first, second in twice:
            self.problem(
                Location(grid.place, at, second),
                "map-header",
                f"{grid.title} row {at}: column '{name}' appears twice (columns {first} and {second})",
            )
        unknown = [name for name in found if name not in table.columns and name not in table.ignore]
        missing = [name for name in table.columns if name not in found]
        for name in unknown:
            renamed = did_you_mean(name, missing)
            self.problem(
                Location(grid.place, at, found[name]),
                "map-header",
                f"{grid.title} row {at}: column '{name}' is not in the mapping",
                help=f"renamed? {renamed}" if renamed else "map it under 'columns', or under 'ignore'",
            )
        for name in missing:
            self.problem(
                place,
                "map-header",
                f"{grid.title} row {at}: no column '{name}' (for '{table.columns[name].field}')",
                help=did_you_mean(name, unknown),
            )
        if len(self.problems) > before:
            return None
        return {name: found[name] for name in table.columns}

    def read_cell(
        self, row: Row, grid: Grid, name: str, column: Column, info: FieldInfo, cell: Cell, place: Location
    ) -> None:
        """Translate one cell into `row` (an empty cell is an absent field)."""
        if not cell_text(cell):
            return
        prefix = f"{grid.title} row {row.row}, column '{name}'"
        items: list[Cell] = [cell]
        if info.is_list:
            separator = column.separator or LIST_SEPARATOR
            items = [part.strip() for part in cell_text(cell).split(separator) if part.strip()]
        if column.lookup is not None:
            names = [cell_text(item) for item in items]
            row.names.append(Names(info.name, column.lookup, place, prefix, names, info.is_list))
            return
        values = []
        for item in items:
            try:
                values.append(self.translate(item, column, info, grid))
            except CellError as error:
                self.problem(place, error.code, f"{prefix}: {error.message}", error.help)
                row.absent.add(info.name)
        if info.name not in row.absent:
            row.raw[info.name] = values if info.is_list else values[0]

    def translate(self, cell: Cell, column: Column, info: FieldInfo, grid: Grid) -> Any:
        """A cell (or one item of a list cell) as the field's value, as a fact file would hold it."""
        if column.is_date or info.is_date:
            try:
                return read_date(cell, column.dates or self.mapping.dates, grid.epoch).isoformat()
            except DateError as error:
                raise CellError("map-date", error.message, error.help) from None
        if column.values is not None:
            word = cell_text(cell)
            if word not in column.values:
                known = ", ".join(column.values)
                raise CellError(
                    "map-value",
                    f"unknown {info.name} word '{word}'; known: {known}",
                    did_you_mean(word, column.values),
                )
            return column.values[word]
        if info.is_bool:
            if isinstance(cell, bool):
                return cell
            text = cell_text(cell)
            return _BOOLS.get(text.lower(), text)
        return cell_text(cell)
