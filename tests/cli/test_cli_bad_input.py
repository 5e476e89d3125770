"""Bad fact files and broken rule files: exit 2, every problem named by file and line, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
RULES = ROOT / "rules"
AS_OF = "2026-11-26"

# A valid problem in block style, one field a line, so that a field's line differs from the record's.
GOOD_PROBLEM: dict[str, str] = {
    "key": "P-900",
    "waterbody": "W-03",
    "source": "patrol",
    "category": "河道垃圾",
    "severity": "general",
    "found_on": "2026-08-01",
    "office": "U-OFFICE",
    "assignee": "U-WATER",
    "deadline": "2026-12-01",
    "status": "in_progress",
}


def line_of(path: Path, marker: str) -> int:
    """The 1-based number of the one line of `path` that contains `marker`."""
    numbers = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if marker in line]
    assert len(numbers) == 1, f"{marker!r} is on lines {numbers} of {path}"
    return numbers[0]


def run_with_output(facts: Path, out_dir: Path, rules: Path = RULES) -> tuple[Result, Path]:
    out_dir.mkdir()
    target = out_dir / "report.json"
    argv = ["scan", str(facts), "--rules", str(rules), "--as-of", AS_OF, "--format", "json"]
    return CliRunner().invoke(main, [*argv, "--output", str(target)]), target


def assert_rejected(result: Result, target: Path, place: str, fragments: list[str]) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"{place}:" in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "rivercheck: 1 problem(s) in the input; nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temporary file left either


# --- fact files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "fragments"),
    [
        pytest.param(
            {"deadline": "2026-13-45"},
            "deadline",
            ["fact-field", "'P-900' field 'deadline'", "expected a date YYYY-MM-DD", "2026-13-45"],
            id="impossible-deadline",
        ),
        pytest.param(
            {"deadline": None, "deadlin": "2026-12-01"},
            "deadlin",
            ["fact-unknown-field", "unknown field 'deadlin'", "did you mean 'deadline'?"],
            id="misspelt-field",
        ),
        pytest.param(
            {"assignee": "U-NOPE"},
            "assignee",
            ["fact-reference", "'P-900' field 'assignee'", "no unit has key 'U-NOPE'"],
            id="unknown-unit",
        ),
    ],
)
def test_bad_appended_problem_is_named_by_file_and_field_line(
    tmp_path: Path, changes: dict[str, str | None], field: str, fragments: list[str]
) -> None:
    facts = tmp_path / "district"
    shutil.copytree(DEMO, facts)
    record = {**GOOD_PROBLEM}
    for name, value in changes.items():
        if value is None:
            del record[name]
        else:
            record[name] = value
    lines = [f"  {name}: {value}" for name, value in record.items()]
    lines[0] = "- " + lines[0].lstrip()
    problems = facts / "problems.yaml"
    with problems.open("a", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
    line = line_of(problems, f"  {field}: ")
    assert line > line_of(problems, "- key: P-900")  # the field's own line, not the record's

    result, target = run_with_output(facts, tmp_path / "out")
    assert_rejected(result, target, f"{problems}:{line}", fragments)


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        pytest.param(
            "deadline: 2026-09-30", "deadline: 2026-13-45", ["'P-001' field 'deadline'"], id="deadline"
        ),
        pytest.param(
            "deadline: 2026-09-30",
            "deadlin: 2026-09-30",
            ["unknown field 'deadlin'", "did you mean 'deadline'?"],
            id="misspelt",
        ),
        pytest.param("assignee: U-WATER, target", "assignee: U-NOPE, target", ["'U-NOPE'"], id="unit"),
    ],
)
def test_bad_field_inside_the_ledger_is_named_by_its_line(
    tmp_path: Path, old: str, new: str, fragments: list[str]
) -> None:
    facts = tmp_path / "district"
    shutil.copytree(DEMO, facts)
    problems = facts / "problems.yaml"
    text = problems.read_text(encoding="utf-8")
    assert text.count(old) == 1
    problems.write_text(text.replace(old, new), encoding="utf-8")
    line = line_of(problems, new)
    assert 1 < line < len(text.splitlines())  # somewhere in the middle, not the last record

    result, target = run_with_output(facts, tmp_path / "out")
    assert_rejected(result, target, f"{problems}:{line}", fragments)


def test_every_bad_record_is_reported_at_once(tmp_path: Path) -> None:
    facts = tmp_path / "district"
    shutil.copytree(DEMO, facts)
    problems = facts / "problems.yaml"
    text = problems.read_text(encoding="utf-8")
    text = text.replace("deadline: 2026-09-30", "deadline: 2026-13-45")  # P-001
    text = text.replace("assignee: U-ENV, deadline: 2026-11-16", "assignee: U-NOPE, deadline: 2026-11-16")
    problems.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(facts), "--as-of", AS_OF])
    assert result.exit_code == 2
    first, second = line_of(problems, "2026-13-45"), line_of(problems, "U-NOPE")
    assert f"{problems}:{first}:" in result.stderr
    assert f"{problems}:{second}:" in result.stderr
    assert result.stderr.index(f"{problems}:{first}:") < result.stderr.index(f"{problems}:{second}:")
    assert "rivercheck: 2 problem(s) in the input" in result.stderr


# --- rule files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        pytest.param(
            "status: {ne: signed_off}",
            "status: {nequals: signed_off}",
            ["unknown-operator", "unknown operator 'nequals'", "eq, ne"],
            id="unknown-operator",
        ),
        pytest.param(
            "assignee: {exists: true}",
            "assigne: {exists: true}",
            ["unknown-fact-field", "no field 'assigne'", "did you mean 'assignee'?"],
            id="unknown-fact-field",
        ),
        pytest.param(
            "severity: high",
            "severity: hihg",
            ["field 'severity'", "'hihg'"],
            id="unknown-severity",
        ),
        pytest.param(
            "kind: overdue",
            "kind: overdue\nsevrity: high",
            ["unknown field 'sevrity'", "did you mean 'severity'?"],
            id="unknown-rule-key",
        ),
    ],
)
def test_broken_rule_file_is_named_by_file_and_line(
    tmp_path: Path, old: str, new: str, fragments: list[str]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    rule = rules / "overdue" / "RECT-OVERDUE.yaml"
    text = rule.read_text(encoding="utf-8")
    assert text.count(old) == 1
    rule.write_text(text.replace(old, new), encoding="utf-8")
    line = line_of(rule, new.splitlines()[-1])

    result, target = run_with_output(DEMO, tmp_path / "out", rules=rules)
    assert_rejected(result, target, f"{rule}:{line}", fragments)
