"""JSON Lines fact files: one JSON object per line, read in chunks, never held whole.

A city's patrols are 190 MB: neither their bytes nor their text is ever held whole, only the
records' keys. The file is read twice, once for the digest and the encoding, again to parse; the
checks and messages are those of the other formats, which are read whole.

A UTF-8 file whose lines end in LF alone is parsed as bytes, line by line, by orjson, and each record
whose fields are plainly valid is built by `facts.load.fast` (no pydantic, no text decoded). Any
line orjson refuses, that may repeat a field, or whose record the fast path cannot vouch for, takes
the exact path, the same as every other file's: so every error is the exact path's, at its place.
orjson accepts less than Python's json (no NaN, no lone surrogates, no integer beyond 64 bits) and
gives the same values for what it accepts.

A large file of a streamed kind whose consumer takes a table is first offered to the bulk path
(`facts.load.bulk`): read whole by DuckDB when every line can be vouched for, else as above.
"""

from __future__ import annotations

import json
import json.scanner
import os
import typing
from collections.abc import Callable, Iterable

import orjson

from checker.errors import Location
from facts.load import bulk
from facts.load.collect import Collector
from facts.load.decode import (
    Undecodable,
    decode_chunks,
    digest_chunks,
    encoding_of,
    line_in_file,
    not_text,
    split_lines,
)
from facts.load.factset import Feed, fact_at
from facts.load.fast import FastBuilder
from facts.load.files import digest_head, kind_of
from facts.load.messages import reason_of
from facts.load.model_info import MODEL_INFO, ModelInfo
from facts.load.read_json import DECODER, JsonConstant, add_json, json_help

__all__ = ["read_jsonl_file"]

_CHUNK = 1 << 20
"""Bytes read at a time on the fast path."""

_SCAN = json.scanner.make_scanner(DECODER)  # type: ignore[arg-type]  # typeshed: any context
"""The C scanner itself: no Python-level decode() per line."""


def read_jsonl_file(collector: Collector, path: str, name: str, digest: Callable[[bytes], object]) -> None:
    """JSON Lines, read in chunks: once for the digest and the encoding, again to parse."""
    carriage_return = False
    newlines = 0
    last = b""
    marked = None  # whether the file opens with a byte-order mark (the bulk path takes none)

    def digest_and_look(chunk: bytes) -> None:
        nonlocal carriage_return, newlines, last, marked
        digest(chunk)
        if marked is None:
            marked = chunk.startswith(b"\xef\xbb\xbf")
        carriage_return = carriage_return or b"\r" in chunk
        newlines += chunk.count(b"\n")
        last = chunk[-1:]

    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            digest(digest_head(name, size))
            total, binary = digest_chunks(file, digest_and_look)
            if total != size:
                collector.problem(Location(path), "fact-read", "the file changed while it was read")
                return
            kind = kind_of(collector, path, name)
            if kind is None:
                return
            encoding = None if binary else encoding_of(collector, path, file)
            if binary:
                found, at = binary
                not_text(collector, Location(path, line_in_file(file, at)), found)
            if encoding is None:
                collector.incomplete.add(kind)
                return
            file.seek(0)
            model = MODEL_INFO[kind]
            builder = collector.fast_builder(kind)
            plain = encoding == "utf-8" and not carriage_return
            lines = newlines + (last not in (b"", b"\n"))
            if plain and not marked and size >= bulk.BULK_BYTES and _read_bulk(collector, path, model, lines):
                return
            if plain and builder is not None:
                complete = _read_fast(collector, path, file, model, builder)
            else:
                complete = _read_lines(collector, path, split_lines(decode_chunks(file, encoding)), model)
            if not complete:
                collector.incomplete.add(kind)
    except OSError as error:
        collector.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
    except Undecodable:  # it decoded a moment ago
        collector.problem(Location(path), "fact-read", "the file changed while it was read")


def _read_bulk(collector: Collector, path: str, model: ModelInfo, lines: int) -> bool:
    """A streamed kind's file handed to its consumer as one table (`facts.load.bulk`), when the
    consumer takes one, the file is its kind's only one and nothing refers to the kind; False
    (nothing done) when any line cannot be vouched for: the caller reads it line by line."""
    consumer = collector.stream.get(model.kind)
    if not isinstance(consumer, Feed) or consumer.rows is None or model.kind not in collector.bulk_kinds:
        return False
    if collector.keys[model.kind]:
        return False
    known = {
        target: collector.keys[target].keys()
        for _, target, _ in model.references
        if target not in collector.incomplete
    }
    rows = bulk.bulk_rows(path, model.model, lines, known)
    if rows is None:
        return False
    consumer.rows(rows)
    collector.per_file[path] = collector.per_file.get(path, 0) + rows.count
    collector.file_kinds.setdefault(path, model.kind)
    collector.streamed[model.kind] = collector.streamed.get(model.kind, 0) + rows.count
    return True


