"""Record text made safe for each report format: the one place where reports escape what they show.

Every name, key, category and reason in a report comes from records many hands typed or exported,
so any of them may hold markup, a spreadsheet formula, a terminal escape or a bidirectional
override, by accident or on purpose. Each format gets one function here, and its docstring says
what that format guarantees:

- table (terminal), Markdown, HTML, JUnit: text is for people, so nothing in it may act on the
  reader's screen. Control characters and invisible formatting characters (bidi overrides and
  isolates, zero-width characters) are shown as marks (`visible`), and markup is escaped.
- CSV, XLSX: text is data a spreadsheet sorts, filters and looks up, so it stays as recorded;
  only a cell that a spreadsheet would run as a formula is neutralised.
- JSON: the value as recorded; the JSON encoder escapes what JSON needs (nothing is done here).
"""

from __future__ import annotations

import html
import re

UNSEEN = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0 controls (ESC starts terminal escapes), DEL, C1 controls
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff"  # soft hyphen, zero-width and invisible characters
    "\u2028\u2029"  # line and paragraph separators
    "\ufffe\uffff"  # the two non-characters XML 1.0 forbids
    "\ud800-\udfff"  # lone surrogates (pydantic refuses them in records, but not every str is a record)
    "\U000e0001\U000e0020-\U000e007f"  # tag characters (invisible look-alikes of ASCII)
    # the rest of Unicode's format characters (category Cf, as of Unicode 15.1)
    "\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u206a-\u206f\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "]"
)
"""Characters a reader cannot see, or that change how the text around them is drawn."""

NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold at all, not even as character references."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
"""A cell's first characters that make a spreadsheet read it as a formula: OWASP's list for CSV
injection (= + - @ tab CR), NUL (OWASP ASVS 1.2.10), and, as a precaution, the full-width forms of
= + - @ that Chinese and Japanese input methods type (docs/reports.md, "Hostile text")."""

MARKDOWN_SPECIAL = re.compile(r"([\\`*_~$\[\]|])")
"""ASCII characters Markdown (GitHub's flavour) could read as markup inside a table cell: code
spans, emphasis, strikethrough, math, links and images, cell breaks, and the escape itself."""


def visible(text: str, keep: str = "") -> str:
    """`text` with every unseen character (`UNSEEN`) but those in `keep` replaced by a mark.

    A control character becomes `\\xNN` (ESC is `\\x1b`; tab and line breaks are `\\t`, `\\n` and
    `\\r`), any other becomes `<U+XXXX>` (the right-to-left override is `<U+202E>`). So an ANSI
    escape cannot recolour or clear a terminal, a bidi override cannot make text read in another
    order than it was written, and two keys that differ only by a zero-width space do not look the
    same.
    """
    return UNSEEN.sub(lambda match: _mark(match.group(), keep), text)


SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
"""Marks for the controls everyone knows by their short escape."""


def _mark(char: str, keep: str) -> str:
    if char in keep:
        return char
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return SHORT.get(char) or f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def for_terminal(text: str) -> str:
    """Table (terminal): every unseen character as a mark, line breaks and tabs too.

    Each finding is one line of the table, so a line break in a record cannot forge another.
    """
    return visible(text)


def for_markdown(text: str) -> str:
    """Markdown (one table cell): unseen characters as marks; the text renders as it was typed.

    Markdown's markup characters are backslash-escaped (`MARKDOWN_SPECIAL`: no column break, code
    span, link or image), `&`, `<` and `>` are entities (no HTML, no `<...>` link, no entity read as
    a character), and line breaks become `<br>`. A leading `#`, `>` or list marker needs nothing: a
    cell is never the start of a line. A bare web address may still be made a link by the viewer
    (GitHub does); such a link shows its own address, so it hides nothing.
    """
    text = MARKDOWN_SPECIAL.sub(r"\\\1", visible(text, keep="\t\n\r"))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def for_html(text: str) -> str:
    """HTML (text or a quoted attribute value): unseen characters as marks, markup escaped.

    `html.escape` with quotes: no element, no attribute, no entity from a record. Bidi controls are
    shown as marks rather than isolated with <bdi>: <bdi> keeps an override from reordering the
    text around the value, but not the value itself, and a message built from a template has the
    record's words inside it, not beside it.
    """
    return html.escape(visible(text, keep="\t\n\r"), quote=True)


def for_xml(text: str) -> str:
    """JUnit XML: only characters XML 1.0 can hold; the rest unseen characters as marks.

    Characters XML 1.0 forbids outright (C0 controls but tab and line breaks, unpaired surrogates,
    U+FFFE, U+FFFF) become U+FFFD, the replacement character XML tools expect; ElementTree would
    write them and leave a file no parser reads. The others are shown as `visible` marks: CI
    dashboards show this text to people. ElementTree escapes the markup.
    """
    return visible(NOT_XML.sub("\ufffd", text), keep="\t\n\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula (it starts with one of `FORMULA_STARTS`)."""
    return text.startswith(FORMULA_STARTS)


def for_csv(text: str) -> str:
    """CSV: the text as recorded, with a leading `'` when it looks like a formula.

    The apostrophe is the spreadsheet's own "this is text" mark, so `=HYPERLINK(...)` from a record
    shows as text instead of running (CSV injection). Nothing else changes: the CSV writer quotes
    every field (so separators and line breaks stay in their cell), and a CSV is data for sorting
    and looking up.
    """
    return "'" + text if looks_like_formula(text) else text


def for_xlsx(text: str) -> str:
    """XLSX: the text as recorded, but for the characters XML 1.0 cannot hold (U+FFFD instead).

    The XLSX writer stores it as a string cell, never a formula, and gives a formula-looking one the
    quote-prefix style as well (see checker/reports/xlsx.py).
    """
    return NOT_XML.sub("\ufffd", text)
