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
    encoded = name.encode("utf-8", "surrogateescape")
    digest(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big"))
    digest(data)


# --- finding files ------------------------------------------------------------------------------


def _find_files(paths: Sequence[str | Path], diagnostics: list[Diagnostic]) -> list[str]:
    """The fact files named by `paths`, sorted and without repeats; problems go to `diagnostics`."""
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
    return sorted(found.values())


def _lines(text: str) -> Iterator[str]:
    """The text's lines split on '\n' only, one at a time (not a list of two million strings)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


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


def _show(value: Any) -> str:
    """A value as a fact file would have it, quoted and cut short."""
    if isinstance(value, str):
        text = f"'{value}'"
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
    return text if len(text) <= 60 else text[:57] + "..."


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
        return f"{len(value)} characters"
    return _show(value)


def _label(kind: str, key: str | None, unnamed: str, row: int) -> str:
    """How messages name a record: `problem 'P-7'`, `row 5: problem 'P-7'`, `problem #3`."""
    label = f"{kind} '{key}'" if key else unnamed
    return f"row {row}: {label}" if row else label


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
        self.json = json.JSONDecoder()
        self.scan = json.scanner.make_scanner(self.json)  # type: ignore[arg-type]  # typeshed: any context
        self.strict_json = json.JSONDecoder(object_pairs_hook=_no_duplicate_fields)
        self.hints: dict[tuple[str, str], str] = {}
        self.hint_budget = 5_000_000
        """Key comparisons left for did-you-mean on references (difflib over 300,000 keys is slow)."""

    def problem(self, location: Location, code: str, message: str, help: str = "") -> None:
        self.diagnostics.append(Diagnostic(location, code, message, help=help))

    # files

    def load_file(self, path: str, digest: Callable[[bytes], object]) -> None:
        name = os.path.basename(path)
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            self.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
            return
        _digest_file(name, data, digest)
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
            return
        text = self.decode(path, data)
        del data  # a city's patrols are 130 MB of bytes: keep only the text while reading
        if text is None:
            self.incomplete.add(kind)
            return
        read = {
            "yaml": self.read_yaml,
            "yml": self.read_yaml,
            "json": self.read_json,
            "jsonl": self.read_jsonl,
            "csv": self.read_csv,
        }[name.lower().rsplit(".", 1)[-1]]
        if not read(path, text, _MODELS[kind]):
            self.incomplete.add(kind)

    def decode(self, path: str, data: bytes) -> str | None:
        """UTF-8 (BOM or not), else GB18030, else a diagnostic naming the line that cannot be read."""
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as utf8:
            utf8_at = utf8.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
            try:
                return data.decode("gb18030").removeprefix("\ufeff")
            except UnicodeDecodeError as gb18030:
                at = max(utf8_at, gb18030.start)  # the encoding that read further is the likelier one
        self.problem(
            Location(path, data.count(b"\n", 0, at) + 1),
            "fact-encoding",
            f"cannot decode byte 0x{data[at]:02x}: the file is neither UTF-8 nor GB18030 text",
            help="save it as UTF-8 (in Excel: CSV UTF-8)",
        )
        return None

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
            self.diagnostics.extend(error.diagnostics)
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
                help="write the records as [{...}, {...}]",
            )
            return False
        complete = True
        number = 0
        at = _skip_space(text, at + 1)
        closed = text.startswith("]", at)
        while not closed:
            number += 1
            location = Location(path, lines.line(at))
            try:
                item, end = self.json.raw_decode(text, at)
            except json.JSONDecodeError as error:
                self.problem(
                    Location(path, error.lineno, error.colno), "json-syntax", f"not valid JSON: {error.msg}"
                )
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

    def read_jsonl(self, path: str, text: str, model: _Model) -> bool:
        """One JSON object per line; blank lines are skipped."""
        complete = True
        scan = self.scan  # the C scanner itself: no Python-level decode() per line
        for number, line in enumerate(_lines(text), 1):  # not splitlines(): U+2028 is valid in JSON
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
        try:
            self.json.decode(content)
        except json.JSONDecodeError as error:
            column = error.colno + len(line) - len(line.lstrip())
            self.problem(Location(path, number, column), "json-syntax", f"not valid JSON: {error.msg}")
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
                    location, "json-duplicate-key", f"{unnamed}: field '{duplicate.name}' appears twice"
                )
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
                Location(path, position.line), "csv-syntax", f"row {position.row}: not valid CSV: {error}"
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
                    Location(path, line), "csv-header", f"column '{name}' appears twice in the header"
                )
            elif name not in model.fields:
                self.problem(
                    Location(path, line),
                    "fact-unknown-field",
                    f"unknown field '{name}' for {model.article} {model.kind}",
                    help=did_you_mean(name, model.fields),
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
                    f"unknown field '{name}' for {model.article} {model.kind}",
                    help=did_you_mean(name, model.fields),
                )
            else:
                item = "".join(f" item {part + 1}" for part in loc[1:] if isinstance(part, int))
                value = detail.get("input")
                help = ""
                if kind == "literal_error" and isinstance(value, str):
                    help = did_you_mean(value, model.choices.get(name, ()))
                elif kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
                    help = f"write it as text: '{value}'"
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
                f"{_label(model.kind, key, unnamed, row)} field '{name}': no {target} has key '{wanted}'",
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
