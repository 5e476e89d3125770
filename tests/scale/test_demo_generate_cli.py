"""`rivercheck demo generate`: a small synthetic city whose findings per rule a scan reproduces exactly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from cli import main


def test_generate_then_scan_gives_exactly_the_expected_findings(tmp_path: Path) -> None:
    out = tmp_path / "small"
    generated = CliRunner().invoke(
        main, ["demo", "generate", "--scale", "small", "--seed", "3", "--output", str(out)]
    )
    assert generated.exit_code == 0, generated.output
    expected = {
        line.split()[0]: int(line.split()[1].replace(",", ""))
        for line in generated.stdout.split("per rule:\n", 1)[1].splitlines()
    }
    scanned = CliRunner().invoke(
        main, ["scan", str(out), "--as-of", "2026-11-26", "--format", "json", "--no-history", "--jobs", "2"]
    )
    assert scanned.exit_code == 1, scanned.output
    found = Counter(f["rule"] for f in json.loads(scanned.stdout)["findings"])
    assert {rule: found.get(rule, 0) for rule in expected} == expected
    assert sum(expected.values()) == sum(found.values()) > 0
