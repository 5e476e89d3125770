"""The DuckDB peer (bench/peer.py): the same subjects as the oracle, rule by rule, on a generated
district and on every case of the rules it covers; records dated after as_of as the scan sees them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import peer
from bench.oracle import ORACLE_RULES, findings, load_params
from checker.maintain.cases import LoadedCase, load_cases
from facts.load.pipeline import load_facts
from facts.synthetic import generate

RULES = Path(__file__).resolve().parents[2] / "rules"
AS_OF = dt.date(2026, 11, 26)
CASES = [case for case in load_cases(RULES) if case.rule in peer.COVERED and case.case.want is not None]


def write_jsonl(folder: Path, kind_file: str, records: list[dict[str, Any]]) -> None:
    lines = [json.dumps(record, ensure_ascii=False, default=str) for record in records]
    (folder / f"{kind_file}.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def by_rule(found: set[tuple[str, str]], rule: str) -> list[str]:
    return sorted(subject for r, subject in found if r == rule)


def test_the_peer_covers_every_oracle_rule_or_says_why_not() -> None:
    assert set(peer.COVERED) | set(peer.LEFT_OUT) == set(ORACLE_RULES)
    assert set(peer.RULES) >= set(peer.COVERED)
    assert all(reason.strip() for reason in peer.LEFT_OUT.values())


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    generate("small", 1, folder, AS_OF)
    return folder


def test_the_peer_agrees_with_the_oracle_rule_by_rule_at_small_scale(small: Path) -> None:
    params = load_params(RULES)
    theirs = findings(load_facts([small]), AS_OF, params)
    mine = peer.findings([small], AS_OF, params)
    for rule in peer.COVERED:
        assert by_rule(mine, rule) == by_rule(theirs, rule), rule
        assert by_rule(mine, rule), f"{rule}: the generator plans findings of every rule"
    assert {rule for rule, _ in mine} <= set(peer.COVERED)


@pytest.mark.parametrize("loaded", CASES, ids=[case.id for case in CASES])
def test_the_peer_finds_what_the_case_wants(loaded: LoadedCase, tmp_path: Path) -> None:
    case = loaded.case
    for kind, records in case.facts.items():
        write_jsonl(tmp_path, kind, records)
    found = peer.findings([tmp_path], case.as_of, load_params(RULES, case.params))
    assert case.want is not None
    assert by_rule(found, loaded.rule) == sorted(w.subject for w in case.want), f"{loaded.location}"


FUTURE: dict[str, list[dict[str, Any]]] = {
    "units": [
        {"key": "U-1", "name": "甲区河长办", "type": "office"},
        {"key": "U-2", "name": "甲区水务局", "type": "member_unit"},
    ],
    "waterbodies": [{"key": "W-1", "name": "甲河", "level": "区"}],
    "problems": [
        # signed off after as_of: still open on it, so overdue
        {"key": "P-1", "category": "河道垃圾", "status": "signed_off", "signed_off_on": "2026-12-01"},
        {"key": "P-2", "category": "漂浮物", "status": "in_progress"},
        {"key": "P-3", "category": "排口异常", "status": "in_progress"},
        # found after as_of: it did not exist yet (else it would be P-1's recurrence)
        {
            "key": "P-4",
            "category": "河道垃圾",
            "status": "registered",
            "found_on": "2026-12-05",
            "deadline": None,
        },
    ],
    # held after as_of: it had not been held, so an interview of U-2 is due
    "interviews": [{"key": "I-1", "unit": "U-2", "held_on": "2026-12-03", "problems": ["P-2"]}],
}
PROBLEM: dict[str, Any] = {
    "waterbody": "W-1",
    "source": "patrol",
    "severity": "general",
    "found_on": "2026-06-01",
    "office": "U-1",
    "assignee": "U-2",
    "deadline": "2026-07-01",
}


def test_the_peer_takes_the_records_as_they_stood_on_as_of_as_the_scan_does(tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    for kind, records in FUTURE.items():
        write_jsonl(facts, kind, [{**PROBLEM, **r} if kind == "problems" else r for r in records])
    report = tmp_path / "report.json"
    scan = ["scan", str(facts), "--as-of", str(AS_OF), "--format", "json", "--output", str(report)]
    done = subprocess.run(
        [sys.executable, "-m", "cli", *scan, "--no-history"],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    scanned = {(f["rule"], f["subject"]) for f in json.loads(report.read_text("utf-8"))["findings"]}
    scanned = {(rule, subject) for rule, subject in scanned if rule in peer.COVERED}
    found = peer.findings([facts], AS_OF, load_params(RULES))
    assert found == scanned
    assert found == {
        ("RECT-OVERDUE", "P-1"),
        ("RECT-OVERDUE", "P-2"),
        ("RECT-OVERDUE", "P-3"),
        ("INTERVIEW-OVERDUE", "U-2"),
    }


def test_fact_files_are_found_by_name_and_only_json_lines_are_read(tmp_path: Path) -> None:
    for name in ("problems.jsonl", "problems-2026.jsonl", "chiefs_pd.jsonl", "notes.txt", "problemset.jsonl"):
        (tmp_path / name).write_text("", encoding="utf-8")
    found = peer.fact_files([tmp_path])
    assert [path.name for path in found["problem"]] == ["problems-2026.jsonl", "problems.jsonl"]
    assert [path.name for path in found["chief"]] == ["chiefs_pd.jsonl"]
    assert found["patrol"] == [] and found["unit"] == []
    (tmp_path / "units.yaml").write_text("[]", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"units\.yaml: the peer reads JSON Lines \(\.jsonl\) only"):
        peer.fact_files([tmp_path])
