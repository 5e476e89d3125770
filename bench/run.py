"""Benchmark `rivercheck scan` at a scale: wall time, memory, throughput, the load floor and the oracle.

    python -m bench.run --scale city [--seed 1] [--as-of 2026-11-26] [--cache DIR]
    python -m bench.run --scale district,city

Each scale's fact set is generated first (not timed; with --cache, once and then reused). Then, on
the same files, one after another, each in a child process of its own: the load floor (reading and
validating the files, nothing else), the scan with --jobs 1 and with --jobs 2, the oracle
(bench/oracle.py, the headline rules in plain Python) and the peer (bench/peer.py, the same rules as
DuckDB SQL: what a data engineer would write instead). For the rules the oracle covers (ORACLE_RULES,
which are the rules the generator plans, facts.synthetic.FINDING_RULES) the scan's findings must equal
the oracle's and, per rule, the number the generator planned; the scan's other rules (office, records,
supervision ..., facts.synthetic.UNPLANNED_RULES) are timed but not compared. For the rules the peer
covers its findings must equal the oracle's. The two scans' reports must be the same bytes. See
docs/performance.md for what each figure means and the targets (issue 14's).

The peer needs duckdb (the `bench` and `test` extras, never the product's dependencies). Without it
the peer step is reported as not run, with the reason; with --peer its absence fails the run.

Exit status: 0 done; 1 a scan's findings differ from the oracle's or from the counts the generator
planned, the peer's differ from the oracle's, or the jobs=1 and jobs=2 reports differ; 2 a step
failed (the scan exited other than 0 or 1, or wrote no readable report; the oracle or the peer
failed), or --peer was given and duckdb is not installed.
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

from bench.measure import BenchError
from bench.steps import (
    ROOT,
    Step,
    compare,
    default_command,
    format_diffs,
    peer_missing,
    read_json,
    run_load,
    run_oracle,
    run_peer,
    run_scan,
)
from checker.bundled import PARAMS
from facts.synthetic import SCALES, generate

DEFAULT_AS_OF = dt.date(2026, 11, 26)
JOBS = (1, 2)
# The targets are issue 14's (docs/performance.md, "Targets").
TARGET_WALL_S = {"city": {1: 35.0, 2: 20.0}}
"""Scale -> --jobs -> wall time the scan must stay within (on a 2-core machine)."""
TARGET_MEMORY_MB = 1536.0
"""Peak memory of a scan, at every scale: its largest process and its process tree's PSS (the tree's
RSS, which counts shared pages once per process, is printed without a verdict)."""
TARGET_LOAD_RATIO = 2.5
"""Scan wall time / load floor wall time."""
TARGET_LOAD_FLOOR_S = {"city": 8.0}
"""Scale -> wall time the load floor must stay within."""
TARGET_SPEEDUP = 1.6
"""Scan wall time with --jobs 1 / with --jobs 2: printed at every scale, judged at VERDICT_SCALE."""
VERDICT_SCALE = "city"
TARGET_GROWTH = 1.1
"""Time ratio / size ratio between two scales: 10x the records in at most 11x the time."""
AIM_PEER_RATIO = 10.0
"""Scan wall time / the DuckDB peer's wall time, on the rules the peer covers: an aim, every scale."""


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
    peer_not_run: str | None = None
    """Why the peer step did not run (None: it ran)."""

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
        document = read_json(marker, "the cache's marker")
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


@dataclass(frozen=True)
class PeerPlan:
    """Whether and how the peer step runs."""

    command: Sequence[str] | None = None
    """What runs the peer (None: `python -m bench.peer`)."""
    not_run: str | None = None
    """Why the peer does not run (None: it runs)."""


def bench_scale(
    scale: str,
    seed: int,
    as_of: dt.date,
    command: Sequence[str],
    work: Path,
    cache: Path | None,
    peer: PeerPlan = PeerPlan(),
) -> ScaleRun:
    """Generate (or reuse) one scale's facts, then measure the load floor, both scans, the oracle and
    the peer."""
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
    if peer.not_run is None:
        result.steps["peer"] = run_peer(peer.command, folder, as_of, out / "peer.json")
    else:
        result.peer_not_run = peer.not_run
    first, *others = JOBS
    for jobs in others:
        if reports[jobs].read_bytes() != reports[first].read_bytes():
            result.problems.append(f"the reports of --jobs {first} and --jobs {jobs} differ")
    oracle = result.steps["oracle"].findings or []
    for jobs in JOBS:
        step = result.steps[f"scan jobs={jobs}"]
        if not all(d.agrees for d in compare(step.findings or [], oracle, expected)):
            result.problems.append(f"the {step.name} disagrees with the oracle or the planned counts")
    if "peer" in result.steps:
        step = result.steps["peer"]
        if not all(d.agrees for d in compare(step.findings or [], oracle, rules=step.covers)):
            result.problems.append("the peer disagrees with the oracle")
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


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.inf


