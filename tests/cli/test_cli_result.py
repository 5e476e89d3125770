"""The JSON result of `rivercheck scan`: deterministic bytes, the four families, scores and the chain."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
AS_OF = "2026-11-26"


def scan_json(*args: str, facts: Path | str = DEMO) -> str:
    result = CliRunner().invoke(main, ["scan", str(facts), "--as-of", AS_OF, "--format", "json", *args])
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    return result.stdout


@pytest.fixture(scope="module")
def demo_text() -> str:
    return scan_json()


@pytest.fixture(scope="module")
def demo(demo_text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(demo_text)
    return document


def record_line(path: Path, key: str) -> int:
    """The line of the record `key` in a demo fact file (records there are one a line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    numbers = [n for n, line in enumerate(lines, 1) if f"key: {key}," in line]
    assert len(numbers) == 1
    return numbers[0]


# --- determinism --------------------------------------------------------------------------------


def test_same_scan_twice_gives_the_same_bytes(demo_text: str) -> None:
    assert scan_json() == demo_text


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--jobs", "1", "--partition-size", "3"], id="jobs1-partition3"),
        pytest.param(["--jobs", "2"], id="jobs2-default-partitions"),
        pytest.param(["--jobs", "3", "--partition-size", "1"], id="jobs3-partition1"),
    ],
)
def test_workers_and_partitions_do_not_change_the_bytes(demo_text: str, args: list[str]) -> None:
    assert scan_json(*args) == demo_text


def _without_places(node: Any) -> Any:
    """The document without the parts that legitimately follow record order: every `line` field, and
    the digests of the files (their bytes differ) that the facts digest is made of."""
    if isinstance(node, dict):
        return {key: _without_places(value) for key, value in node.items() if key not in ("line", "digest")}
    if isinstance(node, list):
        return [_without_places(item) for item in node]
    return node


def _reverse_records(path: Path) -> None:
    """Rewrite a demo fact file with its records (one a line) in reverse order, comments dropped."""
    records = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    assert len(records) > 1
    path.write_text("\n".join(reversed(records)) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "reversed_files",
    [
        pytest.param(["problems.yaml"], id="problems"),
        # every file with more than one record (a one-record file reads the same reversed)
        pytest.param(
            sorted(
                p.name
                for p in DEMO.glob("*.yaml")
                if sum(line.startswith("- ") for line in p.read_text(encoding="utf-8").splitlines()) > 1
            ),
            id="every-file",
        ),
    ],
)
def test_record_order_does_not_change_the_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reversed_files: list[str]
) -> None:
    # both copies are scanned as the same relative path, so `file` fields are comparable
    for name in ("original", "shuffled"):
        shutil.copytree(DEMO, tmp_path / name / "district")
    for file in reversed_files:
        _reverse_records(tmp_path / "shuffled" / "district" / file)
    documents = []
    for name in ("original", "shuffled"):
        monkeypatch.chdir(tmp_path / name)
        documents.append(json.loads(scan_json(facts="district")))
    original, shuffled = documents
    assert original["findings"] != shuffled["findings"]  # line numbers did move: the shuffle happened
    for document in documents:
        del document["stamp"]
    assert _without_places(shuffled) == _without_places(original)


# --- the four families ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "subjects"),
    [
        pytest.param("RECT-OVERDUE", {"P-001", "P-002", "P-003", "P-004", "P-011"}, id="overdue"),
        pytest.param("ESC-", {"P-028", "P-030", "P-032"}, id="escalation"),
        pytest.param("INTERVIEW-", {"U-WATER", "U-TOWN-B"}, id="interview"),
    ],
)
def test_demo_has_findings_of_each_family(demo: dict[str, Any], prefix: str, subjects: set[str]) -> None:
    found = {f["subject"] for f in demo["findings"] if f["rule"].startswith(prefix)}
    assert subjects <= found
    for finding in demo["findings"]:
        if finding["rule"].startswith(prefix):
            assert finding["facts"], f"{finding['rule']} {finding['subject']} rests on no recorded fact"
            assert finding["message"]["zh"] and finding["message"]["en"]


