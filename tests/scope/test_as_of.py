"""As of means as of (docs/scope.md section 3): the final records scanned as of D find what D's records find.

A simulated district office keeps its records day by day over 2026 and January 2027
(`district_history`). For days D across the year, scanning the final records (those of 2027-01-31)
with `as_of` D must give the findings that scanning the records as they stood at the end of D gives:
a sign-off, interview, letter, answer or step written after D did not exist on D. Findings are
compared by rule, subject, severity, responsible unit and message (zh and en), not by their evidence,
whose values differ by design (the final records as of D show a problem signed off later as `open`,
the day's records show it `in_progress`).

The days: the end of the assessed year, the days just before and after interviews, sign-offs of
overdue problems and chief changes, and some days drawn with the seed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from pathlib import Path

import pytest

from checker.bundled import RULES
from checker.scan import ScanOptions, scan
from tests.scope.district_history import FIRST_DAY, LAST_DAY, SEED, DistrictHistory, district

FindingKey = tuple[str, str, str | None, str, str]
"""subject, severity, responsible, message zh, message en."""
SHOWN = 6
"""Findings shown per rule and side when the scans differ."""


WINDOWS = [dt.date(2026, month, 1) for month in (1, 3, 5, 7, 9, 11)] + [dt.date(2027, 1, 1), LAST_DAY]
"""A random day is drawn in each two months of 2026 and in January 2027."""


def spread(days: list[dt.date], count: int) -> set[dt.date]:
    """The days nearest to `count` days evenly spaced over the year, so that they cover it."""
    span = (LAST_DAY - FIRST_DAY).days
    aims = [FIRST_DAY + dt.timedelta(days=span * (2 * n + 1) // (2 * count)) for n in range(count)]
    return {min(days, key=lambda day: abs((day - aim).days)) for aim in aims} if days else set()


def around(days: set[dt.date]) -> set[dt.date]:
    return {day + dt.timedelta(days=step) for day in days for step in (-1, 1)}


def as_of_days(history: DistrictHistory) -> list[dt.date]:
    """The days to scan: 2026-12-31, around interviews, overdue sign-offs, chief changes; and random ones."""
    inside = [FIRST_DAY + dt.timedelta(days=n) for n in range(1, (LAST_DAY - FIRST_DAY).days - 1)]

    def events(what: str) -> list[dt.date]:
        return [day for day in history.days(what) if inside[0] <= day <= inside[-1]]

    days = {dt.date(2026, 12, 31)}
    days |= around(spread(events("interview"), 4))
    days |= around(spread(events("sign-off-overdue"), 3))
    days |= around(spread(events("chief-left"), 2)) | around(spread(events("chief-took-post"), 2))
    rng = random.Random(history.seed)
    for first, last in itertools.pairwise(WINDOWS):
        days.add(rng.choice([day for day in inside if first <= day < last]))
    return sorted(days)


HISTORY = district(SEED)
DAYS = as_of_days(HISTORY)


def findings(folder: Path, as_of: dt.date) -> dict[str, set[FindingKey]]:
    """Rule -> its findings in a scan of `folder` with the bundled rules as of the day."""
    result = scan([folder], RULES, as_of, ScanOptions(jobs=1))
    found: dict[str, set[FindingKey]] = defaultdict(set)
    for finding in result.findings:
        key = (finding.subject, finding.severity, finding.responsible, finding.message.zh, finding.message.en)
        found[finding.rule].add(key)
    return found


def difference(day: dt.date, final: dict[str, set[FindingKey]], then: dict[str, set[FindingKey]]) -> str:
    """What one scan found and the other did not, per rule; empty when they agree."""
    lines = []
    for rule in sorted(final.keys() | then.keys()):
        only_final, only_then = final[rule] - then[rule], then[rule] - final[rule]
        if not (only_final or only_then):
            continue
        lines.append(
            f"  {rule}: {len(only_final)} only in the final records, {len(only_then)} only in the day's"
        )
        for side, keys in (("final", only_final), ("day", only_then)):
            for subject, severity, responsible, _, message in sorted(keys)[:SHOWN]:
                lines.append(f"    {side:5} {subject} [{severity}, {responsible or '-'}] {message}")
            if len(keys) > SHOWN:
                lines.append(f"    {side:5} ... and {len(keys) - SHOWN} more")
    if not lines:
        return ""
    head = (
        f"as of {day}: the final records (those of {LAST_DAY}) find other findings than the records of"
        f" {day} ({sum(map(len, final.values()))} findings against {sum(map(len, then.values()))}):"
    )
    return "\n".join([head, *lines])


@pytest.fixture(scope="module")
def final_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return HISTORY.write(LAST_DAY, tmp_path_factory.mktemp("final"))


def test_the_days_cover_the_year() -> None:
    assert len(DAYS) >= 20
    assert dt.date(2026, 12, 31) in DAYS
    assert {(day.month - 1) // 2 for day in DAYS if day.year == 2026} == set(range(6))  # every two months
    assert any(day.year == 2027 for day in DAYS)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_final_records_as_of_a_day_find_what_that_days_records_find(
    day: dt.date, final_records: Path, tmp_path: Path
) -> None:
    then = findings(HISTORY.write(day, tmp_path / "day"), day)
    final = findings(final_records, day)
    assert sum(map(len, then.values())) > 0, (
        f"the records of {day} give no finding: the simulation is too tame"
    )
    report = difference(day, final, then)
    assert not report, report
