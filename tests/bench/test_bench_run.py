"""The benchmark runner's measuring, comparing and reporting, against a stand-in for `rivercheck scan`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bench.measure import BenchError, Measurement
from bench.run import ScaleRun, format_growth, format_targets, main, parse_scales
from bench.steps import ROOT, Step, compare, format_diffs, read_findings, run_scan, scan_argv
from facts.synthetic import generate

AS_OF = dt.date(2026, 11, 26)

# Accepts the scan's interface, holds about 64 MB for a moment, reports the oracle's findings (less
# the first when $FAKE_SCAN_DROP is set; with its --jobs when $FAKE_SCAN_SAY_JOBS is) and exits with
# $FAKE_SCAN_EXIT (after a message on stderr when that is not 0 or 1).
STAND_IN = f"""
import argparse, datetime, json, os, pathlib, sys
sys.path.insert(0, {str(ROOT)!r})
from bench.oracle import findings, load_params
from facts.load.pipeline import load_facts
parser = argparse.ArgumentParser()
parser.add_argument("command", choices=["scan"])
parser.add_argument("paths", nargs="+")
parser.add_argument("--as-of", required=True)
parser.add_argument("--format", choices=["json"], required=True)
parser.add_argument("--output", required=True)
parser.add_argument("--no-history", action="store_true", required=True)
parser.add_argument("--jobs", type=int, required=True)
args = parser.parse_args()
ballast = b"x" * (64 * 2**20)
found = sorted(findings(load_facts(args.paths), datetime.date.fromisoformat(args.as_of), load_params()))
if os.environ.get("FAKE_SCAN_DROP"):
    found = found[1:]
report = {{"findings": [{{"rule": rule, "subject": subject}} for rule, subject in found]}}
if os.environ.get("FAKE_SCAN_SAY_JOBS"):
    report["jobs"] = args.jobs
pathlib.Path(args.output).write_text(json.dumps(report), encoding="utf-8")
status = int(os.environ.get("FAKE_SCAN_EXIT", "1"))
if status not in (0, 1):
    print("boom: the engine died", file=sys.stderr)
sys.exit(status)
"""

# Forks two children that each hold about 100 MB for 1.5 s: the sum over the tree is well above
# the largest single process.
FORKING = """
import os, time
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        ballast = bytearray(100 * 2**20)
        time.sleep(1.5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> list[str]:
    script = tmp_path / "fake_scan.py"
    script.write_text(STAND_IN, encoding="utf-8")
    return [sys.executable, str(script)]


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("facts")
    generate("small", 1, folder, AS_OF)
    return folder


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
        "--no-history",
        "--jobs",
        "2",
    ]


def measure_afresh(argv: list[str], cwd: Path) -> Measurement:
    """`measure` called from a new, small Python process: Linux's ru_maxrss of a child includes the
    memory its parent held when it forked, and this test process may hold hundreds of MB."""
    code = (
        "import dataclasses, json, os, sys; from bench.measure import measure;"
        "print(json.dumps(dataclasses.asdict(measure(sys.argv[1:], cwd=os.environ['MEASURE_CWD']))))"
    )
    environment = {**os.environ, "MEASURE_CWD": str(cwd)}
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return Measurement(**json.loads(done.stdout))


def test_measure_reports_the_childs_own_time_and_peak_memory(tmp_path: Path) -> None:
    code = (
        "import sys, time; ballast = b'x' * (80 * 2**20); time.sleep(0.2);"
        "print('bye', file=sys.stderr); sys.exit(3)"
    )
    run = measure_afresh([sys.executable, "-c", code], tmp_path)
    assert run.returncode == 3
    assert run.stderr.strip() == "bye"
    assert run.wall_s >= 0.2
    assert 80 <= run.peak_rss_mb < 500
    assert run.tree_rss_mb is not None and 80 <= run.tree_rss_mb < 500


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="the tree is sampled from /proc")
def test_measure_sums_the_memory_of_the_whole_process_tree(tmp_path: Path) -> None:
    run = measure_afresh([sys.executable, "-c", FORKING], tmp_path)
    assert run.returncode == 0
    assert 100 <= run.peak_rss_mb < 180  # the largest single process: one child
    assert run.tree_rss_mb is not None and run.tree_rss_mb >= 200
    if Path("/proc/self/smaps_rollup").is_file():
        assert run.tree_pss_mb is not None and 200 <= run.tree_pss_mb <= run.tree_rss_mb


