"""Working days: the official calendar from the package, years it does not know computed
provisionally, `$as_of ± $params.X` folded for parameters in working days, and provisional findings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.errors import CheckerError
from checker.language import calendar
from checker.language import expr as ex
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.language.program import day_number
from checker.scan import scan

D = dt.date


# the calendar ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "works"),
    [
        (D(2025, 10, 1), False),  # 国庆 2025
        (D(2025, 9, 28), True),  # a Sunday worked for 国庆 2025
        (D(2025, 10, 11), True),  # a Saturday worked for 国庆 2025
        (D(2026, 2, 14), True),  # a Saturday worked for 春节 2026
        (D(2026, 2, 15), False),  # 春节 2026: 15 to 23 February
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # a Saturday worked for 春节 2026
        (D(2026, 9, 20), True),  # a Sunday worked for 国庆 2026
        (D(2026, 10, 7), False),  # 国庆 2026: 1 to 7 October
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # a Saturday worked for 国庆 2026
        (D(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_known_years_follow_the_official_schedule(day: dt.date, works: bool) -> None:
    assert calendar.official(day.year)
    assert calendar.is_workday(day) is works


def test_an_unknown_year_is_computed_by_the_statutory_holidays() -> None:
    assert not calendar.official(2027)
    assert sorted(calendar.statutory_holidays(2027)) == [
        D(2027, 1, 1),  # 元旦
        D(2027, 2, 5),  # 除夕
        D(2027, 2, 6),  # 正月初一
        D(2027, 2, 7),
        D(2027, 2, 8),  # 初三
        D(2027, 4, 5),  # 清明
        D(2027, 5, 1),  # 劳动节
        D(2027, 5, 2),
        D(2027, 6, 9),  # 端午
        D(2027, 9, 15),  # 中秋
        D(2027, 10, 1),  # 国庆
        D(2027, 10, 2),
        D(2027, 10, 3),
    ]
    assert not calendar.is_workday(D(2027, 2, 5))  # 除夕, a Friday
    assert calendar.is_workday(D(2027, 2, 9))  # 初四: no bridging day is guessed
    assert not calendar.is_workday(D(2027, 2, 13))  # a Saturday: no adjusted weekend is guessed
    assert calendar.is_workday(D(2027, 10, 4))


@pytest.mark.parametrize(
    ("start", "count", "day"),
    [
        (D(2026, 10, 9), -1, D(2026, 10, 8)),
        (D(2026, 10, 9), -2, D(2026, 9, 30)),  # over 国庆
        (D(2026, 10, 12), -1, D(2026, 10, 10)),  # the worked Saturday counts
        (D(2026, 10, 11), -1, D(2026, 10, 10)),
        (D(2026, 2, 24), -1, D(2026, 2, 14)),  # over 春节 to the worked Saturday
        (D(2026, 2, 24), -2, D(2026, 2, 13)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 10, 1), 0, D(2026, 10, 1)),
    ],
)
def test_shift_counts_working_days(start: dt.date, count: int, day: dt.date) -> None:
    moved = calendar.shift(start, count)
    assert moved.day == day
    assert not moved.provisional


def test_the_fold_matches_its_definition_around_holidays() -> None:
    """r < shift(as_of, -X) exactly when the X-th working day after r is before as_of."""

    def xth_after(day: dt.date, count: int) -> dt.date:
        return calendar.shift(day, count).day

    for as_of in (D(2026, 2, 24), D(2026, 2, 25), D(2026, 10, 8), D(2026, 10, 10), D(2026, 10, 12)):
        for count in (1, 2, 3, 5, 10):
            threshold = calendar.shift(as_of, -count).day
            for back in range(40):
                received = as_of - dt.timedelta(days=back)
                assert (xth_after(received, count) < as_of) is (received < threshold), (
                    as_of,
                    count,
                    received,
                )


def test_a_shift_into_an_unknown_year_is_provisional() -> None:
    moved = calendar.shift(D(2026, 12, 28), 5)
    assert moved.day == D(2027, 1, 5)  # 29, 30, 31 December, then 元旦, then 4 and 5 January
    assert moved.provisional_years == (2027,)
    assert calendar.shift(D(2027, 1, 6), -5) == calendar.Shift(D(2026, 12, 29), (2027,))
    assert not calendar.shift(D(2026, 12, 31), -3).provisional


def test_a_far_year_does_not_crash() -> None:
    moved = calendar.shift(D(2099, 12, 1), 30)
    assert moved.day.year == 2100
    assert moved.provisional_years == (2099, 2100)
    with pytest.raises(ValueError, match="at most"):
        calendar.shift(D(2026, 1, 1), calendar.MAX_WORKING_DAYS + 1)


# rules ----------------------------------------------------------------------------------------------

PARAMS = {
    "answer_working_days": {
        "value": 5,
        "unit": "working days",
        "meaning": {"zh": "答复时限", "en": "Days to answer"},
        "source": "office default",
    }
}


def complaint_rule(where: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "COMPLAINT-LATE",
        "article": 20,
        "gist": "g",
        "title": {"zh": "t", "en": "t"},
        "kind": "overdue",
        "severity": "medium",
        "when": [{"bind": "c", "fact": "complaint", "where": where}],
        "then": {
            "finding": {
                "subject": "$c.key",
                "responsible": "$c.office",
                "message": {"zh": "投诉{c.key}未答复", "en": "Complaint {c.key} not answered"},
                "remedy": {"zh": "r", "en": "r"},
            }
        },
        **extra,
    }


LATE = {"answered_on": {"exists": False}, "received_on": {"lt": "$as_of - $params.answer_working_days"}}


def folder(tmp_path: Path, rule: dict[str, Any], params: dict[str, Any] | None = None) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / f"{rule['id']}.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    (rules / "params.yaml").write_text(yaml.safe_dump(params or PARAMS, allow_unicode=True), encoding="utf-8")
    return rules


def facts(tmp_path: Path, *received: str) -> Path:
    where = tmp_path / "facts"
    where.mkdir()
    units = [{"key": "U-1", "name": "甲区河长办", "type": "office"}]
    complaints = [
        {"key": f"C-{day}", "office": "U-1", "received_on": day, "channel": "hotline"} for day in received
    ]
    (where / "units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    (where / "complaints.yaml").write_text(yaml.safe_dump(complaints, allow_unicode=True), encoding="utf-8")
    return where


def test_a_working_days_limit_folds_by_the_calendar(tmp_path: Path) -> None:
    rules = folder(tmp_path, complaint_rule(LATE))
    program = compile_rules(load_rules(rules), D(2026, 10, 12))
    (rule,) = program.rules
    (comparison,) = [c for c in rule.patterns[0].comparisons if c.field == "received_on"]
    assert comparison.value == ex.Const(day_number(D(2026, 9, 29)))
    assert rule.provisional == ()
    # 5 working days before 12 October 2026: 10 (a worked Saturday), 9, 8 October, 30, 29 September
    result = scan([facts(tmp_path, "2026-09-28", "2026-09-29")], rules, D(2026, 10, 12))
    assert [f.subject for f in result.findings] == ["C-2026-09-28"]
    assert not result.findings[0].provisional
    assert "provisional" not in result.to_json()


def test_a_limit_into_an_unknown_year_gives_provisional_findings(tmp_path: Path) -> None:
    rules = folder(tmp_path, complaint_rule(LATE))
    result = scan([facts(tmp_path, "2026-12-28", "2026-12-29")], rules, D(2027, 1, 6))
    assert [f.subject for f in result.findings] == ["C-2026-12-28"]
    finding = result.findings[0]
    assert finding.provisional and finding.provisional_years == [2027]
    saved = json.loads(result.to_json())["findings"][0]
    assert saved["provisional"] is True and saved["provisional_years"] == [2027]


def test_late_december_with_a_forward_limit_is_provisional(tmp_path: Path) -> None:
    soon = {"answered_on": {"exists": False}, "received_on": {"lte": "$as_of + $params.answer_working_days"}}
    rules = folder(tmp_path, complaint_rule(soon))
    program = compile_rules(load_rules(rules), D(2026, 12, 28))
    assert program.rules[0].provisional == (2027,)


@pytest.mark.parametrize(
    "where",
    [
        {"received_on": {"lt": "$as_of - $params.answer_working_days - 1"}},
        {"received_on": {"lt": "$as_of - $params.answer_working_days + 0"}},
        {"received_on": {"lt": "$c.received_on + $params.answer_working_days"}},
    ],
)
def test_any_other_arithmetic_is_a_param_type_error(tmp_path: Path, where: dict[str, Any]) -> None:
    rules = folder(tmp_path, complaint_rule(where))
    with pytest.raises(CheckerError) as raised:
        compile_rules(load_rules(rules), D(2026, 10, 12))
    places = {(Path(d.location.path).name, d.code) for d in raised.value.diagnostics}
    assert places == {("COMPLAINT-LATE.yaml", "param-type"), ("params.yaml", "param-type")}
    assert "counts working days" in str(raised.value.diagnostics[0].message)


def test_a_comparison_with_a_number_or_a_group_is_a_param_type_error(tmp_path: Path) -> None:
    test = complaint_rule(
        {},
    )
    test["when"][0]["test"] = ["$as_of - $c.received_on > $params.answer_working_days"]
    rules = folder(tmp_path, test)
    with pytest.raises(CheckerError) as raised:
        compile_rules(load_rules(rules), D(2026, 10, 12))
    assert {d.code for d in raised.value.diagnostics} == {"param-type"}

    grouped = complaint_rule(
        {},
        group={
            "by": {"office": "$c.office"},
            "compute": {"count": {"count": "c"}},
            "having": {"count": {"gte": "$params.answer_working_days"}},
        },
    )
    grouped["then"]["finding"] = {
        "subject": "$office",
        "message": {"zh": "m", "en": "m"},
        "remedy": {"zh": "r", "en": "r"},
    }
    (tmp_path / "g").mkdir()
    rules = folder(tmp_path / "g", grouped)
    with pytest.raises(CheckerError) as raised:
        compile_rules(load_rules(rules), D(2026, 10, 12))
    assert {d.code for d in raised.value.diagnostics} == {"param-type"}


def test_a_test_comparison_in_the_allowed_form_folds(tmp_path: Path) -> None:
    rule = complaint_rule({"answered_on": {"exists": False}})
    rule["when"][0]["test"] = ["$c.received_on < $as_of - $params.answer_working_days"]
    rules = folder(tmp_path, rule)
    result = scan([facts(tmp_path, "2026-09-28", "2026-09-29")], rules, D(2026, 10, 12))
    assert [f.subject for f in result.findings] == ["C-2026-09-28"]


@pytest.mark.parametrize("unit", ["工作日", "working day", "workdays", "Business Days"])
def test_working_days_written_another_way_are_refused(tmp_path: Path, unit: str) -> None:
    params = {"answer_working_days": {**PARAMS["answer_working_days"], "unit": unit}}
    rules = folder(tmp_path, complaint_rule(LATE), params)
    with pytest.raises(CheckerError) as raised:
        load_rules(rules)
    assert "expected 'working days'" in str(raised.value.diagnostics[0].message)


def test_other_units_stay_free_text(tmp_path: Path) -> None:
    params = {"answer_working_days": {**PARAMS["answer_working_days"], "unit": "days"}}
    rules = folder(tmp_path, complaint_rule(LATE), params)
    program = compile_rules(load_rules(rules), D(2026, 10, 12))
    (comparison,) = [c for c in program.rules[0].patterns[0].comparisons if c.field == "received_on"]
    assert comparison.value == ex.Const(day_number(D(2026, 10, 7)))  # counted as calendar days


def test_reports_say_a_finding_is_provisional(tmp_path: Path) -> None:
    from checker.reports.markdown import render_markdown
    from checker.reports.table import render_table

    rules = folder(tmp_path, complaint_rule(LATE))
    result = scan([facts(tmp_path, "2026-12-28")], rules, D(2027, 1, 6))
    assert "暂定：2027年工作日按法定节假日规则推算" in render_table(result, "zh")
    assert "provisional: working days of 2027" in render_markdown(result, "en")
