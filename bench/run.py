"""Benchmark `rivercheck scan` at a scale: wall time, memory, throughput, the load floor and the oracle.

    python -m bench.run --scale city [--seed 1] [--as-of 2026-11-26] [--cache DIR]
    python -m bench.run --scale district,city

Each scale's fact set is generated first (not timed; with --cache, once and then reused). Then, on
the same files, one after another, each in a child process of its own: the load floor (reading and
validating the files, nothing else), the scan with --jobs 1 and with --jobs 2, and the oracle
(bench/oracle.py, the headline rules in plain Python). For the rules the oracle covers (ORACLE_RULES,
which are the rules the generator plans, facts.synthetic.FINDING_RULES) the scan's findings must equal
the oracle's and, per rule, the number the generator planned; the scan's other rules (office, records,
supervision ..., facts.synthetic.UNPLANNED_RULES) are timed but not compared. The two scans' reports
must be the same bytes. See docs/performance.md for what each figure means and the targets.

Exit status: 0 done; 1 a scan's findings differ from the oracle's or from the counts the generator
planned, or the jobs=1 and jobs=2 reports differ; 2 a step failed (the scan exited other than 0 or 1,
or wrote no readable report).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import BenchError, Measurement, measure
from bench.oracle import ORACLE_RULES, Finding
from checker.bundled import PARAMS
from facts.synthetic import SCALES, generate

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: every step runs here, the scan as `python -m cli`, so it tests the working tree."""
DEFAULT_AS_OF = dt.date(2026, 11, 26)
JOBS = (1, 2)
TARGET_WALL_S = {"city": 60.0}
"""Scale -> wall time the scan must stay within (on a 2-core machine)."""
TARGET_RSS_MB = 2048.0
"""Peak memory of a scan, at every scale."""
TARGET_LOAD_RATIO = 4.0
"""Scan wall time / load floor wall time."""
TARGET_GROWTH = 1.1
"""Time ratio / size ratio between two scales: 10x the records in at most 11x the time."""


# --- the generator ---------------------------------------------------------------------------------

GENERATOR_INPUTS = (ROOT / "facts" / "synthetic", PARAMS)
"""What a generated fact set depends on besides scale, seed and as_of (the generator plans its
violations against the parameters): a cached fact set is reused only while these are unchanged."""


def generator_digest() -> str:
    digest = hashlib.sha256()
    for place in GENERATOR_INPUTS:
        for path in sorted(place.rglob("*.py")) if place.is_dir() else [place]:
            digest.update(f"{path.relative_to(ROOT)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


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


def default_command() -> list[str]:
    """`python -m cli` in the repository, else the `rivercheck` script installed beside this Python."""
    if (ROOT / "cli.py").is_file():
        return [sys.executable, "-m", "cli"]
    script = Path(sys.executable).parent / "rivercheck"
    if script.is_file():
        return [str(script)]
    raise BenchError(f"no rivercheck to run: neither {ROOT / 'cli.py'} nor {script} exists")


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BenchError(f"cannot read {what} {path}: {error}") from None


def read_findings(output: Path) -> list[Finding]:
    """(rule, subject) of every finding in a JSON report: an object with a `findings` list."""
    report = _read_json(output, "the scan's report")
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
    """The oracle's own evaluation, without loading the files."""


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
    document = _read_json(output, "the oracle's output")
    found = [(str(rule), str(subject)) for rule, subject in document["findings"]]
    return Step("oracle", argv, run, found, float(document["evaluate_s"]))


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
    scan: Sequence[Finding], oracle: Sequence[Finding], expected: Mapping[str, int] | None = None
) -> list[RuleDiff]:
    """Per oracle rule: the scan's and the oracle's counts and the subjects only one of them has."""
    mine = {f for f in scan if f[0] in ORACLE_RULES}
    theirs = set(oracle)
    diffs = []
    for rule in ORACLE_RULES:
        a = {s for r, s in mine if r == rule}
        b = {s for r, s in theirs if r == rule}
        wanted = None if expected is None else expected.get(rule, 0)
        diffs.append(RuleDiff(rule, len(a), len(b), sorted(a - b), sorted(b - a), wanted))
    return diffs


def format_diffs(diffs: Sequence[RuleDiff], shown: int = 5) -> list[str]:
    with_expected = any(d.expected is not None for d in diffs)
    header = f"  {'rule':<24} {'scan':>8} {'oracle':>8}" + (f" {'expected':>9}" if with_expected else "")
    lines = [header]
    for d in diffs:
        line = f"  {d.rule:<24} {d.scan:>8} {d.oracle:>8}"
        if with_expected:
            line += f" {'' if d.expected is None else d.expected:>9}"
        lines.append(line + ("" if d.agrees else "   DIFFERENT"))
        for label, subjects in (("only in the scan", d.only_scan), ("only in the oracle", d.only_oracle)):
            if subjects:
                more = f" (+{len(subjects) - shown} more)" if len(subjects) > shown else ""
                lines.append(f"      {label}: {', '.join(subjects[:shown])}{more}")
    return lines


