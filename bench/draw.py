"""Small drawing helpers shared by the generator's stages: quotas, labelled shuffles, keys, days."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence


def quota(total: int, share: float, at_least: int = 0) -> int:
    """`share` of `total`, rounded, but at least `at_least` and never more than `total`.

    Rare features are drawn as exact quotas rather than coin flips, so that every seed yields them
    (a 2,000-problem set always has a major problem that was not escalated).
    """
    return min(total, max(at_least, round(total * share)))


def shuffled_labels(
    rng: random.Random, total: int, counts: Sequence[tuple[str, int]], rest: str
) -> list[str]:
    """`total` labels in random order: each (label, count) pair as given, the remainder `rest`."""
    labels: list[str] = []
    for label, count in counts:
        labels.extend([label] * min(count, total - len(labels)))
    labels.extend([rest] * (total - len(labels)))
    rng.shuffle(labels)
    return labels


def key_width(count: int, minimum: int) -> int:
    """Digits for zero-padded keys: at least `minimum`, more if `count` needs them."""
    return max(minimum, len(str(count)))


def days_before(day: dt.date, days: int) -> dt.date:
    """The date `days` days before `day`."""
    return day - dt.timedelta(days=days)


def days_after(day: dt.date, days: int) -> dt.date:
    """The date `days` days after `day`."""
    return day + dt.timedelta(days=days)
