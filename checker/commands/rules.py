"""`rules validate|test|docs|matrix|impact` and `schema`: the tools of rule maintainers."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from checker.commands.common import (
    DEBUG,
    DEFAULT_RULES,
    LANG,
    fact_options,
    fact_paths_or_demo,
    reports_errors,
)
from checker.errors import CheckerError
from checker.output import printing


@click.command("schema")
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


@click.group("rules")
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
