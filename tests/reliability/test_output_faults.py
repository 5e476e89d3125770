"""A report that cannot be written (issue #7, guarantee 2): exit 2 naming the file and the reason,
every report as it was (several outputs are written all or none), no temporary file left, the
history as it was, and the next scan works.

The disk fills up for real on a small tmpfs when this machine lets a test mount one (a private
mount namespace: `unshare`), and always through an injected ENOSPC: the report's temporary file
gets half its bytes, then the write fails, as on a full disk.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
NIGHT_1, NIGHT_2 = "2026-11-26", "2026-11-27"
NAMES = ("report.json", "report.html")


def scan(history: Path, as_of: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", str(DEMO), "--as-of", as_of, "--history", str(history), *args])


def outputs(folder: Path) -> list[str]:
    return [arg for name in NAMES for arg in ("--output", str(folder / name))]


def dump(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def night_1(tmp_path: Path) -> Path:
    """Reports of the first night in `reports/`, and its scan in the history."""
    (tmp_path / "reports").mkdir()
    history = tmp_path / "history.sqlite"
    first = scan(history, NIGHT_1, *outputs(tmp_path / "reports"))
    assert first.exit_code == 1, first.output
    return history


def next_night_writes_every_report(history: Path, reports: Path) -> None:
    result = scan(history, NIGHT_2, *outputs(reports))
    assert result.exit_code == 1, result.output
    assert sorted(contents(reports)) == sorted(NAMES)
    assert json.loads((reports / "report.json").read_text(encoding="utf-8"))["stamp"]["as_of"] == NIGHT_2
    assert "2026-11-27" in (reports / "report.html").read_text(encoding="utf-8")
    assert [summary.split()[0] for summary in history_lines(history)] == [NIGHT_1, NIGHT_2]


def history_lines(history: Path) -> list[str]:
    listed = CliRunner().invoke(main, ["history", "--history", str(history), "--lang", "en"])
    assert listed.exit_code == 0, listed.output
    return [line.strip() for line in listed.stdout.splitlines() if line.startswith("  20")]


class FullDisk:
    """Replaces os.fdopen so that writing the temporary file of one report fails with ENOSPC after
    half its bytes are on disk; every other file opens as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, report: Path) -> None:
        self.prefix = f".{report.name}."
        self.folder = report.parent.resolve()
        self.partial: list[tuple[Path, int]] = []
        real = os.fdopen

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            stream = real(fd, *args, **kwargs)
            path = Path(os.readlink(f"/proc/self/fd/{fd}"))
            if path.parent == self.folder and path.name.startswith(self.prefix):
                return _Filling(stream, path, self.partial)
            return stream

        monkeypatch.setattr(os, "fdopen", fdopen)  # what checker.output opens its temporary files with


