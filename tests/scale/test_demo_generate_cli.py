"""`rivercheck demo generate`: a small synthetic city whose findings per planned rule a scan reproduces
exactly (the rules in facts.synthetic.UNPLANNED_RULES may report too, in numbers not planned)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from cli import main
from facts.synthetic import FINDING_RULES, UNPLANNED_RULES


def test_generate_then_scan_gives_exactly_the_expected_findings(tmp_path: Path) -> None:
    out = tmp_path / "small"
    generated = CliRunner().invoke(
        main, ["demo", "generate", "--scale", "small", "--seed", "3", "--output", str(out)]
    )
    assert generated.exit_code == 0, generated.output
    expected = {
        line.split()[0]: int(line.split()[1].replace(",", ""))
        for line in generated.stdout.split("(other rules may report more):\n", 1)[1].splitlines()
    }
    scanned = CliRunner().invoke(
        main, ["scan", str(out), "--as-of", "2026-11-26", "--format", "json", "--no-history", "--jobs", "2"]
    )
    assert scanned.exit_code == 1, scanned.output
    found = Counter(f["rule"] for f in json.loads(scanned.stdout)["findings"])
    # exact for the rules the generator plans; the others may report, but only the listed ones
    assert sorted(expected) == sorted(FINDING_RULES)
    assert {rule: found.get(rule, 0) for rule in expected} == expected
    assert sum(expected.values()) == sum(found[rule] for rule in expected) > 0
    assert set(found) - set(expected) <= set(UNPLANNED_RULES)
