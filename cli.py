"""rivercheck's command line: parse arguments, call one library function, render, choose the exit status.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 bad input or usage (the
message names the file and line); 3 internal failure (the engine crashed, a worker died).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.errors import CheckerError, EngineError, Location
from checker.render import render_json, render_table
from checker.rules import SEVERITIES
from checker.scan import ScanOptions, scan, tool_version

HOME = Path(__file__).resolve().parent
DEFAULT_RULES = HOME / "rules"
DEMO_FACTS = HOME / "demo" / "district"
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
            click.echo(
                f"rivercheck: {len(error.diagnostics)} problem(s) in the input; nothing was written", err=True
            )
            sys.exit(error.exit_status)
        except EngineError as error:
            if debug:
                traceback.print_exc()
            click.echo(f"rivercheck: engine failure: {error}", err=True)
            sys.exit(EngineError.exit_status)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001 - the one place unknown errors are turned into exit 3
            if debug:
                traceback.print_exc()
            click.echo(
                f"rivercheck: internal error: {type(error).__name__}: {error} (rerun with --debug)", err=True
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(tool_version(), "--version", message="%(version)s")
def main() -> None:
    """rivercheck: compliance checks for the river and lake chief system (河长制)."""


@main.command("scan")
@click.argument("fact_paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    default=None,
    help="Date the scan judges deadlines against (default: today).",
)
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default="bundled rules",
    help="Rules folder.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report here (default: stdout).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Exit 1 when a finding is this severe or more.",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the table."
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: number of cores)."
)
@click.option(
    "--partition-size",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Facts per engine session.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@reports_errors
def scan_command(
    fact_paths: tuple[Path, ...],
    as_of: dt.date | None,
    rules: Path,
    fmt: str,
    output: Path | None,
    fail_on: str,
    lang: str,
    jobs: int | None,
    partition_size: int,
    debug: bool,
) -> None:
    """Scan fact files or folders (default: the bundled demo district) against the rules."""
    paths = list(fact_paths) or [_shown(DEMO_FACTS)]
    result = scan(
        paths, rules, as_of or dt.date.today(), ScanOptions(jobs=jobs, partition_size=partition_size)
    )
    if fmt == "json":
        text = render_json(result)
    else:
        text = render_table(result, lang, colour=output is None and sys.stdout.isatty())
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)
    threshold = SEVERITIES.index(fail_on)
    sys.exit(1 if any(SEVERITIES.index(f.severity) >= threshold for f in result.findings) else 0)


def _shown(path: Path) -> Path:
    """A bundled path as the user would type it from here (so reports name it the same each run)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _file_mode(path: Path) -> int:
    """The existing report's mode, or what a new file gets under the current umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written report."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise CheckerError.at(
            Location(str(path)), "output-write", f"cannot write the report here: {error.strerror}"
        ) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, _file_mode(path))  # mkstemp makes it owner-only; a report is an ordinary file
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CheckerError.at(
            Location(str(path)), "output-write", f"cannot write the report: {error.strerror}"
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    main()
