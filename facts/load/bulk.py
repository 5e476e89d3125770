"""A streamed kind's JSON Lines file read, checked and typed in bulk, by DuckDB: or not at all.

Two million patrols cost about 13 µs each in Python (decoding, the fast builder, the bookkeeping,
the count): 26 s of a city's load. Here the file becomes one typed DuckDB table in a few seconds,
but only when every line can be vouched for by checks stricter than the exact path's: each line an
object of plain members (one of the model's field names and a string without backslashes or
control characters, an integer of at most 18 digits, true, false or null), no field twice, every
required field given, each value of its field's type as `FastBuilder` checks it, no key twice, every
reference to a kind read whole found, the row count the line count. Anything else, and any DuckDB
error, returns None: the caller reads the file line by line as before, so every diagnostic is the
exact path's.

DuckDB's own JSON reader is more lenient than JSON (a trailing comma, NaN, a repeated field:
docs/performance.md, "What DuckDB's JSON reader accepts"), which is why the shape test is ours.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

from facts.load.fast import KEY_PATTERN
from facts.load.table import Rows, connect, literal
from facts.models import Key, Record

__all__ = ["BULK_BYTES", "bulk_rows"]

BULK_BYTES = 4 << 20
"""Files smaller than this are read line by line: DuckDB's start-up costs more than it saves."""

_STRING = r'"[^"\\\x00-\x1f]*"'
_VALUE = rf"(?:{_STRING}|-?(?:0|[1-9][0-9]{{0,17}})|true|false|null)"


def line_pattern(names: Sequence[str]) -> str:
    """A line of plain members only, each named after one of `names` (a model's fields, Python
    identifiers): a strict subset of JSON, whatever DuckDB's reader accepts."""
    name = '"(?:' + "|".join(names) + ')"'
    return rf"\{{ *{name} *: *{_VALUE} *(?:, *{name} *: *{_VALUE} *)*\}} *"


class _Field(typing.NamedTuple):
    name: str
    sql_type: str
    """The column's type in the typed table."""
    check: str
    """An SQL condition on `{v}` (the value as text) and `{t}` (its JSON type) that it is valid."""
    required: bool
    nullable: bool
    default: Any


def _field_of(name: str, hint: Any, required: bool, default: Any) -> _Field | None:
    """How one field is checked and typed, or None when the bulk path does not know its type."""
    nullable = type(None) in typing.get_args(hint)
    if nullable:
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) != 1:
            return None
        hint = rest[0]
    if hint == Key:
        check = "{t} = 'VARCHAR' AND regexp_full_match({v}, '" + _braced(KEY_PATTERN) + "')"
        return _Field(name, "VARCHAR", check, required, nullable, default)
    if hint is dt.date:
        check = (
            "{t} = 'VARCHAR' AND regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
            " AND {v} >= '0001-01-01' AND try_cast({v} AS DATE) IS NOT NULL"
        )
        return _Field(name, "DATE", check, required, nullable, default)
    if hint is bool:
        return _Field(name, "BOOLEAN", "{t} = 'BOOLEAN'", required, nullable, default)
    if hint is int:
        return _Field(name, "BIGINT", "{t} IN ('BIGINT', 'UBIGINT')", required, nullable, default)
    if typing.get_origin(hint) is Literal and all(type(arg) is str for arg in typing.get_args(hint)):
        choices = _braced(", ".join(literal(arg) for arg in typing.get_args(hint)))
        check = "{t} = 'VARCHAR' AND {v} IN (" + choices + ")"
        return _Field(name, "VARCHAR", check, required, nullable, default)
    return None


def _braced(text: str) -> str:
    """Text put into a check as itself (checks are `str.format` templates)."""
    return text.replace("{", "{{").replace("}", "}}")


def _fields_of(model: type[Record]) -> list[_Field] | None:
    decorators = model.__pydantic_decorators__
    if decorators.model_validators or decorators.field_validators:
        return None
    hints = typing.get_type_hints(model, include_extras=True)
    fields = []
    for name, info in model.model_fields.items():
        required = info.is_required()
        default = None if required else info.get_default(call_default_factory=True)
        if not isinstance(default, str | bool | int | type(None)):
            return None
        found = _field_of(name, hints[name], required, default)
        if found is None:
            return None
        fields.append(found)
    return fields


def bulk_rows(
    path: str, model: type[Record], lines: int, known: Mapping[str, Collection[str]]
) -> Rows | None:
    """The file's records as a typed table, or None when any line cannot be vouched for.

    `lines` is the file's line count (from the digest pass); `known` the keys of each kind that was
    read whole, for the references (a reference to a kind not in it is not checked, as the loader
    does not check references to kinds not given)."""
    fields = _fields_of(model)
    if fields is None:
        return None
    try:
        import duckdb
    except ImportError:
        return None
    try:
        return _read(connect(duckdb), path, model, fields, lines, known)
    except duckdb.Error:
        return None


def _read(
    connection: Any,
    path: str,
    model: type[Record],
    fields: list[_Field],
    lines: int,
    known: Mapping[str, Collection[str]],
) -> Rows | None:
    """One pass over the file into a typed table with each row's verdict (`ok`), then the counts
    that decide: nothing but the typed values is held (a few tens of bytes a record)."""
    names = [field.name for field in fields]
    present = " + ".join(f"(t[{number}] IS NOT NULL)::INTEGER" for number in range(1, len(fields) + 1))
    valid = [
        "regexp_full_match(json::VARCHAR, $1)",  # plain members, of fields the model has
        f"len(given) = {present}",  # no field twice: as many members as fields given
    ]
    columns = []
    for number, field in enumerate(fields, 1):
        value, kind = f"v[{number}]", f"t[{number}]"
        absent = "false" if field.required else f"{kind} IS NULL"  # not given: its default
        if field.required:
            valid.append(f"{kind} IS NOT NULL")  # given (json_type of a missing field is NULL)
        allowed = absent + (f" OR {kind} = 'NULL'" if field.nullable else "")
        valid.append(f"(({allowed}) OR ({field.check.format(v=value, t=kind)}))")
        columns.append(
            f"CASE WHEN {kind} IS NULL THEN {literal(field.default)} WHEN {kind} = 'NULL' THEN NULL"
            f" ELSE TRY_CAST({value} AS {field.sql_type}) END AS {field.name}"
        )
    connection.execute(
        f"CREATE TEMP TABLE records AS SELECT {', '.join(columns)}, {' AND '.join(valid)} AS ok"
        " FROM (SELECT json, json_keys(json) AS given, json_extract_string(json, $2) AS v,"
        " json_type(json, $2) AS t FROM read_ndjson_objects($3))",
        [line_pattern(names), [f"$.{name}" for name in names], path],
    )
    rows, good, keys = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE ok), count(DISTINCT key) FROM records"
    ).fetchone()
    if not rows == good == keys == lines:  # a line not vouched for, a key twice, a blank line
        return None
    for name, target in model.references.items():
        given = known.get(target)
        if given is None:
            continue  # a kind not read whole: its references are not checked (nor are they here)
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE known AS SELECT unnest($1::VARCHAR[]) AS key", [sorted(given)]
        )
        (unknown,) = connection.execute(
            f"SELECT count(*) FROM records WHERE {name} IS NOT NULL AND {name} NOT IN (SELECT key FROM known)"
        ).fetchone()
        if unknown:
            return None
    return Rows(connection, "records", model.kind, {field.name: field.sql_type for field in fields}, rows)
