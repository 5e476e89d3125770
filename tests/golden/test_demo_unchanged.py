"""The demo district's result is the one saved at commit 5e28552, before checker/ was split into
packages: findings (fingerprints, messages, evidence, chains), derived facts, scores and counts.

A change that means to alter the demo's findings (a new rule, a changed message) updates the saved
copy in the same commit, so the diff of `demo-5e28552.json` shows what changed for a supervisor.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from checker.bundled import RULES
from checker.scan import scan

ROOT = Path(__file__).resolve().parents[2]
SAVED = Path(__file__).with_name("demo-5e28552.json")
PARTS = ("findings", "derived", "scores", "counts", "rules")


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    here = os.getcwd()
    os.chdir(ROOT)  # fact files are named as given: demo/district/problems.yaml, as when it was saved
    try:
        scanned = scan([Path("demo/district")], RULES, dt.date(2026, 11, 26))
    finally:
        os.chdir(here)
    data = json.loads(scanned.to_json())
    return {part: data[part] for part in PARTS}


@pytest.mark.parametrize("part", PARTS)
def test_the_demo_result_is_the_saved_one(result: dict[str, Any], part: str) -> None:
    saved = json.loads(SAVED.read_text("utf-8"))
    assert result[part] == saved[part]
