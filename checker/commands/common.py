"""What every command shares: the options that read facts, dates, errors turned into exit statuses.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 bad input or usage (the
message names the file and line), or an output or history that cannot be written; 3 internal
failure (the engine crashed, a worker died); 130 interrupted. `reports_errors` is the one place
that turns errors into them (see cli.py).
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from checker import bundled
from checker.errors import CheckerError, EngineError

INTERRUPTED = 130
"""Exit status of a run stopped by Ctrl-C (128 + SIGINT), never 1, which means findings."""
WRITING = {"output-write", "history-db"}
"""Codes of problems with what a scan writes (reports, history), not with what it reads."""
DEFAULT_RULES = bundled.RULES
DEMO_FACTS = bundled.DEMO_DISTRICT
F = TypeVar("F", bound=Callable[..., Any])


class IsoDate(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"expected a date YYYY-MM-DD, found '{value}'", param, ctx)


def reports_errors(command: F) -> F:
    """Known errors become their exit status and message; anything else is an internal error (3)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            return command(*args, **kwargs)
        except CheckerError as error:
            click.echo(error.render(), err=True)
            click.echo(closing(error), err=True)
            sys.exit(error.exit_status)
        except EngineError as error:
            if debug:
                traceback.print_exc()
            click.echo(f"rivercheck: engine failure: {error}", err=True)
            sys.exit(EngineError.exit_status)
        except KeyboardInterrupt:
            if debug:
                traceback.print_exc()
            start = "\n" if sys.stderr.isatty() else ""  # after ^C or a progress bar
            click.echo(f"{start}rivercheck: interrupted", err=True)
            sys.exit(INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the one place unknown errors are turned into exit 3
            if debug:
                traceback.print_exc()
            click.echo(
                f"rivercheck: internal error: {type(error).__name__}: {error} (rerun with --debug)", err=True
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def closing(error: CheckerError) -> str:
    """The last line: input problems stop everything; a write problem's lines say what was kept."""
    count = len(error.diagnostics)
    if all(diagnostic.code in WRITING for diagnostic in error.diagnostics):
        return f"rivercheck: {count} problem(s) with the output or the history"
    return f"rivercheck: {count} problem(s) in the input; nothing was written"


def fact_options(command: F) -> F:
    """FACT_PATHS, --as-of and --rules: what a scan reads."""
    for option in reversed(
        [
            click.argument("fact_paths", nargs=-1, type=click.Path(path_type=Path)),
            click.option(
                "--as-of",
                "as_of",
                type=IsoDate(),
                default=None,
                help="Date deadlines are judged against (default: today).",
            ),
            click.option(
                "--rules",
                "rules",
                type=click.Path(path_type=Path),
                default=DEFAULT_RULES,
                show_default="bundled rules",
                help="Rules folder.",
            ),
        ]
    ):
        command = option(command)
    return command


LANG = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language."
)
DEBUG = click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
HISTORY = click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="History database (default: $RIVERCHECK_HISTORY, else .rivercheck/history.sqlite).",
)


def fact_paths_or_demo(fact_paths: tuple[Path, ...]) -> list[Path]:
    return list(fact_paths) or [shown(DEMO_FACTS)]


MAPPING = click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read spreadsheet exports (.xlsx, and .csv files the mapping names) through this mapping "
    "(docs/mappings.md); the other paths are canonical fact files loaded alongside.",
)


def facts_input(fact_paths: tuple[Path, ...], mapping: Path | None) -> Any:
    """The fact paths, or, with a mapping, the fact set imported from the exports among them."""
    if mapping is None:
        return fact_paths_or_demo(fact_paths)
    from facts.exports.importer import import_facts, survey_exports

    found = survey_exports(mapping, list(fact_paths))
    return import_facts(mapping, found.exports, found.fact_files, found.ignored)


FACT_PATHS = click.argument("fact_paths", nargs=-1, type=click.Path(path_type=Path))


def shown(path: Path) -> Path:
    """A bundled path as the user would type it from here (so reports name it the same each run)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
