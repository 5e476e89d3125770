"""The benchmark's steps (each a measured child process: the load floor, a scan, the oracle, the
DuckDB peer) and the comparison of their findings, rule by rule. bench/run.py runs them per scale."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import BenchError, Measurement, measure
from bench.oracle import ORACLE_RULES, Finding

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: every step runs here, the scan as `python -m cli`, so it tests the working tree."""


# --- the steps -------------------------------------------------------------------------------------


def scan_argv(command: Sequence[str], facts: Path, as_of: dt.date, output: Path, jobs: int) -> list[str]:
    """The scan's command line: `command` is what runs rivercheck (for example `python -m cli`)."""
    return [
        *command,
        "scan",
        str(facts),
        "--as-of",
        as_of.isoformat(),
        "--format",
        "json",
        "--output",
        str(output),
        "--no-history",
        "--jobs",
        str(jobs),
    ]


def load_argv(facts: Path) -> list[str]:
    """The load floor: read and validate the same files, nothing else."""
    code = f"from facts.load.pipeline import load_facts; load_facts([{json.dumps(str(facts))}])"
    return [sys.executable, "-c", code]


def oracle_argv(facts: Path, as_of: dt.date, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.oracle",
        str(facts),
        "--as-of",
        as_of.isoformat(),
        "--output",
        str(output),
    ]


def peer_argv(command: Sequence[str] | None, facts: Path, as_of: dt.date, output: Path) -> list[str]:
    """The peer's command line; `command` replaces `python -m bench.peer` (for testing the runner)."""
    runs = list(command) if command else [sys.executable, "-m", "bench.peer"]
    return [*runs, str(facts), "--as-of", as_of.isoformat(), "--output", str(output)]


def peer_missing() -> str | None:
    """Why the peer cannot run here, or None: it needs duckdb in the Python that runs the bench."""
    if importlib.util.find_spec("duckdb") is None:
        return f"duckdb is not installed in {sys.executable} (pip install -e '.[bench]')"
    return None


def default_command() -> list[str]:
    """`python -m cli` in the repository, else the `rivercheck` script installed beside this Python."""
    if (ROOT / "cli.py").is_file():
        return [sys.executable, "-m", "cli"]
    script = Path(sys.executable).parent / "rivercheck"
    if script.is_file():
        return [str(script)]
    raise BenchError(f"no rivercheck to run: neither {ROOT / 'cli.py'} nor {script} exists")


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BenchError(f"cannot read {what} {path}: {error}") from None


def read_findings(output: Path) -> list[Finding]:
    """(rule, subject) of every finding in a JSON report: an object with a `findings` list."""
    report = read_json(output, "the scan's report")
    findings = report.get("findings") if isinstance(report, dict) else None
    if not isinstance(findings, list):
        raise BenchError(f"the scan's report {output} has no 'findings' list")
    return [(str(f.get("rule")), str(f.get("subject"))) for f in findings if isinstance(f, dict)]


def count_findings(output: Path) -> int:
    """The number of findings in a JSON report."""
    return len(read_findings(output))


def _failed(what: str, run: Measurement) -> str:
    how = f"exited {run.returncode}" if run.returncode >= 0 else f"was killed by signal {-run.returncode}"
    return f"{what} {how}; its stderr:\n{run.stderr.rstrip()}"


@dataclass(frozen=True)
class Step:
    """One measured child process."""

    name: str
    argv: list[str]
    run: Measurement
    findings: list[Finding] | None = None
    evaluate_s: float | None = None
    """The oracle's or the peer's own evaluation, without loading the files."""
    covers: tuple[str, ...] = ORACLE_RULES
    """The rules whose findings the step reports (the peer may leave some out)."""
    left_out: Mapping[str, str] = field(default_factory=dict)
    """Rule -> why the step does not cover it."""