# --- one scale -------------------------------------------------------------------------------------


@dataclass
class ScaleRun:
    scale: str
    counts: Mapping[str, int]
    expected: dict[str, int]
    """Findings per rule the generator planned."""
    steps: dict[str, Step] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """Why the results cannot be trusted: the oracle disagrees, the reports of the two scans differ."""

    @property
    def facts(self) -> int:
        return sum(self.counts.values())


def prepare(
    scale: str, seed: int, as_of: dt.date, folder: Path, cached: bool
) -> tuple[dict[str, int], dict[str, int]]:
    """Generate the fact set into `folder` (untimed), or reuse it from the cache: the records per kind
    and the findings the generator planned per rule."""
    marker = folder.with_name(folder.name + ".json")
    if cached and marker.is_file():
        document = _read_json(marker, "the cache's marker")
        print(f"# {scale}: {sum(document['counts'].values())} facts from the cache {folder}", flush=True)
        return document["counts"], document["expected"]
    started = time.perf_counter()
    generated = generate(scale, seed, folder, as_of)
    counts, expected = dict(generated.counts), dict(generated.expected)
    detail = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(
        f"# {scale}: generated {sum(counts.values())} facts ({detail}) in "
        f"{time.perf_counter() - started:.1f} s (not timed)",
        flush=True,
    )
    if cached:  # written last: a folder without its marker is regenerated
        marker.write_text(json.dumps({"counts": counts, "expected": expected}), encoding="utf-8")
    return counts, expected


def bench_scale(
    scale: str, seed: int, as_of: dt.date, command: Sequence[str], work: Path, cache: Path | None
) -> ScaleRun:
    """Generate (or reuse) one scale's facts, then measure the load floor, both scans and the oracle."""
    folder = (cache or work) / f"{scale}-seed{seed}-{as_of.isoformat()}-{generator_digest()}"
    counts, expected = prepare(scale, seed, as_of, folder, cached=cache is not None)
    result = ScaleRun(scale, counts, expected)
    out = work / scale
    out.mkdir(parents=True, exist_ok=True)
    result.steps["load floor"] = run_load(folder)
    reports = {}
    for jobs in JOBS:
        reports[jobs] = out / f"report-jobs{jobs}.json"
        step = run_scan(command, folder, as_of, reports[jobs], jobs)
        result.steps[step.name] = step
    result.steps["oracle"] = run_oracle(folder, as_of, out / "oracle.json")
    first, *others = JOBS
    for jobs in others:
        if reports[jobs].read_bytes() != reports[first].read_bytes():
            result.problems.append(f"the reports of --jobs {first} and --jobs {jobs} differ")
    oracle = result.steps["oracle"].findings or []
    for jobs in JOBS:
        step = result.steps[f"scan jobs={jobs}"]
        if not all(d.agrees for d in compare(step.findings or [], oracle, expected)):
            result.problems.append(f"the {step.name} disagrees with the oracle or the planned counts")
    return result


# --- reporting -------------------------------------------------------------------------------------

