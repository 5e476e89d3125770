"""Waivers: the file format and its errors at file:line, active / expired / unmatched, the audit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from checker.errors import CheckerError, Location
from checker.results.document import ScanResult
from checker.scan import scan
from checker.state.waivers import Waiver, WaiverEntry, apply_waivers, load_waivers, render_waiver_audit

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
RULES = ROOT / "rules"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD = FIXTURES / "hist_waivers.yaml"
BAD = FIXTURES / "hist_waivers_bad.yaml"
AS_OF = dt.date(2026, 11, 26)
P005 = "6acc130897353574"  # RECT-OVERDUE P-005, waived by fingerprint until 2026-12-31
P011 = "24975a780bb13a5f"  # RECT-OVERDUE P-011, waived by rule and subject until 2026-11-25


@pytest.fixture(scope="module")
def demo() -> ScanResult:
    return scan([DEMO], RULES, AS_OF)


@pytest.fixture(scope="module")
def waived(demo: ScanResult) -> ScanResult:
    return apply_waivers(demo, load_waivers(GOOD))


def line_of(path: Path, marker: str) -> int:
    numbers = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if marker in line]
    assert len(numbers) == 1, f"{marker!r} is on lines {numbers} of {path}"
    return numbers[0]


def waiver(line: int = 1, expires_on: str = "2026-12-31", **target: str) -> Waiver:
    entry = WaiverEntry.model_validate(
        {
            "reason": "工程延期",
            "approver": "李主任",
            "approved_on": "2026-11-01",
            "expires_on": expires_on,
            **target,
        }
    )
    return Waiver(entry, Location("waivers.yaml", line))


# --- loading ------------------------------------------------------------------------------------


def test_load_reads_each_waiver_with_its_line() -> None:
    waivers = load_waivers(GOOD)
    assert [(w.location.path, w.location.line) for w in waivers] == [
        (str(GOOD), line_of(GOOD, P005)),
        (str(GOOD), line_of(GOOD, "subject: P-011") - 1),
        (str(GOOD), line_of(GOOD, "subject: P-999") - 1),
    ]
    assert waivers[0].entry.fingerprint == P005
    assert (waivers[1].entry.rule, waivers[1].entry.subject) == ("RECT-OVERDUE", "P-011")
    assert waivers[1].entry.expires_on == dt.date(2026, 11, 25)


def test_a_bad_file_reports_every_problem_at_its_line() -> None:
    with pytest.raises(CheckerError) as raised:
        load_waivers(BAD)
    found = [(d.location.path, d.location.line, d.code) for d in raised.value.diagnostics]
    path = str(BAD)
    assert found == [
        (path, line_of(BAD, "ticket:"), "unknown-field"),
        (path, line_of(BAD, "2026-02-30"), "bad-value"),  # no 30 February
        (path, line_of(BAD, "subject: P-003") - 1, "bad-value"),  # fingerprint and rule: at 'rule'
        (path, line_of(BAD, "expires_on: 2026-11-01"), "bad-value"),  # expires before approval
        (path, line_of(BAD, "20261110"), "bad-value"),  # a number is not a date
        (path, line_of(BAD, "忘了写对象") - 1, "waiver-target"),  # rule without subject
    ]
    messages = [d.message for d in raised.value.diagnostics]
    assert "unknown field 'ticket'" in messages[0]
    assert "not both" in messages[2]
    assert "expires_on 2026-11-01 is before approved_on 2026-11-10" in messages[3]
    assert "give 'fingerprint', or 'rule' and 'subject'" in messages[5]


def test_a_misspelt_field_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(GOOD.read_text(encoding="utf-8").replace("expires_on: 2026-12-31", "expires: 2026-12-31"))
    with pytest.raises(CheckerError) as raised:
        load_waivers(path)
    codes = {(d.code, d.location.line, d.help) for d in raised.value.diagnostics}
    assert ("unknown-field", 6, "did you mean 'expires_on'?") in codes


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        pytest.param("fingerprint: 6acc130897353574\n", "waivers-shape", 1, id="a-mapping-not-a-list"),
        pytest.param("- just words\n", "waivers-shape", 1, id="an-item-that-is-not-a-mapping"),
        pytest.param("- {fingerprint: 6acc130897353574\n", "yaml-syntax", 2, id="broken-yaml"),
        pytest.param(
            "- {fingerprint: 6ACC, reason: r, approver: a, approved_on: 2026-11-01,\n"
            "   expires_on: 2026-12-01}\n",
            "bad-value",
            1,
            id="not-a-fingerprint",
        ),
    ],
)
def test_malformed_files_name_the_place(tmp_path: Path, text: str, code: str, line: int) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CheckerError) as raised:
        load_waivers(path)
    [diagnostic] = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.location.path, diagnostic.location.line) == (code, str(path), line)


def test_an_empty_file_has_no_waivers(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("# no waivers yet\n", encoding="utf-8")
    assert load_waivers(path) == []


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CheckerError) as raised:
        load_waivers(tmp_path / "nowhere.yaml")
    assert raised.value.diagnostics[0].code == "waivers-read"
    assert raised.value.diagnostics[0].location.path == str(tmp_path / "nowhere.yaml")


# --- applying -----------------------------------------------------------------------------------


def test_an_active_waiver_keeps_the_finding_but_not_failing(waived: ScanResult) -> None:
    finding = next(f for f in waived.findings if f.fingerprint == P005)
    assert finding.waiver is not None
    assert (finding.waiver.state, finding.waiver.expires_on) == ("active", dt.date(2026, 12, 31))
    assert (finding.waiver.file, finding.waiver.line) == (str(GOOD), line_of(GOOD, P005))
    assert finding.waiver.approver == "区河长办 李主任"
    assert finding.failing is False


def test_an_expired_waiver_makes_the_finding_fail_again(waived: ScanResult) -> None:
    finding = next(f for f in waived.findings if f.fingerprint == P011)
    assert finding.waiver is not None
    assert finding.waiver.state == "expired"
    assert finding.failing is True


def test_findings_no_waiver_names_are_untouched(demo: ScanResult, waived: ScanResult) -> None:
    others = [f for f in waived.findings if f.fingerprint not in (P005, P011)]
    assert others == [f for f in demo.findings if f.fingerprint not in (P005, P011)]
    assert all(f.waiver is None and f.failing for f in others)
    assert [f.fingerprint for f in waived.findings] == [f.fingerprint for f in demo.findings]


def test_every_waiver_is_reported_with_its_state_and_matches(waived: ScanResult) -> None:
    assert [(w.state, w.line, w.matched) for w in waived.waivers] == [
        ("active", line_of(GOOD, P005), [P005]),
        ("expired", line_of(GOOD, "subject: P-011") - 1, [P011]),
        ("unmatched", line_of(GOOD, "subject: P-999") - 1, []),
    ]
    document = json.loads(waived.to_json())
    assert [w["state"] for w in document["waivers"]] == ["active", "expired", "unmatched"]


def test_a_waiver_is_active_on_its_last_day_and_expired_the_day_after(demo: ScanResult) -> None:
    last_day = apply_waivers(demo, [waiver(expires_on="2026-11-26", fingerprint=P005)])
    day_after = apply_waivers(demo, [waiver(expires_on="2026-11-25", fingerprint=P005)])
    assert [w.state for w in last_day.waivers] == ["active"]
    assert [w.state for w in day_after.waivers] == ["expired"]


def test_two_waivers_for_one_finding_the_longest_wins(demo: ScanResult) -> None:
    old = waiver(line=1, expires_on="2026-11-20", fingerprint=P005)
    renewed = waiver(line=7, expires_on="2027-01-31", rule="RECT-OVERDUE", subject="P-005")
    for order in ([old, renewed], [renewed, old]):
        result = apply_waivers(demo, order)
        finding = next(f for f in result.findings if f.fingerprint == P005)
        assert finding.waiver is not None
        assert (finding.waiver.state, finding.waiver.line) == ("active", 7)
        assert [(w.line, w.state, w.matched) for w in result.waivers] == [
            (1, "expired", [P005]),
            (7, "active", [P005]),
        ]


def test_applying_again_replaces_the_earlier_waivers(waived: ScanResult, demo: ScanResult) -> None:
    assert apply_waivers(waived, []).to_json() == demo.to_json()


def test_apply_is_deterministic(demo: ScanResult) -> None:
    waivers = load_waivers(GOOD)
    assert apply_waivers(demo, waivers).to_json() == apply_waivers(demo, list(reversed(waivers))).to_json()


# --- the audit ----------------------------------------------------------------------------------


def test_audit_lists_every_waiver_with_state_matches_and_days_to_expiry(waived: ScanResult) -> None:
    zh = render_waiver_audit(waived)
    lines = zh.splitlines()
    assert lines[0] == "豁免审计（检查日期 2026-11-26，共3项）"
    assert lines[1] == f"  [有效] {P005}  ({GOOD}:{line_of(GOOD, P005)})"
    assert "还剩35天" in lines[2]
    assert f"        {P005} RECT-OVERDUE P-005: " in zh
    assert "已到期1天，相关问题重新计入" in zh
    assert "[未匹配] RECT-OVERDUE P-999" in zh
    assert "未匹配任何问题" in zh

    en = render_waiver_audit(waived, "en")
    assert "[active]" in en and "35 days left" in en
    assert "[expired] RECT-OVERDUE P-011" in en and "expired 1 day ago: its findings count again" in en
    assert "[unmatched] RECT-OVERDUE P-999" in en and "matches no finding" in en


def test_audit_of_no_waivers(demo: ScanResult) -> None:
    assert render_waiver_audit(demo, "en").splitlines() == [
        "Waiver audit (as of 2026-11-26, 0 waivers)",
        "  The waivers file holds no waivers.",
    ]