def test_boundaries_of_the_demo_hold(demo: dict[str, Any]) -> None:
    overdue = {f["subject"] for f in demo["findings"] if f["rule"] == "RECT-OVERDUE"}
    assert "P-011" in overdue  # due yesterday: one day overdue
    assert "P-010" not in overdue  # due today: not overdue
    interviews = {f["subject"] for f in demo["findings"] if f["rule"] == "INTERVIEW-OVERDUE"}
    assert interviews == {"U-WATER"}  # U-TOWN-A was interviewed recently, U-ENV has too few


def test_findings_come_most_severe_first(demo: dict[str, Any]) -> None:
    order = ("info", "low", "medium", "high", "critical")
    ranks = [order.index(f["severity"]) for f in demo["findings"]]
    assert len(set(ranks)) > 1  # the demo has more than one severity, so the order is tested
    assert ranks == sorted(ranks, reverse=True)
    keys = [(f["rule"], f["subject"]) for f in demo["findings"] if f["severity"] == "high"]
    assert keys == sorted(keys)


def test_scores_itemise_every_deduction(demo: dict[str, Any]) -> None:
    findings = {f["fingerprint"]: f for f in demo["findings"]}
    below = [s for s in demo["scores"] if s["score"] < 100]
    assert below, "no unit lost points in the demo"
    for score in demo["scores"]:
        points = sum(d["points"] for d in score["deductions"])
        assert points == pytest.approx(100 - score["score"]), score["unit"]
        assert score["deducted"] == pytest.approx(points), score["unit"]
        for deduction in score["deductions"]:
            finding = findings[deduction["finding"]]
            assert finding["rule"] == deduction["rule"]
            assert finding["responsible"] == score["unit"]
    charged = [d["finding"] for s in demo["scores"] for d in s["deductions"]]
    assert len(charged) == len(set(charged))  # no finding is charged twice
    # SCORE-DEDUCTION charges the findings of these kinds that name a responsible unit; the others
    # (procedure, missing-record, reminder, due-soon, undetermined, or no unit) are charged to no unit
    deducted_kinds = {"overdue", "escalation", "interview", "false-rectification", "accountability"}
    deductible = {f for f, x in findings.items() if x["kind"] in deducted_kinds and x.get("responsible")}
    assert set(charged) == deductible  # every such demo finding is charged once to its unit
    assert deductible != set(findings)  # the demo has findings that are not charged, so the filter matters
    assert [s["score"] for s in demo["scores"]] == sorted(s["score"] for s in demo["scores"])


# --- the chain ---------------------------------------------------------------------------------------


def test_interview_chain_links_to_the_overdue_findings(demo: dict[str, Any]) -> None:
    (interview,) = [
        f for f in demo["findings"] if f["rule"] == "INTERVIEW-OVERDUE" and f["subject"] == "U-WATER"
    ]
    findings = {f["fingerprint"]: f for f in demo["findings"]}
    chain = interview["chain"]
    assert chain
    for link in chain:
        assert link["kind"] == "overdue_problem"
        assert link["rule"] == "RECT-OVERDUE"
        assert link["values"]["problem"] == link["key"]
        assert link["values"]["unit"] == "U-WATER"
        overdue = findings[link["finding"]]
        assert overdue["rule"] == "RECT-OVERDUE"
        assert overdue["subject"] == link["key"]
        assert overdue["responsible"] == "U-WATER"

    # exactly the unit's problems overdue long enough to count, as derived in the same result
    counted = {
        d["key"]
        for d in demo["derived"]
        if d["kind"] == "overdue_problem" and d["values"]["unit"] == "U-WATER" and d["values"]["days"] >= 30
    }
    assert {link["key"] for link in chain} == counted == {"P-001", "P-002", "P-003", "P-004"}

    problems = DEMO / "problems.yaml"
    refs = [r for r in interview["facts"] if r["kind"] == "problem"]
    assert {r["key"] for r in refs} == counted
    for ref in refs:
        assert Path(ref["file"]).resolve() == problems
        assert ref["line"] == record_line(problems, ref["key"])
    (unit,) = [r for r in interview["facts"] if r["kind"] == "unit"]
    assert unit["key"] == "U-WATER"
    assert unit["line"] == record_line(DEMO / "units.yaml", "U-WATER")
