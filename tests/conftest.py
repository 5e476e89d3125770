"""Shared by every test: the repository root is importable under a bare `pytest`, scans keep their
history in temporary folders (so running the suite leaves nothing behind), and the HTML report's
tests get a browser: Debian's Chromium driven by Playwright (never a browser Playwright downloads),
one per test module; a missing piece fails the test, never skips it."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

_SESSION = tempfile.TemporaryDirectory(prefix="rivercheck-test-history-")


def pytest_configure(config: pytest.Config) -> None:
    # before any fixture: module-scoped ones that scan must not reach the default history either
    os.environ["RIVERCHECK_HISTORY"] = str(Path(_SESSION.name) / "history.sqlite")


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty history of its own."""
    monkeypatch.setenv("RIVERCHECK_HISTORY", str(tmp_path_factory.mktemp("history") / "history.sqlite"))


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(f"Playwright is missing ({error}); install the test extra: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install it: apt-get update && apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
