"""`rivercheck facts stats`: what a fact set holds, at a glance (no rules involved)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from facts.load.factset import FactSet
from facts.models import MODELS

WORDS = {
    "zh": {
        "kinds": "记录数",
        "districts": "按区（河湖所在区）",
        "status": "问题办理状态",
        "dates": "日期范围",
        "none": "（无）",
    },
    "en": {
        "kinds": "Records per kind",
        "districts": "Per district (of the waterbody)",
        "status": "Problems per status",
        "dates": "Date ranges",
        "none": "(none)",
    },
}
NO_DISTRICT = "-"


@dataclass(frozen=True)
class FactStats:
    """Counts per kind, per district and kind, per problem status, and the range of every date field."""

    kinds: dict[str, int]
    districts: dict[str, dict[str, int]]
    status: dict[str, int]
    dates: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    """`kind.field` -> (earliest, latest)."""

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "kinds": self.kinds,
            "districts": self.districts,
            "status": self.status,
            "dates": {name: [low.isoformat(), high.isoformat()] for name, (low, high) in self.dates.items()},
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def fact_stats(facts: FactSet) -> FactStats:
    kinds = Counter(fact.record.kind for fact in facts.facts)
    district_of = {
        f.record.key: getattr(f.record, "district", None) or NO_DISTRICT for f in facts.of_kind("waterbody")
    }
    districts: dict[str, Counter[str]] = {}
    for fact in facts.facts:
        record = fact.record
        if record.kind == "waterbody":
            district = district_of[record.key]
        elif hasattr(record, "waterbody"):
            district = district_of.get(str(record.waterbody), NO_DISTRICT)
        else:
            district = getattr(record, "district", None) or NO_DISTRICT
        districts.setdefault(district, Counter())[record.kind] += 1
    status = Counter(str(getattr(f.record, "status", "")) for f in facts.of_kind("problem"))
    return FactStats(
        kinds=dict(sorted(kinds.items())),
        districts={d: dict(sorted(c.items())) for d, c in sorted(districts.items())},
        status=dict(sorted(status.items())),
        dates=_date_ranges(facts),
    )


def _date_ranges(facts: FactSet) -> dict[str, tuple[dt.date, dt.date]]:
    ranges: dict[str, tuple[dt.date, dt.date]] = {}
    for kind, model in sorted(MODELS.items()):
        names = [n for n, info in model.model_fields.items() if info.annotation in (dt.date, dt.date | None)]
        for name in names:
            values = [v for f in facts.of_kind(kind) if isinstance(v := getattr(f.record, name), dt.date)]
            if values:
                ranges[f"{kind}.{name}"] = (min(values), max(values))
    return ranges


def render_stats(stats: FactStats, lang: str = "zh") -> str:
    words = WORDS[lang]
    lines = [words["kinds"]]
    lines += [f"  {kind:<12} {count:>9,}" for kind, count in stats.kinds.items()] or [f"  {words['none']}"]
    lines += ["", words["districts"]]
    for district, counts in stats.districts.items():
        lines.append(f"  {district:<10} " + "  ".join(f"{kind} {count:,}" for kind, count in counts.items()))
    lines += ["", words["status"]]
    lines += [f"  {status:<12} {count:>9,}" for status, count in stats.status.items()] or [
        f"  {words['none']}"
    ]
    lines += ["", words["dates"]]
    lines += [f"  {name:<24} {low} … {high}" for name, (low, high) in stats.dates.items()] or [
        f"  {words['none']}"
    ]
    return "\n".join(lines) + "\n"
