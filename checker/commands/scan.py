"""`scan`, `history`, `waivers audit` and `explain`: the commands that scan facts and report on them."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import click

from checker.commands.common import (
    DEBUG,
    DEFAULT_RULES,
    HISTORY,
    LANG,
    MAPPING,
    IsoDate,
    fact_options,
    fact_paths_or_demo,
    facts_input,
    reports_errors,
)
from checker.language.schema import SEVERITIES
from checker.output import printing
from checker.reports import FORMATS, output_format, render
from checker.scan import ScanOptions, scan
from checker.scope.select import selection

DEMO_NOTICE = {
    "zh": "rivercheck: 未给出记录路径，检查的是内置的演示数据（虚构的清溪区），不是真实记录",
    "en": "rivercheck: no records given: scanning the bundled demo data (the fictional 清溪区), "
    "not real records",
}


@click.command("scan")
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
    "--select",
    multiple=True,
    help="Report only these rules: ids (RECT-OVERDUE), articles (art:25), kinds (kind:overdue); "
    "* and ? are globs; repeat or separate with commas.",
)
@click.option("--ignore", multiple=True, help="Do not report these rules (the same patterns as --select).")
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
    select: tuple[str, ...],
    ignore: tuple[str, ...],
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
    chosen = selection(select, ignore) if select or ignore else None
    options = ScanOptions(jobs=jobs, partition_size=partition_size, progress=_progress(), selection=chosen)
    if not fact_paths:
        click.echo(DEMO_NOTICE[lang], err=True)
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


@click.command("history")
@HISTORY
@LANG
@DEBUG
@reports_errors
def history_command(history_path: Path | None, lang: str, debug: bool) -> None:
    """List the recorded scans and the trend of findings."""
    from checker.publish import History, history_report

    click.echo(history_report(History.at(history_path), lang), nl=False)


@click.group("waivers")
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


@click.command("explain")
@click.argument("items", nargs=-1, metavar="[FINGERPRINT] [FACT_PATHS]...")
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    default=None,
    help="Date deadlines are judged against (default: today).",
)
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default="bundled rules",
    help="Rules folder.",
)
@MAPPING
@click.option("--rule", "rule", default=None, help="With --subject: explain this rule for one subject.")
@click.option("--subject", default=None, help="With --rule: the subject (a problem, unit, chief ... key).")
@click.option(
    "--result",
    "saved",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A saved JSON report (scan --format json) to explain a fingerprint from, instead of scanning again.",
)
@LANG
@DEBUG
@reports_errors
def explain_command(
    items: tuple[str, ...],
    as_of: dt.date | None,
    rules: Path,
    mapping: Path | None,
    rule: str | None,
    subject: str | None,
    saved: Path | None,
    lang: str,
    debug: bool,
) -> None:
    """Explain a finding (FINGERPRINT), or, with --rule and --subject, why a subject has a finding,
    has none, or was not checked: each condition of the rule on its records, and the first that failed."""
    if (rule is None) != (subject is None):
        raise click.UsageError("give --rule and --subject together")
    day = as_of or dt.date.today()
    if rule is not None and subject is not None:
        from checker.reports.whynot import render_why_not
        from checker.scan import explain_subject

        answer = explain_subject(
            facts_input(tuple(Path(i) for i in items), mapping), rules, day, rule, subject
        )
        click.echo(render_why_not(answer, lang), nl=False)
        return
    if not items:
        raise click.UsageError("give a FINGERPRINT, or --rule and --subject")
    from checker.reports.explain import explain
    from checker.results.document import load_result

    fingerprint, paths = items[0], tuple(Path(i) for i in items[1:])
    result = load_result(saved) if saved is not None else scan(facts_input(paths, mapping), rules, day)
    click.echo(explain(result, fingerprint, lang), nl=False)
