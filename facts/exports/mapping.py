"""The mapping file: how the sheets and columns of an export become fact records.

An export from the river chief information system (or a ledger kept in Excel) has Chinese headers,
its own words for statuses, dates spelt several ways and units named rather than keyed. A mapping
file (YAML, described in docs/mappings.md) says which sheet (or CSV file) holds which kind of
record, which column gives which field, how words translate to the models' values, how names
resolve to keys, and which date spellings are accepted. This module reads it into strict models and
checks it against the record models; every problem is reported together, each at its line.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from facts.exports.sheets import DATE_SPELLINGS
from facts.models import MODELS, Key, Record
from facts.schemaerrors import schema_diagnostics
from facts.yamlfile import read_yaml_file
from facts.yamlsrc import Located, PathTuple

__all__ = [
    "DATE_SPELLINGS",
    "Column",
    "FieldInfo",
    "Lookup",
    "Mapping",
    "Table",
    "field_info",
    "load_mapping",
]

DateSpelling = Literal["iso", "slash", "chinese", "excel_serial"]


def _known_kind(kind: str) -> str:
    if kind not in MODELS:
        hint = did_you_mean(kind, MODELS)
        raise ValueError(
            f"unknown fact kind '{kind}' (kinds: {', '.join(MODELS)})" + (f"; {hint}" if hint else "")
        )
    return kind


Kind = Annotated[str, AfterValidator(_known_kind)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Header = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class Strict(BaseModel):
    """Base of the mapping file's models: unknown fields are errors; frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Column(Strict):
    """How one column's cells become one field's values (`问题编号: key` is short for `{field: key}`)."""

    field: Text
    values: dict[str, StrictStr | StrictBool] | None = None
    """Words in the cells and the field values they stand for (`已销号: signed_off`)."""
    lookup: Kind | None = None
    """Cells name a record of this kind (by its name, an alias or its key): the field gets its key."""
    date: bool = False
    dates: list[DateSpelling] | None = Field(default=None, min_length=1)
    """The date spellings this column accepts, instead of the mapping's `dates`."""
    separator: Annotated[str, StringConstraints(min_length=1)] | None = Field(default=None, alias="list")
    """Several values in one cell, split on this text (`list: "、"`)."""

    @model_validator(mode="before")
    @classmethod
    def _field_name_alone(cls, data: Any) -> Any:
        return {"field": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_translation(self) -> Column:
        if self.values is not None and self.lookup is not None:
            raise ValueError("a column translates words ('values') or looks up names ('lookup'), not both")
        if self.is_date and (self.values is not None or self.lookup is not None):
            raise ValueError("a date column cannot also translate words or look up names")
        return self

    @property
    def is_date(self) -> bool:
        return self.date or self.dates is not None


class Table(Strict):
    """One sheet of a workbook (or CSV files named like `file`) holding records of one kind."""

    kind: Kind
    sheet: Text | None = None
    file: Text | None = None
    """A glob on the CSV file's name (`*问题*.csv`); for a sheet of a workbook, give `sheet`."""
    header_row: int = Field(default=1, ge=1)
    columns: Annotated[dict[Header, Column], Field(min_length=1)]
    constants: dict[str, StrictStr | StrictBool | list[StrictStr]] = {}
    """Fields every record of the table gets, for what the sheet does not say (`office: U-OFFICE`)."""
    ignore: list[Header] = []
    """Columns present but not used: any other header the mapping does not name is an error."""

    @model_validator(mode="after")
    def _sheet_or_file(self) -> Table:
        if self.sheet is not None and self.file is not None:
            raise ValueError("give 'sheet' (a sheet of a workbook) or 'file' (csv files), not both")
        if self.sheet is None and self.file is None:
            raise ValueError("give 'sheet' (a sheet of a workbook) or 'file' (a pattern of csv file names)")
        return self

    @property
    def title(self) -> str:
        """How messages name the table: its sheet, or its file pattern."""
        return self.sheet if self.sheet is not None else str(self.file)


class Lookup(Strict):
    """How cells name records of one kind: by their `name` (or `key` only), plus extra spellings."""

    by: Literal["name", "key"] = "name"
    aliases: dict[Header, Key] = {}
    """Spellings that are neither a name nor a key, and the key each stands for (`水务局: U-WATER`)."""


class Mapping(Strict):
    """A whole mapping file."""

    name: Text | None = None
    dates: Annotated[list[DateSpelling], Field(min_length=1)] = ["iso"]
    """Date spellings accepted in every date column that does not give its own `dates`."""
    tables: Annotated[list[Table], Field(min_length=1)]
    lookups: dict[Kind, Lookup] = {}

    def lookup(self, kind: str) -> Lookup:
        """How names of `kind` resolve: as the mapping says, or by name (by key for nameless kinds)."""
        found = self.lookups.get(kind)
        if found is not None:
            return found
        return Lookup(by="name" if "name" in MODELS[kind].model_fields else "key")


@dataclass(frozen=True)
class LoadedMapping:
    """A mapping with the file it came from (for errors that name a line)."""

    mapping: Mapping
    source: Located

    @property
    def path(self) -> str:
        return self.source.path

    def where(self, at: PathTuple) -> Location:
        return self.source.where(at)


# --- what a mapping may say about a field ---------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    """What a record model's field holds, as far as translating cells goes."""

    name: str
    is_list: bool
    is_bool: bool
    is_date: bool
    choices: tuple[str, ...]
    refers_to: str | None


def field_info(model: type[Record], name: str) -> FieldInfo:
    """How a field of `model` is treated: list, boolean, date, closed set of words, reference."""
    annotation = model.model_fields[name].annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        annotation = args[0] if len(args) == 1 else annotation
    is_list = typing.get_origin(annotation) is list
    choices: tuple[str, ...] = ()
    if typing.get_origin(annotation) is Literal:
        choices = tuple(str(arg) for arg in typing.get_args(annotation))
    return FieldInfo(
        name=name,
        is_list=is_list,
        is_bool=annotation is bool,
        is_date=annotation is dt.date,
        choices=choices,
        refers_to=model.references.get(name),
    )


# --- reading and checking -------------------------------------------------------------------------


_OPTION_NAMES = frozenset().union(
    *(model.model_fields for model in (Mapping, Table, Column, Lookup)), {"list"}
)


def load_mapping(path: str | Path) -> LoadedMapping:
    """Read a mapping file and check it against the record models; every problem at its line."""
    located = read_yaml_file(Path(path), "mapping-read", "the mapping file")
    if not isinstance(located.data, dict):
        raise CheckerError.at(
            located.where(()),
            "mapping-shape",
            "a mapping file holds a mapping: name, dates, tables, lookups",
            help="see docs/mappings.md",
        )
    try:
        mapping = Mapping.model_validate(located.data)
    except ValidationError as error:
        raise CheckerError(_schema_problems(error, located)) from None
    loaded = LoadedMapping(mapping, located)
    problems = check_mapping(loaded)
    if problems:
        raise CheckerError(problems)
    return loaded


def _schema_problems(error: ValidationError, located: Located) -> list[Diagnostic]:
    """pydantic's errors at their lines, with codes of the mapping family."""
    found = []
    for diagnostic in schema_diagnostics(error, located, Mapping):
        help = diagnostic.help
        if diagnostic.code == "unknown-field" and not help:
            help = did_you_mean(diagnostic.message.split("'")[1], _OPTION_NAMES)
        found.append(
            Diagnostic(
                diagnostic.location,
                f"mapping-{diagnostic.code}",
                diagnostic.message,
                detail=diagnostic.detail,
                help=help,
            )
        )
    return found


def check_mapping(loaded: LoadedMapping) -> list[Diagnostic]:
    """What the schema cannot see: fields the kind has, words the fields allow, lookups that fit."""
    problems: list[Diagnostic] = []
    mapping = loaded.mapping
    for index, table in enumerate(mapping.tables):
        problems += _check_table(loaded, index, table)
    for kind, lookup in mapping.lookups.items():
        if lookup.by == "name" and "name" not in MODELS[kind].model_fields:
            problems.append(
                Diagnostic(
                    loaded.where(("lookups", kind, "by")),
                    "mapping-lookup",
                    f"a {kind} has no name to look up by",
                    help="write 'by: key' (cells hold keys, or aliases)",
                )
            )
    return problems


def _check_table(loaded: LoadedMapping, index: int, table: Table) -> list[Diagnostic]:
    model = MODELS[table.kind]
    fields = model.model_fields
    at: PathTuple = ("tables", index)
    label = f"table '{table.title}'"
    problems: list[Diagnostic] = []

    def problem(where: PathTuple, code: str, message: str, help: str = "") -> None:
        problems.append(Diagnostic(loaded.where((*at, *where)), code, f"{label}: {message}", help=help))

    given: dict[str, str] = {}  # field -> the header that gives it
    for header, column in table.columns.items():
        place = ("columns", header)
        name = column.field
        if name not in fields:
            problem(
                place,
                "mapping-field",
                f"column '{header}': a {table.kind} has no field '{name}'",
                help=did_you_mean(name, fields) or f"fields: {', '.join(fields)}",
            )
            continue
        if name in given:
            problem(place, "mapping-field", f"columns '{given[name]}' and '{header}' both give '{name}'")
        given.setdefault(name, header)
        info = field_info(model, name)
        for message in _column_misfits(column, info, table.kind):
            problem(place, "mapping-column", f"column '{header}': {message}")
        for word, target in (column.values or {}).items():
            wrong = _misfit_value(target, info)
            if wrong:
                problem((*place, "values", word), "mapping-value", f"column '{header}': {wrong}")
        if header in table.ignore:
            problem(place, "mapping-column", f"column '{header}' is both mapped and ignored")
    for name, value in table.constants.items():
        place = ("constants", name)
        if name not in fields:
            problem(
                place,
                "mapping-field",
                f"constant '{name}': a {table.kind} has no such field",
                help=did_you_mean(name, fields),
            )
            continue
        if name in given:
            problem(place, "mapping-field", f"'{name}' is given by column '{given[name]}' and as a constant")
        wrong = _misfit_constant(value, field_info(model, name))
        if wrong:
            problem(place, "mapping-value", f"constant '{name}': {wrong}")
    for name, declared in fields.items():
        if declared.is_required() and name not in given and name not in table.constants:
            problem(
                ("columns",),
                "mapping-required",
                f"nothing gives the required field '{name}' of a {table.kind}",
                help=f"map a column to '{name}', or give it under 'constants'",
            )
    return problems


def _column_misfits(column: Column, info: FieldInfo, kind: str) -> list[str]:
    found = []
    if column.is_date and not info.is_date:
        found.append(f"'{info.name}' is not a date field")
    if column.separator is not None and not info.is_list:
        found.append(f"'{info.name}' holds one value, not a list: drop 'list'")
    if column.lookup is not None:
        if info.refers_to is None:
            found.append(f"'{info.name}' holds no keys of other records: drop 'lookup'")
        elif column.lookup != info.refers_to:
            found.append(f"'{info.name}' holds {info.refers_to} keys, not {column.lookup} keys")
    if column.values is not None and info.is_date:
        found.append(f"'{info.name}' is a date: write 'date: true' instead of 'values'")
    return found


def _misfit_value(value: str | bool, info: FieldInfo) -> str:
    """Why `value` cannot be a value of the field, or ''."""
    if info.is_bool:
        return "" if isinstance(value, bool) else f"'{info.name}' is true or false, not '{value}'"
    if isinstance(value, bool):
        return f"'{info.name}' is not a true/false field: write the value as text"
    if info.choices and value not in info.choices:
        hint = did_you_mean(value, info.choices)
        allowed = ", ".join(info.choices)
        return f"'{value}' is not a value of '{info.name}' ({allowed})" + (f"; {hint}" if hint else "")
    return ""


def _misfit_constant(value: str | bool | list[str], info: FieldInfo) -> str:
    if isinstance(value, list):
        if not info.is_list:
            return f"'{info.name}' holds one value, not a list"
        return next((wrong for item in value if (wrong := _misfit_value(item, info))), "")
    if info.is_list:
        return f"'{info.name}' holds a list: write [{value}]"
    return _misfit_value(value, info)
