"""Build the synthetic city and write it as JSON Lines, with the findings a scan must report."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from facts.synthetic.documents import build_documents
from facts.synthetic.ledger import build_ledger
from facts.synthetic.params import PARAMS_FILE, SyntheticError, load_params
from facts.synthetic.patrols import PATROL_RULES, write_patrols
from facts.synthetic.rows import write_jsonl
from facts.synthetic.shapes import add_post_patrols, build_crowded_ledger, busy_chief, reshape_world
from facts.synthetic.world import Scale, Shape, build_world

SCALES: dict[str, Scale] = {
    "small": Scale(problems=2_000, waterbodies=160, lower_offices=18),
    "district": Scale(problems=30_000, waterbodies=4_900, lower_offices=70),
    "million": Scale(problems=125_000, waterbodies=21_000, lower_offices=110),
    "city": Scale(problems=300_000, waterbodies=50_000, lower_offices=215),
    "dense-small": Scale(2_000, 20, 16, Shape(problem_waters=20, categories=7)),
    "dense": Scale(200_000, 20, 16, Shape(problem_waters=20, categories=7)),
    "adversarial-small": Scale(
        2_000,
        300,
        20,
        Shape(None, 7, hot_share=0.2, hot_unit_share=0.3, chief_waters=60, post_patrols=400, tenure_chain=40),
    ),
    "adversarial": Scale(
        200_000,
        3_000,
        60,
        Shape(
            None,
            7,
            hot_share=0.5,
            hot_unit_share=0.3,
            chief_waters=1_000,
            post_patrols=20_000,
            tenure_chain=400,
        ),
    ),
}
"""Named sizes: `small` for tests (2,000 problems, about 5,700 patrols); `district` (30,000
problems, about 200,000 patrols); `million`, the reliability oracle's size (1,000,922 records
with seed 1: 125,000 problems, about 844,000 patrols); `city`, the Shanghai office's year (about
25,000 chiefs, 50,000 waterbodies, 300,000 problems and 2,000,000 patrols). Crowded, legal ledgers
(`shapes`, every finding still exact): `dense` puts 200,000 problems on 20 waterbodies (of the 26
the smallest city has) and 7 categories; `adversarial` puts half of its 200,000 problems on one
village waterbody, all signed off, rectified with 30 % of the rest by one city member unit, gives a
village chief 1,000 more waterbodies, one of their posts 20,000 more patrols and one waterbody 400
former chiefs in a row; `dense-small` and `adversarial-small` are the same shapes in seconds, for
tests."""

FILES = {
    "waterbody": "waterbodies.jsonl",
    "chief": "chiefs.jsonl",
    "unit": "units.jsonl",
    "problem": "problems.jsonl",
    "interview": "interviews.jsonl",
    "patrol": "patrols.jsonl",
    "document": "documents.jsonl",
}
"""Fact kind -> the file it is written to (a name `facts.models.FILE_STEMS` maps back to the kind)."""
UNMODELLED_KINDS = ("complaint", "matter")
"""The fact kinds of `facts.models.MODELS` the generator does not model: it writes no file for them, so
a scan of the city sees none (FILES and these together are every kind, each once)."""

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
"""The bundled rules whose findings the generator plans: `Generated.expected` is exact for these."""
DEDUCTED = FINDING_RULES[:8]
"""Rules whose findings name a responsible unit and a kind SCORE-DEDUCTION charges."""
DERIVED_RULES = (
    "RECT-OVERDUE",
    "RECT-RECURRENCE",
    "ESC-SUBMITTED",
    "RECT-PERSISTS",
    "PATROL-LAST",
    "SCORE-DEDUCTION",
)
"""The bundled rules whose derived facts the generator plans: `Generated.derived` is exact for these."""
UNPLANNED_RULES = (
    # rules/office: every office keeps its plans, summaries, training, working systems, mechanisms and
    # assessment submission (facts.synthetic.documents), so these report nothing (tests/synthetic
    # holds them at zero); listed because their derived facts (OFFICE-SYSTEM-IN-FORCE) are not counted
    "OFFICE-ASSESS-SUBMIT",
    "OFFICE-ASSESS-UNAPPROVED",
    "OFFICE-DOC-NO-UNIT",
    "OFFICE-PLAN-MISSING",
    "OFFICE-PLAN-UNAPPROVED",
    "OFFICE-PLAN-UNCONSULTED",
    "OFFICE-POLICE-MECH",
    "OFFICE-PROCURATOR-MECH",
    "OFFICE-SUMMARY-MISSING",
    "OFFICE-SYSTEM-IN-FORCE",
    "OFFICE-SYSTEM-REPEALED",
    "OFFICE-SYSTEM-TOPIC",
    "OFFICE-SYSTEMS-FEW",
    "OFFICE-SYSTEMS-NONE",
    "OFFICE-TRAINING-PLAN",
    "OFFICE-TRAINING-SESSION",
    # rules/records: the signboards, river files, policies, evaluations, contact departments, liaison
    # officers, joint mechanisms and task areas are kept too, so the document rules report nothing
    # (their derived facts are not counted); vacancies and civil posts are not planned among the
    # chiefs, so CHIEF-VACANCY and CIVIL-POST-NONE do report, in numbers not planned
    "CHIEF-IN-POST",
    "CHIEF-VACANCY",
    "CIVIL-POST",
    "CIVIL-POST-NONE",
    "CONTACT-DEPT-MISSING",
    "DOC-IN-FORCE",
    "DOC-LATEST",
    "DOC-NO-WATERBODY",
    "HEALTH-EVAL-MISSING",
    "HEALTH-EVAL-STALE",
    "JOINT-MECH-MISSING",
    "LIAISON-MISSING",
    "RIVER-FILE-MISSING",
    "RIVER-FILE-STALE",
    "RIVER-POLICY-APPROVAL",
    "RIVER-POLICY-CONSULT",
    "RIVER-POLICY-MISSING",
    "RIVER-POLICY-REVIEW",
    "SIGNBOARD-CURRENT",
    "SIGNBOARD-OUTDATED",
    "TASK-AREA-ASSIGNED",
    "TASK-AREAS-INCOMPLETE",
    "TASK-UNASSIGNED",
    # rules/complaints and rules/matters: the city has no complaints or matters, so these find nothing
    "COMPLAINT-MAJOR-NOT-CLOSED",
    "COMPLAINT-NOT-CLOSED",
    "COMPLAINT-UNANSWERED",
    "MATTER-UNANSWERED",
    "MATTER-UNASSIGNED",
    "MATTER-UNDETERMINED",
    # rules/supervision: they read the problems, but the plan does not model listing, notification,
    # rectification plans, reminder letters or deadlines falling due soon (RECT-DUE-SOON)
    "INSPECTION-NO-DEADLINE",
    "MAJOR-NOT-LISTED",
    "MAJOR-NOT-NOTIFIED",
    "RECT-DUE-SOON",
    "RECT-NO-PLAN",
    "RECT-SIGNOFF-UNDETERMINED",
    "RECT-UNDETERMINED",
    "REMINDER-CHIEF-OVERDUE",
    "REMINDER-LETTER-DUE",
)
"""The bundled rules whose findings or derived facts the generator does NOT plan. They run on the
city too and may report (CHIEF-VACANCY, RECT-DUE-SOON, RECT-NO-PLAN ...; the document rules are kept
at zero by a compliant office's documents), but
`Generated` promises no count for them. Every bundled rule is planned (FINDING_RULES or DERIVED_RULES)
or listed here, never both (tests/synthetic): a new rule must be planned for or added here on review."""


@dataclass(frozen=True)
class Generated:
    """What `generate` wrote, and what a scan of it with the bundled rules must report."""

    counts: dict[str, int]
    """Records written per fact kind."""
    expected: dict[str, int]
    """Findings per rule id, for every rule in FINDING_RULES (0 where none is planned); the rules in
    UNPLANNED_RULES may report findings too, in numbers not planned."""
    derived: dict[str, int] = field(default_factory=dict)
    """Derived facts per recording rule in DERIVED_RULES (ESC-SUBMITTED, RECT-PERSISTS, PATROL-LAST,
    SCORE-DEDUCTION, and the overdue and recurrence facts of RECT-OVERDUE and RECT-RECURRENCE)."""


def generate(
    scale: str | Scale, seed: int, out_dir: Path, as_of: dt.date, *, params: Path = PARAMS_FILE
) -> Generated:
    """Write the fact files of a synthetic city into `out_dir`, one per kind in FILES (none for
    UNMODELLED_KINDS); the same arguments give the same bytes. `params` is the rules' parameter
    file the violations (and the documents' windows) are planned against."""
    size = _scale(scale)
    rule_params = load_params(params)
    day = as_of.toordinal()
    world = build_world(random.Random(f"{seed}/world"), size, rule_params, day)
    shape = size.shape
    if shape is None:
        ledger = build_ledger(random.Random(f"{seed}/ledger"), world, size.problems, rule_params, day)
    else:
        world = reshape_world(random.Random(f"{seed}/shape"), world, shape, day)
        ledger = build_crowded_ledger(
            random.Random(f"{seed}/ledger"), world, size.problems, rule_params, day, shape
        )
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
    busy = busy_chief(world, shape) if shape is not None else None
    if shape is not None and busy is not None:
        counts["patrol"] += add_post_patrols(
            out_dir / FILES["patrol"],
            random.Random(f"{seed}/busy"),
            busy,
            shape.post_patrols,
            patrols.patrols + 1,
        )
    documents = build_documents(random.Random(f"{seed}/documents"), world, rule_params, day)
    counts["document"] = write_jsonl(out_dir / FILES["document"], documents)
    expected = {rule: {**ledger.expected, **patrols.findings}[rule] for rule in FINDING_RULES}
    planned = {
        **ledger.derived,
        "PATROL-LAST": patrols.latest,
        "SCORE-DEDUCTION": sum(expected[rule] for rule in DEDUCTED),
    }
    derived = {rule: planned[rule] for rule in DERIVED_RULES}
    return Generated(counts, expected, derived)


def _scale(scale: str | Scale) -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise SyntheticError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}") from None
