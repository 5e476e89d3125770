"""The collector of one load: records validated into their models, keys, diagnostics so far.

Every reader hands its records to `Collector.add`, which validates each against its model, notes its
key (a key seen twice is reported at the second) and its references, and keeps it, or passes it to
the consumer of a streamed kind. Nothing is raised for bad input: each problem becomes a diagnostic
and the entry points raise them all together.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

from pydantic import ValidationError

from checker.errors import Diagnostic, Location
from facts.load.factset import Consumer, Fact, Index, RawRecord
from facts.load.fast import FastBuilder, fast_builder, new_shared
from facts.load.messages import (
    DATE_TEXT,
    Where,
    date_help,
    diagnostic,
    is_date_text,
    record_label,
    show,
    validation_diagnostics,
)
from facts.load.model_info import MODEL_INFO, ModelInfo
from facts.load.references import Check, References
from facts.models import MODELS, Record
from facts.yamlsrc import Located, PathTuple

__all__ = ["Collector"]

_KEY_OF = operator.attrgetter("record.key")


class Collector:
    """The state of one `load_facts` call: facts and diagnostics so far, keys seen per kind."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.by_kind: dict[str, list[Fact]] = {kind: [] for kind in MODELS}
        """The facts kept, per kind, in the order they were read."""
        self.keys: dict[str, dict[str, Location | Fact]] = {kind: {} for kind in MODELS}
        """Every key seen per kind (of valid and invalid records) and where it was first seen (a
        record kept on the fast path: its fact, which knows its place)."""
        self.incomplete: set[str] = set()
        """Kinds with a file that could not be read whole: references to them are not checked."""
        self.stream: dict[str, Consumer] = {}
        self.bulk_kinds: set[str] = set()
        """Streamed kinds whose one file may be read in bulk (`facts.load.bulk`): each is read
        from one file alone and no kind refers to it, so its keys are needed by nothing else."""
        self.file_places: dict[str, Location] = {}
        self.streamed: dict[str, int] = {}
        """Kinds whose valid records go to a consumer instead of into the fact set."""
        self.per_file: dict[str, int] = {}
        """Valid records per file (place path: a fact file, or an export's `file[sheet]`)."""
        self.file_kinds: dict[str, str] = {}
        """The kind of records each place path held."""
        self.references = References(self.keys, self.incomplete, self.diagnostics)
        self.shared = new_shared()
        self.builders: dict[str, FastBuilder | None] = {}

    def fast_builder(self, kind: str) -> FastBuilder | None:
        """The fast path for records of a kind (`facts.load.fast`), or None if it has none."""
        if kind not in self.builders:
            self.builders[kind] = fast_builder(MODELS[kind], self.shared)
        return self.builders[kind]

    def add_fast(self, model: ModelInfo, record: Record, path: str, line: int) -> bool:
        """Keep a record the fast path built from a JSON Lines line, as `add` would keep it; False
        (nothing done) if its key was seen already: `add` reports that."""
        key = record.key
        seen = self.keys[model.kind]
        if key in seen:
            return False
        consumer = self.stream.get(model.kind)
        location = Location(path, line)
        seen[key] = location if consumer is None else self.file_place(path)
        fact = Fact(record, location)
        if model.references:
            if consumer is None:
                self.references.to_check.append(fact)
            else:
                self.references.check_one(self.references.check_of(fact))
        self.per_file[path] = self.per_file.get(path, 0) + 1
        self.file_kinds.setdefault(path, model.kind)
        if consumer is None:
            self.by_kind[model.kind].append(fact)
        else:
            consumer(record)
            self.streamed[model.kind] = self.streamed.get(model.kind, 0) + 1
        return True

    def problem(self, location: Location, code: str, message: str, help: str = "") -> None:
        # values from the file are in the words: a control character must not reach the terminal
        self.diagnostics.append(diagnostic(location, code, message, help))

    def check_references(self) -> None:
        """Report references to keys no record has, and cycles (see `References.check_all`)."""
        self.references.check_all(self.by_kind, self.stream)

    @property
    def facts(self) -> list[Fact]:
        """Every fact kept, kind by kind."""
        return list(itertools.chain.from_iterable(self.by_kind.values()))

    def sorted_facts(self) -> tuple[tuple[Fact, ...], Index]:
        """The facts sorted by kind and key, and the fact set's index of them (`FactSet.index`).

        A kind's facts are most often read in key order already: then they are only checked."""
        by_kind: dict[str, tuple[Fact, ...]] = {}
        by_key: dict[str, dict[str, Fact]] = {}
        for kind in sorted(self.by_kind):
            facts = self.by_kind[kind]
            if not facts:
                continue
            keys: list[str] = list(map(_KEY_OF, facts))
            ordered = sorted(keys)
            if ordered != keys:
                order = sorted(range(len(facts)), key=keys.__getitem__)  # stable, as sorting facts was
                facts = [facts[at] for at in order]
                keys = [keys[at] for at in order]
            by_kind[kind] = tuple(facts)
            index: dict[str, Fact] = {}
            if len(set(keys)) == len(keys):
                index = dict(zip(keys, facts, strict=True))
            else:  # only ever with diagnostics: the first of each key, as FactSet would keep
                for key, fact in zip(keys, facts, strict=True):
                    index.setdefault(key, fact)
            by_key[kind] = index
        return tuple(itertools.chain.from_iterable(by_kind.values())), (by_kind, by_key)

    def add_record(self, record: RawRecord) -> None:
        """Add a record read elsewhere; its field places stand in for YAML places."""
        model = MODEL_INFO.get(record.kind)
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
        model: ModelInfo,
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
                self.invalid(
                    model, raw, location, where, record_label(model.kind, key, unnamed, row), row, absent
                )
                break
        else:
            try:
                record = model.validate(raw)
            except ValidationError as error:
                label = record_label(model.kind, key, unnamed, row)
                self.diagnostics += validation_diagnostics(error, model, label, location, where, row, absent)
        duplicate = False
        consumer = self.stream.get(model.kind)
        if key:
            seen = self.keys[model.kind]
            first = seen.get(key)
            if type(first) is Fact:
                first = first.location
            if first is None:
                # a streamed record's place is not kept line by line: millions of them
                seen[key] = location if consumer is None else self.file_place(location.path)
            else:
                duplicate = True
                self.problem(
                    where(("key",)) if where else location,
                    "fact-duplicate-key",
                    f"{record_label(model.kind, key, unnamed, row)} appears twice",
                    help=f"the first {model.kind} '{key}' is at {first}",
                )
        if model.references:  # an invalid record's references are checked too
            values = raw if record is None else record
            check: Check = (model, values, key, unnamed, row, location, located, index)
            if consumer is None:
                self.references.to_check.append(check)
            else:  # checked now: the kinds it refers to were read before it
                self.references.check_one(check)
        if record is not None and not duplicate:
            self.per_file[location.path] = self.per_file.get(location.path, 0) + 1
            self.file_kinds.setdefault(location.path, model.kind)
            if consumer is None:
                self.by_kind[model.kind].append(Fact(record, location))
            else:
                consumer(record)
                self.streamed[model.kind] = self.streamed.get(model.kind, 0) + 1

    def invalid(
        self,
        model: ModelInfo,
        raw: dict[str, Any],
        location: Location,
        where: Where | None,
        label: str,
        row: int,
        absent: frozenset[str],
    ) -> None:
        """Report a record with a date not written YYYY-MM-DD, and whatever else is wrong with it."""
        bad = {
            name for name in model.date_fields if raw.get(name) is not None and not is_date_text(raw[name])
        }
        for name in sorted(bad):
            self.problem(
                where((name,)) if where else location,
                "fact-field",
                f"{label} field '{name}': expected {DATE_TEXT}, found {show(raw[name])}",
                help=date_help(raw[name]),
            )
        try:
            model.validate({name: value for name, value in raw.items() if name not in bad})
        except ValidationError as error:
            self.diagnostics += validation_diagnostics(
                error, model, label, location, where, row, absent | bad
            )

    def file_place(self, path: str) -> Location:
        place = self.file_places.get(path)
        if place is None:
            place = self.file_places[path] = Location(path)
        return place