def _read_fast(
    collector: Collector, path: str, file: typing.BinaryIO, model: ModelInfo, builder: FastBuilder
) -> bool:
    """The lines of a UTF-8 file with LF line ends, as bytes: each through orjson and the fast
    path, or through the exact path (`_read_line`) when either cannot vouch for it."""
    complete = True
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    build, add_fast = builder.build, collector.add_fast
    # a kept kind's records are kept here, as `Collector.add_fast` would keep them, a call less each
    keep = model.kind not in collector.stream
    seen = collector.keys[model.kind]
    facts = collector.by_kind[model.kind]
    to_check = collector.references.to_check if model.references else None
    kept = 0
    # a streamed kind's records (two million patrols) go to the consumer here when their key is new
    # and every key they name is known, found with sets; anything else takes `add_fast`, which
    # reports it exactly
    consumer = collector.stream.get(model.kind)
    place = collector.file_place(path) if consumer is not None else None
    named = [
        (name, collector.keys[target], many)
        for name, target, many in model.references
        if target not in collector.incomplete
    ]
    partial = len(named) < len(model.references)
    streamed = 0
    number = 0
    carry = b""
    first = True
    while True:
        chunk = file.read(_CHUNK)
        final = not chunk
        data = carry + chunk if carry else chunk
        if first and (len(data) >= 3 or final):
            first = False
            data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark; decode_chunks drops it too
        elif first:
            carry = data
            continue
        lines = data.split(b"\n")
        carry = b"" if final else lines.pop()
        for line in lines:
            number += 1
            try:
                item = loads(line)
            except decode_error:
                item = None
            if type(item) is dict and line.count(b":") <= len(item):  # no field repeated
                record = build(item)
                if record is None:
                    pass
                elif not keep:
                    if (
                        consumer is not None
                        and place is not None
                        and not partial
                        and record.key not in seen
                        and _names_known(record, named)
                    ):
                        seen[record.key] = place
                        consumer(record)
                        streamed += 1
                        continue
                    if add_fast(model, record, path, number):
                        continue
                elif record.key not in seen:
                    fact = fact_at(record, path, number)
                    seen[record.key] = fact  # its place, when a duplicate is reported
                    facts.append(fact)
                    if to_check is not None:
                        to_check.append(fact)
                    kept += 1
                    continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:  # it decoded a moment ago
                raise Undecodable(0, 0) from None
            complete &= _read_line(collector, path, model, number, text)
        if final:
            if streamed:
                collector.per_file[path] = collector.per_file.get(path, 0) + streamed
                collector.file_kinds.setdefault(path, model.kind)
                collector.streamed[model.kind] = collector.streamed.get(model.kind, 0) + streamed
            if kept:
                collector.per_file[path] = collector.per_file.get(path, 0) + kept
                collector.file_kinds.setdefault(path, model.kind)
            return complete


def _names_known(record: typing.Any, named: list[tuple[str, typing.Any, bool]]) -> bool:
    """Whether every key the record names is one read already (a missing value names nothing)."""
    for name, keys, many in named:
        value = getattr(record, name)
        if value is None:
            continue
        if many:
            if not all(key in keys for key in value):
                return False
        elif value not in keys:
            return False
    return True


def _read_lines(collector: Collector, path: str, lines: Iterable[str], model: ModelInfo) -> bool:
    """One JSON object per line; blank lines are skipped."""
    complete = True
    for number, line in enumerate(lines, 1):
        complete &= _read_line(collector, path, model, number, line)
    return complete


def _read_line(collector: Collector, path: str, model: ModelInfo, number: int, line: str) -> bool:
    """One line: a blank line is skipped, else one JSON object that is a record."""
    content = line.strip()
    if not content:
        return True
    try:
        item, end = _SCAN(content, 0)
    except (StopIteration, ValueError, RecursionError):
        end = -1
    if end != len(content):
        _line_error(collector, path, number, line, content)
        return False
    return add_json(collector, model, item, content, Location(path, number), model.kind)


def _line_error(collector: Collector, path: str, number: int, line: str, content: str) -> None:
    """Report why a line of JSON Lines is not one JSON value."""
    indent = len(line) - len(line.lstrip())
    try:
        DECODER.decode(content)
    except json.JSONDecodeError as error:
        collector.problem(
            Location(path, number, error.colno + indent),
            "json-syntax",
            f"not valid JSON: {error.msg}",
            help=json_help(error),
        )
        return
    except JsonConstant as constant:
        column = constant.find(content, 0) + 1 + indent
        collector.problem(Location(path, number, column), "json-syntax", str(constant))
        return
    except (ValueError, RecursionError) as error:
        collector.problem(Location(path, number), "json-syntax", f"cannot read JSON: {reason_of(error)}")
        return
    collector.problem(Location(path, number), "json-syntax", "not valid JSON")  # pragma: no cover
