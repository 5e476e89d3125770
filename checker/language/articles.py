"""`articles.yaml` at the top of a rules folder: the regulation's articles as data.

The file names its source (the regulation's title, who issued it and when) and lists every article:
its chapter (and section) as the regulation heads them, a gist in Chinese and English, whether any
record could show it met, and `excerpt`, the start of its text as the rule pages quote it. It is
what rivercheck knows of the regulation: `rules docs` quotes it, `rules matrix` lists it and
`rules validate` checks it, so nothing is read from outside the rules folder. The rule loader skips
the file (it is not a rule). Format: docs/matrix.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, model_validator

from checker.errors import CheckerError, Diagnostic, Location
from checker.language.load import ARTICLES_FILE
from checker.language.schema import Article, Strict, Text
from facts.schemaerrors import schema_diagnostics
from facts.yamlfile import read_yaml_file
from facts.yamlsrc import Located

EXCERPT_LENGTH = 120
"""The most of an article's text a rule page quotes (a closing … not counted): the regulation is
quoted as far as it is cited, no further."""
_DIGITS = "零一二三四五六七八九"
_NUMERAL = "[一二三四五六七八九十]+"

Chapter = Annotated[str, StringConstraints(pattern=rf"^第{_NUMERAL}章 \S")]
"""A chapter as the regulation heads it: `第四章 履职方式`."""
Section = Annotated[str, StringConstraints(pattern=rf"^第{_NUMERAL}节 \S")]
"""A section of a chapter as the regulation heads it: `第五节 加强检查督办`."""
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def chinese_numeral(number: int) -> str:
    """1 -> 一, 10 -> 十, 25 -> 二十五, 34 -> 三十四 (articles are numbered so: 第二十五条)."""
    if not 0 < number < 100:
        raise ValueError(f"no article number {number}")
    tens, ones = divmod(number, 10)
    text = ("" if tens < 2 else _DIGITS[tens]) + ("十" if tens else "")
    return text + (_DIGITS[ones] if ones else "")


_NUMBERS = {chinese_numeral(n): n for n in range(1, 100)}


def article_name(number: int) -> str:
    return f"第{chinese_numeral(number)}条 (Article {number})"


def heading_number(heading: str) -> int:
    """The number of a chapter or section heading: `第四章 履职方式` -> 4."""
    return _NUMBERS[heading[1 : heading.index(" ") - 1]]


def _excerpt(text: str) -> str:
    body = text.removesuffix("…")
    if len(body) > EXCERPT_LENGTH:
        raise ValueError(
            f"expected at most {EXCERPT_LENGTH} characters of the article (and a closing …), found "
            f"{len(body)}: quote only what the rule pages cite"
        )
    return text


class Source(Strict):
    """The regulation the articles are from: its title, who issued it and when."""

    title: NonEmpty
    issued_by: NonEmpty
    issued_on: dt.date

    @property
    def cited_as(self) -> str:
        """How pages name it: `上海市河长制办公室工作规则(试行) (2022)`."""
        return f"{self.title} ({self.issued_on.year})"


class ArticleEntry(Strict):
    """One article: where it stands, its gist and excerpt, and why it cannot be checked if it cannot."""

    number: Article
    chapter: Chapter
    section: Section | None = None
    gist: Text
    excerpt: Annotated[str, StringConstraints(min_length=1), AfterValidator(_excerpt)]
    """The start of the article's text: the whole article, or at most EXCERPT_LENGTH characters
    cut after a full stop or semicolon where one is near, closed with …"""
    checkable: bool = True
    why: Text | None = None
    """Why no record could show the duty is met (required when `checkable: false`, else absent)."""

    @model_validator(mode="after")
    def _why_iff_not_checkable(self) -> ArticleEntry:
        if not self.checkable and self.why is None:
            raise ValueError("an article with checkable: false needs 'why' (zh and en)")
        if self.checkable and self.why is not None:
            raise ValueError("'why' is only for articles with checkable: false")
        return self

    @property
    def heading(self) -> str:
        """Its place in the regulation: `第四章 履职方式 · 第五节 加强检查督办`."""
        return " · ".join(part for part in (self.chapter, self.section) if part)


class ArticlesFile(Strict):
    """`rules/articles.yaml`: the regulation named, then every article in order."""

    source: Source
    articles: Annotated[list[ArticleEntry], Field(min_length=1)]


@dataclass(frozen=True)
class Articles:
    """A rules folder's `articles.yaml`, read and checked."""

    source: Source
    entries: dict[int, ArticleEntry]
    path: str


def read_articles(rules_dir: str | Path) -> Articles:
    """`articles.yaml` at the top of a rules folder; every problem (a missing file, its shape, a
    repeated number, chapters that disagree) is a CheckerError naming file:line (exit 2)."""
    path = Path(rules_dir) / ARTICLES_FILE
    if not path.is_file():
        raise CheckerError.at(
            Location(str(path)),
            "articles-missing",
            f"no {ARTICLES_FILE} in the rules folder",
            help="the matrix and the rule docs need the articles: copy rules/articles.yaml and edit it",
        )
    located = read_yaml_file(path, "file-read", "the articles file")
    try:
        parsed = ArticlesFile.model_validate(located.data)
    except ValidationError as error:
        raise CheckerError(schema_diagnostics(error, located, ArticlesFile)) from None
    found: dict[int, ArticleEntry] = {}
    problems: list[Diagnostic] = []
    for index, entry in enumerate(parsed.articles):
        if entry.number in found:
            problems.append(
                Diagnostic(
                    located.where(("articles", index, "number")),
                    "articles-duplicate",
                    f"article {entry.number} is listed twice",
                    help="keep one entry per article",
                )
            )
        found.setdefault(entry.number, entry)
    problems += _chapter_problems(parsed.articles, located)
    if problems:
        raise CheckerError(problems)
    return Articles(parsed.source, found, str(path))


def _chapter_problems(entries: list[ArticleEntry], located: Located) -> list[Diagnostic]:
    """Each chapter (and section) heading written one way, and the chapters in the articles' order.

    Where one chapter is headed two ways, the spelling most of its articles use is taken as meant,
    and each other one is reported at its line."""
    problems: list[Diagnostic] = []
    spellings: dict[tuple[int, ...], list[tuple[str, Location]]] = {}
    previous: ArticleEntry | None = None
    for index, entry in sorted(enumerate(entries), key=lambda item: item[1].number):
        chapter = heading_number(entry.chapter)
        headings: list[tuple[str, tuple[int, ...], str]] = [("chapter", (chapter,), entry.chapter)]
        if entry.section:
            headings.append(("section", (chapter, heading_number(entry.section)), entry.section))
        for field, key, heading in headings:
            spellings.setdefault(key, []).append((heading, located.where(("articles", index, field))))
        if previous is not None and chapter < heading_number(previous.chapter):
            problems.append(
                Diagnostic(
                    located.where(("articles", index, "chapter")),
                    "articles-chapter",
                    f"article {entry.number} is in {entry.chapter}, but article {previous.number} "
                    f"before it is in {previous.chapter}",
                    help="chapters follow the articles' order: check both articles' chapter",
                )
            )
        previous = entry
    for written in spellings.values():
        counts = Counter(heading for heading, _ in written)
        meant = max(counts, key=lambda heading: counts[heading])  # the first of the most used
        problems += [
            Diagnostic(
                place,
                "articles-chapter",
                f"'{heading}' differs from '{meant}', as the other articles of it have it",
                help="write each chapter and section heading as the regulation does, each time",
            )
            for heading, place in written
            if heading != meant
        ]
    return problems
