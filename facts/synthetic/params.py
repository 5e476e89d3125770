"""The rule parameters the synthetic city is built around, read from `rules/params.yaml` when it runs.

The generator plans every violation against these numbers (how many days make a problem overdue, how
many overdue problems make an interview due, how long a patrol period is ...), so a changed default is
honoured by the next generation. A parameter that is missing, not a whole number, or outside the
range the construction can honour stops the generation with `SyntheticError`, naming the file and
the parameter: never a silent fallback to a remembered default.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from checker.bundled import PARAMS

PARAMS_FILE = PARAMS
"""The bundled rules' parameters (`checker.bundled`: installed, or the checkout's `rules/`)."""


class SyntheticError(ValueError):
    """The synthetic city cannot be built as asked (an unknown scale, or parameters it cannot honour)."""


@dataclass(frozen=True)
class RuleParams:
    """The numbers of `rules/params.yaml` that decide which generated records are violations."""

    overdue_grace_days: int
    interview_min_overdue: int
    interview_min_days_overdue: int
    interview_cooldown_days: int
    recurrence_window_days: int
    accountability_grace_days: int
    accountability_min_persisting: int
    patrol_window_days: int
    patrol_period_village_days: int
    patrol_period_town_days: int
    patrol_period_district_days: int
    patrol_period_city_days: int
    signboard_update_days: int
    river_file_max_age_days: int
    health_evaluation_max_age_days: int
    annual_plan_max_age_days: int
    annual_summary_max_age_days: int
    training_plan_max_age_days: int
    training_session_max_gap_days: int
    assessment_submission_max_age_days: int
    work_systems_required: int
    task_areas_required: int

    def patrol_period(self, level: str) -> int:
        """The patrol period of a chief of `level` (市, 区, 街镇, 村居)."""
        return {
            "村居": self.patrol_period_village_days,
            "街镇": self.patrol_period_town_days,
            "区": self.patrol_period_district_days,
            "市": self.patrol_period_city_days,
        }[level]


_LOWEST: dict[str, int] = {
    "overdue_grace_days": 0,
    "interview_min_overdue": 1,
    "interview_min_days_overdue": 0,
    "interview_cooldown_days": 1,
    "recurrence_window_days": 1,
    "accountability_grace_days": 0,
    "accountability_min_persisting": 1,
    "patrol_window_days": 1,
    "patrol_period_village_days": 1,
    "patrol_period_town_days": 1,
    "patrol_period_district_days": 1,
    "patrol_period_city_days": 1,
    "signboard_update_days": 0,
    "river_file_max_age_days": 0,
    "health_evaluation_max_age_days": 0,
    "annual_plan_max_age_days": 0,
    "annual_summary_max_age_days": 0,
    "training_plan_max_age_days": 0,
    "training_session_max_gap_days": 0,
    "assessment_submission_max_age_days": 0,
    "work_systems_required": 0,
    "task_areas_required": 0,
}
"""The smallest value of each parameter the construction honours (a count of 0 would make every unit
a violation; a window of 0 days could hold no planned recurrence)."""
_HIGHEST = 3_000
"""Days and counts above this are not a year's ledger any more; refuse rather than build nonsense."""
_HIGHEST_OF: dict[str, int] = {"work_systems_required": 10, "task_areas_required": 6}
"""Counts of a fixed list: the office keeps all ten working systems and assigns all six task areas,
so more than these can never be met (the rules would report every office)."""


def load_params(path: Path = PARAMS_FILE) -> RuleParams:
    """Read and check the parameters the generator relies on; `SyntheticError` names what is wrong."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SyntheticError(f"{path}: cannot read the rule parameters: {error}") from None
    if not isinstance(data, dict):
        raise SyntheticError(f"{path}: not a mapping of parameters")
    values: dict[str, int] = {}
    for spec in fields(RuleParams):
        name = spec.name
        entry = data.get(name)
        if not isinstance(entry, dict) or "value" not in entry:
            raise SyntheticError(
                f"{path}: parameter '{name}' is missing; the synthetic city is planned on it"
            )
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise SyntheticError(f"{path}: parameter '{name}' must be a whole number, found {value!r}")
        highest = _HIGHEST_OF.get(name, _HIGHEST)
        if not _LOWEST[name] <= value <= highest:
            raise SyntheticError(
                f"{path}: parameter '{name}' is {value}; the synthetic city can honour "
                f"{_LOWEST[name]} to {highest} only"
            )
        values[name] = value
    return RuleParams(**values)
