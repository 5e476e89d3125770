"""Shared by every test: the repository root is importable under a bare `pytest`, and scans keep
their history in temporary folders (so running the suite leaves nothing behind)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

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
