"""A worker that dies mid-scan (issue #7, guarantee 1): exit 3 with one line naming the task and how
it died, no traceback without --debug, no report and no temporary file, the history as it was, no
worker left behind, and the next scan works.

The deaths are real. In-process, the engine function every forked worker calls is replaced, so the
worker kills itself with SIGKILL, segfaults, leaves with `os._exit(7)` or raises. In a subprocess,
the replacement announces the worker's pid on a pipe and waits; the test finds the worker among the
scan's children in /proc and kills it from outside (or sends Ctrl-C to the whole process group).
Nothing waits on a clock: every step waits for an event, with a generous timeout only as a guard.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import os
import re
import resource
import select
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

import checker.engine.adapter
from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
NIGHT_1, NIGHT_2 = "2026-11-26", "2026-11-27"
GUARD = 60.0
"""Seconds before a test gives up waiting for an event that should take well under one."""
TASK = r"worker for pass \S+ \([A-Z0-9, -]+\) sessions \d+-\d+"


def scan(history: Path, as_of: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", str(DEMO), "--as-of", as_of, "--history", str(history), *args])


def dump(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def recorded(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return [row[0] for row in connection.execute("SELECT as_of FROM scans ORDER BY as_of")]
    finally:
        connection.close()


def children(pid: int) -> set[int]:
    """The living (or not yet reaped) children of `pid`, from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended while we looked
            found |= {int(child) for child in (task / "children").read_text().split()}
    return found


@pytest.fixture
def night_1(tmp_path: Path) -> Path:
    """A history holding the first night's scan."""
    history = tmp_path / "history.sqlite"
    first = scan(history, NIGHT_1, "--format", "json")
    assert first.exit_code == 1, first.output
    return history


def next_night_works(history: Path, reports: Path) -> None:
    """The scan after a failure runs, writes its report and records itself."""
    result = scan(history, NIGHT_2, "--output", str(reports / "next.json"))
    assert result.exit_code == 1, result.output
    assert (reports / "next.json").stat().st_size > 0
    assert recorded(history) == [NIGHT_1, NIGHT_2]


# --- in-process: the worker itself dies ----------------------------------------------------------


def _sigkill(*args: Any, **kwargs: Any) -> NoReturn:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def _segfault(*args: Any, **kwargs: Any) -> NoReturn:
    faulthandler.disable()  # pytest's fault handler would print the crash: only the death matters here
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # and no core file in the working folder
    ctypes.string_at(0)  # reads address 0: SIGSEGV, as the engine's C core crashed (pitfall 11)
    raise AssertionError("unreachable")


def _exit_7(*args: Any, **kwargs: Any) -> NoReturn:
    os._exit(7)


def _raise(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError("partition exploded\nand a second line only --debug shows")


DEATHS: dict[str, tuple[Callable[..., NoReturn], str]] = {
    "sigkill": (_sigkill, r"died \(killed by signal 9\) before returning its result \(SIGKILL; pid \d+\)"),
    "segfault": (_segfault, r"died \(killed by signal 11\) before returning its result \(SIGSEGV; pid \d+\)"),
    "exit-7": (_exit_7, r"died \(exit code 7\) before returning its result \(pid \d+\)"),
    "raises": (_raise, r"failed: RuntimeError: partition exploded"),
}


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one-job", "two-jobs"])
@pytest.mark.parametrize("death", sorted(DEATHS))
def test_a_dying_worker_fails_the_scan_in_one_line_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, night_1: Path, death: str, jobs: str
) -> None:
    die, how = DEATHS[death]
    before = dump(night_1)
    reports = tmp_path / "reports"
    reports.mkdir()
    alive = children(os.getpid())
    monkeypatch.setattr(checker.engine.adapter, "run_partitions", die)  # forked workers inherit it
    outputs = ["--output", str(reports / "r.json"), "--output", str(reports / "r.html")]
    result = scan(night_1, NIGHT_2, "--jobs", jobs, *outputs)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()  # one line, no traceback
    assert re.fullmatch(f"rivercheck: engine failure: {TASK} {how}", line), line
    assert "second line" not in result.stderr
    assert list(reports.iterdir()) == []  # no report, no temporary file
    assert dump(night_1) == before
    assert children(os.getpid()) <= alive  # every worker was reaped, none left running
    monkeypatch.undo()
    next_night_works(night_1, reports)


def test_debug_shows_the_traceback_from_inside_the_worker(
    monkeypatch: pytest.MonkeyPatch, night_1: Path
) -> None:
    monkeypatch.setattr(checker.engine.adapter, "run_partitions", _raise)
    result = scan(night_1, NIGHT_2, "--jobs", "1", "--debug")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert 'in _raise\n    raise RuntimeError("partition exploded' in result.stderr  # the worker's frame
    assert "and a second line only --debug shows" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("rivercheck: engine failure: worker for pass")


# --- a subprocess: a running worker is killed from outside -----------------------------------------

HANG = """
import os, select, sys
import checker.engine.adapter

ready = int(sys.argv[1])


def hang(*args, **kwargs):
    os.write(ready, b"%d\\n" % os.getpid())
    select.select([], [], [], 120)  # wait to be killed; still here after that fails the test
    raise RuntimeError("nobody killed this worker")


checker.engine.adapter.run_partitions = hang
from cli import main

main(sys.argv[2:], prog_name="rivercheck")
"""
"""`python -c HANG FD ARGS...` is `rivercheck ARGS...` whose workers write their pid to FD and hang."""

