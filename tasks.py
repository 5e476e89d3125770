#!/usr/bin/env python3
"""Set up and run rivercheck's everyday jobs with nothing but Python: `python3 tasks.py demo|test|bench`.

Each job creates the virtual environment `.venv` (installing the project and its test tools) when it
is missing or when pyproject.toml or setup.py (what is installed) has changed since it was made.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

HOME = Path(__file__).resolve().parent
VENV = HOME / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".rivercheck-installed"
DEMO_AS_OF = "2026-11-26"
CHROMIUM = "/usr/bin/chromium"
PACKAGING = ("pyproject.toml", "setup.py")


def setup() -> None:
    wanted = hashlib.sha256(b"".join((HOME / name).read_bytes() for name in PACKAGING)).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "rivercheck").exists():
        return
    if not (BIN / "python").exists():
        print("creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing rivercheck and its test tools into .venv", flush=True)
    run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", f"{HOME}[test]"])
    STAMP.write_text(wanted)


def browser() -> None:
    """The HTML report's tests drive Debian's Chromium (never a browser Playwright downloads)."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"the HTML report tests need {CHROMIUM}: as root, apt-get install chromium")
    print("installing Debian's chromium for the HTML report tests", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        if subprocess.call(command, env=environment, stdout=subprocess.DEVNULL) != 0:
            sys.exit(f"'{' '.join(command)}' failed")


def run(command: list[str], ok: tuple[int, ...] = (0,)) -> int:
    code = subprocess.call(command, cwd=HOME)
    if code not in ok:
        sys.exit(code)
    return code


def demo() -> None:
    """Scan the bundled demo district; exit 1 (findings) is the expected outcome, not a failure."""
    setup()
    run([str(BIN / "rivercheck"), "scan", "--as-of", DEMO_AS_OF, *sys.argv[2:]], ok=(0, 1))


def test() -> None:
    """Lint, type-check and run the whole test suite."""
    setup()
    browser()
    run([str(BIN / "ruff"), "check", "."])
    run([str(BIN / "ruff"), "format", "--check", "."])
    run([str(BIN / "mypy")])
    run([str(BIN / "python"), "-m", "pytest", "-q", *sys.argv[2:]])


def bench() -> None:
    """Measure scan time, throughput and memory on generated data (see bench/README.md)."""
    setup()
    run([str(BIN / "python"), "-m", "bench.run", *sys.argv[2:]])


JOBS = {"setup": setup, "demo": demo, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in JOBS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(JOBS)}}} [arguments...]")
    JOBS[sys.argv[1]]()
