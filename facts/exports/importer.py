"""Import an export (XLSX or CSV) through a mapping file into validated facts, and write them out.

`import_facts` reads every source through the mapping: each workbook sheet or CSV file feeds the
tables that name it, each row becomes a record, words become the models' values, dates written any
accepted way become days, and names become keys. The records are then validated and cross-checked
exactly as fact files are (`facts.load.pipeline.load_records`), with the canonical fact files in `also`
read alongside, both for the names to resolve and for the references to check. Every problem of
every source is reported together in one `CheckerError`, each at `file[sheet]:row:column`, naming
the column's header, the value found and what was expected.

`write_canonical` writes the facts back as canonical fact files (`problems.yaml`, ...), which
`load_facts` reads back to the same records.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.output import make_folder, write_atomically
from facts.exports.mapping import Column, FieldInfo, LoadedMapping, Table, field_info, load_mapping
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
from facts.load.factset import FactSet, RawRecord
from facts.load.pipeline import load_records
from facts.models import FILE_STEMS, MODELS, Record

__all__ = ["import_facts", "write_canonical"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
LIST_SEPARATOR = ";"
"""How a list cell is split when its column gives no `list` separator (as in fact CSV files)."""
_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_BOOLS |= {"是": True, "否": False}


def import_facts(mapping_path: Path, sources: Sequence[Path], also: Sequence[Path] = ()) -> FactSet:
    """Read `sources` (XLSX workbooks, CSV files) through the mapping at `mapping_path`, with the
    fact files or folders in `also` loaded alongside; raise one CheckerError with every problem."""
    loaded = load_mapping(mapping_path)
    importer = _Importer(loaded)
    for table_index, grid in importer.match_sources([Path(source) for source in sources]):
        importer.read_table(table_index, grid)
    try:
        facts = load_records(
            importer.resolve,
            list(also),
            sources=[mapping_path, *(source for source in sources if Path(source).is_file())],
            incomplete=importer.incomplete,
        )
    except CheckerError as error:
        raise CheckerError([*importer.problems, *error.diagnostics]) from None
    if importer.problems:
        raise CheckerError(importer.problems)
    return facts


def split_sources(mapping_path: Path, paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The paths an export mapping reads (workbooks, and CSV files its tables name by glob), and the
    rest: canonical fact files and folders loaded alongside (units, waterbodies, chiefs ...)."""
    globs = [table.file for table in load_mapping(mapping_path).mapping.tables if table.file]
    sources: list[Path] = []
    also: list[Path] = []
    for path in paths:
        name = path.name
        exported = path.suffix.lower() == ".xlsx" or (
            path.suffix.lower() == ".csv" and any(fnmatch.fnmatch(name, str(glob)) for glob in globs)
        )
        (sources if exported else also).append(path)
    return sources, also


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