STARTING = """
import multiprocessing.process, os, select, signal, sys
import checker.engine.adapter

ready = int(sys.argv[1])
gate, opened = os.pipe()


def interrupt_then_hang(*args, **kwargs):
    os.write(ready, b"%d\\n" % os.getpid())
    os.kill(os.getppid(), signal.SIGINT)  # Ctrl-C while the scan is still starting this worker
    os.write(opened, b"x")
    select.select([], [], [], 120)
    raise RuntimeError("nobody killed this worker")


import checker.engine.run
import multiprocessing.context

made = multiprocessing.context.ForkProcess.__init__


def making(self, *args, **kwargs):  # the task is known here: `start` forgets it before `add`
    made(self, *args, **kwargs)
    self.runs_sessions = isinstance(self._args[1], checker.engine.run._Task)  # not a pass's plan


class Starting(set):
    def add(self, process):  # Process.start calls this in the scan after the fork
        if getattr(process, "runs_sessions", False):  # an engine worker
            os.read(gate, 1)  # returns once the worker has sent the interrupt
        super().add(process)


multiprocessing.context.ForkProcess.__init__ = making


multiprocessing.process._children = Starting(multiprocessing.process._children)
checker.engine.adapter.run_partitions = interrupt_then_hang
from cli import main

main(sys.argv[2:], prog_name="rivercheck")
"""
"""HANG, but the worker sends Ctrl-C to the scan while the scan is inside `Process.start`."""


class HangingScan:
    """`rivercheck scan` in its own process group, its workers hanging until something kills them."""

    def __init__(self, history: Path, reports: Path, code: str = HANG, jobs: str = "2") -> None:
        self._read, write = os.pipe()
        args = ["scan", str(DEMO), "--as-of", NIGHT_2, "--history", str(history), "--jobs", jobs]
        args += ["--partition-size", "5"]  # several sessions and passes: two engine workers at once
        args += ["--output", str(reports / "r.json"), "--output", str(reports / "r.html")]
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(write), *args],
            cwd=ROOT,
            pass_fds=[write],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        os.close(write)  # now only the scan and its workers hold it: end of file once they are gone
        self._buffer = b""

    def workers(self, count: int) -> list[int]:
        """Wait until `count` workers have announced themselves; their pids."""
        while self._buffer.count(b"\n") < count:
            chunk = self._chunk()
            assert chunk, f"the scan ended before {count} workers started: {self.finish()}"
            self._buffer += chunk
        return [int(pid) for pid in self._buffer.split()[:count]]

    def finish(self) -> tuple[int, str, str]:
        """Exit status, stdout and stderr, once the scan has exited and every worker is gone."""
        stdout, stderr = self.process.communicate(timeout=GUARD)
        while self._chunk():  # end of file: no worker outlived the scan holding the pipe
            pass
        return self.process.returncode, stdout, stderr

    def _chunk(self) -> bytes:
        ready, _, _ = select.select([self._read], [], [], GUARD)
        assert ready, "timed out waiting for the scan's workers"
        return os.read(self._read, 4096)

    def close(self) -> None:
        """Kill whatever of the scan's process group is left (only after a failed test)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate()
        os.close(self._read)


@pytest.fixture
def hanging(night_1: Path, tmp_path: Path) -> Iterator[HangingScan]:
    reports = tmp_path / "reports"
    reports.mkdir()
    running = HangingScan(night_1, reports)
    try:
        yield running
    finally:
        running.close()


def test_a_worker_killed_from_outside_fails_the_scan_and_the_other_worker_is_stopped(
    hanging: HangingScan, night_1: Path, tmp_path: Path
) -> None:
    before = dump(night_1)
    first, second = hanging.workers(2)
    assert {first, second} <= children(hanging.process.pid)  # found in /proc as the scan's children
    os.kill(first, signal.SIGKILL)
    status, stdout, stderr = hanging.finish()  # returns only when the second worker is gone too
    assert status == 3, stderr
    assert stdout == ""
    assert re.fullmatch(
        f"rivercheck: engine failure: {TASK} died \\(killed by signal 9\\) before returning its result "
        f"\\(SIGKILL; pid {first}\\)\n",
        stderr,
    ), stderr
    reports = tmp_path / "reports"
    assert list(reports.iterdir()) == []
    assert dump(night_1) == before
    next_night_works(night_1, reports)


def test_ctrl_c_during_a_scan_exits_130_and_stops_every_worker(
    hanging: HangingScan, night_1: Path, tmp_path: Path
) -> None:
    before = dump(night_1)
    hanging.workers(2)
    os.killpg(hanging.process.pid, signal.SIGINT)  # as a terminal does: the whole process group
    status, stdout, stderr = hanging.finish()
    assert status == 130, stderr
    assert stdout == ""
    assert stderr == "rivercheck: interrupted\n"  # not an engine failure: workers leave Ctrl-C to the scan
    reports = tmp_path / "reports"
    assert list(reports.iterdir()) == []
    assert dump(night_1) == before
    next_night_works(night_1, reports)


def test_ctrl_c_while_a_worker_is_being_started_leaves_no_worker_behind(
    night_1: Path, tmp_path: Path
) -> None:
    """An interrupt raised inside `Process.start`, after the fork, used to orphan that worker."""
    reports = tmp_path / "reports"
    reports.mkdir()
    starting = HangingScan(night_1, reports, STARTING, jobs="1")
    try:
        starting.workers(1)
        status, _, stderr = starting.finish()  # the worker is gone: the pipe is closed
    finally:
        starting.close()
    assert (status, stderr) == (130, "rivercheck: interrupted\n")
    assert list(reports.iterdir()) == []
