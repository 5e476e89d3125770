"""A scan's result does not depend on how the work is split or the order of the input, and agrees with
the oracle (bench/oracle.py), on a generated fact set of the small scale."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.oracle import ORACLE_RULES, findings, load_params
from checker.engine.plan import SESSION_FACTS as DEFAULT_TARGET
from checker.results.document import ScanResult
from checker.scan import ScanOptions, scan
from facts.load.pipeline import load_facts
from facts.synthetic import Generated, generate

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
AS_OF = dt.date(2026, 11, 26)
SCALE = "small"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Generated]:
    folder = tmp_path_factory.mktemp("facts")
    return folder, generate(SCALE, 1, folder, AS_OF)


@pytest.fixture(scope="module")
def facts(generated: tuple[Path, Generated]) -> Path:
    return generated[0]


def _scan(folder: Path, jobs: int = 1, partition_size: int = DEFAULT_TARGET) -> ScanResult:
    return scan([folder], RULES, AS_OF, ScanOptions(jobs=jobs, partition_size=partition_size))


@pytest.fixture(scope="module")
def baseline(facts: Path) -> ScanResult:
    """One worker, the default partition size."""
    return _scan(facts)


def test_two_workers_give_the_same_bytes(facts: Path, baseline: ScanResult) -> None:
    assert _scan(facts, jobs=2).to_json() == baseline.to_json()


@pytest.mark.parametrize("size", [1000, 37, 5000])
def test_partition_size_does_not_change_the_bytes(facts: Path, baseline: ScanResult, size: int) -> None:
    assert _scan(facts, partition_size=size).to_json() == baseline.to_json()


def _shuffled(facts: Path, into: Path) -> Path:
    """Every fact file again under the same name, its lines in another order (a fixed one)."""
    rng = random.Random(20261126)
    into.mkdir()
    for path in sorted(facts.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        rng.shuffle(lines)
        (into / path.name).write_text("".join(lines), encoding="utf-8")
    return into


def _check_places(result: dict[str, Any]) -> None:
    """Every file:line a finding cites holds the record it names."""
    lines: dict[str, list[str]] = {}
    for finding in result["findings"]:
        for ref in finding["facts"]:
            text = lines.setdefault(ref["file"], Path(ref["file"]).read_text(encoding="utf-8").splitlines())
            assert json.loads(text[ref["line"] - 1])["key"] == ref["key"], ref


def _without_places(result: dict[str, Any]) -> str:
    """The result with what depends on the files' bytes taken out: their digest and the lines cited."""
    result["stamp"]["facts_digest"] = ""
    for read in result["scope"]["files"]:
        read["path"], read["digest"] = Path(read["path"]).name, ""
    for finding in result["findings"]:
        for ref in finding["facts"]:
            ref["file"], ref["line"] = Path(ref["file"]).name, 0
    return json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)


def test_input_order_does_not_change_the_result(facts: Path, baseline: ScanResult, tmp_path: Path) -> None:
    shuffled = _shuffled(facts, tmp_path / "shuffled")
    assert [p.name for p in sorted(shuffled.iterdir())] == [p.name for p in sorted(facts.glob("*.jsonl"))]
    assert (shuffled / "problems.jsonl").read_bytes() != (facts / "problems.jsonl").read_bytes()
    result = json.loads(_scan(shuffled).to_json())
    expected = json.loads(baseline.to_json())
    # The report cites each record's file and line, and stamps the files' digest; those follow the
    # files (and must still point at the right records). Everything else is the same.
    _check_places(result)
    _check_places(expected)
    assert _without_places(result) == _without_places(expected)


def test_the_oracle_finds_what_the_scan_finds(
    generated: tuple[Path, Generated], baseline: ScanResult
) -> None:
    folder, made = generated
    oracle = findings(load_facts([folder]), AS_OF, load_params(RULES))
    scanned = {(f.rule, f.subject) for f in baseline.findings if f.rule in ORACLE_RULES}
    assert sorted(scanned - oracle) == [], "found by the scan, not by the oracle"
    assert sorted(oracle - scanned) == [], "found by the oracle, not by the scan"
    counts = Counter(rule for rule, _ in scanned)
    missing = [rule for rule in ORACLE_RULES if counts[rule] == 0]
    assert not missing, f"the {SCALE} fact set no longer exercises {missing}: the comparison says less"
    assert {rule: counts[rule] for rule in made.expected} == made.expected, "planned by the generator"
