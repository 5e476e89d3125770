"""--select and --ignore decide which rules' findings are reported; the rules a selected rule rests
on still run, silenced: their findings are neither reported nor deducted (docs/scope.md §2)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from checker.bundled import DEMO_DISTRICT, RULES
from checker.errors import CheckerError
from checker.results.document import ScanResult
from checker.scan import ScanOptions, scan
from checker.scope.select import selection
from cli import main

AS_OF = dt.date(2026, 11, 26)


def scanned(select: list[str], ignore: list[str]) -> ScanResult:
    return scan([DEMO_DISTRICT], RULES, AS_OF, ScanOptions(selection=selection(select, ignore)))


@pytest.fixture(scope="module")
def everything() -> ScanResult:
    return scan([DEMO_DISTRICT], RULES, AS_OF)


def test_ignoring_a_rule_keeps_what_rests_on_it(everything: ScanResult) -> None:
    result = scanned([], ["RECT-OVERDUE"])
    assert not [f for f in result.findings if f.rule == "RECT-OVERDUE"]
    rested = {f.fingerprint for f in everything.findings if f.rule == "INTERVIEW-OVERDUE"}
    assert rested and rested == {f.fingerprint for f in result.findings if f.rule == "INTERVIEW-OVERDUE"}
    deducted = {d.rule for s in result.scores for d in s.deductions}
    assert "RECT-OVERDUE" not in deducted and "INTERVIEW-OVERDUE" in deducted
    assert "RECT-OVERDUE" in result.scope.silenced and result.scope.ignore == ["RECT-OVERDUE"]
    # what the silenced rule derived carries no fingerprint of a finding that is not there
    chain = [link for f in result.findings if f.rule == "INTERVIEW-OVERDUE" for link in f.chain]
    assert chain and all(link.finding is None for link in chain if link.rule == "RECT-OVERDUE")


def test_select_by_article_kind_and_glob(everything: ScanResult) -> None:
    by_article = scanned(["art:27"], [])
    assert {f.article for f in by_article.findings} == {27}
    assert {f.rule for f in by_article.findings} == {f.rule for f in everything.findings if f.article == 27}
    by_kind = scanned(["kind:overdue"], ["COMPLAINT-*"])
    assert {f.kind for f in by_kind.findings} == {"overdue"}
    assert not any(f.rule.startswith("COMPLAINT-") for f in by_kind.findings)
    not_selected = {item.rule for item in by_kind.scope.not_checked if item.reason == "not-selected"}
    assert "CHIEF-VACANCY" in not_selected and "RECT-OVERDUE" not in not_selected


def test_a_pattern_that_names_no_rule_is_an_error() -> None:
    with pytest.raises(CheckerError) as raised:
        scanned(["RECT-OVERDU"], ["art:99"])
    codes = [(d.location.path, d.code) for d in raised.value.diagnostics]
    assert codes == [("--ignore", "select-nothing"), ("--select", "select-nothing")]
    assert "did you mean 'RECT-OVERDUE'" in raised.value.render()


def test_the_command_line_takes_commas_and_repeats() -> None:
    result = CliRunner().invoke(
        main,
        [
            "scan",
            str(DEMO_DISTRICT),
            "--as-of",
            "2026-11-26",
            "--no-history",
            "--format",
            "json",
            "--select",
            "RECT-OVERDUE,RECT-DUE-SOON",
            "--select",
            "art:9",
        ],
    )
    assert result.exit_code == 1, result.output
    assert '"select": [\n      "RECT-OVERDUE",\n      "RECT-DUE-SOON",\n      "art:9"' in result.stdout
