"""The scan pipeline, read top to bottom like its diagram in docs/ARCHITECTURE.md."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from checker.engine.adapter import engine_version
from checker.engine.partition import DEFAULT_TARGET
from checker.engine.run import RunOptions, counting_plan, run
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.results.collect import collect
from checker.results.document import ScanResult
from facts.load.factset import FactSet
from facts.load.pipeline import load_facts


@dataclass(frozen=True)
class ScanOptions:
    jobs: int | None = None
    partition_size: int = DEFAULT_TARGET
    params: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str, int, int], None] | None = None


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
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _scan(facts, rule_dir, as_of, options)
    finally:
        if collecting:
            gc.enable()


def _scan(
    facts: FactSet | Sequence[str | Path],
    rule_dir: str | Path,
    as_of: dt.date,
    options: ScanOptions | None = None,
) -> ScanResult:
    options = options or ScanOptions()
    rules = load_rules(rule_dir)  # checker/: parse + validate rule files
    program = compile_rules(rules, as_of, options.params)  # engine-neutral
    counted, stream = counting_plan(program)  # what rules only count is counted while it is read
    if not isinstance(facts, FactSet):
        facts = load_facts(facts, stream)  # facts/: parse + validate, keeps file:line
    else:
        counted = {}
    run_options = RunOptions(partition_size=options.partition_size, progress=options.progress)
    if options.jobs:
        run_options = RunOptions(
            jobs=options.jobs, partition_size=options.partition_size, progress=options.progress
        )
    derived = run(program, facts, run_options, counted)  # the only stage that touches durable
    return collect(derived, program, facts, tool=tool_version(), engine=engine_version())


def tool_version() -> str:
    try:
        return f"rivercheck {version('rivercheck')}"
    except PackageNotFoundError:
        return "rivercheck (not installed)"