def format_scale(result: ScaleRun) -> list[str]:
    steps = result.steps
    lines = [f"## {result.scale}: {result.facts} facts", HEADER]
    lines += [format_step(step, result.facts) for step in steps.values()]
    if result.peer_not_run is not None:
        lines.append(f"  peer         not run: {result.peer_not_run}")
    lines.append("  commands:")
    lines += [f"    {step.name}: {shlex.join(step.argv)}" for step in steps.values()]
    scans = [steps[f"scan jobs={jobs}"] for jobs in JOBS]
    oracle = steps["oracle"].findings or []
    lines.append("  findings per rule: scan (jobs=1), oracle, planned by the generator:")
    lines += format_diffs(compare(scans[0].findings or [], oracle, result.expected))
    peer = steps.get("peer")
    if peer is not None:
        lines.append("  findings per rule: the DuckDB peer, oracle:")
        lines += format_diffs(compare(peer.findings or [], oracle, rules=peer.covers), side="peer")
        lines += [f"    peer leaves out {rule}: {why}" for rule, why in peer.left_out.items()]
    lines.append("  ratios and targets (issue 14):")
    lines += format_targets(result.scale, steps["load floor"], scans, peer)
    lines += [f"  PROBLEM: {problem}" for problem in result.problems]
    return lines


def format_targets(scale: str, load: Step, scans: Sequence[Step], peer: Step | None) -> list[str]:
    """Each target's figure with its verdict; a target set for one scale only is judged there only."""
    lines = []
    if scale in TARGET_LOAD_FLOOR_S:
        limit = TARGET_LOAD_FLOOR_S[scale]
        wall = load.run.wall_s
        lines.append(f"    load floor: wall {wall:.1f} s (target <= {limit:g} s: {_verdict(wall <= limit)})")
    for scan in scans:
        ratio = _ratio(scan.run.wall_s, load.run.wall_s)
        lines.append(
            f"    {scan.name}: {ratio:.2f}x the load floor (target <= {TARGET_LOAD_RATIO:g}: "
            f"{_verdict(ratio <= TARGET_LOAD_RATIO)})"
        )
    speedup = _ratio(scans[0].run.wall_s, scans[-1].run.wall_s)
    line = f"    speedup jobs={JOBS[0]} -> jobs={JOBS[-1]}: x{speedup:.2f} (target >= {TARGET_SPEEDUP:g}"
    if scale == VERDICT_SCALE:
        line += f": {_verdict(speedup >= TARGET_SPEEDUP)})"
    else:
        line += f", judged at {VERDICT_SCALE} scale)"
    lines.append(line)
    for scan in scans:
        run = scan.run
        judged = [("largest process", run.peak_rss_mb), ("tree PSS", run.tree_pss_mb)]
        shown = [
            f"{label} {value:.0f} MB {_verdict(value <= TARGET_MEMORY_MB)}"
            for label, value in judged
            if value is not None
        ]
        if run.tree_pss_mb is None:
            shown.append("tree PSS not sampled (too short a run)")
        if run.tree_rss_mb is not None:
            shown.append(f"tree RSS {run.tree_rss_mb:.0f} MB (an upper bound, no target)")
        line = f"    {scan.name}: memory (target <= {TARGET_MEMORY_MB:.0f} MB): {', '.join(shown)}"
        walls = TARGET_WALL_S.get(scale, {})
        if scan_jobs(scan) in walls:
            wall = walls[scan_jobs(scan)]
            line += f"; wall {run.wall_s:.1f} s (target <= {wall:g} s: {_verdict(run.wall_s <= wall)})"
        lines.append(line)
    for scan in scans:
        if peer is None:
            lines.append(f"    {scan.name}: the peer did not run, no ratio (aim <= {AIM_PEER_RATIO:g})")
            continue
        ratio = _ratio(scan.run.wall_s, peer.run.wall_s)
        lines.append(
            f"    {scan.name}: {ratio:.2f}x the DuckDB peer ({scan.run.wall_s:.2f} s / "
            f"{peer.run.wall_s:.2f} s; aim <= {AIM_PEER_RATIO:g}: {_verdict(ratio <= AIM_PEER_RATIO)})"
        )
    return lines


def scan_jobs(step: Step) -> int:
    """The --jobs of a scan step (its name is `scan jobs=N`)."""
    return int(step.name.rpartition("=")[2])


def format_growth(runs: Sequence[ScaleRun]) -> list[str]:
    """From the smallest scale run to each larger one: the size ratio against the time ratios."""
    lines: list[str] = []
    ordered = sorted(runs, key=lambda r: r.facts)
    for small, large in itertools.pairwise(ordered):
        sizes = large.facts / small.facts
        lines.append(f"## growth {small.scale} -> {large.scale}: facts x{sizes:.2f}")
        names = [f"scan jobs={jobs}" for jobs in JOBS] + ["load floor", "oracle", "peer"]
        for name in [name for name in names if name in small.steps and name in large.steps]:
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
    parser.add_argument(
        "--peer",
        action="store_true",
        help="fail (exit 2) if the DuckDB peer cannot run, instead of noting it",
    )
    # Hidden: what runs rivercheck, for testing the runner against a stand-in ("scan ..." is appended).
    parser.add_argument("--command", type=shlex.split, default=None, help=argparse.SUPPRESS)
    # Hidden: what runs the peer, for testing the runner ("DIR --as-of D --output F" is appended).
    parser.add_argument("--peer-command", type=shlex.split, default=None, help=argparse.SUPPRESS)
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
        peer = PeerPlan(args.peer_command, peer_missing())
        if peer.not_run is not None:
            print(f"# peer: not run: {peer.not_run}", flush=True)
            if args.peer:
                raise BenchError(f"--peer was asked for and cannot run: {peer.not_run}")
        if args.cache:
            args.cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="rivercheck-bench-") as work:
            for scale in args.scale:
                runs.append(bench_scale(scale, args.seed, args.as_of, command, Path(work), args.cache, peer))
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
