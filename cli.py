"""rivercheck's command line: parse arguments, call one library function, render, choose the exit status.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 bad input or usage (the
message names the file and line), or an output or history that cannot be written (a missing folder,
a full disk: the message names the file); 3 internal failure (the engine crashed, a worker died);
130 interrupted (Ctrl-C: 128 + SIGINT, as shells report it). On 2, 3 and 130 no report is half
written and the history is as it was (checker/publish.py says what each failure leaves).
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
from checker.errors import CheckerError, EngineError, Location
from checker.language.rules import SEVERITIES
from checker.output import printing
from checker.reports import FORMATS, output_format, render
from checker.scan import ScanOptions, scan, tool_version

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
            click.echo(_closing(error), err=True)
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


def _closing(error: CheckerError) -> str:
    """The last line: input problems stop everything; a write problem's lines say what was kept."""
    count = len(error.diagnostics)
    if all(diagnostic.code in WRITING for diagnostic in error.diagnostics):
        return f"rivercheck: {count} problem(s) with the output or the history"
    return f"rivercheck: {count} problem(s) in the input; nothing was written"


@click.group()
@click.version_option(tool_version(), "--version", message="%(version)s")
def main() -> None:
    """rivercheck: compliance checks for the river and lake chief system (河长制)."""


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
    return list(fact_paths) or [_shown(DEMO_FACTS)]


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
    from facts.importer import import_facts, split_sources

    sources, also = split_sources(mapping, list(fact_paths))
    return import_facts(mapping, sources, also)


@main.command("scan")
@fact_options
@MAPPING
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Format printed (default: table), and of an --output whose suffix says nothing.",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    help="Write a report to PATH (its suffix says the format: .txt .json .md .html .xml .csv .xlsx) "
    "or FORMAT:PATH. Repeat for several; nothing is printed then.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Exit 1 when a finding that is not waived is this severe or more.",
)
@LANG
@HISTORY
@click.option("--no-history", is_flag=True, help="Neither compare with nor record in the history.")
@click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML file of accepted exceptions (docs/waivers.md).",
)
@click.option("--redact", is_flag=True, help="Replace people's names with stable pseudonyms.")
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
@DEBUG
@reports_errors
def scan_command(
    fact_paths: tuple[Path, ...],
    as_of: dt.date | None,
    rules: Path,
    mapping: Path | None,
    fmt: str | None,
    outputs: tuple[str, ...],
    fail_on: str,
    lang: str,
    history_path: Path | None,
    no_history: bool,
    waivers_path: Path | None,
    redact: bool,
    jobs: int | None,
    partition_size: int,
    debug: bool,
) -> None:
    """Scan fact files or folders (default: the bundled demo district) against the rules."""
    from checker.publish import History, annotate, publish, redacted

    targets = [output_format(spec, fmt) for spec in outputs]  # bad specs fail before the scan
    history = None if no_history else History.at(history_path)
    options = ScanOptions(jobs=jobs, partition_size=partition_size, progress=_progress())
    result = scan(facts_input(fact_paths, mapping), rules, as_of or dt.date.today(), options)
    result = annotate(result, waivers_path, history)
    shown = redacted(result) if redact else result
    if not targets:
        shown_fmt = fmt or "table"
        colour = shown_fmt == "table" and sys.stdout.isatty()
        with printing():
            click.echo(render(shown, shown_fmt, lang, colour).decode("utf-8-sig"), nl=False)
    publish(result, shown, targets, lang, history)  # all reports or none, then the history
    threshold = SEVERITIES.index(fail_on)
    sys.exit(
        1 if any(f.failing and SEVERITIES.index(f.severity) >= threshold for f in result.findings) else 0
    )