HEADER = (
    f"  {'step':<12} {'wall s':>8} {'facts/s':>10} {'RSS MB':>8} {'tree RSS':>9} {'tree PSS':>9}"
    f" {'exit':>5} {'findings':>9}"
)


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def format_step(step: Step, facts: int) -> str:
    run = step.run
    rate = facts / run.wall_s if run.wall_s > 0 else math.inf
    found = "" if step.findings is None else str(len(step.findings))
    line = (
        f"  {step.name:<12} {run.wall_s:>8.2f} {rate:>10,.0f} {run.peak_rss_mb:>8.0f}"
        f" {_mb(run.tree_rss_mb):>9} {_mb(run.tree_pss_mb):>9} {run.returncode:>5} {found:>9}"
    )
    if step.evaluate_s is not None:
        line += f"   (evaluating alone: {step.evaluate_s:.2f} s)"
    return line


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def format_scale(result: ScaleRun) -> list[str]:
    steps = result.steps
    lines = [f"## {result.scale}: {result.facts} facts", HEADER]
    lines += [format_step(step, result.facts) for step in steps.values()]
    lines.append("  commands:")
    lines += [f"    {step.name}: {shlex.join(step.argv)}" for step in steps.values()]
    scans = [steps[f"scan jobs={jobs}"] for jobs in JOBS]
    load = steps["load floor"].run.wall_s
    lines.append("  findings per rule: scan (jobs=1), oracle, planned by the generator:")
    lines += format_diffs(compare(scans[0].findings or [], steps["oracle"].findings or [], result.expected))
    lines.append("  ratios and targets:")
    for scan in scans:
        ratio = scan.run.wall_s / load if load > 0 else math.inf
        lines.append(
            f"    {scan.name}: {ratio:.2f}x the load floor (target <= {TARGET_LOAD_RATIO:g}: "
            f"{_verdict(ratio <= TARGET_LOAD_RATIO)})"
        )
    speedup = scans[0].run.wall_s / scans[-1].run.wall_s if scans[-1].run.wall_s > 0 else math.inf
    lines.append(f"    speedup jobs={JOBS[0]} -> jobs={JOBS[-1]}: x{speedup:.2f}")
    for scan in scans:
        run = scan.run
        memory = [
            ("largest process", run.peak_rss_mb),
            ("tree RSS", run.tree_rss_mb),
            ("tree PSS", run.tree_pss_mb),
        ]
        shown = ", ".join(
            f"{label} {value:.0f} MB {_verdict(value <= TARGET_RSS_MB)}"
            for label, value in memory
            if value is not None
        )
        line = f"    {scan.name}: memory (target <= {TARGET_RSS_MB:.0f} MB): {shown}"
        if result.scale in TARGET_WALL_S:
            wall = TARGET_WALL_S[result.scale]
            line += f"; wall {run.wall_s:.1f} s (target <= {wall:g} s: {_verdict(run.wall_s <= wall)})"
        lines.append(line)
    lines += [f"  PROBLEM: {problem}" for problem in result.problems]
    return lines


def format_growth(runs: Sequence[ScaleRun]) -> list[str]:
    """From the smallest scale run to each larger one: the size ratio against the time ratios."""
    lines: list[str] = []
    ordered = sorted(runs, key=lambda r: r.facts)
    for small, large in itertools.pairwise(ordered):
        sizes = large.facts / small.facts
        lines.append(f"## growth {small.scale} -> {large.scale}: facts x{sizes:.2f}")
        for name in [f"scan jobs={jobs}" for jobs in JOBS] + ["load floor", "oracle"]:
            before, after = small.steps[name].run.wall_s, large.steps[name].run.wall_s
            times = after / before if before > 0 else math.inf
            line = f"  {name:<12} time x{times:.2f}"
            if name.startswith("scan"):
                limit = sizes * TARGET_GROWTH
                line += f" (target <= x{limit:.2f}: {_verdict(times <= limit)})"
            if sizes > 1 and 0 < times < math.inf:
                line += f"; time ~ size^{math.log(times) / math.log(sizes):.2f}"
            lines.append(line)
    return lines


def describe_tree() -> str:
    """The commit measured, and whether the working tree had changes beyond it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {commit}" + (" with uncommitted changes" if dirty else "")


def parse_scales(text: str) -> list[str]:
    scales = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [scale for scale in scales if scale not in SCALES]
    if not scales or unknown:
        raise argparse.ArgumentTypeError(f"scales are {', '.join(SCALES)}, separated by commas; got {text!r}")
    return list(dict.fromkeys(scales))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=parse_scales, default=["city"], help="small, district or city, or several"
    )
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="scan date")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--cache", type=Path, help="keep generated fact sets here and reuse them")
    # Hidden: what runs rivercheck, for testing the runner against a stand-in ("scan ..." is appended).
    parser.add_argument("--command", type=shlex.split, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    runs: list[ScaleRun] = []
    try:
        command = args.command or default_command()
        print(f"# python -m bench.run {shlex.join(given)}".rstrip() + f"   (in {ROOT}, {describe_tree()})")
        print(
            f"# {platform.python_implementation()} {platform.python_version()}, {platform.system()}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, as_of={args.as_of}, "
            f"seed={args.seed}, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            flush=True,
        )
        if args.cache:
            args.cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="rivercheck-bench-") as work:
            for scale in args.scale:
                runs.append(bench_scale(scale, args.seed, args.as_of, command, Path(work), args.cache))
                print("\n".join(format_scale(runs[-1])), flush=True)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 2
    for line in format_growth(runs):
        print(line)
    print(f"# load average at the end {os.getloadavg()[0]:.2f}")
    problems = [f"{run.scale}: {problem}" for run in runs for problem in run.problems]
    for problem in problems:
        print(f"bench: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