def run_scan(command: Sequence[str], facts: Path, as_of: dt.date, output: Path, jobs: int) -> Step:
    """Scan (timed) and read its findings; exit 1 without a report is a crash, not findings."""
    argv = scan_argv(command, facts, as_of, output, jobs)
    run = measure(argv, cwd=ROOT)
    failed = _failed(f"the scan with --jobs {jobs}", run)
    # 1 means findings at or above --fail-on, normal here; but Python also exits 1 on an uncaught
    # exception, so the report must be there too.
    if run.returncode not in (0, 1):
        raise BenchError(failed)
    try:
        findings = read_findings(output)
    except BenchError as error:
        raise BenchError(f"{error}\n{failed}") from None
    return Step(f"scan jobs={jobs}", argv, run, findings)


def run_load(facts: Path) -> Step:
    argv = load_argv(facts)
    run = measure(argv, cwd=ROOT)
    if run.returncode != 0:
        raise BenchError(_failed("the load floor", run))
    return Step("load floor", argv, run)


def run_oracle(facts: Path, as_of: dt.date, output: Path) -> Step:
    argv = oracle_argv(facts, as_of, output)
    run = measure(argv, cwd=ROOT)
    if run.returncode != 0:
        raise BenchError(_failed("the oracle", run))
    document = read_json(output, "the oracle's output")
    found = [(str(rule), str(subject)) for rule, subject in document["findings"]]
    return Step("oracle", argv, run, found, float(document["evaluate_s"]))


def run_peer(command: Sequence[str] | None, facts: Path, as_of: dt.date, output: Path) -> Step:
    argv = peer_argv(command, facts, as_of, output)
    run = measure(argv, cwd=ROOT)
    if run.returncode != 0:
        raise BenchError(_failed("the peer", run))
    document = read_json(output, "the peer's output")
    try:
        found = [(str(rule), str(subject)) for rule, subject in document["findings"]]
        covers = tuple(str(rule) for rule in document["rules"])
        left_out = {str(rule): str(why) for rule, why in document["left_out"].items()}
        evaluate_s = float(document["evaluate_s"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BenchError(f"the peer's output {output} is not as bench/peer.py writes it: {error!r}") from None
    unknown = set(covers) - set(ORACLE_RULES)
    if unknown or not covers:
        raise BenchError(f"the peer's output {output} covers no oracle rule or others: {sorted(unknown)}")
    return Step("peer", argv, run, found, evaluate_s, covers, left_out)


# --- comparing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDiff:
    rule: str
    scan: int
    oracle: int
    only_scan: list[str]
    only_oracle: list[str]
    expected: int | None = None

    @property
    def agrees(self) -> bool:
        return not self.only_scan and not self.only_oracle and self.expected in (None, self.scan)


def compare(
    scan: Sequence[Finding],
    oracle: Sequence[Finding],
    expected: Mapping[str, int] | None = None,
    rules: Sequence[str] = ORACLE_RULES,
) -> list[RuleDiff]:
    """Per rule of `rules` (the oracle's): the scan's (or the peer's) and the oracle's counts and the
    subjects only one of them has."""
    mine = {f for f in scan if f[0] in rules}
    theirs = set(oracle)
    diffs = []
    for rule in rules:
        a = {s for r, s in mine if r == rule}
        b = {s for r, s in theirs if r == rule}
        wanted = None if expected is None else expected.get(rule, 0)
        diffs.append(RuleDiff(rule, len(a), len(b), sorted(a - b), sorted(b - a), wanted))
    return diffs


def format_diffs(diffs: Sequence[RuleDiff], shown: int = 5, side: str = "scan") -> list[str]:
    """The table of `compare`; `side` names what is compared with the oracle (the scan, the peer)."""
    with_expected = any(d.expected is not None for d in diffs)
    header = f"  {'rule':<24} {side:>8} {'oracle':>8}" + (f" {'expected':>9}" if with_expected else "")
    lines = [header]
    for d in diffs:
        line = f"  {d.rule:<24} {d.scan:>8} {d.oracle:>8}"
        if with_expected:
            line += f" {'' if d.expected is None else d.expected:>9}"
        lines.append(line + ("" if d.agrees else "   DIFFERENT"))
        for label, subjects in ((f"only in the {side}", d.only_scan), ("only in the oracle", d.only_oracle)):
            if subjects:
                more = f" (+{len(subjects) - shown} more)" if len(subjects) > shown else ""
                lines.append(f"      {label}: {', '.join(subjects[:shown])}{more}")
    return lines
