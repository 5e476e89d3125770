"""Finding fact files, naming the kind each holds, and the digest of what was read.

A file's kind comes from its name (`problems.yaml`, `problems-2026.csv`, `chiefs_pudong.jsonl`, see
`facts.models.FILE_STEMS`), so a folder may hold other documents: files with other endings and
hidden files are skipped, but a fact ending on a name that says no kind is an error, never skipped.
The digest covers each file's base name and bytes, so moving the files keeps it.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from checker.errors import Diagnostic, Location, did_you_mean
from facts.load.collect import Collector
from facts.models import FILE_STEMS

__all__ = ["SUFFIXES", "digest_file", "digest_head", "digest_source", "find_files", "kind_of", "stem"]

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".csv")
"""File name endings read as fact files (any case); other files in a directory are ignored."""


def find_files(paths: Sequence[str | Path], diagnostics: list[Diagnostic]) -> list[str]:
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
                    if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                        add(os.path.join(directory, name))
        elif os.path.isfile(path):
            if path.lower().endswith(SUFFIXES):
                add(path)
            else:
                diagnostics.append(
                    Diagnostic(
                        Location(path),
                        "fact-file-type",
                        f"'{os.path.basename(path)}' is not a fact file",
                        help=f"fact files end in {', '.join(SUFFIXES)}",
                    )
                )
        else:
            diagnostics.append(Diagnostic(Location(path), "fact-path", "no such file or directory"))
    return list(found.values())


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
