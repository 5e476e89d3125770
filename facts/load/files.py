"""Finding fact files, naming the kind each holds, and the digest of what was read.

A file's kind comes from its name (`problems.yaml`, `problems-2026.csv`, `chiefs_pudong.jsonl`, see
`facts.models.FILE_STEMS`), so a folder may hold other documents: hidden files and files of other
types are ignored and listed (the report names each), a spreadsheet needs a mapping, and a fact
ending on a name that says no kind is an error: nothing is skipped silently (docs/scope.md §1).
The digest covers each file's base name and bytes, so moving the files keeps it.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import Diagnostic, Location, did_you_mean
from facts.load.collect import Collector
from facts.load.factset import HIDDEN, NOT_RECORDS, Ignored
from facts.models import FILE_STEMS

__all__ = [
    "SPREADSHEETS",
    "SUFFIXES",
    "Inventory",
    "digest_file",
    "digest_head",
    "digest_source",
    "find_files",
    "kind_of",
    "stem",
    "survey",
]

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".csv")
"""File name endings read as fact files (any case); other files in a directory are ignored."""


SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et")
"""Workbook endings: records that only a mapping can read (`--mapping`, docs/mappings.md)."""


@dataclass
class Inventory:
    """Every file the paths hold, sorted into what is read and what is not (docs/scope.md §1)."""

    fact_files: list[str] = field(default_factory=list)
    """Canonical fact files, in the order they were given (a folder's in name order)."""
    exports: list[str] = field(default_factory=list)
    """Spreadsheets and CSV files a mapping reads (only when a mapping is given)."""
    ignored: list[Ignored] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    """What was wrong (a path that does not exist, a spreadsheet without a mapping), when the
    survey was made ahead of reading: reported with the files' own problems."""

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds the fact files' names say they hold."""
        return frozenset(
            kind for path in self.fact_files if (kind := FILE_STEMS.get(stem(os.path.basename(path))))
        )


def survey(
    paths: Sequence[str | Path],
    diagnostics: list[Diagnostic],
    exported: Callable[[str], bool] | None = None,
) -> Inventory:
    """Sort every file under `paths` into fact files, exports, ignored files and errors.

    Without a mapping (`exported` None) a spreadsheet is an error, `fact-export-unmapped`: records
    that may hold findings are never skipped. With one, `exported(name)` says which CSV files its
    tables read; every spreadsheet is an export. Inside folders, hidden names (a leading `.`) and
    files of other types are ignored and listed; a path given by name must be a record file.
    Files come in the order their paths were given, a folder's in name order: when two files hold
    the same key, the record in the later file is the one reported (a ledger added to a district's
    records is blamed for its clash with them, not the other way round).
    """
    inventory = Inventory()
    seen: set[str] = set()
    taken: set[str] = set()
    """Real paths already read: a file named twice, or by a path and inside a folder, is read once."""

    def unreadable(error: OSError) -> None:  # a directory that cannot be listed is not silently empty
        where = Location(str(error.filename or "."))
        diagnostics.append(
            Diagnostic(where, "fact-read", f"cannot read the directory: {error.strerror or error}")
        )

    def sort(path: str, given: bool) -> None:
        real = os.path.realpath(path)
        if real in seen and not given:
            return
        seen.add(real)
        name = os.path.basename(path).lower()
        is_export = name.endswith(SPREADSHEETS) or (
            exported is not None and name.endswith(".csv") and exported(os.path.basename(path))
        )
        if is_export:
            if exported is None:
                diagnostics.append(
                    Diagnostic(
                        Location(path),
                        "fact-export-unmapped",
                        f"'{os.path.basename(path)}' is a spreadsheet: no mapping says how to read it",
                        help="read it with --mapping FILE (docs/mappings.md), "
                        "or move it out of the scanned folder",
                    )
                )
            elif real not in taken:
                taken.add(real)
                inventory.exports.append(path)
        elif name.endswith(SUFFIXES):
            if real not in taken:
                taken.add(real)
                inventory.fact_files.append(path)
        elif given:
            diagnostics.append(
                Diagnostic(
                    Location(path),
                    "fact-file-type",
                    f"'{os.path.basename(path)}' is not a fact file",
                    help=f"fact files end in {', '.join(SUFFIXES)}",
                )
            )
        else:
            inventory.ignored.append(Ignored(path, NOT_RECORDS))

    for given in paths:
        path = str(given)
        if os.path.isdir(path):
            for directory, subdirs, names in os.walk(path, onerror=unreadable):
                for name in sorted(subdirs):
                    if name.startswith("."):
                        inventory.ignored.append(Ignored(os.path.join(directory, name), HIDDEN))
                subdirs[:] = sorted(name for name in subdirs if not name.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        inventory.ignored.append(Ignored(os.path.join(directory, name), HIDDEN))
                    else:
                        sort(os.path.join(directory, name), given=False)
        elif os.path.isfile(path):
            sort(path, given=True)
        else:
            diagnostics.append(Diagnostic(Location(path), "fact-path", "no such file or directory"))
    return inventory


def find_files(paths: Sequence[str | Path], diagnostics: list[Diagnostic]) -> list[str]:
    """The fact files named by `paths`, without repeats (`survey` without a mapping)."""
    return survey(paths, diagnostics).fact_files


def stem(name: str) -> str:
    """The part of a file name that says its kind: `Problems-2026.csv` -> `problems`."""
    return re.split(r"[.\-_]", name.lower(), maxsplit=1)[0]


def kind_of(collector: Collector, path: str, name: str) -> str | None:
    """The kind of facts a file holds, by its name; None (and a diagnostic) when it names none."""
    file_stem = stem(name)
    kind = FILE_STEMS.get(file_stem)
    if kind is None:
        collector.problem(
            Location(path),
            "fact-file-kind",
            f"the file name '{name}' does not say what kind of facts it holds",
            help=did_you_mean(file_stem, FILE_STEMS)
            or f"start the name with one of: {', '.join(sorted(FILE_STEMS))} (e.g. problems-2026.csv)",
        )
        for meant in difflib.get_close_matches(file_stem, FILE_STEMS, n=1, cutoff=0.6):
            collector.incomplete.add(FILE_STEMS[meant])  # its records are missing: no flood of bad references
    return kind


# --- the digest ---------------------------------------------------------------------------------


def digest_file(name: str, data: bytes, digest: Callable[[bytes], object]) -> None:
    """A file's base name and bytes, into the facts digest."""
    digest(digest_head(name, len(data)))
    digest(data)


def digest_head(name: str, size: int) -> bytes:
    """What precedes a file's bytes in the digest: its base name and its size."""
    encoded = name.encode("utf-8", "surrogateescape")
    return len(encoded).to_bytes(8, "big") + encoded + size.to_bytes(8, "big")


def digest_source(collector: Collector, path: str, digest: Callable[[bytes], object]) -> None:
    """A file records were read from elsewhere (`load_records`): into the digest only."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        collector.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
        return
    digest_file(os.path.basename(path), data, digest)
