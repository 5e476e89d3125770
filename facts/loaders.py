"""Read fact files (YAML, JSON, JSON Lines, CSV) into validated records that know their place.

`load_facts` takes files and directories, reads every fact file, validates each record against its
model (`facts.models`), checks that keys are unique per kind and that references name existing
records, and returns a `FactSet`. Every problem with the input becomes a `Diagnostic` naming the
file and line; all of them are raised together as one `CheckerError` at the end. Nothing else is
raised for bad input and nothing is printed.

A file's kind comes from its name (`problems.yaml`, `problems-2026.csv`, `chiefs_pudong.jsonl`, see
`FILE_STEMS`). Text is UTF-8 (a BOM is allowed) or GB18030 (what Chinese Excel exports).
"""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import difflib
import gc
import hashlib
import io
import json
import json.scanner
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from facts.models import FILE_STEMS, MODELS, Record
from facts.yamlsrc import Located, PathTuple, load_yaml

__all__ = ["Fact", "FactSet", "RawRecord", "load_facts", "load_records"]

_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".csv")
"""File name endings read as fact files (any case); other files in a directory are ignored."""


@dataclass(frozen=True, slots=True)
class Fact:
    """A validated record and where it was read: the file as given or joined, 1-based line."""

    record: Record
    location: Location


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
    _by_key: dict[tuple[str, str], Fact] = field(init=False, repr=False, compare=False)
    _by_kind: dict[str, tuple[Fact, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[tuple[str, str], Fact] = {}
        by_kind: dict[str, list[Fact]] = {}
        for fact in self.facts:
            kind = fact.record.kind
            by_key.setdefault((kind, fact.record.key), fact)
            by_kind.setdefault(kind, []).append(fact)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_by_kind", {kind: tuple(facts) for kind, facts in by_kind.items()})

    def of_kind(self, kind: str) -> tuple[Fact, ...]:
        """The facts of one kind (`problem`) in key order; empty for a kind with no records."""
        return self._by_kind.get(kind, ())

    def find(self, kind: str, key: str) -> Fact | None:
        """The fact of `kind` with `key`, or None."""
        return self._by_key.get((kind, key))

    def __len__(self) -> int:
        return len(self.facts)


Consumer = Callable[[Record], None]


def load_facts(paths: Sequence[str | Path], stream: Mapping[str, Consumer] | None = None) -> FactSet:
    """Read, validate and cross-check the fact files at `paths` (files or directories).

    Raises one `CheckerError` carrying every diagnostic of every file, and nothing else for bad input.
    Records of a kind in `stream` (one that rules only count: two million patrols) are validated
    and checked like any other, then handed to its consumer instead of being kept: their files are
    read last, so their references are checked as they pass, against the keys already read.
    """
    if isinstance(paths, str | Path):  # a str is a Sequence too: one path, not one per character
        paths = [paths]
    # Hundreds of thousands of records and no reference cycles among them: the cyclic collector
    # would only rescan the growing heap again and again (a third of the load time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(paths, stream or {})
    finally:
        if collecting:
            gc.enable()


def _load(paths: Sequence[str | Path], stream: Mapping[str, Consumer]) -> FactSet:
    loader = _Loader()
    loader.stream = dict(stream)
    files = _find_files(paths, loader.diagnostics)
    # streamed kinds last, so the keys they refer to are all known when their records pass
    files.sort(key=lambda path: FILE_STEMS.get(_stem(os.path.basename(path))) in stream)
    if not files and not loader.diagnostics:
        loader.problem(
            Location(str(paths[0]) if paths else "(no paths given)"),
            "fact-no-files",
            "no fact files found",
            help=f"fact files end in {', '.join(_SUFFIXES)} and are named after their kind: problems.yaml",
        )
    per_file: dict[str, bytes] = {}
    for path in files:
        digest = hashlib.sha256()
        loader.load_file(path, digest.update)
        per_file[path] = digest.digest()
    loader.check_references()
    if loader.diagnostics:
        raise CheckerError(loader.diagnostics)
    facts = sorted(loader.facts, key=lambda fact: (fact.record.kind, fact.record.key))
    # each file's digest, combined in path order: the same whichever order the files were read in
    combined = hashlib.sha256(b"".join(per_file[path] for path in sorted(per_file))).hexdigest()
    return FactSet(tuple(facts), combined, tuple(sorted(files)), dict(sorted(loader.streamed.items())))


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


Records = Iterable[RawRecord] | Callable[[FactSet], Iterable[RawRecord]]
"""Records, or a function that makes them from the records of the `also` files (to resolve names)."""


def load_records(
    records: Records,
    also: Sequence[str | Path] = (),
    *,
    sources: Sequence[str | Path] = (),
    incomplete: Iterable[str] = (),
) -> FactSet:
    """Validate and cross-check records read elsewhere, with the fact files at `also` read alongside.

    The same checks as `load_facts`, through the same machinery: each record against its model,
    unique keys per kind across the records and the files, references among all of them. When
    `records` is a function it is called with the validated records of `also` (references not yet
    checked), unless reading them went wrong: then their diagnostics are raised alone.
    `sources` are the files the records came from, for the digest and `FactSet.sources`;
    `incomplete` names kinds whose records are not all given, so references to them are not checked.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        loader = _Loader()
        files = _find_files(also, loader.diagnostics) if also else []
        given = {os.path.realpath(path): path for path in files}
        for source in sources:
            given.setdefault(os.path.realpath(source), str(source))
        per_file: dict[str, bytes] = {}
        to_load = set(files)
        for path in sorted(given.values()):
            digest = hashlib.sha256()
            if path in to_load:
                loader.load_file(path, digest.update)
            else:
                loader.digest_source(path, digest.update)
            per_file[path] = digest.digest()
        if callable(records):
            if loader.diagnostics:
                raise CheckerError(loader.diagnostics)
            known = sorted(loader.facts, key=lambda fact: (fact.record.kind, fact.record.key))
            records = records(FactSet(tuple(known), "", ()))
        for record in records:
            loader.add_record(record)
        loader.incomplete.update(incomplete)
        loader.check_references()
        if loader.diagnostics:
            raise CheckerError(loader.diagnostics)
        facts = sorted(loader.facts, key=lambda fact: (fact.record.kind, fact.record.key))
        return FactSet(
            tuple(facts),
            hashlib.sha256(b"".join(per_file[path] for path in sorted(per_file))).hexdigest(),
            tuple(sorted(given.values())),
        )
    finally:
        if collecting:
            gc.enable()


def _digest_file(name: str, data: bytes, digest: Callable[[bytes], object]) -> None:
    """A file's base name and bytes, into the facts digest."""
    digest(_digest_head(name, len(data)))
    digest(data)


def _digest_head(name: str, size: int) -> bytes:
    """What precedes a file's bytes in the digest: its base name and its size."""
    encoded = name.encode("utf-8", "surrogateescape")
    return len(encoded).to_bytes(8, "big") + encoded + size.to_bytes(8, "big")


# --- finding files ------------------------------------------------------------------------------


def _find_files(paths: Sequence[str | Path], diagnostics: list[Diagnostic]) -> list[str]:
    """The fact files named by `paths`, without repeats; problems go to `diagnostics`.

    Files come in the order their paths were given, a folder's in name order: when two files hold
    the same key, the record in the later file is the one reported (a ledger added to a district's
    records is blamed for its clash with them, not the other way round).
    """
    found: dict[str, str] = {}  # real path -> path as given or joined

    def add(path: str) -> None:
        found.setdefault(os.path.realpath(path), path)

    def unreadable(error: OSError) -> None:  # a directory that cannot be listed is not silently empty
        where = Location(str(error.filename or "."))
        diagnostics.append(
            Diagnostic(where, "fact-read", f"cannot read the directory: {error.strerror or error}")
        )

    for given in paths:
        path = str(given)
        if os.path.isdir(path):
            for directory, subdirs, names in os.walk(path, onerror=unreadable):
                subdirs[:] = sorted(name for name in subdirs if not name.startswith("."))
                for name in sorted(names):
                    if not name.startswith(".") and name.lower().endswith(_SUFFIXES):
                        add(os.path.join(directory, name))
        elif os.path.isfile(path):
            if path.lower().endswith(_SUFFIXES):
                add(path)
            else:
                diagnostics.append(
                    Diagnostic(
                        Location(path),
                        "fact-file-type",
                        f"'{os.path.basename(path)}' is not a fact file",
                        help=f"fact files end in {', '.join(_SUFFIXES)}",
                    )
                )
        else:
            diagnostics.append(Diagnostic(Location(path), "fact-path", "no such file or directory"))
    return list(found.values())


def _split_lines(pieces: Iterable[str]) -> Iterator[str]:
    """The lines of text that arrives in pieces, ended by CR LF, LF or a lone CR (as editors count).

    Not `splitlines()`: U+2028 and the other breaks it knows are valid inside JSON strings. A CR at
    the end of a piece ends its line; an LF that starts the next piece is then part of that break.
    """
    pending = ""
    after_cr = False
    for piece in pieces:
        if after_cr and piece:
            after_cr = False
            piece = piece.removeprefix("\n")
        if not piece:
            continue
        text = pending + piece
        after_cr = text.endswith("\r")
        if after_cr:
            text = text[:-1]
        if "\r" in text:
            text = _CARRIAGE_RETURN.sub("\n", text)
        lines = (text + "\n" if after_cr else text).split("\n")
        pending = lines.pop()
        yield from lines
    yield pending


_CHUNK = 1 << 20
"""Bytes read at a time from a JSON Lines file."""


class _Undecodable(Exception):
    """A byte at `offset` that the encoding cannot decode."""

    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(offset)
        self.offset = offset
        self.byte = byte


def _decoded(file: typing.BinaryIO, encoding: str) -> Iterator[str]:
    """A file's text in pieces, decoded chunk by chunk from its start (a character split between two
    chunks is completed from the next). One byte-order mark is dropped. Raises _Undecodable."""
    carry = b""
    offset = 0  # of the first byte of `data` in the file
    looked_for_bom = encoding != "utf-8"  # GB18030's is a character: dropped from the text below
    before_text = True
    while True:
        chunk = file.read(_CHUNK)
        final = not chunk
        data = carry + chunk if carry else chunk
        if not looked_for_bom:
            if len(data) < len(codecs.BOM_UTF8) and not final and codecs.BOM_UTF8.startswith(data):
                carry = data  # too short to tell
                continue
            looked_for_bom = True
            if data.startswith(codecs.BOM_UTF8):
                data, offset = data[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
        try:
            if encoding == "utf-8":
                text, used = codecs.utf_8_decode(data, "strict", final)
            else:
                text, used = data.decode(encoding), len(data)
        except UnicodeDecodeError as error:
            if final or error.reason != "incomplete multibyte sequence":
                raise _Undecodable(offset + error.start, data[error.start]) from None
            text, used = data[: error.start].decode(encoding), error.start
        if before_text and text:
            before_text = False
            if encoding != "utf-8":
                text = text.removeprefix("\ufeff")
        carry = data[used:]
        offset += used
        if text:
            yield text
        if final:
            return


def _line_in_file(file: typing.BinaryIO, offset: int) -> int:
    """The 1-based line of a byte offset of a file, read in chunks (see `_line_of`)."""
    file.seek(0)
    line, done, after_cr = 1, 0, False
    while done < offset:
        chunk = file.read(min(_CHUNK, offset - done))
        if not chunk:
            break
        if after_cr and chunk.startswith(b"\n"):
            line -= 1  # the LF of a CR LF split between two chunks: the CR counted the break
        line += _line_of(chunk, len(chunk)) - 1
        after_cr = chunk.endswith(b"\r")
        done += len(chunk)
    return line


def _stem(name: str) -> str:
    """The part of a file name that says its kind: `Problems-2026.csv` -> `problems`."""
    return re.split(r"[.\-_]", name.lower(), maxsplit=1)[0]


# --- what the loader knows about each model -----------------------------------------------------


_KEY_TEXT = "a key (1-64 characters, no spaces, commas or semicolons)"
_DATE_TEXT = "a date YYYY-MM-DD"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


@dataclass(frozen=True)
class _Model:
    """A model's fields sorted by how the loader treats them, worked out once per model."""

    model: type[Record]
    validate: Callable[[Any], Record]
    """The model's compiled validator, called directly (what `model_validate` does, minus a layer)."""
    kind: str
    article: str
    fields: frozenset[str]
    required: frozenset[str]
    list_fields: frozenset[str]
    bool_fields: frozenset[str]
    date_fields: tuple[str, ...]
    key_fields: frozenset[str]
    choices: dict[str, tuple[str, ...]]
    references: tuple[tuple[str, str, bool], ...]
    """(field, kind it refers to, holds a list of keys)."""

    @classmethod
    def of(cls, model: type[Record]) -> _Model:
        lists: set[str] = set()
        bools: set[str] = set()
        dates: list[str] = []
        choices: dict[str, tuple[str, ...]] = {}
        for name, info in model.model_fields.items():
            annotation = _unwrap_optional(info.annotation)
            if typing.get_origin(annotation) is list:
                lists.add(name)
            elif annotation is bool:
                bools.add(name)
            elif annotation is dt.date:
                dates.append(name)
            elif typing.get_origin(annotation) is Literal:
                choices[name] = tuple(str(arg) for arg in typing.get_args(annotation))
        return cls(
            model=model,
            validate=model.__pydantic_validator__.validate_python,
            kind=model.kind,
            article="an" if model.kind[0] in "aeio" else "a",
            fields=frozenset(model.model_fields),
            required=frozenset(name for name, info in model.model_fields.items() if info.is_required()),
            list_fields=frozenset(lists),
            bool_fields=frozenset(bools),
            date_fields=tuple(dates),
            key_fields=frozenset({"key", *model.references}),
            choices=choices,
            references=tuple((name, kind, name in lists) for name, kind in model.references.items()),
        )


_MODELS: dict[str, _Model] = {kind: _Model.of(model) for kind, model in MODELS.items()}


# --- values and pydantic errors in words ----------------------------------------------------------


def _printable(text: str) -> str:
    """Text with every character a terminal would act on or hide written as an escape: `\\x1b`."""
    if text.isprintable():
        return text
    return "".join(
        character if character.isprintable() else character.encode("unicode_escape").decode("ascii")
        for character in text
    )


def _quote(text: str, limit: int = 64) -> str:
    """Text from a file, quoted, escaped and cut short, for a message."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{_printable(text)}'"


def _show(value: Any) -> str:
    """A value as a fact file would have it, quoted and cut short."""
    if isinstance(value, str):
        return _quote(value, 60)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (ValueError, RecursionError):  # YAML anchors can make a structure that contains itself
            text = type(value).__name__
    return _printable(text if len(text) <= 60 else text[:57] + "...")


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    return f"the value {_show(value)}"


_EXPECTED_BY_TYPE = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "string_too_short": "non-empty text",
    "string_type": "text",
    "dict_type": "a mapping",
}


def _expected(error: Any, model: _Model, name: str, csv_row: int) -> str:
    kind: str = error["type"]
    context = error.get("ctx") or {}
    if kind.startswith("date"):
        return _DATE_TEXT
    if kind == "literal_error":
        return str(context.get("expected", "one of the allowed values"))
    if kind == "string_too_long":
        return f"at most {context.get('max_length')} characters"
    if kind in ("string_pattern_mismatch", "string_type") and name in model.key_fields:
        return _KEY_TEXT
    if kind.startswith("bool") and csv_row:
        return "true or false (or yes/no, 1/0, 是/否)"
    if kind in _EXPECTED_BY_TYPE:
        return _EXPECTED_BY_TYPE[kind]
    return str(error.get("msg", "a valid value")).removeprefix("Input should be ")


def _found(error: Any) -> str:
    value = error.get("input")
    if error["type"] == "string_too_long" and isinstance(value, str):
        return f"{len(value):,} characters"
    if error["type"] == "string_pattern_mismatch" and isinstance(value, str) and len(value) > 64:
        return f"{len(value):,} characters: {_show(value)}"
    return _show(value)


def _label(kind: str, key: str | None, unnamed: str, row: int) -> str:
    """How messages name a record: `problem 'P-7'`, `row 5: problem 'P-7'`, `problem #3`."""
    label = f"{kind} {_quote(key)}" if key else unnamed
    return f"row {row}: {label}" if row else label


_OTHER_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
"""2026/11/26, 2026.11.26, 2026-2-1 and 2026年11月26日: a day, spelt another way."""
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_DATE_AND_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ][0-9:.+\-Z ]*")


def _date_help(value: Any) -> str:
    """How to write a date that was written another way, or why the day does not exist; or ''."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    match = _OTHER_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text) or _DATE_AND_TIME.fullmatch(text)
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month}: months are 01 to 12"
    if not 1 <= year <= 9999:
        return ""
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"there is no day {day} in {year}-{month:02}: it has {days} days"
    iso = dt.date(year, month, day).isoformat()
    if iso == text:
        return ""
    if match.re is _DATE_AND_TIME:
        return f"write the day alone: {iso}"
    return f"write {iso}"


def _reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "values nested too deeply"
    return str(error)


# --- the loader ---------------------------------------------------------------------------------


Where = Callable[[PathTuple], Location]
"""The place of a field (or a list item) of the record being validated (YAML)."""

_Check = tuple["_Model", "dict[str, Any] | Record", str | None, str, int, Location, Located | None, int]
"""A record whose references are checked at the end: model, the record (or its raw fields if it is
invalid), key, name if it has no key, CSV row, place, YAML places and its index in the YAML list."""

_CSV_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_CSV_BOOLS |= {"是": True, "否": False}
_PLAIN, _LIST, _BOOL = 0, 1, 2
_WHITESPACE = re.compile(r"[ \t\n\r]*")


_CARRIAGE_RETURN = re.compile("\r\n?")
_NOT_TEXT = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one: read it with --mapping)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"\xff\xfe": "UTF-16 text",
    b"\xfe\xff": "UTF-16 text",
}
"""How files that are not text begin, and what they are."""


