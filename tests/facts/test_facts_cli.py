"""`rivercheck facts validate` and `facts stats` through the command line."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from cli import main

DEMO = Path(__file__).resolve().parents[2] / "demo" / "district"
KINDS = {  # a demo file's name (before any `-suffix`) -> the kind of its records
    "chiefs": "chief",
    "complaints": "complaint",
    "documents": "document",
    "interviews": "interview",
    "matters": "matter",
    "patrols": "patrol",
    "problems": "problem",
    "units": "unit",
    "waterbodies": "waterbody",
}


def demo_records() -> dict[Path, list[str]]:
    """Each demo fact file's records, as their lines (the demo writes one record a line)."""
    return {
        path: [line for line in path.read_text("utf-8").splitlines() if line.startswith("- ")]
        for path in sorted(DEMO.glob("*.yaml"))
    }


def test_validate_a_clean_fact_set() -> None:
    records = demo_records()
    result = CliRunner().invoke(main, ["facts", "validate", str(DEMO)])
    assert result.exit_code == 0, result.output
    count = sum(len(lines) for lines in records.values())
    assert (count, len(records)) == (174, 14)  # 83 records in 6 files before the 8 files of 2026-11
    assert result.stdout == f"{count} records in {len(records)} files: no problems\n"


def test_validate_reports_every_problem_by_file_and_line(tmp_path: Path) -> None:
    facts = tmp_path / "district"
    shutil.copytree(DEMO, facts)
    problems = facts / "problems.yaml"
    text = problems.read_text("utf-8")
    text = text.replace("assignee: U-ENV, deadline: 2026-11-16", "assignee: U-ENX, deadline: 2026-11-16")
    text = text.replace(
        "deadline: 2026-10-12, status: in_progress}",
        "deadline: 2026-10-12, status: in_progress, signed_off_on: 2026-01-01}",
    )
    problems.write_text(text, "utf-8")
    lines = text.splitlines()
    result = CliRunner().invoke(main, ["facts", "validate", str(facts)])
    assert result.exit_code == 2
    unknown_unit = next(i for i, line in enumerate(lines, 1) if "U-ENX" in line)
    signed_before = next(i for i, line in enumerate(lines, 1) if "signed_off_on: 2026-01-01" in line)
    assert f"problems.yaml:{unknown_unit}:" in result.stderr and "did you mean 'U-ENV'?" in result.stderr
    assert f"problems.yaml:{signed_before}:" in result.stderr and "before found_on" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_stats_counts_kinds_statuses_and_date_ranges() -> None:
    result = CliRunner().invoke(main, ["facts", "stats", str(DEMO), "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    kinds: Counter[str] = Counter()
    for path, lines in demo_records().items():
        kinds[KINDS[path.stem.split("-")[0]]] += len(lines)
    assert stats["kinds"] == dict(kinds)
    # problems.yaml has 37 (13 signed off), problems-supervision.yaml 9 (1 signed off: P-SV-007)
    assert kinds["problem"] == 46
    assert sum(stats["status"].values()) == 46 and stats["status"]["signed_off"] == 14
    assert stats["districts"]["清溪区"]["problem"] == 46
    assert stats["dates"]["problem.found_on"] == ["2026-02-01", "2026-11-24"]
    text = CliRunner().invoke(main, ["facts", "stats", str(DEMO), "--lang", "en"])
    assert "Problems per status" in text.stdout and "signed_off" in text.stdout
