"""A waived finding deducts nothing while its waiver holds, unless params say otherwise
(`waived_findings_deduct`), and every format shows the same scores (docs/scope.md §5)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checker.bundled import DEMO_DISTRICT, RULES
from checker.reports import render
from checker.results.document import ScanResult
from checker.scan import ScanOptions, scan
from checker.state.waivers import apply_waivers, load_waivers

AS_OF = dt.date(2026, 11, 26)


def waived(tmp_path: Path, params: dict[str, object] | None = None) -> tuple[ScanResult, ScanResult]:
    plain = scan([DEMO_DISTRICT], RULES, AS_OF, ScanOptions(params=params or {}))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "- rule: RECT-OVERDUE\n  subject: P-001\n  reason: 工程施工中\n  approver: 区河长办 李主任\n"
        "  approved_on: 2026-11-10\n  expires_on: 2026-12-31\n",
        encoding="utf-8",
    )
    return plain, apply_waivers(plain, load_waivers(waivers))


def score(result: ScanResult, unit: str) -> float:
    return next(s.score for s in result.scores if s.unit == unit)


def test_a_waived_finding_does_not_deduct_by_default(tmp_path: Path) -> None:
    plain, after = waived(tmp_path)
    finding = next(f for f in plain.findings if f.rule == "RECT-OVERDUE" and f.subject == "P-001")
    unit = str(finding.responsible)
    [deduction] = [
        d for s in after.scores if s.unit == unit for d in s.deductions if d.finding == finding.fingerprint
    ]
    assert deduction.waived and deduction.points > 0
    assert score(after, unit) == score(plain, unit) + deduction.points
    assert not after.scoring.waived_deduct


def test_a_finding_that_cannot_be_determined_is_charged_to_no_one(tmp_path: Path) -> None:
    plain, _ = waived(tmp_path)
    undetermined = {f.fingerprint for f in plain.findings if f.kind == "undetermined"}
    assert undetermined
    assert not undetermined & {d.finding for s in plain.scores for d in s.deductions}


def test_params_can_say_a_waived_finding_still_deducts(tmp_path: Path) -> None:
    plain, after = waived(tmp_path, {"waived_findings_deduct": True})
    assert after.scoring.waived_deduct
    assert [s.score for s in after.scores] == [s.score for s in plain.scores]
    assert any(d.waived for s in after.scores for d in s.deductions)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_shows_the_same_scores(tmp_path: Path, lang: str) -> None:
    _, after = waived(tmp_path)
    wanted = {s.unit: s.score for s in after.scores}
    data = json.loads(render(after, "json", lang))
    assert {s["unit"]: s["score"] for s in data["scores"]} == wanted
    workbook = load_workbook(io.BytesIO(render(after, "xlsx", lang)))
    sheet = workbook["得分" if lang == "zh" else "scores"]
    assert {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == wanted
    markdown = render(after, "markdown", lang).decode("utf-8")
    html = render(after, "html", lang).decode("utf-8")
    for unit, points in wanted.items():
        assert any(unit in line and f"{points:g}" in line for line in markdown.splitlines())
        assert f"{points:g}" in html
    table = render(after, "table", lang).decode("utf-8")
    lowest = [s for s in after.scores if s.deducted][:10]
    assert all(f"{s.score:>6.1f}" in table for s in lowest)
