"""Read fact files (YAML, JSON, JSON Lines, CSV) into validated records that know their place.

`load_facts` takes files and directories, reads every fact file, validates each record against its
model (`facts.models`), checks that keys are unique per kind and that references name existing
records, and returns a `FactSet`. Every problem with the input becomes a `Diagnostic` naming the
file and line; all of them are raised together as one `CheckerError` at the end. Nothing else is
raised for bad input and nothing is printed. `load_records` does the same for records read
elsewhere (a spreadsheet import). Each step is a module of `facts.load`, in the order below.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from checker.errors import CheckerError, Location
from facts.load.collect import Collector
from facts.load.decode import CARRIAGE_RETURN, decode_text
from facts.load.factset import MAPPING, Consumer, FactSet, FileRead, Ignored, RawRecord
from facts.load.files import SUFFIXES, Inventory, digest_file, digest_source, kind_of, stem, survey
from facts.load.model_info import MODEL_INFO
from facts.load.read_csv import read_csv
from facts.load.read_json import read_json
from facts.load.read_jsonl import read_jsonl_file
from facts.load.read_yaml import read_yaml
from facts.models import FILE_STEMS, MODELS
from facts.nogc import collector_paused

__all__ = ["Records", "load_facts", "load_records"]


def load_facts(
    paths: Sequence[str | Path] | Inventory, stream: Mapping[str, Consumer] | None = None
) -> FactSet:
    """Read, validate and cross-check the fact files at `paths` (files or directories).

    Raises one `CheckerError` carrying every diagnostic of every file, and nothing else for bad input.
    Records of a kind in `stream` (one that rules only count: two million patrols) are validated
    and checked like any other, then handed to its consumer instead of being kept: their files are
    read last, so their references are checked as they pass, against the keys already read.
    `paths` may be an `Inventory` already made (`facts.load.files.survey`), so a caller that needs to
    know the kinds before reading (to plan the scan) walks the folders once.
    """
    if isinstance(paths, str | Path):  # a str is a Sequence too: one path, not one per character
        paths = [paths]
    # Hundreds of thousands of records and no reference cycles among them: the cyclic collector
    # would only rescan the growing heap again and again (a third of the load time).
    with collector_paused():
        return _load(paths, stream or {})


def _load(paths: Sequence[str | Path] | Inventory, stream: Mapping[str, Consumer]) -> FactSet:
    collector = Collector()
    collector.stream = dict(stream)
    if isinstance(paths, Inventory):
        inventory = paths
        collector.diagnostics += inventory.problems
    else:
        inventory = survey(paths, collector.diagnostics)
    files = list(inventory.fact_files)
    # streamed kinds last, so the keys they refer to are all known when their records pass
    files.sort(key=lambda path: FILE_STEMS.get(stem(os.path.basename(path))) in stream)
    if not files and not collector.diagnostics:
        given = paths if not isinstance(paths, Inventory) else ()
        collector.problem(
            Location(str(given[0]) if given else "(no paths given)"),
            "fact-no-files",
            "no fact files found",
            help=f"fact files end in {', '.join(SUFFIXES)} and are named after their kind: problems.yaml",
        )
    files_of = Counter(FILE_STEMS.get(stem(os.path.basename(path))) for path in files)
    referred = {target for info in MODEL_INFO.values() for _, target, _ in info.references}
    collector.bulk_kinds = {kind for kind in stream if files_of[kind] == 1 and kind not in referred}
    supplied = inventory.kinds
    collector.incomplete.update(set(MODELS) - supplied)  # references to kinds not given: not checkable
    per_file: dict[str, bytes] = {}
    for path in files:
        digest = hashlib.sha256()
        _read_file(collector, path, digest.update)
        per_file[path] = digest.digest()
    collector.check_references()
    if collector.diagnostics:
        raise CheckerError(collector.diagnostics)
    facts, index = collector.sorted_facts()
    return FactSet(
        facts,
        _combined(per_file),
        tuple(sorted(files)),
        dict(sorted(collector.streamed.items())),
        supplied=supplied,
        files=_files_read(per_file, collector),
        ignored=tuple(inventory.ignored),
        index=index,
    )


def _combined(per_file: Mapping[str, bytes]) -> str:
    """Each file's digest, combined in path order: the same whichever order the files were read in."""
    return hashlib.sha256(b"".join(per_file[path] for path in sorted(per_file))).hexdigest()


