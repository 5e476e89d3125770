"""JSON Lines fact files: one JSON object per line, read in chunks, never held whole.

A city's patrols are 130 MB: neither their bytes nor their text is ever held whole, only the
records' keys. The file is read twice, once for the digest and the encoding, again to parse; the
checks and messages are those of the other formats, which are read whole.
"""

from __future__ import annotations

import json
import json.scanner
import os
from collections.abc import Callable, Iterable

from checker.errors import Location
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
from facts.load.files import digest_head, kind_of
from facts.load.messages import reason_of
from facts.load.model_info import MODEL_INFO, ModelInfo
from facts.load.read_json import DECODER, JsonConstant, add_json, json_help

__all__ = ["read_jsonl_file"]

_SCAN = json.scanner.make_scanner(DECODER)  # type: ignore[arg-type]  # typeshed: any context
"""The C scanner itself: no Python-level decode() per line."""


def read_jsonl_file(collector: Collector, path: str, name: str, digest: Callable[[bytes], object]) -> None:
    """JSON Lines, read in chunks: once for the digest and the encoding, again to parse."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            digest(digest_head(name, size))
            total, binary = digest_chunks(file, digest)
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
            if not _read_lines(collector, path, split_lines(decode_chunks(file, encoding)), MODEL_INFO[kind]):
                collector.incomplete.add(kind)
    except OSError as error:
        collector.problem(Location(path), "fact-read", f"cannot read the file: {error.strerror or error}")
    except Undecodable:  # it decoded a moment ago
        collector.problem(Location(path), "fact-read", "the file changed while it was read")


def _read_lines(collector: Collector, path: str, lines: Iterable[str], model: ModelInfo) -> bool:
    """One JSON object per line; blank lines are skipped."""
    complete = True
    scan = _SCAN
    for number, line in enumerate(lines, 1):
        content = line.strip()
        if not content:
            continue
        try:
            item, end = scan(content, 0)
        except (StopIteration, ValueError, RecursionError):
            end = -1
        if end != len(content):
            _line_error(collector, path, number, line, content)
            complete = False
            continue
        complete &= add_json(collector, model, item, content, Location(path, number), model.kind)
    return complete


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
