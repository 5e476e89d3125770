"""`facts validate|import|stats` and `demo generate`: fact files, without rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from checker.commands.common import (
    DEBUG,
    FACT_PATHS,
    LANG,
    IsoDate,
    fact_paths_or_demo,
    facts_input,
    reports_errors,
)
from checker.errors import CheckerError, Location


@click.group("demo")
def demo_group() -> None:
    """Synthetic fact sets for trying rivercheck out and measuring it."""


@demo_group.command("generate")
@click.option(
    "--scale",
    type=click.Choice(
        ["small", "district", "million", "city", "dense-small", "dense", "adversarial-small", "adversarial"]
    ),  # facts.synthetic.SCALES (tests/bench/test_generate.py checks every one is offered)
    default="small",
    show_default=True,
    help="small: 2,000 problems; district: 30,000 problems, 200,000 patrols; million: 1,000,922 records; "
    "city: 300,000 problems, 2 million patrols, 50,000 waterbodies, 25,000 chiefs; "
    "dense: 200,000 problems on 20 waterbodies; adversarial: crowded on purpose (a waterbody with half "
    "the problems, a unit with 30 %, a chief on 1,000 waterbodies); dense-small, adversarial-small: "
    "their small twins (bench/README.md).",
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


@click.group("facts")
def facts_group() -> None:
    """Fact files: check them, count them, import them from spreadsheets."""


@facts_group.command("validate")
@FACT_PATHS
@DEBUG
@reports_errors
def facts_validate_command(fact_paths: tuple[Path, ...], debug: bool) -> None:
    """Check fact files without running rules: fields, dates, keys, references. Exit 0 clean, 2 problems."""
    from facts.load.pipeline import load_facts

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
    from facts.exports.importer import write_canonical

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
    from facts.load.pipeline import load_facts
    from facts.stats import fact_stats, render_stats

    stats = fact_stats(load_facts(fact_paths_or_demo(fact_paths)))
    click.echo(stats.to_json() if fmt == "json" else render_stats(stats, lang), nl=False)
