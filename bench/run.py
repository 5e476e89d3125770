"""Time `rivercheck scan` on generated fact sets of several sizes: wall time, peak memory, throughput.

    python -m bench.run [--sizes 10000,100000] [--jobs 1] [--as-of 2026-11-26] [--seed 1]

Each size is generated into a temporary directory first (not timed); then the scan runs as a child
process of its own, so that its wall time and peak RSS are its own. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.generate import DEFAULT_AS_OF, generate

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: the scan runs here, as `python -m cli`, so it tests the working tree."""
HEADER = f"{'problems':>9} {'facts':>9} {'wall s':>8} {'facts/s':>9} {'peak RSS MB':>12} {'findings':>9}"


class BenchError(Exception):
    """The benchmark cannot give a trustworthy figure (the scan failed, or its output is unreadable)."""


@dataclass(frozen=True)
class Measurement:
    """One child process's run: wall time, its peak resident set, exit status and what it wrote to stderr."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    stderr: str


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    size: int
    facts: int
    wall_s: float
    peak_rss_mb: float
    findings: int

    @property
    def facts_per_s(self) -> float:
        return self.facts / self.wall_s if self.wall_s > 0 else math.inf


def measure(argv: Sequence[str], cwd: Path) -> Measurement:
    """Run `argv` and time it; the peak RSS is that of the largest single process among it and its
    waited-for descendants (what `wait4` reports), not their sum."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait
        stderr.seek(0)
        text = stderr.read().decode("utf-8", errors="replace")
    return Measurement(wall_s, _rss_mb(usage.ru_maxrss), process.returncode, text)


def _rss_mb(maxrss: int) -> float:
    """`ru_maxrss` in MiB: Linux reports KiB, macOS bytes."""
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10


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
        "--jobs",
        str(jobs),
    ]


def default_command() -> list[str]:
    """`python -m cli` in the repository, else the `rivercheck` script installed beside this Python."""
    if (ROOT / "cli.py").is_file():
        return [sys.executable, "-m", "cli"]
    script = Path(sys.executable).parent / "rivercheck"
    if script.is_file():
        return [str(script)]
    raise BenchError(f"no rivercheck to run: neither {ROOT / 'cli.py'} nor {script} exists")


def count_findings(output: Path) -> int:
    """The number of findings in a JSON report: an object with a `findings` list."""
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BenchError(f"cannot read the scan's report {output}: {error}") from None
    findings = report.get("findings") if isinstance(report, dict) else None
    if not isinstance(findings, list):
        raise BenchError(f"the scan's report {output} has no 'findings' list")
    return len(findings)


def bench_size(size: int, seed: int, as_of: dt.date, jobs: int, command: Sequence[str]) -> Row:
    """Generate `size` problems (untimed), scan them (timed) and read the number of findings."""
    with tempfile.TemporaryDirectory(prefix="rivercheck-bench-") as tmp:
        facts, output = Path(tmp) / "facts", Path(tmp) / "report.json"
        started = time.perf_counter()
        counts = generate(size, seed, facts, as_of)
        total = sum(counts.values())
        print(
            f"{size} problems: generated {total} facts in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        run = measure(scan_argv(command, facts, as_of, output, jobs), cwd=ROOT)
        how = f"exited {run.returncode}" if run.returncode >= 0 else f"was killed by signal {-run.returncode}"
        failed = f"the scan of {size} problems {how}; its stderr:\n{run.stderr.rstrip()}"
        # 1 means findings at or above --fail-on, normal here; but Python also exits 1 on an uncaught
        # exception, so the report must be there too.
        if run.returncode not in (0, 1):
            raise BenchError(failed)
        try:
            findings = count_findings(output)
        except BenchError as error:
            raise BenchError(f"{error}\n{failed}") from None
        return Row(size, total, run.wall_s, run.peak_rss_mb, findings)


def format_row(row: Row) -> str:
    return (
        f"{row.size:>9} {row.facts:>9} {row.wall_s:>8.2f} {row.facts_per_s:>9,.0f} "
        f"{row.peak_rss_mb:>12.1f} {row.findings:>9}"
    )


def format_ratios(rows: Sequence[Row]) -> list[str]:
    """For each pair of consecutive sizes: how much the size and the wall time grew, and the exponent."""
    lines: list[str] = []
    for small, large in itertools.pairwise(rows):
        sizes = large.size / small.size
        walls = large.wall_s / small.wall_s if small.wall_s > 0 else math.inf
        line = f"{small.size} -> {large.size}: size x{sizes:.2f}, wall time x{walls:.2f}"
        if sizes != 1 and 0 < walls < math.inf:
            line += f" (wall ~ size^{math.log(walls) / math.log(sizes):.2f}; 1.00 is linear)"
        lines.append(line)
    return lines


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be whole numbers separated by commas, got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be at least 1, got {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[10_000, 100_000], help="problems per fact set")
    parser.add_argument("--jobs", type=int, default=1, help="passed to the scan's --jobs (default 1)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="scan date")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    # Hidden: what runs rivercheck, for testing the runner against a stand-in ("scan ..." is appended).
    parser.add_argument("--command", type=shlex.split, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        command = args.command or default_command()
        print(
            f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"jobs={args.jobs}, as_of={args.as_of}, seed={args.seed}"
        )
        print(HEADER, flush=True)
        rows: list[Row] = []
        for size in args.sizes:
            rows.append(bench_size(size, args.seed, args.as_of, args.jobs, command))
            print(format_row(rows[-1]), flush=True)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 2
    for line in format_ratios(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
