"""Step 4 of the ledger's plan, dates and categories: each problem dated by its life, and given a
category that makes no recurrence the plan did not make.

Dates follow from each problem's life (an overdue problem's deadline lies before the scan by the
planned days; an open one's on or after it). Categories are chosen so that no problem is found on a
waterbody 1 to `recurrence_window_days` days after another of its category there was signed off,
unless the pair was planned: every problem is checked, as it is placed, against every problem
already placed in its (waterbody, category) slot, both ways.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from facts.synthetic import names
from facts.synthetic.drafts import HISTORY_DAYS, LONG, OVERDUE, SHORT, Draft
from facts.synthetic.draw import pick
from facts.synthetic.params import RuleParams, SyntheticError

DATE_TRIES = 60


class Placer:
    """Dates each problem by its life and gives it a category that makes no unplanned recurrence."""

    def __init__(self, rng: random.Random, params: RuleParams, as_of: int) -> None:
        self.rng = rng
        self.as_of = as_of
        self.window = params.recurrence_window_days
        self.grace = params.overdue_grace_days
        self.min_days = params.interview_min_days_overdue
        self.slots: dict[tuple[str, str], list[tuple[int, int | None, int]]] = {}
        first_long = max(self.min_days, self.grace + 1)
        # The first problem of a life takes the boundary value (days overdue, or deadline day).
        self.boundaries: dict[str, list[int]] = {
            SHORT: [d for d in (self.grace + 1, self.min_days - 1) if self.grace + 1 <= d < self.min_days],
            LONG: [first_long],
            "open": [as_of - self.grace],
            "again": [1, self.window],
        }
        self.first_long = first_long
        self.using: dict[int, str] = {}
        """Draft index -> the boundary queue its current dates came from (popped once it is placed)."""

    def place(self, drafts: list[Draft]) -> None:
        pairs = [d for d in drafts if d.life == "closed"]
        rest = [d for d in drafts if d.life not in ("closed", "again")]
        self.rng.shuffle(rest)
        for closed in pairs:
            self._place_pair(closed, drafts[closed.partner])
        for draft in rest:
            self._place(draft, self._dates)

    def place_freely(self, drafts: list[Draft], categories: int) -> None:
        """Date each draft by its life, in the order given, and draw its category among the first
        `categories` by weight, whatever recurrences that makes (`shapes` counts them afterwards)."""
        kinds = names.CATEGORY_NAMES[:categories]
        weights = names.CATEGORY_CUM_WEIGHTS[:categories]
        for draft in drafts:
            self._dates(draft, True)
            self._add(draft, pick(self.rng, kinds, weights))

    def _place_pair(self, closed: Draft, again: Draft) -> None:
        """A signed-off problem and its recurrence, placed together: both must fit their slot."""
        rng = self.rng
        again_dates = self._dates_again(closed)
        for attempt in range(DATE_TRIES):
            self._dates_closed(closed, attempt == 0)
            first = pick(rng, names.CATEGORY_NAMES, names.CATEGORY_CUM_WEIGHTS)
            for category in (first, *rng.sample(names.CATEGORY_NAMES, len(names.CATEGORY_NAMES))):
                if not self._fits(closed, category):
                    continue
                for again_try in range(10):
                    again_dates(again, attempt == 0 and again_try == 0)
                    if self._fits(again, category):
                        self._add(closed, category)
                        self._add(again, category)
                        return
        raise SyntheticError(
            f"cannot place the planned recurrence of problem {closed.index} on {closed.water.key} "
            f"after {DATE_TRIES} tries; the waterbodies are too crowded for this many problems"
        )

    def _place(self, draft: Draft, dates: Callable[[Draft, bool], None]) -> None:
        rng = self.rng
        for attempt in range(DATE_TRIES):
            dates(draft, attempt == 0)
            first = pick(rng, names.CATEGORY_NAMES, names.CATEGORY_CUM_WEIGHTS)
            if self._fits(draft, first):
                return self._add(draft, first)
            for other in rng.sample(names.CATEGORY_NAMES, len(names.CATEGORY_NAMES)):
                if self._fits(draft, other):
                    return self._add(draft, other)
        raise SyntheticError(
            f"cannot place problem {draft.index} on {draft.water.key} without an unplanned recurrence "
            f"after {DATE_TRIES} tries; the waterbodies are too crowded for this many problems"
        )

    def _fits(self, draft: Draft, category: str) -> bool:
        """No problem of the slot found within the window after this one's sign-off, and this one not
        found within the window after another's (the planned partner excepted)."""
        window, found, signed = self.window, draft.found, draft.signed
        for other_found, other_signed, other in self.slots.get((draft.water.key, category), ()):
            if other == draft.partner:
                continue
            if other_signed is not None and other_signed < found <= other_signed + window:
                return False
            if signed is not None and signed < other_found <= signed + window:
                return False
        return True

    def _add(self, draft: Draft, category: str) -> None:
        if draft.index in self.using:
            self.boundaries[self.using.pop(draft.index)].pop(0)
        draft.category = category
        entry = (draft.found, draft.signed, draft.index)
        self.slots.setdefault((draft.water.key, category), []).append(entry)

    def _boundary(self, draft: Draft, life: str, use: bool, fits: Callable[[int], bool] = bool) -> int | None:
        """The next boundary value of `life` for the draft's first try, if there is one it can take."""
        self.using.pop(draft.index, None)
        queue = self.boundaries.get(life)
        if not use or not queue or not fits(queue[0]):
            return None
        self.using[draft.index] = life
        return queue[0]

    def _dates(self, draft: Draft, first_try: bool) -> None:
        rng, as_of = self.rng, self.as_of
        self.using.pop(draft.index, None)
        allowed = rng.randint(15, 90)
        draft.signed = None
        life = draft.life
        if life == "registered":
            draft.found, draft.deadline = as_of - rng.randint(1, 14), None
            return
        if life in ("open", "rectified"):
            # Due on or after the last day that is not yet overdue.
            due = self._boundary(draft, "open", first_try and life == "open")
            last_ok = as_of - self.grace
            deadline = due if due is not None else rng.randint(last_ok, last_ok + allowed - 1)
            draft.found, draft.deadline = deadline - allowed, deadline
            return
        if life in OVERDUE:
            days = self._boundary(draft, life, first_try)
            if days is None:
                low = self.grace + 1 if life == SHORT else self.first_long
                high = self.min_days - 1 if life == SHORT else self.first_long + 170
                days = rng.randint(low, high)
            draft.deadline = as_of - days
            draft.found = draft.deadline - allowed
            return
        # signed off: found in the year, due 15-90 days later, signed off by ten days after the deadline
        draft.found = as_of - rng.randint(1, HISTORY_DAYS)
        draft.deadline = draft.found + allowed
        draft.signed = draft.found + rng.randint(0, min(draft.deadline + 10, as_of) - draft.found)

    def _dates_closed(self, draft: Draft, first_try: bool) -> None:
        """Found 130 days or more before the scan and signed off before it: room for its recurrence."""
        rng, as_of = self.rng, self.as_of
        allowed = rng.randint(15, 90)
        draft.found = as_of - rng.randint(130, HISTORY_DAYS)
        draft.deadline = draft.found + allowed
        draft.signed = draft.found + rng.randint(0, min(draft.deadline + 10, as_of - 1) - draft.found)

    def _dates_again(self, closed: Draft) -> Callable[[Draft, bool], None]:
        def dates(draft: Draft, first_try: bool) -> None:
            rng, as_of = self.rng, self.as_of
            assert closed.signed is not None
            latest = min(self.window, as_of - closed.signed)
            days = self._boundary(draft, "again", first_try, lambda days: days <= latest)
            if days is None:
                days = rng.randint(1, latest)
            allowed = rng.randint(15, 90)
            draft.found = closed.signed + days
            draft.deadline = draft.found + allowed
            if draft.deadline >= as_of - self.grace:
                draft.signed = None
                draft.life = "again"
            else:
                signed = draft.found + rng.randint(0, min(draft.deadline + 10, as_of) - draft.found)
                draft.signed = signed
                draft.life = "again-signed"

        return dates
