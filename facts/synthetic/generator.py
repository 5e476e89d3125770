"""Build the synthetic city and write it as JSON Lines, with the findings a scan must report."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from facts.synthetic.ledger import build_ledger
from facts.synthetic.params import PARAMS_FILE, SyntheticError, load_params
from facts.synthetic.patrols import PATROL_RULES, write_patrols
from facts.synthetic.rows import write_jsonl
from facts.synthetic.world import Scale, build_world

SCALES: dict[str, Scale] = {
    "small": Scale(problems=2_000, waterbodies=160, lower_offices=18),
    "district": Scale(problems=30_000, waterbodies=4_900, lower_offices=70),
    "million": Scale(problems=125_000, waterbodies=21_000, lower_offices=110),
    "city": Scale(problems=300_000, waterbodies=50_000, lower_offices=215),
}
"""Named sizes: `small` for tests (2,000 problems, about 5,700 patrols); `district` (30,000
problems, about 200,000 patrols); `million`, the reliability oracle's size (1,000,922 records
with seed 1: 125,000 problems, about 844,000 patrols); `city`, the Shanghai office's year (about
25,000 chiefs, 50,000 waterbodies, 300,000 problems and 2,000,000 patrols)."""

FILES = {
    "waterbody": "waterbodies.jsonl",
    "chief": "chiefs.jsonl",
    "unit": "units.jsonl",
    "problem": "problems.jsonl",
    "interview": "interviews.jsonl",
    "patrol": "patrols.jsonl",
}
"""Fact kind -> the file it is written to (a name `facts.models.FILE_STEMS` maps back to the kind)."""

FINDING_RULES = (
    "RECT-OVERDUE",
    "RECT-RECURRENCE",
    "ESC-INDIVIDUAL",
    "ESC-POLICY",
    "ESC-BASIN",
    "INTERVIEW-OVERDUE",
    "INTERVIEW-FALSE-RECT",
    "ACCOUNTABILITY-REFERRAL",
    *PATROL_RULES.values(),
)
"""The bundled rules that report findings (the others only derive facts)."""
DEDUCTED = FINDING_RULES[:8]
"""Rules whose findings name a responsible unit and a kind SCORE-DEDUCTION charges."""


@dataclass(frozen=True)
class Generated:
    """What `generate` wrote, and what a scan of it with the bundled rules must report."""

    counts: dict[str, int]
    """Records written per fact kind."""
    expected: dict[str, int]
    """Findings per rule id, for every rule that reports findings (0 where none is planned)."""
    derived: dict[str, int] = field(default_factory=dict)
    """Derived facts per recording rule (ESC-SUBMITTED, RECT-PERSISTS, PATROL-LAST, SCORE-DEDUCTION,
    and the overdue and recurrence facts of RECT-OVERDUE and RECT-RECURRENCE)."""


def generate(
    scale: str | Scale, seed: int, out_dir: Path, as_of: dt.date, *, params: Path = PARAMS_FILE
) -> Generated:
    """Write the six fact files of a synthetic city into `out_dir`; the same arguments give the same
    bytes. `params` is the rules' parameter file the violations are planned against."""
    size = _scale(scale)
    rule_params = load_params(params)
    day = as_of.toordinal()
    world = build_world(random.Random(f"{seed}/world"), size, rule_params, day)
    ledger = build_ledger(random.Random(f"{seed}/ledger"), world, size.problems, rule_params, day)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {
        "waterbody": write_jsonl(out_dir / FILES["waterbody"], world.waterbodies),
        "chief": write_jsonl(out_dir / FILES["chief"], world.chiefs),
        "unit": write_jsonl(out_dir / FILES["unit"], world.units),
        "problem": write_jsonl(out_dir / FILES["problem"], ledger.problems),
        "interview": write_jsonl(out_dir / FILES["interview"], ledger.interviews),
    }
    patrols = write_patrols(
        out_dir / FILES["patrol"],
        random.Random(f"{seed}/patrols"),
        world.chiefs,
        world.silent,
        rule_params,
        day,
    )
    counts["patrol"] = patrols.patrols
    expected = {rule: {**ledger.expected, **patrols.findings}[rule] for rule in FINDING_RULES}
    derived = {
        **ledger.derived,
        "PATROL-LAST": patrols.latest,
        "SCORE-DEDUCTION": sum(expected[rule] for rule in DEDUCTED),
    }
    return Generated(counts, expected, derived)


def _scale(scale: str | Scale) -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise SyntheticError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}") from None
