"""Measuring one step of the benchmark: a child process's wall time, its peak memory (the largest
process, from `wait4`) and its whole process tree's memory (RSS and PSS, sampled from /proc)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_INTERVAL_S = 0.05
"""How often the process tree's resident memory is sampled."""
PSS_EVERY = 4
"""Its proportional set size is read at every PSS_EVERY-th sample only (it is dearer to read)."""
PSS_MIN_SAMPLES = 5
"""Fewer PSS samples than this (a run shorter than about a second) give no PSS figure: too few to
catch the peak."""


class BenchError(Exception):
    """The benchmark cannot give a trustworthy figure (a step failed, or its output is unreadable)."""


@dataclass(frozen=True)
class Measurement:
    """One child process's run: wall time, peak memory, exit status and what it wrote to stderr."""

    wall_s: float
    peak_rss_mb: float
    """The largest single process among it and its waited-for descendants (`wait4`'s ru_maxrss)."""
    returncode: int
    stderr: str
    tree_rss_mb: float | None = None
    """The peak, over samples every SAMPLE_INTERVAL_S, of the RSS summed over its process group
    (pages shared by forked workers count once per process: an upper bound). None: not sampled."""
    tree_pss_mb: float | None = None
    """The same for the proportional set size (shared pages divided among their sharers), sampled
    every PSS_EVERY * SAMPLE_INTERVAL_S: the memory the process tree really holds. None where
    /proc/PID/smaps_rollup cannot be read, or the run was too short to sample it PSS_MIN_SAMPLES
    times."""


class TreeSampler:
    """Polls /proc for the processes of one process group and keeps the peak of their summed memory."""

    def __init__(self, pgid: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        self.pgid = pgid
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss: int | None = 0
        self.samples = 0
        self.pss_samples = 0
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)

    @staticmethod
    def available() -> bool:
        return Path("/proc/self/stat").is_file()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        # PSS costs a walk of each process's page tables (a few ms for a GB): every PSS_EVERY-th sample
        with_pss = self.peak_pss is not None and self.samples % PSS_EVERY == 0
        rss = pss = 0
        for pid, resident in self._members():
            rss += resident
            if with_pss:
                proportional = _pss_bytes(pid)
                if proportional is None:
                    self.peak_pss = None
                    with_pss = False
                else:
                    pss += proportional
        self.samples += 1
        self.peak_rss = max(self.peak_rss, rss)
        if with_pss and self.peak_pss is not None:
            self.peak_pss = max(self.peak_pss, pss)
            self.pss_samples += 1

    def _members(self) -> Iterator[tuple[int, int]]:
        """(pid, resident bytes) of each live process in the group."""
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    text = stat.read()
            except OSError:  # gone since the listing
                continue
            fields = text[text.rfind(b")") + 2 :].split()
            # after "pid (comm) ": state ppid pgrp ... rss is field 24 of stat(5), here index 21
            if int(fields[2]) == self.pgid and fields[0] != b"Z":
                yield int(name), int(fields[21]) * self._page


def _pss_bytes(pid: int) -> int | None:
    """The process's proportional set size; 0 when it has gone, None when /proc does not tell."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except PermissionError:
        return None
    except OSError:  # gone since it was listed
        return 0
    return 0  # exiting: its memory is already unmapped


def measure(argv: Sequence[str], cwd: Path) -> Measurement:
    """Run `argv` in a process group of its own and time it, polling the memory of the whole group
    (the scan and its forked workers) meanwhile."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        sampler = TreeSampler(process.pid) if TreeSampler.available() else None
        if sampler:
            sampler.start()
        reaped = False
        try:
            _, status, usage = os.wait4(process.pid, 0)
            reaped = True
            wall_s = time.perf_counter() - started
        finally:
            if sampler:
                sampler.stop()
            if not reaped:  # interrupted: leave no scan or worker behind
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait
        stderr.seek(0)
        text = stderr.read().decode("utf-8", errors="replace")
    tree_rss = tree_pss = None
    if sampler and sampler.samples:
        tree_rss = sampler.peak_rss / 2**20
        if sampler.peak_pss is not None and sampler.pss_samples >= PSS_MIN_SAMPLES:
            tree_pss = sampler.peak_pss / 2**20
    return Measurement(wall_s, _rss_mb(usage.ru_maxrss), process.returncode, text, tree_rss, tree_pss)


def _rss_mb(maxrss: int) -> float:
    """`ru_maxrss` in MiB: Linux reports KiB, macOS bytes."""
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10
