"""The benchmark runner's measuring and reporting, against a stand-in for `rivercheck scan`."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path

import pytest

from bench.run import (
    BenchError,
    Row,
    bench_size,
    count_findings,
    format_ratios,
    main,
    measure,
    parse_sizes,
    scan_argv,
)

AS_OF = dt.date(2026, 11, 26)

# Accepts the scan's interface, holds about 64 MB for a moment, reports one finding per overdue-looking
# problem line, and exits with $FAKE_SCAN_EXIT (after a message on stderr when that is not 0 or 1).
STAND_IN = """
import argparse, json, os, pathlib, sys
parser = argparse.ArgumentParser()
parser.add_argument("command", choices=["scan"])
parser.add_argument("paths", nargs="+")
parser.add_argument("--as-of", required=True)
parser.add_argument("--format", choices=["json"], required=True)
parser.add_argument("--output", required=True)
parser.add_argument("--jobs", type=int, required=True)
args = parser.parse_args()
ballast = b"x" * (64 * 2**20)
lines = (pathlib.Path(args.paths[0]) / "problems.jsonl").read_text(encoding="utf-8").splitlines()
findings = [{"rule": "RECT-OVERDUE"} for line in lines if '"in_progress"' in line]
pathlib.Path(args.output).write_text(json.dumps({"findings": findings}), encoding="utf-8")
status = int(os.environ.get("FAKE_SCAN_EXIT", "1"))
if status not in (0, 1):
    print("boom: the engine died", file=sys.stderr)
sys.exit(status)
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> list[str]:
    script = tmp_path / "fake_scan.py"
    script.write_text(STAND_IN, encoding="utf-8")
    return [sys.executable, str(script)]


def test_scan_argv_follows_the_scan_interface() -> None:
    argv = scan_argv(["rivercheck"], Path("facts"), AS_OF, Path("out.json"), 2)
    assert argv == [
        "rivercheck",
        "scan",
        "facts",
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
        "--output",
        "out.json",
        "--jobs",
        "2",
    ]


def test_measure_reports_the_childs_own_time_and_peak_memory(tmp_path: Path) -> None:
    code = (
        "import sys, time; ballast = b'x' * (80 * 2**20); time.sleep(0.2);"
        "print('bye', file=sys.stderr); sys.exit(3)"
    )
    run = measure([sys.executable, "-c", code], cwd=tmp_path)
    assert run.returncode == 3
    assert run.stderr.strip() == "bye"
    assert run.wall_s >= 0.2
    assert 80 <= run.peak_rss_mb < 500


def test_bench_size_counts_facts_and_findings(stand_in: list[str]) -> None:
    row = bench_size(300, seed=1, as_of=AS_OF, jobs=1, command=stand_in)
    assert row.size == 300
    assert row.facts > 300
    assert row.findings > 0
    assert row.peak_rss_mb >= 64
    assert row.facts_per_s == row.facts / row.wall_s


def test_a_scan_that_fails_fails_the_bench_with_its_stderr(
    stand_in: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SCAN_EXIT", "3")
    with pytest.raises(BenchError, match=r"(?s)exited 3.*boom: the engine died"):
        bench_size(100, seed=1, as_of=AS_OF, jobs=1, command=stand_in)


def test_a_crash_that_exits_1_without_a_report_fails_the_bench(tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text("raise RuntimeError('no module named cli')\n", encoding="utf-8")
    with pytest.raises(BenchError, match=r"(?s)cannot read the scan's report.*exited 1.*RuntimeError"):
        bench_size(50, seed=1, as_of=AS_OF, jobs=1, command=[sys.executable, str(script)])


def test_a_report_without_findings_is_an_error(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"results": []}', encoding="utf-8")
    with pytest.raises(BenchError, match="no 'findings' list"):
        count_findings(report)
    with pytest.raises(BenchError, match="cannot read"):
        count_findings(tmp_path / "missing.json")
    report.write_text('{"findings": [{}, {}]}', encoding="utf-8")
    assert count_findings(report) == 2


def test_ratios_compare_consecutive_sizes() -> None:
    rows = [Row(1_000, 1_300, 2.0, 100.0, 10), Row(10_000, 13_000, 20.0, 300.0, 100)]
    assert format_ratios(rows) == [
        "1000 -> 10000: size x10.00, wall time x10.00 (wall ~ size^1.00; 1.00 is linear)"
    ]
    assert format_ratios(rows[:1]) == []


def test_sizes_are_parsed_strictly() -> None:
    assert parse_sizes("10000,100000") == [10_000, 100_000]
    for bad in ("", "0", "ten", "10,-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_sizes(bad)


def test_main_prints_the_table_and_ratio(
    stand_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SCAN_EXIT", "0")
    assert main(["--sizes", "100,200", "--command", shlex.join(stand_in)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["problems", "facts", "wall", "s", "facts/s", "peak", "RSS", "MB", "findings"]
    assert [line.split()[0] for line in out[2:4]] == ["100", "200"]
    assert out[4].startswith("100 -> 200: size x2.00, wall time x")


def test_main_fails_loudly(
    stand_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SCAN_EXIT", "2")
    assert main(["--sizes", "50", "--command", shlex.join(stand_in)]) == 2
    assert "bench: FAILED: the scan of 50 problems exited 2" in capsys.readouterr().err
