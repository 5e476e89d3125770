"""A problem as the ledger plans it, and the lives a problem can lead.

Every stage of the plan (routing, lives, dates, interviews, the tally) works on these drafts; only at
the end does each become a `ProblemRow`, once it has its dates, category and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facts.synthetic.rows import WaterbodyRow
from facts.synthetic.world import CITY_OFFICE

HISTORY_DAYS = 365
"""Problems are found within the year before the scan (long-overdue ones a little earlier)."""

LONG = "long"
SHORT = "short"
OVERDUE = (LONG, SHORT)


@dataclass(slots=True, eq=False)
class Draft:
    """A problem as it is planned; becomes a `ProblemRow` once it has its dates, category and key."""

    index: int
    water: WaterbodyRow
    scope: str = "individual"
    major: bool = False
    office: str = CITY_OFFICE
    assignee: str | None = None
    escalated_to: list[str] = field(default_factory=list)
    basin_referral: str | None = None
    life: str = ""
    """registered, open, rectified, long, short (overdue), signed, closed (signed off, to recur), again
    (its recurrence, open) or again-signed (its recurrence, signed off)."""
    partner: int = -1
    """For a planned recurrence: the index of the other problem of the pair."""
    found: int = 0
    deadline: int | None = None
    signed: int | None = None
    category: str = ""
    key: str = ""
