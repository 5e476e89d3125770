"""Bytes to text: UTF-8 (a BOM is allowed) or GB18030, files that are not text, and line numbers.

Text is UTF-8 or GB18030 (what Chinese Excel exports), whichever decodes the whole file; a file that
is neither is reported at the line of the first byte the likelier encoding cannot read, and an
image, workbook or UTF-16 file is named for what it is. Most files are decoded whole; JSON Lines
(a city's patrols are 130 MB) are decoded in chunks, so lines are counted as the chunks pass.
"""

from __future__ import annotations

import codecs
import re
import typing
from collections.abc import Callable, Iterable, Iterator

from checker.errors import Location
from facts.load.collect import Collector

__all__ = [
    "CARRIAGE_RETURN",
    "Undecodable",
    "binary",
    "decode_chunks",
    "decode_text",
    "digest_chunks",
    "encoding_of",
    "line_in_file",
    "not_text",
    "split_lines",
]

_CHUNK = 1 << 20
"""Bytes read at a time from a JSON Lines file."""

CARRIAGE_RETURN = re.compile("\r\n?")
_NUL = "a NUL byte (0x00): binary data, or UTF-16 text"
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


# --- whole files ----------------------------------------------------------------------------------


def decode_text(collector: Collector, path: str, data: bytes) -> str | None:
    """UTF-8 (BOM or not), else GB18030, else a diagnostic naming the line that cannot be read."""
    found = binary(data)
    if found:
        what, at = found
        not_text(collector, Location(path, _line_of(data, at)), what)
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        utf8_at = utf8.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        try:
            return data.decode("gb18030").removeprefix("\ufeff")
        except UnicodeDecodeError as gb18030:
            at = max(utf8_at, gb18030.start)  # the encoding that read further is the likelier one
    _undecodable(collector, Location(path, _line_of(data, at)), data[at])
    return None


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
    return _NUL, nul


def not_text(collector: Collector, location: Location, found: str) -> None:
    collector.problem(
        location,
        "fact-encoding",
        f"expected UTF-8 or GB18030 text, found {found}",
        help="save the records as UTF-8 text (in Excel: CSV UTF-8)",
    )


def _undecodable(collector: Collector, location: Location, byte: int) -> None:
    collector.problem(
        location,
        "fact-encoding",
        f"expected UTF-8 or GB18030 text, found the byte 0x{byte:02x}, which neither can decode",
        help="save it as UTF-8 (in Excel: CSV UTF-8)",
    )


def _line_of(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, counting CR LF, LF and a lone CR as one line break each."""
    lf, cr, crlf = data.count(b"\n", 0, offset), data.count(b"\r", 0, offset), data.count(b"\r\n", 0, offset)
    return lf + cr - crlf + 1


# --- files read in chunks -------------------------------------------------------------------------


class Undecodable(Exception):
    """A byte at `offset` that the encoding cannot decode."""

    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(offset)
        self.offset = offset
        self.byte = byte


def digest_chunks(
    file: typing.BinaryIO, digest: Callable[[bytes], object]
) -> tuple[int, tuple[str, int] | None]:
    """Every byte of a file into the digest, chunk by chunk: the bytes read, and what the file is
    if it is not text (as `binary` says of its first chunk, or the first NUL byte anywhere)."""
    total, found, nul = 0, None, -1
    while chunk := file.read(_CHUNK):
        if not total:
            found = binary(chunk)
        if nul < 0 and b"\x00" in chunk:
            nul = total + chunk.index(b"\x00")
        digest(chunk)
        total += len(chunk)
    if found is None and nul >= 0:
        found = _NUL, nul
    return total, found


def encoding_of(collector: Collector, path: str, file: typing.BinaryIO) -> str | None:
    """UTF-8 or GB18030, whichever decodes the whole file; else None and a diagnostic."""
    failures: list[Undecodable] = []
    for encoding in ("utf-8", "gb18030"):
        file.seek(0)
        try:
            for _ in decode_chunks(file, encoding):
                pass
        except Undecodable as failure:
            failures.append(failure)
            continue
        return encoding
    worst = max(failures, key=lambda failure: failure.offset)  # the likelier encoding read further
    _undecodable(collector, Location(path, line_in_file(file, worst.offset)), worst.byte)
    return None


def decode_chunks(file: typing.BinaryIO, encoding: str) -> Iterator[str]:
    """A file's text in pieces, decoded chunk by chunk from its start (a character split between two
    chunks is completed from the next). One byte-order mark is dropped. Raises Undecodable."""
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
                raise Undecodable(offset + error.start, data[error.start]) from None
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


def split_lines(pieces: Iterable[str]) -> Iterator[str]:
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
            text = CARRIAGE_RETURN.sub("\n", text)
        lines = (text + "\n" if after_cr else text).split("\n")
        pending = lines.pop()
        yield from lines
    yield pending


def line_in_file(file: typing.BinaryIO, offset: int) -> int:
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