def _progress() -> Callable[[str, int, int], None] | None:
    """A progress line on a terminal's stderr for scans with several worker tasks."""
    if not sys.stderr.isatty():
        return None

    def show(step: str, done: int, total: int) -> None:
        if total > 1:
            width = 30
            bar = "#" * (width * done // total)
            end = "\n" if done == total else ""
            click.echo(f"\r{step} [{bar:<{width}}] {done}/{total}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    return show


@main.command("history")
@HISTORY
@LANG
@DEBUG
@reports_errors
def history_command(history_path: Path | None, lang: str, debug: bool) -> None:
    """List the recorded scans and the trend of findings."""
    from checker.publish import History, history_report

    click.echo(history_report(History.at(history_path), lang), nl=False)


@main.group("waivers")
def waivers_group() -> None:
    """Accepted exceptions (docs/waivers.md)."""


@waivers_group.command("audit")
@click.argument("waivers_path", type=click.Path(dir_okay=False, path_type=Path))
@fact_options
@LANG
@DEBUG
@reports_errors
def waivers_audit_command(
    waivers_path: Path,
    fact_paths: tuple[Path, ...],
    as_of: dt.date | None,
    rules: Path,
    lang: str,
    debug: bool,
) -> None:
    """Every waiver: active, expired or matching nothing, on a scan of the facts."""
    from checker.publish import waiver_audit

    result = scan(fact_paths_or_demo(fact_paths), rules, as_of or dt.date.today())
    click.echo(waiver_audit(result, waivers_path, lang), nl=False)


@main.group("demo")
def demo_group() -> None:
    """Synthetic fact sets for trying rivercheck out and measuring it."""


@demo_group.command("generate")
@click.option(
    "--scale",
    type=click.Choice(["small", "district", "million", "city"]),
    default="small",
    show_default=True,
    help="small: 2,000 problems; district: 30,000 problems, 200,000 patrols; million: 1,000,922 records; "
    "city: 300,000 problems, "
    "2 million patrols, 50,000 waterbodies, 25,000 chiefs.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--as-of", "as_of", type=IsoDate(), default="2026-11-26", show_default=True)
@click.option(
    "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write."
)
@DEBUG
@reports_errors
def demo_generate_command(scale: str, seed: int, as_of: dt.date, output: Path, debug: bool) -> None:
    """Write a fictional city's records whose violations per rule are known by construction."""
    from facts.synthetic import PARAMS_FILE, SyntheticError, generate

    try:
        generated = generate(scale, seed, output, as_of)
    except SyntheticError as error:  # a parameter the generator cannot plan for: the input's fault
        raise CheckerError.at(Location(str(PARAMS_FILE)), "demo-params", str(error)) from None
    for kind, count in sorted(generated.counts.items()):
        click.echo(f"{kind:<12} {count:>10,}")
    click.echo("findings a scan must report, per rule the generator plans (other rules may report more):")
    for rule, count in sorted(generated.expected.items()):
        click.echo(f"  {rule:<26} {count:>8,}")


@main.group("facts")
def facts_group() -> None:
    """Fact files: check them, count them, import them from spreadsheets."""


FACT_PATHS = click.argument("fact_paths", nargs=-1, type=click.Path(path_type=Path))


@facts_group.command("validate")
@FACT_PATHS
@DEBUG
@reports_errors
def facts_validate_command(fact_paths: tuple[Path, ...], debug: bool) -> None:
    """Check fact files without running rules: fields, dates, keys, references. Exit 0 clean, 2 problems."""
    from facts.loaders import load_facts

    facts = load_facts(fact_paths_or_demo(fact_paths))
    click.echo(f"{len(facts):,} records in {len(facts.sources)} files: no problems")


@facts_group.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--mapping", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The mapping file."
)
@click.option(
    "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write."
)
@DEBUG
@reports_errors
def facts_import_command(sources: tuple[Path, ...], mapping: Path, output: Path, debug: bool) -> None:
    """Read exports through a mapping and write canonical fact files (other paths: loaded alongside)."""
    from facts.importer import write_canonical

    for path in write_canonical(facts_input(sources, mapping), output):
        click.echo(str(path))


@facts_group.command("stats")
@FACT_PATHS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@LANG
@DEBUG
@reports_errors
def facts_stats_command(fact_paths: tuple[Path, ...], fmt: str, lang: str, debug: bool) -> None:
    """Records per kind, per district and problem status, and the range of every date field."""
    from facts.loaders import load_facts
    from facts.stats import fact_stats, render_stats

    stats = fact_stats(load_facts(fact_paths_or_demo(fact_paths)))
    click.echo(stats.to_json() if fmt == "json" else render_stats(stats, lang), nl=False)


@main.command("explain")
@click.argument("fingerprint")
@fact_options
@click.option(
    "--result",
    "saved",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A saved JSON report (scan --format json) to explain from, instead of scanning again.",
)
@LANG
@DEBUG
@reports_errors
def explain_command(
    fingerprint: str,
    fact_paths: tuple[Path, ...],
    as_of: dt.date | None,
    rules: Path,
    saved: Path | None,
    lang: str,
    debug: bool,
) -> None:
    """Explain one finding: the article, the records it rests on, how it was derived, the remedy."""
    from checker.results.document import load_result
    from checker.results.explain import explain

    if saved is not None:
        result = load_result(saved)
    else:
        result = scan(fact_paths_or_demo(fact_paths), rules, as_of or dt.date.today())
    click.echo(explain(result, fingerprint, lang), nl=False)


@main.command("schema")
@click.option(
    "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write."
)
@DEBUG
@reports_errors
def schema_command(output: Path, debug: bool) -> None:
    """Write JSON Schemas for rule, params, case and fact files (for editors)."""
    from checker.maintain.schemas import write_schemas

    for path in write_schemas(output):
        click.echo(str(path))


@main.group("rules")
def rules_group() -> None:
    """Tools for rule maintainers: validate, test, docs, impact, matrix."""


RULES_DIR = click.argument(
    "rules_dir", required=False, type=click.Path(path_type=Path), default=DEFAULT_RULES
)


@rules_group.command("validate")
@RULES_DIR
@DEBUG
@reports_errors
def validate_command(rules_dir: Path, debug: bool) -> None:
    """Check every rule, params and case file; exit 0 clean, 2 with every problem by file and line."""
    from checker.maintain.validate import validate

    problems = validate(rules_dir)
    if problems:
        raise CheckerError(problems)
    click.echo(f"{rules_dir}: no problems")


@rules_group.command("test")
@RULES_DIR
@click.option("-k", "pattern", default="", help="Only cases whose RULE::case id contains this text.")
@click.option("-v", "--verbose", is_flag=True, help="List passing cases too.")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes per case."
)
@DEBUG
@reports_errors
def test_command(rules_dir: Path, pattern: str, verbose: bool, jobs: int, debug: bool) -> None:
    """Run the rules' case files; a failure shows wanted against got. Exit 0 all pass, 1 any fails."""
    from checker.maintain.cases import run_case, select_cases

    cases = select_cases(rules_dir, pattern)
    passed = failed = 0
    for case in cases:
        outcome = run_case(case, rules_dir, jobs=jobs)
        if outcome.passed:
            passed += 1
            if verbose:
                click.echo(f"PASS {case.id}")
            continue
        failed += 1
        click.echo(f"FAIL {case.id}  ({case.location})")
        for problem in outcome.problems:
            click.echo(f"    {problem}")
        for line in outcome.diff.splitlines():
            click.echo(f"    {line}")
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@rules_group.command("docs")
@RULES_DIR
@click.option(
    "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write."
)
@DEBUG
@reports_errors
def docs_command(rules_dir: Path, output: Path, debug: bool) -> None:
    """Write a Markdown page per rule and an index by article (generated; do not edit them)."""
    from checker.maintain.ruledocs import write_rule_docs

    for path in write_rule_docs(rules_dir, output):
        click.echo(str(path))