def test_a_scan_reports_its_findings(stand_in: list[str], facts: Path, tmp_path: Path) -> None:
    step = run_scan(stand_in, facts, AS_OF, tmp_path / "report.json", jobs=2)
    assert step.name == "scan jobs=2"
    assert step.argv[-3:] == ["--no-history", "--jobs", "2"]
    assert step.findings and {rule for rule, _ in step.findings} >= {"RECT-OVERDUE", "ESC-BASIN"}
    assert step.run.peak_rss_mb >= 64


def test_a_scan_that_fails_fails_the_bench_with_its_stderr(
    stand_in: list[str], facts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SCAN_EXIT", "3")
    with pytest.raises(BenchError, match=r"(?s)--jobs 1 exited 3.*boom: the engine died"):
        run_scan(stand_in, facts, AS_OF, tmp_path / "report.json", jobs=1)


def test_a_crash_that_exits_1_without_a_report_fails_the_bench(facts: Path, tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text("raise RuntimeError('no module named cli')\n", encoding="utf-8")
    with pytest.raises(BenchError, match=r"(?s)cannot read the scan's report.*exited 1.*RuntimeError"):
        run_scan([sys.executable, str(script)], facts, AS_OF, tmp_path / "report.json", jobs=1)


def test_a_report_without_findings_is_an_error(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"results": []}', encoding="utf-8")
    with pytest.raises(BenchError, match="no 'findings' list"):
        read_findings(report)
    with pytest.raises(BenchError, match="cannot read"):
        read_findings(tmp_path / "missing.json")
    report.write_text('{"findings": [{"rule": "R-A", "subject": "P-1"}, {"rule": "R-B", "subject": "U-1"}]}')
    assert read_findings(report) == [("R-A", "P-1"), ("R-B", "U-1")]


def test_compare_names_what_only_one_side_found() -> None:
    scan = [("RECT-OVERDUE", "P-1"), ("RECT-OVERDUE", "P-2"), ("SCORE-DEDUCTION", "x"), ("ESC-BASIN", "P-7")]
    oracle = [("RECT-OVERDUE", "P-1"), ("RECT-OVERDUE", "P-3"), ("ESC-BASIN", "P-7")]
    diffs = {d.rule: d for d in compare(scan, oracle)}
    assert "SCORE-DEDUCTION" not in diffs  # not an oracle rule
    assert diffs["ESC-BASIN"].agrees and diffs["PATROL-CITY"].agrees
    overdue = diffs["RECT-OVERDUE"]
    assert (overdue.scan, overdue.oracle, overdue.only_scan, overdue.only_oracle) == (2, 2, ["P-2"], ["P-3"])
    assert not overdue.agrees
    lines = format_diffs(list(diffs.values()))
    assert any(line.split()[:4] == ["RECT-OVERDUE", "2", "2", "DIFFERENT"] for line in lines)
    assert "      only in the scan: P-2" in lines
    assert "      only in the oracle: P-3" in lines


def test_compare_checks_the_generators_expected_counts() -> None:
    found = [("ESC-BASIN", "P-7")]
    diffs = {d.rule: d for d in compare(found, found, {"ESC-BASIN": 2})}
    assert not diffs["ESC-BASIN"].agrees
    assert diffs["RECT-OVERDUE"].expected == 0 and diffs["RECT-OVERDUE"].agrees
    assert "expected" in format_diffs(list(diffs.values()))[0]


def _run(scale: str, facts: int, walls: dict[str, float]) -> ScaleRun:
    result = ScaleRun(scale, {"problem": facts}, {})
    for name, wall in walls.items():
        result.steps[name] = Step(name, [], Measurement(wall, 1.0, 0, ""))
    return result


def test_growth_compares_time_with_size_against_the_target() -> None:
    steps = ["scan jobs=1", "scan jobs=2", "load floor", "oracle"]
    small = _run("district", 1_000, dict.fromkeys(steps, 2.0))
    large = _run(
        "city", 10_000, {"scan jobs=1": 20.0, "scan jobs=2": 24.0, "load floor": 10.0, "oracle": 4.0}
    )
    lines = format_growth([large, small])
    assert lines[0] == "## growth district -> city: facts x10.00"
    assert lines[1] == "  scan jobs=1  time x10.00 (target <= x11.00: ok); time ~ size^1.00"
    assert lines[2].startswith("  scan jobs=2  time x12.00 (target <= x11.00: MISSED)")
    assert lines[3] == "  load floor   time x5.00; time ~ size^0.70"
    assert format_growth([small]) == []


def test_scales_are_parsed_strictly() -> None:
    assert parse_scales("district,city") == ["district", "city"]
    assert parse_scales("city, city") == ["city"]
    for bad in ("", "town", "city,,huge"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_scales(bad)


def test_main_measures_every_step_and_agrees_with_the_oracle(
    stand_in: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SCAN_EXIT", "0")
    argv = ["--scale", "small", "--cache", str(tmp_path / "cache"), "--command", shlex.join(stand_in)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"# python -m bench.run {shlex.join(argv)}")
    assert any(line.startswith("# small: generated ") for line in lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("## small: "))
    assert lines[header + 1].split()[:3] == ["step", "wall", "s"]
    steps = [line[:14].strip() for line in lines[header + 2 : header + 7]]
    assert steps == ["load floor", "scan jobs=1", "scan jobs=2", "oracle", "peer"]
    assert "DIFFERENT" not in out and "PROBLEM" not in out
    assert "    scan jobs=2: " + shlex.join(stand_in) + " scan " in out
    assert "x the load floor (target <= 2.5: " in out
    assert "  rule                         peer   oracle" in out
    # a second run reuses the generated facts
    assert main(argv) == 0
    assert any(
        line.startswith("# small: ") and "from the cache" in line
        for line in capsys.readouterr().out.splitlines()
    )


def test_main_fails_when_the_oracle_disagrees(
    stand_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SCAN_DROP", "1")
    assert main(["--scale", "small", "--command", shlex.join(stand_in)]) == 1
    captured = capsys.readouterr()
    assert "DIFFERENT" in captured.out and "only in the oracle: " in captured.out
    assert (
        "bench: FAILED: small: the scan jobs=1 disagrees with the oracle or the planned counts"
        in captured.err
    )


def test_main_fails_when_the_reports_depend_on_jobs(
    stand_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SCAN_SAY_JOBS", "1")
    assert main(["--scale", "small", "--command", shlex.join(stand_in)]) == 1
    assert "bench: FAILED: small: the reports of --jobs 1 and --jobs 2 differ" in capsys.readouterr().err


def test_main_fails_loudly_when_the_scan_fails(
    stand_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SCAN_EXIT", "2")
    assert main(["--scale", "small", "--command", shlex.join(stand_in)]) == 2
    assert "bench: FAILED: the scan with --jobs 1 exited 2" in capsys.readouterr().err


# --- the DuckDB peer step ----------------------------------------------------------------------------

# Runs the real peer, then spoils what it wrote as $FAKE_PEER says: "drop" loses the first finding,
# "garbled" writes an output without the rules it covers, "exit" fails with a message on stderr.
PEER_STAND_IN = f"""
import json, os, pathlib, sys
sys.path.insert(0, {str(ROOT)!r})
from bench.peer import main
args = sys.argv[1:]
mode = os.environ.get("FAKE_PEER", "")
if mode == "exit":
    print("peer: boom", file=sys.stderr)
    sys.exit(3)
main(args)
output = pathlib.Path(args[args.index("--output") + 1])
document = json.loads(output.read_text(encoding="utf-8"))
if mode == "drop":
    document["findings"] = document["findings"][1:]
if mode == "garbled":
    del document["rules"]
output.write_text(json.dumps(document), encoding="utf-8")
"""


@pytest.fixture
def peer_stand_in(tmp_path: Path) -> list[str]:
    script = tmp_path / "fake_peer.py"
    script.write_text(PEER_STAND_IN, encoding="utf-8")
    return [sys.executable, str(script)]


def _bench(stand_in: list[str], peer: list[str], cache: Path, *more: str) -> list[str]:
    return [
        "--scale",
        "small",
        "--cache",
        str(cache),
        "--command",
        shlex.join(stand_in),
        "--peer-command",
        shlex.join(peer),
        *more,
    ]


def test_main_fails_when_the_peer_disagrees_with_the_oracle(
    stand_in: list[str],
    peer_stand_in: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = tmp_path / "cache"
    assert main(_bench(stand_in, peer_stand_in, cache)) == 0  # the real peer, unspoilt, agrees
    capsys.readouterr()
    monkeypatch.setenv("FAKE_PEER", "drop")
    assert main(_bench(stand_in, peer_stand_in, cache)) == 1
    captured = capsys.readouterr()
    different = [line for line in captured.out.splitlines() if line.endswith("DIFFERENT")]
    assert len(different) == 1  # the peer's table only: the scan still agrees
    assert "      only in the oracle: " in captured.out
    assert "  PROBLEM: the peer disagrees with the oracle" in captured.out
    assert "bench: FAILED: small: the peer disagrees with the oracle" in captured.err


@pytest.mark.parametrize(
    ("mode", "says"),
    [("exit", r"(?s)the peer exited 3.*peer: boom"), ("garbled", "not as bench/peer.py writes it")],
)
def test_a_peer_that_fails_fails_the_bench(
    mode: str,
    says: str,
    stand_in: list[str],
    peer_stand_in: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FAKE_PEER", mode)
    assert main(_bench(stand_in, peer_stand_in, tmp_path / "cache")) == 2
    err = capsys.readouterr().err
    assert err.startswith("bench: FAILED: ")
    assert re.search(says, err), err


def test_without_duckdb_the_peer_is_reported_as_not_run(
    stand_in: list[str],
    peer_stand_in: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("bench.run.peer_missing", lambda: "duckdb is not installed in this Python")
    cache = tmp_path / "cache"
    assert main(_bench(stand_in, peer_stand_in, cache)) == 0
    out = capsys.readouterr().out
    assert "# peer: not run: duckdb is not installed in this Python" in out
    assert "  peer         not run: duckdb is not installed in this Python" in out
    assert "    scan jobs=1: the peer did not run, no ratio (aim <= 10)" in out
    assert "the DuckDB peer, oracle" not in out
    # asked for explicitly, its absence fails the run before anything is measured
    assert main(_bench(stand_in, peer_stand_in, cache, "--peer")) == 2
    captured = capsys.readouterr()
    assert "# peer: not run: duckdb is not installed in this Python" in captured.out
    assert "## small" not in captured.out
    assert "bench: FAILED: --peer was asked for and cannot run: duckdb is not installed" in captured.err


def _step(name: str, wall: float, rss: float = 100.0, pss: float | None = 100.0) -> Step:
    return Step(name, [], Measurement(wall, rss, 0, "", tree_rss_mb=rss * 2, tree_pss_mb=pss))


def test_the_targets_are_printed_with_their_verdicts() -> None:
    load = _step("load floor", 8.5)
    scans = [_step("scan jobs=1", 34.0, 1500.0, 1600.0), _step("scan jobs=2", 21.0, 1400.0, 1500.0)]
    peer = _step("peer", 3.0)
    lines = format_targets("city", load, scans, peer)
    assert lines == [
        "    load floor: wall 8.5 s (target <= 8 s: MISSED)",
        "    scan jobs=1: 4.00x the load floor (target <= 2.5: MISSED)",
        "    scan jobs=2: 2.47x the load floor (target <= 2.5: ok)",
        "    speedup jobs=1 -> jobs=2: x1.62 (target >= 1.6: ok)",
        "    scan jobs=1: memory (target <= 1536 MB): largest process 1500 MB ok, tree PSS 1600 MB MISSED,"
        " tree RSS 3000 MB (an upper bound, no target); wall 34.0 s (target <= 35 s: ok)",
        "    scan jobs=2: memory (target <= 1536 MB): largest process 1400 MB ok, tree PSS 1500 MB ok,"
        " tree RSS 2800 MB (an upper bound, no target); wall 21.0 s (target <= 20 s: MISSED)",
        "    scan jobs=1: 11.33x the DuckDB peer (34.00 s / 3.00 s; aim <= 10: MISSED)",
        "    scan jobs=2: 7.00x the DuckDB peer (21.00 s / 3.00 s; aim <= 10: ok)",
    ]
    # below city: no wall or load-floor verdict, the speed-up printed but not judged
    lines = format_targets(
        "district", load, [_step("scan jobs=1", 3.0), _step("scan jobs=2", 2.0, pss=None)], None
    )
    assert not any("wall" in line for line in lines)
    assert "    speedup jobs=1 -> jobs=2: x1.50 (target >= 1.6, judged at city scale)" in lines
    assert any("largest process 100 MB ok, tree PSS not sampled" in line for line in lines)
    assert "    scan jobs=2: the peer did not run, no ratio (aim <= 10)" in lines


def test_growth_includes_the_peer_when_both_scales_ran_it() -> None:
    steps = ["scan jobs=1", "scan jobs=2", "load floor", "oracle"]
    small = _run("district", 1_000, {**dict.fromkeys(steps, 2.0), "peer": 0.5})
    large = _run("city", 10_000, {**dict.fromkeys(steps, 20.0), "peer": 2.0})
    assert format_growth([small, large])[-1] == "  peer         time x4.00; time ~ size^0.60"
    without = _run("city", 10_000, dict.fromkeys(steps, 20.0))
    assert not any("peer" in line for line in format_growth([small, without]))
