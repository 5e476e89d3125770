"""The HTML report's scope section and its demo banner: what the scan read, what it could not
check and why (`checker.reports.scope` has the words and the tables; this lays them out)."""

from __future__ import annotations

from collections.abc import Sequence

from checker.reports.safe import for_html
from checker.reports.scope import (
    WORDS,
    as_of_notes,
    file_rows,
    ignored_rows,
    kinds,
    not_checked_rows,
    reference_texts,
)
from checker.results.document import ScanResult


def demo_banner(result: ScanResult, lang: str) -> str:
    """A banner across the top of the page when the records are the bundled fictional demo."""
    if not result.scope.demo:
        return ""
    return f'<p class="demo" role="note">{for_html(WORDS[lang]["demo"])}</p>'


def scope_section(result: ScanResult, lang: str) -> tuple[str, str, str]:
    """(anchor, heading, inner HTML) of the scope section."""
    words, scope = WORDS[lang], result.scope
    parts = [demo_banner(result, lang)]
    parts.append(f"<h3>{for_html(words['files'].format(n=len(scope.files)))}</h3>")
    heads = [words["file"], words["kind"], words["records"], words["digest"]]
    parts.append(_table(heads, file_rows(scope, lang), numeric=frozenset({2})))
    parts.append(f"<p>{for_html(words['not_supplied'])}: {for_html(kinds(scope.not_supplied, lang))}</p>")
    parts.append(f"<h3>{for_html(words['not_checked'].format(n=len(scope.not_checked)))}</h3>")
    if scope.not_checked:
        parts.append(_table([words["rule"], words["title"], words["why"]], not_checked_rows(scope, lang)))
    else:
        parts.append(f'<p class="note">{for_html(words["all_checked"])}</p>')
    if scope.unchecked_references:
        texts = ", ".join(reference_texts(scope, lang))
        parts.append(f"<p>{for_html(words['unchecked_references'])}: {for_html(texts)}</p>")
    parts += [
        f'<p class="note">{for_html(note)}</p>'
        for note in as_of_notes(scope, result.stamp.as_of.isoformat(), lang)
    ]
    if scope.ignored:
        parts.append(f"<h3>{for_html(words['ignored'].format(n=len(scope.ignored)))}</h3>")
        parts.append(_table([words["file"], words["reason"]], ignored_rows(scope, lang)))
    return ("scope", words["scope"], "\n".join(part for part in parts if part))


def _table(
    heads: Sequence[str], rows: Sequence[Sequence[object]], numeric: frozenset[int] = frozenset()
) -> str:
    head = "".join(f'<th scope="col">{for_html(h)}</th>' for h in heads)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="num">{for_html(str(v))}</td>' if i in numeric else f"<td>{for_html(str(v))}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )
