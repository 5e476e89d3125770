"""Known engine bugs, each reproduced by a small rules folder: these tests fail while the bug lasts.

They are marked `xfail(strict=True)`: the suite passes while the bug is there and FAILS the day it
is fixed, so whoever fixes it removes the mark and the workaround (docs/engine.md, "Open").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

HERE = Path(__file__).resolve().parent / "known_bugs"


def test_the_reproductions_other_cases_pass() -> None:
    """The folder itself is sound: RECT-OVERDUE's own cases pass in it."""
    result = CliRunner().invoke(main, ["rules", "test", str(HERE / "derived_join"), "-k", "RECT-OVERDUE"])
    assert result.exit_code == 0, result.output


@pytest.mark.xfail(
    strict=True, reason="a derived overdue_problem joined to its recorded problem matches nothing"
)
def test_a_derived_fact_joins_the_recorded_problem_it_names() -> None:
    result = CliRunner().invoke(main, ["rules", "test", str(HERE / "derived_join"), "-k", "REPRO-JOIN"])
    assert result.exit_code == 0, result.output