def _files_read(
    per_file: Mapping[str, bytes], collector: Collector, mappings: Sequence[str] = ()
) -> tuple[FileRead, ...]:
    """Each file read, with its kind, its valid records and its digest. An export read through a
    mapping is listed per sheet (`file[sheet]`), with the file's digest; a mapping file as `mapping`."""
    read = {}
    for place, kind in collector.file_kinds.items():
        source = place.split("[", 1)[0]
        digest = per_file.get(place) or per_file.get(source, b"")
        read[place] = FileRead(place, kind, collector.per_file.get(place, 0), digest.hex())
    sheets = {place.split("[", 1)[0] for place in read if "[" in place}
    for path, digest in per_file.items():
        if path in read or path in sheets:
            continue
        kind = MAPPING if path in mappings else FILE_STEMS.get(stem(os.path.basename(path)), "")
        read[path] = FileRead(path, kind, 0, digest.hex())
    return tuple(read[path] for path in sorted(read))


Records = Iterable[RawRecord] | Callable[[FactSet], Iterable[RawRecord]]
"""Records, or a function that makes them from the records of the `also` files (to resolve names)."""


def load_records(
    records: Records,
    also: Sequence[str | Path] = (),
    *,
    sources: Sequence[str | Path] = (),
    incomplete: Iterable[str] = (),
    supplied: Iterable[str] = (),
    ignored: Sequence[Ignored] = (),
    mappings: Sequence[str | Path] = (),
) -> FactSet:
    """Validate and cross-check records read elsewhere, with the fact files at `also` read alongside.

    The same checks as `load_facts`, through the same machinery: each record against its model,
    unique keys per kind across the records and the files, references among all of them. When
    `records` is a function it is called with the validated records of `also` (references not yet
    checked), unless reading them went wrong: then their diagnostics are raised alone.
    `sources` are the files the records came from, for the digest and `FactSet.sources`;
    `incomplete` names kinds whose records are not all given, so references to them are not checked;
    `supplied` the kinds the records are of (the tables of a mapping that found a source), beside
    the kinds of the `also` files; `ignored` what the caller's survey did not read; `mappings` the
    mapping files among `sources` (listed as read, of kind `mapping`).
    """
    with collector_paused():
        collector = Collector()
        inventory = survey(also, collector.diagnostics) if also else Inventory()
        files = inventory.fact_files
        kinds = inventory.kinds | frozenset(supplied)
        collector.incomplete.update(set(MODELS) - kinds)  # references to kinds not given: not checkable
        given = {os.path.realpath(path): path for path in files}
        for source in sources:
            given.setdefault(os.path.realpath(source), str(source))
        per_file: dict[str, bytes] = {}
        to_load = set(files)
        for path in sorted(given.values()):
            digest = hashlib.sha256()
            if path in to_load:
                _read_file(collector, path, digest.update)
            else:
                digest_source(collector, path, digest.update)
            per_file[path] = digest.digest()
        if callable(records):
            if collector.diagnostics:
                raise CheckerError(collector.diagnostics)
            known, known_index = collector.sorted_facts()
            records = records(FactSet(known, "", (), index=known_index))
        for record in records:
            collector.add_record(record)
        collector.incomplete.update(incomplete)
        collector.check_references()
        if collector.diagnostics:
            raise CheckerError(collector.diagnostics)
        facts, index = collector.sorted_facts()
        return FactSet(
            facts,
            _combined(per_file),
            tuple(sorted(given.values())),
            supplied=kinds,
            files=_files_read(per_file, collector, [str(path) for path in mappings]),
            ignored=(*ignored, *inventory.ignored),
            index=index,
        )


_READERS = {"yaml": read_yaml, "yml": read_yaml, "json": read_json, "csv": read_csv}
"""The reader of each format read whole, by file name ending (JSON Lines are read in chunks)."""


def _read_file(collector: Collector, path: str, digest: Callable[[bytes], object]) -> None:
    """One fact file into the digest and the collector, by its format; it is read whole but for
    JSON Lines, which are never held whole (`read_jsonl`)."""
    name = os.path.basename(path)
    suffix = name.lower().rsplit(".", 1)[-1]
    if suffix == "jsonl":
        read_jsonl_file(collector, path, name, digest)
        return
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        collector.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
        return
    digest_file(name, data, digest)
    kind = kind_of(collector, path, name)
    if kind is None:
        return
    text = decode_text(collector, path, data)
    del data  # keep only the text while reading
    if text is None:
        collector.incomplete.add(kind)
        return
    if suffix == "json" and "\r" in text:
        # JSON counts lines by LF alone; YAML, CSV and editors count CR LF, LF and a lone CR. A CR
        # is only ever whitespace between JSON values (it is not allowed inside a string).
        text = CARRIAGE_RETURN.sub("\n", text)
    if not _READERS[suffix](collector, path, text, MODEL_INFO[kind]):
        collector.incomplete.add(kind)
