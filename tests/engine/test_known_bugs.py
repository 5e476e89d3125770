"""Engine bugs once open, each reproduced by a small rules folder, now regression tests.

A bug still open is marked `xfail(strict=True)`: the suite passes while it lasts and fails the day
it is fixed, so whoever fixes it removes the mark and the workaround (docs/engine.md, "Open").
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import main

HERE = Path(__file__).resolve().parent / "known_bugs"


def test_the_reproductions_other_cases_pass() -> None:
    """The folder itself is sound: RECT-OVERDUE's own cases pass in it."""
    result = CliRunner().invoke(main, ["rules", "test", str(HERE / "derived_join"), "-k", "RECT-OVERDUE"])
    assert result.exit_code == 0, result.output


def test_a_derived_fact_joins_the_recorded_problem_it_names() -> None:
    """Open until the session plan (2026-12-02): the old partitioning never put the two together."""
    result = CliRunner().invoke(main, ["rules", "test", str(HERE / "derived_join"), "-k", "REPRO-JOIN"])
    assert result.exit_code == 0, result.output