@rules_group.command("matrix")
@fact_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@LANG
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE, not stdout.",
)
@DEBUG
@reports_errors
def matrix_command(
    fact_paths: tuple[Path, ...],
    as_of: dt.date | None,
    rules: Path,
    fmt: str,
    lang: str,
    output: Path | None,
    debug: bool,
) -> None:
    """Article -> rules -> case files -> result on the facts (docs/matrix.md). Exit 0 no gaps, 1 gaps."""
    from checker.maintain.matrix import build_matrix, render_table
    from checker.output import write_atomically

    found = build_matrix(rules, fact_paths_or_demo(fact_paths), as_of or dt.date.today())
    text = found.to_json() if fmt == "json" else render_table(found, lang)
    if output is not None:
        write_atomically(output, text)
    else:
        with printing():
            click.echo(text, nl=False)
    sys.exit(found.exit_status)


@rules_group.command("impact")
@click.option(
    "--base", required=True, help="The old rules: a folder, or a git revision (HEAD, a tag, a commit)."
)
@fact_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@LANG
@DEBUG
@reports_errors
def impact_command(
    base: str,
    fact_paths: tuple[Path, ...],
    as_of: dt.date | None,
    rules: Path,
    fmt: str,
    lang: str,
    debug: bool,
) -> None:
    """Run the old and the new rules on the same facts: findings added, removed, changed; score changes."""
    from checker.maintain.impact import impact, impact_json, render_impact

    found = impact(fact_paths_or_demo(fact_paths), rules, base, as_of or dt.date.today())
    click.echo(impact_json(found) if fmt == "json" else render_impact(found, lang), nl=False)


def _shown(path: Path) -> Path:
    """A bundled path as the user would type it from here (so reports name it the same each run)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


if __name__ == "__main__":
    main()
