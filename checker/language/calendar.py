"""Working days of the Chinese official calendar, for limits that params.yaml states in working days.

A working day is a day people work under the State Council's holiday schedule: Monday to Friday
unless a public holiday, and the adjusted working weekends (调休上班). The schedule of each year
comes from the `chinesecalendar` package (module `chinese_calendar`), never from a table written
here. The schedule of a year is published late in the year before, so the package may not know a
year yet: such a year is computed *provisionally*, from the rules of 《全国年节及纪念日放假办法》
(as revised by the State Council on 2024-11-10, in force from 2025): weekends are rest days, and so
are the statutory holidays

- 元旦 1 day: 1 January;
- 春节 4 days: 农历除夕 and 正月初一 to 初三;
- 清明节 1 day: the day of the solar term 清明;
- 劳动节 2 days: 1 and 2 May;
- 端午节 1 day: 农历五月初五;
- 中秋节 1 day: 农历八月十五;
- 国庆节 3 days: 1 to 3 October.

Lunar dates and the solar term come from the `lunar-python` package. No adjusted working weekend
and no bridging day is guessed: the official schedule usually adds both, so a provisional count can
be off by a few days, and findings that rest on it say they are provisional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
from lunar_python import Lunar  # type: ignore[import-untyped]

MAX_WORKING_DAYS = 10_000
"""The most working days a limit may count (about 40 years): a count is walked day by day."""

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Shift:
    """The date some working days before or after a day, and the years it used without a schedule."""

    day: dt.date
    provisional_years: tuple[int, ...]
    """Years between the start and `day` (both included) that the package does not know yet."""

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@cache
def official(year: int) -> bool:
    """Whether the package knows the official holiday schedule of the year."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: dt.date) -> bool:
    """Whether people work on the day: the official schedule, or the statutory rules for a year
    the package does not know (see `statutory_holidays`)."""
    if official(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


@cache
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The public holidays the 2024 revision of 《全国年节及纪念日放假办法》 gives the year, without
    the days an official schedule moves or adds."""
    days = {dt.date(year, 1, 1), dt.date(year, 5, 1), dt.date(year, 5, 2)}
    days |= {dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3)}
    try:
        new_year = _solar(Lunar.fromYmd(year, 1, 1).getSolar())
        days |= {new_year + dt.timedelta(days=offset) for offset in (-1, 0, 1, 2)}  # 除夕 to 初三
        days.add(_solar(Lunar.fromYmd(year, 5, 5).getSolar()))  # 端午
        days.add(_solar(Lunar.fromYmd(year, 8, 15).getSolar()))  # 中秋
        days.add(_solar(Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]))
    except (ValueError, KeyError, IndexError, OverflowError):
        pass  # beyond what the lunar package computes: the fixed-date holidays only
    return frozenset(day for day in days if day.year == year)


def _solar(solar: Any) -> dt.date:
    """A `lunar_python.Solar` as a date."""
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def shift(start: dt.date, count: int) -> Shift:
    """The `count`-th working day after `start` (before it when `count` is negative; `start`
    itself is never counted); `start` itself when `count` is 0.

    `shift(as_of, -X)` is the date a limit of X working days folds `$as_of - X` to: a record dated
    r has its X-th working day after r before `as_of` exactly when r is before that date.
    """
    if abs(count) > MAX_WORKING_DAYS:
        raise ValueError(f"expected at most {MAX_WORKING_DAYS} working days, found {abs(count)}")
    step = _ONE_DAY if count > 0 else -_ONE_DAY
    day = start
    left = abs(count)
    try:
        while left:
            day += step
            if is_workday(day):
                left -= 1
    except OverflowError as error:
        raise ValueError(f"{abs(count)} working days from {start} run past the calendar") from error
    low, high = min(start, day), max(start, day)
    unknown = tuple(year for year in range(low.year, high.year + 1) if not official(year))
    return Shift(day, unknown)
