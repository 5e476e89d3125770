"""A window of days is a slice of a sorted bucket: the matcher narrows a range by every comparison
of its field with earlier facts, and takes the slice's candidates in key order by integer ranks
(`checker.engine.matcher`). Both only save work: with them and without, the same matches in the
same order, for the windows of `window_cases.yaml` over random problems."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.engine.flatten import NUMBER
from checker.engine.matcher import Matcher
from checker.language.compiler import compile_rules
from checker.language.load import load_rules

AS_OF = dt.date(2026, 11, 26)
DAY = (AS_OF - dt.date(1970, 1, 1)).days
PARAMS = """recent_days:
  value: 7
  unit: calendar days
  meaning: {zh: 近期天数, en: Recent days}
  source: a test
"""
CASES = yaml.safe_load((Path(__file__).parent / "window_cases.yaml").read_text(encoding="utf-8"))


def problems(seed: int, count: int) -> list[dict[str, Any]]:
    """Problems on three waterbodies over 120 days, some signed off, some without a plan date."""
    chance = random.Random(seed)
    made = []
    for number in range(count):
        found = DAY - chance.randrange(120)
        fact: dict[str, Any] = {
            "kind": "problem",
            "key": f"P-{chance.randrange(10_000):05d}",  # keys repeat and disagree with numbers
            "waterbody": f"W-{chance.randrange(3)}",
            "found_on": found,
            "deadline": found + chance.randrange(-5, 40),
            NUMBER: number,
        }
        if chance.random() < 0.6:
            fact["status"] = "signed_off"
            fact["signed_off_on"] = found + chance.randrange(30)
        if chance.random() < 0.7:
            fact["plan_on"] = found + chance.randrange(-3, 20)
        made.append(fact)
    return made


def matcher(tmp_path: Path, where: dict[str, Any], facts: list[dict[str, Any]], narrowed: bool) -> Matcher:
    rule = {
        "id": "X-WINDOW",
        "article": 25,
        "gist": "g",
        "title": {"zh": "t", "en": "t"},
        "kind": "overdue",
        "severity": "high",
        "when": [
            {"bind": "closed", "fact": "problem", "where": {"status": "signed_off"}},
            {"bind": "again", "fact": "problem", "where": {"waterbody": "$closed.waterbody", **where}},
        ],
        "then": {
            "finding": {
                "subject": "$closed.key",
                "message": {"zh": "{again.key}", "en": "{again.key}"},
                "remedy": {"zh": "r", "en": "r"},
            }
        },
    }
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "X-WINDOW.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    (folder / "params.yaml").write_text(PARAMS, encoding="utf-8")
    program = compile_rules(load_rules(folder), AS_OF)
    found = Matcher(program.passes[0].rules[0], {"problem": facts}, {"as_of": DAY, "params": program.params})
    if not narrowed:
        for step in found.steps:
            step.bounds = []
    return found


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_narrowed_window_finds_the_same_matches_in_the_same_order(
    tmp_path: Path, case: dict[str, Any], seed: int
) -> None:
    facts = problems(seed, 400)
    narrowed = matcher(tmp_path, case["where"], facts, narrowed=True)
    plain = matcher(tmp_path, case["where"], facts, narrowed=False)
    assert narrowed.steps[1].ranged is not None  # the case is a range, as meant
    assert len(narrowed.steps[1].bounds) == 1
    found = list(narrowed.matches())
    assert found == list(plain.matches())
    assert list(narrowed.first_matches()) == list(plain.first_matches())
    if "empty" in case["name"]:
        assert found == []
    else:
        assert len(found) > 10  # the window holds matches: the comparison is not vacuous
