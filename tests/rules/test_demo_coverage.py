"""The demo district shows every bundled rule at work: each rule that reports findings fires at least
once and is also seen passing a record, and the findings cite every article that has rules.

A supervisor learning the tool, or a maintainer changing a rule, sees each rule in the demo scan.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from checker.language.load import LoadedRule, load_rules
from checker.language.schema import Pattern
from checker.results.document import ScanResult
from checker.scan import scan
from facts.load.pipeline import load_facts

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
DEMO = ROOT / "demo" / "district"
AS_OF = dt.date(2026, 11, 26)

FINDING_RULES = [loaded for loaded in load_rules(RULES).rules if loaded.rule.then.finding is not None]


@pytest.fixture(scope="module")
def result() -> ScanResult:
    return scan([DEMO], RULES, AS_OF)


@pytest.mark.parametrize("loaded", FINDING_RULES, ids=[loaded.rule.id for loaded in FINDING_RULES])
def test_each_rule_fires_in_the_demo(result: ScanResult, loaded: LoadedRule) -> None:
    fired = Counter(finding.rule for finding in result.findings)
    assert fired[loaded.rule.id] >= 1, f"{loaded.path}: no finding in the demo district"


@pytest.mark.parametrize("loaded", FINDING_RULES, ids=[loaded.rule.id for loaded in FINDING_RULES])
def test_each_rule_is_seen_passing_a_record(result: ScanResult, loaded: LoadedRule) -> None:
    """Some record of the kind the rule starts from is not a subject of its findings (for a rule
    that starts from a derived fact: some derived fact of that kind)."""
    first = loaded.rule.when[0]
    assert isinstance(first, Pattern)
    subjects = {finding.subject for finding in result.findings if finding.rule == loaded.rule.id}
    recorded = {fact.record.key for fact in load_facts([DEMO]).of_kind(first.fact)}
    derived = {fact.key for fact in result.derived if fact.kind == first.fact}
    candidates = recorded | derived
    assert candidates - subjects, f"{loaded.path}: every {first.fact} in the demo is a finding"


def test_the_findings_cite_every_article_that_has_rules(result: ScanResult) -> None:
    """Every article some rule cites (as its own or in `also_cites`) is cited by a demo finding."""
    with_rules = {
        n for loaded in load_rules(RULES).rules for n in (loaded.rule.article, *loaded.rule.also_cites)
    }
    cited = {n for finding in result.findings for n in (finding.article, *finding.also_cites)}
    assert sorted(with_rules - cited) == []
    assert sorted(set(range(1, 35)) - cited) == [1, 2, 3, 4, 14, 32]  # the articles no record can show
