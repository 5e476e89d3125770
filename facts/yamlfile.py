"""A YAML file of the rules' family read from disk: UTF-8 text of a bounded size, parsed with places.

Rules, params, cases, waivers and fact mappings are all small YAML files that people write by hand,
so they share one reader: a file that is too large, not UTF-8 (GB18030 and UTF-16 are what Windows
saves) or not YAML is reported at its line with the usual cause named. It lives beside
`facts.yamlsrc` (which parses text) because `facts.exports.mapping` needs it and `facts/` imports nothing of
the checker's stages.
"""

from __future__ import annotations

import re
from pathlib import Path

from checker.errors import CheckerError, Diagnostic, Location
from facts.yamlsrc import Located, load_yaml


def read_yaml_file(path: Path, code: str, what: str) -> Located:
    """A YAML file of the rules' family (rules, params, cases, waivers, mappings) as plain data with
    places: UTF-8 only (a BOM is fine), and every problem named at its line with a cheap fix."""
    text = read_utf8(path, code, what)
    try:
        return load_yaml(str(path), text)
    except CheckerError as error:
        lines = _LINE_BREAK.split(text)
        raise CheckerError([_with_syntax_hint(d, lines) for d in error.diagnostics]) from None


MAX_FILE_BYTES = 5_000_000
"""The largest rule, params, case, waiver or mapping file read: the largest bundled one is 5 KB, and
a file of fifty megabytes (a pasted log, a very long string) would take minutes to parse."""


def read_utf8(path: Path, code: str, what: str) -> str:
    """The text of a UTF-8 file; any other encoding is reported at the line of its first foreign byte."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CheckerError.at(
                Location(str(path), 1),
                "yaml-too-large",
                f"expected a file of at most {MAX_FILE_BYTES:,} bytes, found one of {size:,}",
                help="is this the right file? a rule is a few kilobytes",
            )
        data = path.read_bytes()
    except OSError as error:
        detail = error.strerror or str(error)
        raise CheckerError.at(Location(str(path)), code, f"cannot read {what}: {detail}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        guess = _encoding_of(data)
        raise CheckerError(
            [
                Diagnostic(
                    Location(str(path), line, column),
                    code,
                    f"{what} is not UTF-8 text: expected UTF-8, found {guess}",
                    detail=(f"byte 0x{data[error.start]:02x} here is the first that UTF-8 cannot read",),
                    help="save it as UTF-8 (with or without a BOM)",
                )
            ]
        ) from None


def _encoding_of(data: bytes) -> str:
    """What a file that is not UTF-8 most likely is, in words."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 (Windows 'Unicode')"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return "bytes of another encoding"
    return "GB18030 (what Chinese Windows saves by default)"


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""Where YAML counts a new line (so a hint reads the line the error names)."""
_FLOW_START = re.compile(r":\s+[{\[]")
_COLON_IN_TEXT = re.compile(r":\s.*:\s")


def _with_syntax_hint(diagnostic: Diagnostic, lines: list[str]) -> Diagnostic:
    """A YAML syntax error with the usual cause named, when the line shows it and none is given."""
    if diagnostic.code != "yaml-syntax" or diagnostic.help or not 0 < diagnostic.location.line <= len(lines):
        return diagnostic
    line = lines[diagnostic.location.line - 1]
    hint = ""
    if line[: len(line) - len(line.lstrip())].count("\t") or "'\\t'" in diagnostic.message:
        hint = "indent with spaces: YAML does not allow tabs for indentation"
    elif _FLOW_START.search(line):
        hint = (
            "quote a value that starts with '{' or '[' (\"{problem.key} ...\"): "
            "unquoted, YAML reads a mapping or a list"
        )
    elif "mapping values are not allowed" in diagnostic.message and _COLON_IN_TEXT.search(line):
        hint = "quote a text that holds ': ' (a colon and a space); unquoted, YAML reads a new key"
    elif "mapping values are not allowed" in diagnostic.message and _deeper(lines, diagnostic.location.line):
        hint = "this line is indented further than the one above it: indent it as its neighbours"
    if not hint:
        return diagnostic
    return Diagnostic(diagnostic.location, diagnostic.code, diagnostic.message, diagnostic.detail, hint)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _deeper(lines: list[str], number: int) -> bool:
    """Whether line `number` (1-based) is indented further than the line of text above it."""
    above = [line for line in lines[: number - 1] if line.strip() and not line.lstrip().startswith("#")]
    return (
        bool(above) and _indent(lines[number - 1]) > _indent(above[-1]) and ":" not in above[-1].rstrip()[-1:]
    )
