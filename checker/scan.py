"""The scan pipeline, read top to bottom like its diagram in docs/ARCHITECTURE.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from checker.bundled import DEMO
from checker.engine.adapter import engine_version
from checker.engine.plan import SESSION_FACTS
from checker.engine.run import Derivation, RunOptions, counting_plan, run
from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.language.program import Program
from checker.results.collect import collect
from checker.results.document import ScanResult
from checker.results.scope import scope_of
from checker.results.whynot import WhyNot, why_not, with_later_records
from checker.scope.plan import plan_scope
from checker.scope.select import Selection
from facts.load.factset import FactSet
from facts.load.files import Inventory, survey
from facts.load.pipeline import load_facts
from facts.nogc import collector_paused
from facts.snapshot import Snapshot


@dataclass(frozen=True)
class ScanOptions:
    jobs: int | None = None
    partition_size: int = SESSION_FACTS
    params: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str, int, int], None] | None = None
    selection: Selection | None = None
    """--select/--ignore: which rules' findings are reported (None: all)."""


def scan(
    facts: FactSet | Sequence[str | Path],
    rule_dir: str | Path,
    as_of: dt.date,
    options: ScanOptions | None = None,
) -> ScanResult:
    """Scan fact files (or a fact set already loaded, e.g. imported from a spreadsheet export).

    Python's cyclic garbage collector is off for the scan: millions of short-lived dicts and no
    reference cycles among them, and at city scale its full collections cost about 10 of 60 seconds
    (measured with py-spy, docs/performance.md); forked workers inherit it off, so they also stop
    touching every page of the parent's heap.
    """
    with collector_paused():
        return _scan(facts, rule_dir, as_of, options or ScanOptions()).result


@dataclass(frozen=True)
class Scanned:
    """A scan's result and what it was made from: the program run, the facts as of the day, and
    everything derived (what `explain --rule --subject` reads)."""

    result: ScanResult
    program: Program
    facts: FactSet
    """The facts as they stood on as_of."""
    derived: Derivation
    recorded: FactSet
    """The facts as recorded (before taking them as of the day)."""


def explain_subject(
    facts: FactSet | Sequence[str | Path],
    rule_dir: str | Path,
    as_of: dt.date,
    rule: str,
    subject: str,
    options: ScanOptions | None = None,
) -> WhyNot:
    """Why `rule` has (or has not) a finding about `subject`: scan, then read the rule's conditions
    on the records (`checker.results.whynot`). Nothing is streamed: every record stays to be named."""
    return explain_in(scan_all(facts, rule_dir, as_of, options), rule, subject)


def scan_all(
    facts: FactSet | Sequence[str | Path],
    rule_dir: str | Path,
    as_of: dt.date,
    options: ScanOptions | None = None,
) -> Scanned:
    """A scan that keeps every record and what it was made from (for explaining, not at city scale)."""
    with collector_paused():
        return _scan(facts, rule_dir, as_of, options or ScanOptions(), keep_all=True)


def explain_in(scanned: Scanned, rule: str, subject: str) -> WhyNot:
    """`explain_subject` on a scan already made."""
    if not any(r.id == rule for r in scanned.program.rules) and not any(
        item.rule == rule for item in scanned.result.scope.not_checked
    ):
        known = [r.id for r in scanned.program.rules] + [i.rule for i in scanned.result.scope.not_checked]
        raise CheckerError.at(
            Location("--rule"), "explain-rule", f"no rule '{rule}'", help=did_you_mean(rule, known)
        )
    answer = why_not(scanned.result, scanned.program, scanned.facts, scanned.derived.outputs, rule, subject)
    return with_later_records(answer, scanned.recorded, scanned.facts, scanned.program.as_of)


def _scan(
    given: FactSet | Sequence[str | Path],
    rule_dir: str | Path,
    as_of: dt.date,
    options: ScanOptions,
    keep_all: bool = False,
) -> Scanned:
    rules = load_rules(rule_dir)  # parse + validate rule files
    program = compile_rules(rules, as_of, options.params)  # engine-neutral
    if options.selection is not None:
        options.selection.check(loaded.rule for loaded in rules.rules)
    found = given if isinstance(given, FactSet) else inventory(given)  # every file: read or why not
    supplied = found.supplied if isinstance(found, FactSet) else found.kinds
    plan = plan_scope(program, supplied, options.selection)  # the rules these records can check
    snapshot = Snapshot(as_of)  # the records as they stood on as_of
    counted, stream = counting_plan(plan.program)  # what rules only count is counted while it is read
    if keep_all:
        counted, stream = {}, {}
    if isinstance(found, FactSet):
        facts, counted = found, {}
    else:
        streamed = {kind: snapshot.consumer(consumer) for kind, consumer in stream.items()}
        facts = load_facts(found, streamed)  # parse + validate, keeps file:line
    recorded, facts = facts, snapshot.facts(facts)
    run_options = RunOptions(partition_size=options.partition_size, progress=options.progress)
    if options.jobs:
        run_options = RunOptions(
            jobs=options.jobs, partition_size=options.partition_size, progress=options.progress
        )
    derived = run(plan.program, facts, run_options, counted)  # the only stage that touches durable
    scope = scope_of(plan, program, facts, snapshot.summary, options.selection, DEMO)
    result = collect(derived, plan.program, facts, scope, tool=tool_version(), engine=engine_version())
    return Scanned(result, plan.program, facts, derived, recorded)


def inventory(paths: Sequence[str | Path]) -> Inventory:
    """Every file under `paths`, sorted into fact files, ignored files and problems (reported with
    the files' own when they are read)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    problems: list[Diagnostic] = []
    found = survey(paths, problems)
    found.problems = problems
    return found


def tool_version() -> str:
    try:
        return f"rivercheck {version('rivercheck')}"
    except PackageNotFoundError:
        return "rivercheck (not installed)"
