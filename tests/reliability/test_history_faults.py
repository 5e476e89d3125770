"""A scan interrupted while it records itself in the history (issue #7, guarantee 3): the database
holds exactly the scans it held before and passes SQLite's integrity check, `rivercheck history`
works, the exit status says what happened (130 Ctrl-C, 3 an unexpected error, 2 a database that
cannot be written), and the next scan records.

The interruption comes after some of the findings are inserted, inside the transaction: raised
in-process (KeyboardInterrupt, an error, SQLite's own "database or disk is full" from a page limit),
and as a SIGKILL of a real `rivercheck scan` process whose page cache is too small to hold the
transaction, so half of it is already in the database file when the process dies.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import checker.state.history
from checker.state.history import History, open_history
from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
NIGHT_1, NIGHT_2 = "2026-11-26", "2026-11-27"
ROWS_BEFORE_FAILING = 5
"""Findings inserted before the interruption (the demo's scan has more than this)."""


def scan(history: Path, as_of: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", str(DEMO), "--as-of", as_of, "--history", str(history), *args])


def dump(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def intact(database: Path) -> bool:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()


def listed_nights(history: Path) -> list[str]:
    """The nights `rivercheck history` lists."""
    listed = CliRunner().invoke(main, ["history", "--history", str(history), "--lang", "en"])
    assert listed.exit_code == 0, listed.output
    return [line.split()[0] for line in listed.stdout.splitlines() if line.startswith("  20")]


@pytest.fixture
def night_1(tmp_path: Path) -> Path:
    history = tmp_path / "history.sqlite"
    first = scan(history, NIGHT_1, "--format", "json")
    assert first.exit_code == 1, first.output
    return history


def next_night_records(history: Path, reports: Path) -> None:
    result = scan(history, NIGHT_2, "--output", str(reports / "next.json"))
    assert result.exit_code == 1, result.output
    assert listed_nights(history) == [NIGHT_1, NIGHT_2]
    assert intact(history)


def failing_after_some_rows(monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> list[object]:
    """Make the history raise `failure` while it builds the findings' rows, after a few are stored."""
    real = checker.state.history._finding_row
    rows: list[object] = []

    def finding_row(*args: Any) -> Any:
        if len(rows) == ROWS_BEFORE_FAILING:
            raise failure
        rows.append(args)
        return real(*args)

    monkeypatch.setattr(checker.state.history, "_finding_row", finding_row)
    return rows


EXPECTED: dict[str, tuple[BaseException, int, Callable[[str], bool]]] = {
    "ctrl-c": (KeyboardInterrupt(), 130, lambda stderr: stderr == "rivercheck: interrupted\n"),
    "error": (
        RuntimeError("the job was torn down"),
        3,
        lambda stderr: (
            stderr == "rivercheck: internal error: RuntimeError: the job was torn down (rerun with --debug)\n"
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_an_interrupted_record_leaves_the_history_as_it_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, night_1: Path, kind: str
) -> None:
    failure, status, says = EXPECTED[kind]
    before = dump(night_1)
    rows = failing_after_some_rows(monkeypatch, failure)
    report = tmp_path / "report.json"
    result = scan(night_1, NIGHT_2, "--output", str(report))
    assert result.exit_code == status, result.output
    assert len(rows) == ROWS_BEFORE_FAILING  # it failed inside the transaction, not before it
    assert says(result.stderr), result.stderr
    assert report.exists()  # the reports are written before the history, and stand
    assert dump(night_1) == before
    assert intact(night_1)
    assert listed_nights(night_1) == [NIGHT_1]
    monkeypatch.undo()
    next_night_records(night_1, tmp_path)


def test_a_full_database_is_a_history_error_and_the_reports_stand(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, night_1: Path
) -> None:
    before = dump(night_1)
    real = checker.state.history.open_history

    def full(path: Path, **kwargs: Any) -> History:
        opened = real(path, **kwargs)
        (pages,) = opened.connection.execute("PRAGMA page_count").fetchone()
        opened.connection.execute(f"PRAGMA max_page_count = {pages}")  # not one page more
        return opened

    monkeypatch.setattr(checker.state.history, "open_history", full)
    report = tmp_path / "report.json"
    result = scan(night_1, NIGHT_2, "--output", str(report))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"{night_1}: history-db: cannot record the scan of {NIGHT_2}: database or disk is full",
        "    the reports were written, the scan was not recorded: the history is unchanged",
        "rivercheck: 1 problem(s) with the output or the history",
    ]
    assert report.exists()
    assert dump(night_1) == before
    assert intact(night_1)
    monkeypatch.undo()
    next_night_records(night_1, tmp_path)


KILL = """
import os, signal, sys
import checker.state.history

real_row, real_open = checker.state.history._finding_row, checker.state.history.open_history
rows = 0


def finding_row(*args):
    global rows
    if rows == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    rows += 1
    return real_row(*args)


def open_history(*args, **kwargs):
    opened = real_open(*args, **kwargs)
    opened.connection.execute("PRAGMA cache_size = 1")  # spill changed pages into the file early
    return opened


checker.state.history._finding_row = finding_row
checker.state.history.open_history = open_history
from cli import main

main(sys.argv[2:], prog_name="rivercheck")
"""
"""`python -c KILL N ARGS...` is `rivercheck ARGS...` that SIGKILLs itself after recording N findings."""


def test_a_scan_killed_while_recording_leaves_the_history_as_it_was(tmp_path: Path, night_1: Path) -> None:
    before, image = dump(night_1), night_1.read_bytes()
    args = ["scan", str(DEMO), "--as-of", NIGHT_2, "--history", str(night_1), "--format", "json"]
    killed = subprocess.run(
        [sys.executable, "-c", KILL, str(ROWS_BEFORE_FAILING), *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    journal = night_1.with_name(night_1.name + "-journal")
    assert journal.exists()  # a hot journal: the transaction was under way
    assert night_1.read_bytes() != image  # and part of it had reached the database file
    assert listed_nights(night_1) == [NIGHT_1]  # the first reader rolls the transaction back
    assert not journal.exists()
    assert dump(night_1) == before
    assert intact(night_1)
    with open_history(night_1) as reopened:  # and rivercheck itself still opens it
        assert reopened.connection.execute("SELECT count(*) FROM scans").fetchone() == (1,)
    next_night_records(night_1, tmp_path)