class _Filling:
    def __init__(self, stream: Any, path: Path, partial: list[tuple[Path, int]]) -> None:
        self._stream, self._path, self._partial = stream, path, partial

    def write(self, data: bytes) -> int:
        self._stream.write(data[: len(data) // 2])
        self._stream.flush()
        self._partial.append((self._path, self._path.stat().st_size))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __enter__(self) -> _Filling:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()


@pytest.mark.parametrize("failing", NAMES, ids=["first-report", "second-report"])
def test_a_full_disk_leaves_every_report_and_the_history_as_they_were(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, night_1: Path, failing: str
) -> None:
    reports = tmp_path / "reports"
    before, stored = contents(reports), dump(night_1)
    disk = FullDisk(monkeypatch, reports / failing)
    result = scan(night_1, NIGHT_2, *outputs(reports))
    assert result.exit_code == 2, result.output
    [(temporary, size)] = disk.partial  # the write really failed half way through a file
    assert size > 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{reports / failing}: output-write: cannot write the report: No space left on device",
        "    nothing was put in place: every target is as it was",
        "    the history is unchanged",
        "    help: free some space on that disk, or write elsewhere, and run again",
        "rivercheck: 1 problem(s) with the output or the history",
    ]
    assert contents(reports) == before  # the other report was not replaced either; no temporary file
    assert not temporary.exists()
    assert dump(night_1) == stored
    monkeypatch.undo()
    next_night_writes_every_report(night_1, reports)


def test_a_missing_folder_for_the_second_report_writes_neither(tmp_path: Path, night_1: Path) -> None:
    reports = tmp_path / "reports"
    before, stored = contents(reports), dump(night_1)
    missing = tmp_path / "gone" / "report.html"
    result = scan(night_1, NIGHT_2, "--output", str(reports / "report.json"), "--output", str(missing))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{missing}: output-write: cannot write the report here:")
    assert contents(reports) == before  # the first report, written before the second failed, was not kept
    assert dump(night_1) == stored


def test_a_failed_rename_says_which_reports_are_already_in_place(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, night_1: Path
) -> None:
    """The window that remains: renames write no data, but the second can still fail after the first."""
    reports = tmp_path / "reports"
    before, stored = contents(reports), dump(night_1)
    real = os.replace

    def replace(source: Any, target: Any) -> None:
        if Path(target).name == "report.html":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)  # what checker.output renames with
    result = scan(night_1, NIGHT_2, *outputs(reports))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[:3] == [
        f"{reports / 'report.html'}: output-write: cannot put it in place: Input/output error",
        f"    already in place: {reports / 'report.json'}; the others are as they were",
        "    the history is unchanged",
    ]
    after = contents(reports)
    assert sorted(after) == sorted(NAMES)  # no temporary file left
    assert after["report.html"] == before["report.html"]
    assert after["report.json"] != before["report.json"]
    assert dump(night_1) == stored


# --- a real full disk ----------------------------------------------------------------------------

FILL = """
set -u
mount -t tmpfs -o "size=$SIZE" rivercheck-full "$REPORTS" || exit 97
"$PYTHON" -c 'from cli import main; main()' scan "$DEMO" --as-of 2026-11-27 --history "$HISTORY" \
    --output "html:$REPORTS/report.html" --output "json:$REPORTS/report.json"
echo "status $?"
ls -A "$REPORTS"
"""
"""In a private mount namespace: a tmpfs of SIZE bytes on REPORTS, the scan writing into it, then
what is left there (the namespace, and the tmpfs with it, ends with the shell)."""


def _private_tmpfs_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = ["unshare", "--user", "--map-root-user", "--mount", "mount", "-t", "tmpfs", "x", "/mnt"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _private_tmpfs_works(), reason="cannot mount a private tmpfs here (unshare)")
def test_a_really_full_disk_writes_no_report(tmp_path: Path, night_1: Path) -> None:
    sizes = {name: len(data) for name, data in contents(tmp_path / "reports").items()}
    page = os.sysconf("SC_PAGE_SIZE")
    room = -(-sizes["report.html"] // page) * page + page  # the HTML report fits, the JSON one not
    assert sizes["report.json"] > room - sizes["report.html"]
    reports = tmp_path / "full"
    reports.mkdir()
    stored = dump(night_1)
    environment = {
        **os.environ,
        "SIZE": str(room),
        "REPORTS": str(reports),
        "PYTHON": sys.executable,
        "DEMO": str(DEMO),
        "HISTORY": str(night_1),
    }
    shell = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FILL]
    done = subprocess.run(shell, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert done.stdout == "status 2\n", done.stdout + done.stderr  # and `ls` found nothing left
    assert done.stderr.startswith(
        f"{reports / 'report.json'}: output-write: cannot write the report: No space left on device\n"
    )
    assert dump(night_1) == stored


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_report_printed_to_a_full_disk_is_an_output_error_and_not_recorded(
    tmp_path: Path, night_1: Path, fmt: str
) -> None:
    """`rivercheck scan > report.txt` on a full disk: every write to /dev/full fails with ENOSPC."""
    stored = dump(night_1)
    args = ["scan", str(DEMO), "--as-of", NIGHT_2, "--history", str(night_1), "--format", fmt]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "from cli import main; main()", *args],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "<stdout>: output-write: cannot write the report: No space left on device",
        "    help: free some space on that disk, or write elsewhere, and run again",
        "rivercheck: 1 problem(s) with the output or the history",
    ]
    assert dump(night_1) == stored