class _CellError(Exception):
    def __init__(self, code: str, message: str, help: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.help = code, message, help


@dataclass
class _Names:
    """Cells of one column of one row that name records of `kind`: resolved once all is read."""

    field: str
    kind: str
    place: Location
    prefix: str
    names: list[str]
    many: bool


@dataclass
class _Row:
    """One row of a table, translated but for its names."""

    table: int
    kind: str
    raw: dict[str, Any]
    location: Location
    row: int
    fields: dict[str, Location] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    names: list[_Names] = field(default_factory=list)


class _Importer:
    """The state of one import: rows read so far, problems found, kinds not read whole."""

    def __init__(self, loaded: LoadedMapping) -> None:
        self.loaded = loaded
        self.mapping = loaded.mapping
        self.problems: list[Diagnostic] = []
        self.rows: list[_Row] = []
        self.incomplete: set[str] = set()
        self.hints: dict[tuple[str, str], str] = {}
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
            row = _Row(index, table.kind, dict(table.constants), Location(grid.place, number), number)
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
        self, row: _Row, grid: Grid, name: str, column: Column, info: FieldInfo, cell: Cell, place: Location
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
            row.names.append(_Names(info.name, column.lookup, place, prefix, names, info.is_list))
            return
        values = []
        for item in items:
            try:
                values.append(self.translate(item, column, info, grid))
            except _CellError as error:
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
                raise _CellError("map-date", error.message, error.help) from None
        if column.values is not None:
            word = cell_text(cell)
            if word not in column.values:
                known = ", ".join(column.values)
                raise _CellError(
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

    # names

    def resolve(self, known: FactSet) -> list[RawRecord]:
        """The rows as records, names resolved against `known` (the `also` files) and the rows."""
        index = _NameIndex(self, known)
        self.check_constants(index)
        dropped = self.check_aliases(index)
        result = []
        for row in self.rows:
            for names in row.names:
                self.resolve_names(row, names, index, dropped)
            result.append(
                RawRecord(row.kind, row.raw, row.location, row.fields, row.row, frozenset(row.absent))
            )
        return result

    def resolve_names(self, row: _Row, names: _Names, index: _NameIndex, dropped: set[str]) -> None:
        if names.kind in dropped:  # already reported once, for the whole column
            row.absent.add(names.field)
            return
        keys = []
        for name in names.names:
            try:
                keys.append(index.key(names.kind, name))
            except _CellError as error:
                self.problem(names.place, error.code, f"{names.prefix}: {error.message}", error.help)
                row.absent.add(names.field)
        if names.field not in row.absent:
            row.raw[names.field] = keys if names.many else keys[0]

    def check_aliases(self, index: _NameIndex) -> set[str]:
        """Report aliases to keys no record has, and kinds looked up with no records at all."""
        dropped: set[str] = set()
        for kind, lookup in self.mapping.lookups.items():
            keys = index.keys[kind]
            for alias, key in lookup.aliases.items():
                if key not in keys and kind not in self.incomplete:
                    self.problem(
                        self.loaded.where(("lookups", kind, "aliases", alias)),
                        "mapping-lookup",
                        f"alias '{alias}' stands for {kind} '{key}', but no {kind} has that key",
                        help=did_you_mean(key, keys),
                    )
        for table_index, table in enumerate(self.mapping.tables):
            if table_index not in self.used:
                continue
            for name, column in table.columns.items():
                looked = column.lookup
                if looked is None or index.keys[looked] or looked in self.incomplete:
                    continue
                if looked not in dropped:
                    self.problem(
                        self.loaded.where(("tables", table_index, "columns", name)),
                        "map-lookup",
                        f"table '{table.title}': column '{name}' names {looked} records, but none were given",
                        help=f"give the {looked} fact file alongside the export",
                    )
                dropped.add(looked)
        return dropped | {kind for kind in self.incomplete if not index.keys[kind]}

    def check_constants(self, index: _NameIndex) -> None:
        """A constant that refers to a record must name one: reported once, not once per row."""
        for table_index, table in enumerate(self.mapping.tables):
            if table_index not in self.used:
                continue
            model = MODELS[table.kind]
            for name, value in table.constants.items():
                target = model.references.get(name)
                if target is None or target in self.incomplete:
                    continue
                given = value if isinstance(value, list) else [value]
                wrong = [key for key in given if key not in index.keys[target]]
                if not wrong:
                    continue
                self.problem(
                    self.loaded.where(("tables", table_index, "constants", name)),
                    "mapping-constant",
                    f"table '{table.title}': constant '{name}': no {target} has key '{wrong[0]}'",
                    help=did_you_mean(str(wrong[0]), index.keys[target]),
                )
                for row in self.rows:
                    if row.table == table_index:
                        row.raw.pop(name, None)
                        row.absent.add(name)

    def hint(self, kind: str, word: str, choices: Sequence[str]) -> str:
        if (kind, word) not in self.hints:
            self.hints[kind, word] = did_you_mean(word, choices)
        return self.hints[kind, word]


class _NameIndex:
    """Keys, names and aliases of each kind, from the `also` records and the imported rows."""

    def __init__(self, importer: _Importer, known: FactSet) -> None:
        self.importer = importer
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.named: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for fact in known.facts:
            self.add(fact.record.kind, fact.record.key, getattr(fact.record, "name", None))
        for row in importer.rows:
            key, name = row.raw.get("key"), row.raw.get("name")
            if isinstance(key, str):
                self.add(row.kind, key, name if isinstance(name, str) else None)

    def add(self, kind: str, key: str, name: str | None) -> None:
        self.keys[kind].add(key)
        if name is not None:
            self.named[kind][name.strip()].add(key)

    def key(self, kind: str, name: str) -> str:
        """The key `name` stands for: an alias, a key, or (by name) the one record so named."""
        lookup = self.importer.mapping.lookup(kind)
        if name in lookup.aliases:
            return lookup.aliases[name]
        if name in self.keys[kind]:
            return name
        choices = list(lookup.aliases)
        if lookup.by == "name":
            keys = self.named[kind].get(name, set())
            if len(keys) == 1:
                return next(iter(keys))
            if keys:
                raise _CellError(
                    "map-lookup",
                    f"'{name}' names {len(keys)} {kind} records ({', '.join(sorted(keys))})",
                    help=f"write the key, or add an alias under lookups.{kind}.aliases",
                )
            choices += sorted(self.named[kind])
            message = f"no {kind} is named '{name}'"
        else:
            choices += sorted(self.keys[kind])
            message = f"no {kind} has key '{name}'"
        raise _CellError("map-lookup", message, self.importer.hint(kind, name, choices))
