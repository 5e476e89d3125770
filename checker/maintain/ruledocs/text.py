"""Pieces every generated page shares: quotes of the articles, paths, links, values, YAML snippets."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from checker.language.articles import EXCERPT_LENGTH, ArticleEntry, Articles

GENERATOR = "rivercheck rules docs"
INDEX = "README.md"
QUOTE_LENGTH = EXCERPT_LENGTH
"""An article's quote under its heading: its excerpt in articles.yaml."""
SHORT_QUOTE_LENGTH = 60
"""An article's quote in a list (also cites, articles with no rules yet)."""


class _Dumper(yaml.SafeDumper):
    """Writes dates unquoted, as case files do (rivercheck's loader leaves them to the models)."""


_Dumper.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def quote(text: str, limit: int) -> str:
    """The start of an article, cut after a full stop or semicolon when one is near the limit."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(mark, 0, limit) for mark in "。；;")
    return (text[: cut + 1] if cut >= limit // 2 else text[:limit]) + "…"


def shown_path(path: str, rules_dir: Path) -> str:
    """A path inside the rules folder as `rules/overdue/X.yaml`, whatever the folder is called on disk."""
    root = rules_dir.resolve()
    return (Path(root.name) / Path(path).resolve().relative_to(root)).as_posix()


def links(ids: Iterable[str]) -> str:
    return ", ".join(f"[{rule_id}]({rule_id}.md)" for rule_id in ids)


def article_text(articles: Articles, number: int, limit: int) -> str:
    entry = articles.entries.get(number)
    return quote(entry.excerpt, limit) if entry else f"(not listed in {Path(articles.path).name})"


def heading_line(entry: ArticleEntry | None) -> list[str]:
    """Where the article stands in the regulation (chapter, section), as a line and a blank."""
    return [f"In {entry.heading}.", ""] if entry else []


def scalar(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(scalar(item) for item in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return str(value)


def shown_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def flow(value: Any) -> str:
    text = yaml.dump(
        value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10**6
    )
    return str(text).strip()


def block(value: Any) -> list[str]:
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)
    return str(text).splitlines()


def plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as a case file writes them: dates as text, whole numbers without '.0', keys sorted."""
    return {key: _plain_value(values[key]) for key in sorted(values)}


def _plain_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