def _line_of(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, counting CR LF, LF and a lone CR as one line break each."""
    lf, cr, crlf = data.count(b"\n", 0, offset), data.count(b"\r", 0, offset), data.count(b"\r\n", 0, offset)
    return lf + cr - crlf + 1


class _JsonNumber(float):
    """A JSON number with a fraction or exponent, shown as written: `1e400` is not `inf` in a message.

    No fact field holds a number, so its value only ever appears in the message that refuses it.
    """

    text: str

    def __new__(cls, text: str) -> _JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __repr__(self) -> str:
        return self.text


class _JsonConstant(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, but they are not JSON."""

    def __init__(self, name: str) -> None:
        super().__init__(f"not valid JSON: expected a value, found {name} (JSON has no NaN or Infinity)")
        self.name = name

    def find(self, text: str, start: int) -> int:
        """Where the constant is, from `start` (outside strings as far as a quick look can tell)."""
        match = re.compile(rf"(?<![\w\"]){re.escape(self.name)}(?![\w\"])").search(text, start)
        return match.start() if match else start


def _no_constant(name: str) -> Any:
    raise _JsonConstant(name)


def _json_help(error: json.JSONDecodeError) -> str:
    """The cheap fix for a JSON syntax error, when it is a common one; or ''."""
    text, offset = error.doc, error.pos
    if error.msg.startswith("Unterminated string"):
        return "the text that starts here has no closing '\"'"
    if offset >= len(text):
        return "the text ends too early: a bracket, brace or quote is not closed"
    found = text[offset]
    before = text[:offset].rstrip()
    if found in "]}" and before.endswith(","):
        return f"JSON allows no ',' before '{found}': remove it"
    if found == "'":
        return 'JSON writes text and field names in double quotes: "key"'
    if found.isalpha() and before.endswith(("{", ",")):
        return 'JSON writes field names in double quotes: "key"'
    return ""


class _DuplicateField(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _no_duplicate_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _DuplicateField(name)
            seen.add(name)
    return result


class _Loader:
    """The state of one `load_facts` call: facts and diagnostics so far, keys seen per kind."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.facts: list[Fact] = []
        self.keys: dict[str, dict[str, Location]] = {kind: {} for kind in MODELS}
        """Every key seen per kind (of valid and invalid records) and where it was first seen."""
        self.incomplete: set[str] = set()
        """Kinds with a file that could not be read whole: references to them are not checked."""
        self.to_check: list[_Check] = []
        self.stream: dict[str, Consumer] = {}
        self.file_places: dict[str, Location] = {}
        self.streamed: dict[str, int] = {}
        """Kinds whose valid records go to a consumer instead of into the fact set."""
        self.json = json.JSONDecoder(parse_float=_JsonNumber, parse_constant=_no_constant)
        self.scan = json.scanner.make_scanner(self.json)  # type: ignore[arg-type]  # typeshed: any context
        self.strict_json = json.JSONDecoder(
            object_pairs_hook=_no_duplicate_fields, parse_float=_JsonNumber, parse_constant=_no_constant
        )
        self.hints: dict[tuple[str, str], str] = {}
        self.hint_budget = 5_000_000
        """Key comparisons left for did-you-mean on references (difflib over 300,000 keys is slow)."""

    def problem(self, location: Location, code: str, message: str, help: str = "") -> None:
        # values from the file are in the words: a control character must not reach the terminal
        self.diagnostics.append(Diagnostic(location, code, _printable(message), help=_printable(help)))

    # files

    def load_file(self, path: str, digest: Callable[[bytes], object]) -> None:
        name = os.path.basename(path)
        suffix = name.lower().rsplit(".", 1)[-1]
        if suffix == "jsonl":
            self.load_jsonl(path, name, digest)
            return
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            self.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
            return
        _digest_file(name, data, digest)
        kind = self.kind_of(path, name)
        if kind is None:
            return
        text = self.decode(path, data)
        del data  # keep only the text while reading
        if text is None:
            self.incomplete.add(kind)
            return
        if suffix == "json" and "\r" in text:
            # JSON counts lines by LF alone; YAML, CSV and editors count CR LF, LF and a lone CR. A CR
            # is only ever whitespace between JSON values (it is not allowed inside a string).
            text = _CARRIAGE_RETURN.sub("\n", text)
        read = {"yaml": self.read_yaml, "yml": self.read_yaml, "json": self.read_json, "csv": self.read_csv}
        if not read[suffix](path, text, _MODELS[kind]):
            self.incomplete.add(kind)

    def kind_of(self, path: str, name: str) -> str | None:
        """The kind of facts a file holds, by its name; None (and a diagnostic) when it names none."""
        stem = _stem(name)
        kind = FILE_STEMS.get(stem)
        if kind is None:
            self.problem(
                Location(path),
                "fact-file-kind",
                f"the file name '{name}' does not say what kind of facts it holds",
                help=did_you_mean(stem, FILE_STEMS)
                or f"start the name with one of: {', '.join(sorted(FILE_STEMS))} (e.g. problems-2026.csv)",
            )
            for meant in difflib.get_close_matches(stem, FILE_STEMS, n=1, cutoff=0.6):
                self.incomplete.add(FILE_STEMS[meant])  # its records are missing: no flood of bad references
        return kind

    def load_jsonl(self, path: str, name: str, digest: Callable[[bytes], object]) -> None:
        """JSON Lines, read in chunks: once for the digest and the encoding, again to parse.

        A city's patrols are 130 MB: neither their bytes nor their text is ever held whole, only
        the records' keys (the same checks and messages as the other formats, which are read whole).
        """
        try:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                digest(_digest_head(name, size))
                total, binary, nul = 0, None, -1
                while chunk := file.read(_CHUNK):
                    if not total:
                        binary = self.binary(chunk)
                    if nul < 0 and b"\x00" in chunk:
                        nul = total + chunk.index(b"\x00")
                    digest(chunk)
                    total += len(chunk)
                if total != size:
                    self.problem(Location(path), "fact-read", "the file changed while it was read")
                    return
                kind = self.kind_of(path, name)
                if kind is None:
                    return
                if binary is None and nul >= 0:
                    binary = "a NUL byte (0x00): binary data, or UTF-16 text", nul
                encoding = None if binary else self.encoding_of(path, file)
                if binary:
                    found, at = binary
                    self.not_text(Location(path, _line_in_file(file, at)), found)
                if encoding is None:
                    self.incomplete.add(kind)
                    return
                file.seek(0)
                if not self.read_jsonl(path, _split_lines(_decoded(file, encoding)), _MODELS[kind]):
                    self.incomplete.add(kind)
        except OSError as error:
            self.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
        except _Undecodable:  # it decoded a moment ago
            self.problem(Location(path), "fact-read", "the file changed while it was read")

    def encoding_of(self, path: str, file: typing.BinaryIO) -> str | None:
        """UTF-8 or GB18030, whichever decodes the whole file; else None and a diagnostic."""
        failures: list[_Undecodable] = []
        for encoding in ("utf-8", "gb18030"):
            file.seek(0)
            try:
                for _ in _decoded(file, encoding):
                    pass
            except _Undecodable as failure:
                failures.append(failure)
                continue
            return encoding
        worst = max(failures, key=lambda failure: failure.offset)  # the likelier encoding read further
        self.undecodable(Location(path, _line_in_file(file, worst.offset)), worst.byte)
        return None

    def not_text(self, location: Location, found: str) -> None:
        self.problem(
            location,
            "fact-encoding",
            f"expected UTF-8 or GB18030 text, found {found}",
            help="save the records as UTF-8 text (in Excel: CSV UTF-8)",
        )

    def undecodable(self, location: Location, byte: int) -> None:
        self.problem(
            location,
            "fact-encoding",
            f"expected UTF-8 or GB18030 text, found the byte 0x{byte:02x}, which neither can decode",
            help="save it as UTF-8 (in Excel: CSV UTF-8)",
        )

    def decode(self, path: str, data: bytes) -> str | None:
        """UTF-8 (BOM or not), else GB18030, else a diagnostic naming the line that cannot be read."""
        binary = self.binary(data)
        if binary:
            found, at = binary
            self.not_text(Location(path, _line_of(data, at)), found)
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as utf8:
            utf8_at = utf8.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
            try:
                return data.decode("gb18030").removeprefix("\ufeff")
            except UnicodeDecodeError as gb18030:
                at = max(utf8_at, gb18030.start)  # the encoding that read further is the likelier one
        self.undecodable(Location(path, _line_of(data, at)), data[at])
        return None

    @staticmethod
    def binary(data: bytes) -> tuple[str, int] | None:
        """What a file that is not text is (and the offset that shows it), or None for text.

        A NUL byte never occurs in UTF-8 or GB18030 text, but in every image, workbook and UTF-16
        file; UTF-16 of ASCII would otherwise decode as UTF-8 with a NUL after every letter.
        """
        for magic, what in _NOT_TEXT.items():
            if data.startswith(magic):
                return what, 0
        nul = data.find(b"\x00")
        if nul < 0:
            return None
        return "a NUL byte (0x00): binary data, or UTF-16 text", nul

    def digest_source(self, path: str, digest: Callable[[bytes], object]) -> None:
        """A file records were read from elsewhere (`load_records`): into the digest only."""
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            self.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
            return
        _digest_file(os.path.basename(path), data, digest)

    # formats: each returns False when part of the file could not be read

    def read_yaml(self, path: str, text: str, model: _Model) -> bool:
        try:
            located = load_yaml(path, text)
        except CheckerError as error:
            for diagnostic in error.diagnostics:
                self.problem(diagnostic.location, diagnostic.code, diagnostic.message, diagnostic.help)
            return False
        if located.data is None:
            return True
        if not isinstance(located.data, list):
            self.problem(
                located.where(()),
                "fact-format",
                f"expected a list of {model.kind} records, found {_type_name(located.data)}",
                help="start each record with '- '",
            )
            return False
        complete = True
        for index, item in enumerate(located.data):
            if not isinstance(item, dict):
                self.problem(
                    located.where((index,)),
                    "fact-format",
                    f"{model.kind} #{index + 1}: expected a mapping of fields, found {_type_name(item)}",
                )
                complete = False
                continue

            def where(at: PathTuple, located: Located = located, index: int = index) -> Location:
                return located.where((index, *at))

            raw = {str(name): value for name, value in item.items()}
            self.add(model, raw, located.where((index,)), where, located, index, f"{model.kind} #{index + 1}")
        return complete

    def read_json(self, path: str, text: str, model: _Model) -> bool:
        """A JSON list of objects, decoded one element at a time so that each knows its line."""
        lines = _Lines(text)
        at = _skip_space(text, 0)
        if at == len(text):
            return True
        if text[at] != "[":
            self.problem(
                lines.location(path, at),
                "fact-format",
                f"expected a JSON list of {model.kind} records, found '{text[at]}'",
                help="JSON has no comments: remove them"
                if text.startswith(("//", "/*", "#"), at)
                else "write the records as [{...}, {...}]",
            )
            return False
        complete = True
        number = 0
        at = _skip_space(text, at + 1)
        closed = text.startswith("]", at)
        while not closed:
            number += 1
            location = Location(path, lines.line(at))
            if text.startswith("]", at) and number > 1:
                self.problem(
                    lines.location(path, at),
                    "json-syntax",
                    "not valid JSON: expected another record after ',', found ']'",
                    help="JSON allows no ',' after the last item: remove it",
                )
                return False
            try:
                item, end = self.json.raw_decode(text, at)
            except json.JSONDecodeError as error:
                self.problem(
                    Location(path, error.lineno, error.colno),
                    "json-syntax",
                    f"not valid JSON: {error.msg}",
                    help=_json_help(error),
                )
                return False
            except _JsonConstant as constant:
                self.problem(lines.location(path, constant.find(text, at)), "json-syntax", str(constant))
                return False
            except (ValueError, RecursionError) as error:  # an integer of 5,000 digits, [[[[...]]]]
                self.problem(location, "json-syntax", f"cannot read JSON: {_reason(error)}")
                return False
            complete &= self.add_json(model, item, text[at:end], location, f"{model.kind} #{number}")
            at = _skip_space(text, end)
            if not text.startswith((",", "]"), at):
                found = f"'{text[at]}'" if at < len(text) else "the end of the file"
                self.problem(
                    lines.location(path, at),
                    "json-syntax",
                    f"not valid JSON: expected ',' or ']', found {found}",
                )
                return False
            closed = text[at] == "]"
            if not closed:
                at = _skip_space(text, at + 1)
        at = _skip_space(text, at + 1)
        if at < len(text):
            self.problem(
                lines.location(path, at), "json-syntax", "not valid JSON: more text after the list of records"
            )
            return False
        return complete

    def read_jsonl(self, path: str, lines: Iterable[str], model: _Model) -> bool:
        """One JSON object per line; blank lines are skipped."""
        complete = True
        scan = self.scan  # the C scanner itself: no Python-level decode() per line
        for number, line in enumerate(lines, 1):
            content = line.strip()
            if not content:
                continue
            try:
                item, end = scan(content, 0)
            except (StopIteration, ValueError, RecursionError):
                end = -1
            if end != len(content):
                self.jsonl_error(path, number, line, content)
                complete = False
                continue
            complete &= self.add_json(model, item, content, Location(path, number), model.kind)
        return complete

    def jsonl_error(self, path: str, number: int, line: str, content: str) -> None:
        """Report why a line of JSON Lines is not one JSON value."""
        indent = len(line) - len(line.lstrip())
        try:
            self.json.decode(content)
        except json.JSONDecodeError as error:
            self.problem(
                Location(path, number, error.colno + indent),
                "json-syntax",
                f"not valid JSON: {error.msg}",
                help=_json_help(error),
            )
            return
        except _JsonConstant as constant:
            column = constant.find(content, 0) + 1 + indent
            self.problem(Location(path, number, column), "json-syntax", str(constant))
            return
        except (ValueError, RecursionError) as error:
            self.problem(Location(path, number), "json-syntax", f"cannot read JSON: {_reason(error)}")
            return
        self.problem(Location(path, number), "json-syntax", "not valid JSON")  # pragma: no cover

    def add_json(self, model: _Model, item: Any, source: str, location: Location, unnamed: str) -> bool:
        """Add a decoded JSON value as a record; False (and a diagnostic) if it cannot be one."""
        if type(item) is not dict:
            self.problem(
                location, "fact-format", f"{unnamed}: expected an object of fields, found {_type_name(item)}"
            )
            return False
        # json keeps the last of repeated fields, silently. Every field has its ':', so with no more
        # ':' than fields none repeats; otherwise decode again, slowly, to find out.
        if source.count(":") > len(item):
            try:
                self.strict_json.decode(source)
            except _DuplicateField as duplicate:
                self.problem(
                    location,
                    "json-duplicate-key",
                    f"{unnamed}: field {_quote(duplicate.name)} appears twice",
                )
                return False
            except RecursionError as error:  # the hook takes stack the first reading did not need
                self.problem(location, "json-syntax", f"cannot read JSON: {_reason(error)}")
                return False
        self.add(model, item, location, None, None, 0, unnamed)
        return True

    def read_csv(self, path: str, text: str, model: _Model) -> bool:
        """A header row of field names, then a record per row; empty cells are absent fields."""
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        position = _CsvRows(reader)
        rows = iter(position)
        try:
            header = next((found for found in rows if any(cell.strip() for cell in found[2])), None)
            if header is None:
                return True  # nothing but blank lines
            plan, absent = self.csv_header(path, header[1], header[2], model)
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
                    self.problem(
                        Location(path, line),
                        "csv-row",
                        f"row {row}: {len(cells)} cells but the header has {width} columns",
                        help='quote a cell that holds a comma: "a, b"',
                    )
                    continue
                if not raw and not any(cell.strip() for cell in cells):
                    continue  # a blank row
                self.add(model, raw, Location(path, line), None, None, 0, kind, row=row, absent=absent)
        except csv.Error as error:
            self.problem(
                Location(path, position.line),
                "csv-syntax",
                f"row {position.row}: not valid CSV: {error}",
                help=_csv_help(str(error)),
            )
            return False
        return True

    def csv_header(
        self, path: str, line: int, cells: list[str], model: _Model
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
                self.problem(
                    Location(path, line), "csv-header", f"column {_quote(name)} appears twice in the header"
                )
            elif name not in model.fields:
                comment = name.startswith("#")
                self.problem(
                    Location(path, line),
                    "fact-unknown-field",
                    f"unknown field {_quote(name)} for {model.article} {model.kind}",
                    help="CSV has no comments: the first non-blank line is the header of field names"
                    if comment
                    else did_you_mean(name, model.fields) or _fields_help(model),
                )
            else:
                treat = _LIST if name in model.list_fields else _BOOL if name in model.bool_fields else _PLAIN
                plan.append((column, name, treat))
            seen.add(name)
        absent = model.required - seen
        for name in sorted(absent):
            self.problem(
                Location(path, line),
                "fact-missing-field",
                f"no column for the required field '{name}' of {model.article} {model.kind}",
            )
        return plan, frozenset(absent)

    # records

    def add_record(self, record: RawRecord) -> None:
        """Add a record read elsewhere; its field places stand in for YAML places."""
        model = _MODELS.get(record.kind)
        if model is None:
            raise ValueError(f"unknown fact kind {record.kind!r}")
        places: dict[PathTuple, Location] = {(0,): record.location}
        places.update({(0, name): place for name, place in record.fields.items()})
        located = Located(record.location.path, None, places)

        def where(at: PathTuple) -> Location:
            return located.where((0, *at))

        raw = dict(record.raw)
        self.add(
            model, raw, record.location, where, located, 0, model.kind, row=record.row, absent=record.absent
        )

    def add(
        self,
        model: _Model,
        raw: dict[str, Any],
        location: Location,
        where: Where | None,
        located: Located | None,
        index: int,
        unnamed: str,
        *,
        row: int = 0,
        absent: frozenset[str] = frozenset(),
    ) -> None:
        """Validate one record and keep it, or report why not. Runs once per record: keep it lean."""
        key = raw.get("key")
        key = key.strip() if isinstance(key, str) else None
        record: Record | None = None
        for name in model.date_fields:
            value = raw.get(name)
            # YYYY-MM-DD or nothing: pydantic would also take 0 or '1767225600' as a Unix time
            if value is not None and not (
                type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-"
            ):
                self.invalid(model, raw, location, where, _label(model.kind, key, unnamed, row), row, absent)
                break
        else:
            try:
                record = model.validate(raw)
            except ValidationError as error:
                self.report(error, model, _label(model.kind, key, unnamed, row), location, where, row, absent)
        duplicate = False
        consumer = self.stream.get(model.kind)
        if key:
            seen = self.keys[model.kind]
            first = seen.get(key)
            if first is None:
                # a streamed record's place is not kept line by line: millions of them
                seen[key] = location if consumer is None else self.file_place(location.path)
            else:
                duplicate = True
                self.problem(
                    where(("key",)) if where else location,
                    "fact-duplicate-key",
                    f"{_label(model.kind, key, unnamed, row)} appears twice",
                    help=f"the first {model.kind} '{key}' is at {first}",
                )
        if model.references:  # an invalid record's references are checked too
            values = raw if record is None else record
            check = (model, values, key, unnamed, row, location, located, index)
            if consumer is None:
                self.to_check.append(check)
            else:  # checked now: the kinds it refers to were read before it
                self.check_one(check)
        if record is not None and not duplicate:
            if consumer is None:
                self.facts.append(Fact(record, location))
            else:
                consumer(record)
                self.streamed[model.kind] = self.streamed.get(model.kind, 0) + 1

    def invalid(
        self,
        model: _Model,
        raw: dict[str, Any],
        location: Location,
        where: Where | None,
        label: str,
        row: int,
        absent: frozenset[str],
    ) -> None:
        """Report a record with a date not written YYYY-MM-DD, and whatever else is wrong with it."""
        bad = {
            name for name in model.date_fields if raw.get(name) is not None and not _is_date_text(raw[name])
        }
        for name in sorted(bad):
            self.problem(
                where((name,)) if where else location,
                "fact-field",
                f"{label} field '{name}': expected {_DATE_TEXT}, found {_show(raw[name])}",
                help=_date_help(raw[name]),
            )
        try:
            model.validate({name: value for name, value in raw.items() if name not in bad})
        except ValidationError as error:
            self.report(error, model, label, location, where, row, absent | bad)

    def report(
        self,
        error: ValidationError,
        model: _Model,
        label: str,
        location: Location,
        where: Where | None,
        row: int,
        absent: frozenset[str],
    ) -> None:
        """Turn pydantic's errors for one record into diagnostics."""
        for detail in error.errors(include_url=False):
            loc = detail["loc"]
            kind = detail["type"]
            if not loc:  # a model validator: fields that disagree with each other
                context = detail.get("ctx") or {}
                message = str(context.get("error") or detail["msg"])
                self.problem(location, "fact-invalid", f"{label}: {message}")
                continue
            name = str(loc[0])
            place = where(loc) if where else location
            if kind == "missing":
                if name not in absent:
                    self.problem(
                        location, "fact-missing-field", f"{label}: missing the required field '{name}'"
                    )
            elif kind == "extra_forbidden":
                self.problem(
                    place,
                    "fact-unknown-field",
                    f"unknown field {_quote(name)} for {model.article} {model.kind}",
                    help=did_you_mean(name, model.fields) or _fields_help(model),
                )
            elif kind == "value_error":  # a validator of the models: its words say expected and found
                item = "".join(f" item {part + 1}" for part in loc[1:] if isinstance(part, int))
                reason = (detail.get("ctx") or {}).get("error") or detail["msg"]
                self.problem(place, "fact-field", f"{label} field '{name}'{item}: {reason}")
            else:
                item = "".join(f" item {part + 1}" for part in loc[1:] if isinstance(part, int))
                value = detail.get("input")
                help = ""
                if kind == "literal_error" and isinstance(value, str):
                    help = did_you_mean(value, model.choices.get(name, ()))
                elif kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
                    help = f"write it as text: '{value!r}'"
                elif kind.startswith("date"):
                    help = _date_help(value)
                self.problem(
                    place,
                    "fact-field",
                    f"{label} field '{name}'{item}: expected {_expected(detail, model, name, row)}, "
                    f"found {_found(detail)}",
                    help=help,
                )

    # references

    def check_references(self) -> None:
        """Report every reference to a key that no record of the referred kind has.

        Kinds with a file that could not be read whole are skipped: not all their keys are known.
        """
        refs = {
            kind: [
                (name, self.keys[target], many)
                for name, target, many in model.references
                if target not in self.incomplete
            ]
            for kind, model in _MODELS.items()
        }
        for check in self.to_check:
            values = check[1]
            if isinstance(values, dict):
                self.check_raw_references(check, values)
                continue
            for name, keys, many in refs[values.kind]:
                value = getattr(values, name)
                if value is None:
                    continue
                if many:
                    if not all(key in keys for key in value):
                        self.bad_reference(check, name, value)
                elif value not in keys:
                    self.bad_reference(check, name, value)
        self.check_cycles()

    def check_cycles(self) -> None:
        """Report records that are their own ancestors through a field naming their own kind.

        A unit's `parent` is the unit above it: following parents must end at a unit without one.
        Each cycle is reported once, at the record of it that comes first in the files.
        """
        for kind, model in _MODELS.items():
            links = [name for name, target, many in model.references if target == kind and not many]
            if not links or kind in self.stream:
                continue
            facts = {fact.record.key: fact for fact in self.facts if fact.record.kind == kind}
            for name in links:
                done: set[str] = set()
                for start in facts:
                    chain: list[str] = []
                    on_chain: set[str] = set()
                    key: str | None = start
                    while key is not None and key in facts and key not in done and key not in on_chain:
                        chain.append(key)
                        on_chain.add(key)
                        key = getattr(facts[key].record, name)
                    if key is not None and key in on_chain:
                        self.cycle(kind, name, chain[chain.index(key) :], facts)
                    done.update(chain)

    def cycle(self, kind: str, name: str, keys: list[str], facts: Mapping[str, Fact]) -> None:
        first = min(range(len(keys)), key=lambda index: facts[keys[index]].location)
        keys = keys[first:] + keys[:first]
        if len(keys) == 1:
            message = f"{kind} {_quote(keys[0])} is its own {name}"
        else:
            shown = " -> ".join(_quote(key) for key in [*keys, keys[0]])
            message = (
                f"{kind} {_quote(keys[0])} is above itself: expected its {name}s to lead up to "
                f"{_MODELS[kind].article} {kind} without a {name}, found {shown}"
            )
        self.problem(
            facts[keys[0]].location,
            "fact-cycle",
            message,
            help=f"one of these {kind}s names the wrong {name}",
        )

    def file_place(self, path: str) -> Location:
        place = self.file_places.get(path)
        if place is None:
            place = self.file_places[path] = Location(path)
        return place

    def check_one(self, check: _Check) -> None:
        """The references of one record, against the keys read so far."""
        values = check[1]
        if isinstance(values, dict):
            self.check_raw_references(check, values)
            return
        for name, target, many in check[0].references:
            value = getattr(values, name)
            if value is None or target in self.incomplete:
                continue
            keys = self.keys[target]
            if (many and not all(key in keys for key in value)) or (not many and value not in keys):
                self.bad_reference(check, name, value)

    def check_raw_references(self, check: _Check, raw: dict[str, Any]) -> None:
        """The references of a record that did not validate: check whatever looks like a key."""
        for name, target, many in check[0].references:
            value = raw.get(name)
            if target in self.incomplete or value is None:
                continue
            if many and isinstance(value, list):
                self.bad_reference(
                    check, name, [key.strip() if isinstance(key, str) else key for key in value]
                )
            elif not many and isinstance(value, str):
                self.bad_reference(check, name, value.strip())

    def bad_reference(self, check: _Check, name: str, value: str | list[Any]) -> None:
        """Report the keys in `value` (field `name` of the record in `check`) that no record has."""
        model, _, key, unnamed, row, location, located, index = check
        target = model.model.references[name]
        keys = self.keys[target]
        many = isinstance(value, list)
        for position, wanted in enumerate(value if isinstance(value, list) else [value]):
            if not isinstance(wanted, str) or not wanted or wanted in keys:
                continue  # not a key at all is a field error, reported already
            at: PathTuple = (index, name, position) if many else (index, name)
            self.problem(
                located.where(at) if located else location,
                "fact-reference",
                f"{_label(model.kind, key, unnamed, row)} field '{name}': "
                f"no {target} has key {_quote(wanted)}",
                help=self.hint(target, wanted),
            )

    def hint(self, kind: str, key: str) -> str:
        """did-you-mean among a kind's keys, remembered, and within a budget of comparisons."""
        if (kind, key) not in self.hints:
            keys = self.keys[kind]
            if len(keys) > self.hint_budget:
                return ""
            self.hint_budget -= len(keys)
            self.hints[kind, key] = did_you_mean(key, keys)
        return self.hints[kind, key]


# --- small helpers --------------------------------------------------------------------------------


def _skip_space(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    return match.end() if match else at


def _csv_help(reason: str) -> str:
    if "end of data" in reason:
        return "a quoted cell starts on this row and is never closed: add the closing '\"'"
    if "expected after" in reason:
        return 'inside a quoted cell, write a quote twice: "a ""b"" c"'
    return ""


def _fields_help(model: _Model) -> str:
    return f"{model.article} {model.kind} has the fields: {', '.join(model.model.model_fields)}"


def _is_date_text(value: Any) -> bool:
    return isinstance(value, str) and _DATE.fullmatch(value) is not None


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


class _Lines:
    """Line and column of offsets into a text, counted on from the last offset asked about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.number = 1

    def line(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.number = 0, 1
        self.number += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.number

    def location(self, path: str, offset: int) -> Location:
        line = self.line(offset)
        return Location(path, line, offset - self.text.rfind("\n", 0, offset))
