"""Small drawing helpers shared by the generator's stages: quotas, labelled shuffles, keys, weights."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def quota(total: int, share: float, at_least: int = 0) -> int:
    """`share` of `total`, rounded, but at least `at_least` and never more than `total`.

    Rare features are drawn as exact quotas rather than coin flips, so that every seed yields them
    (a 2,000-problem set always has a major problem that was not escalated).
    """
    return min(total, max(at_least, round(total * share)))


def shuffled_labels(
    rng: random.Random, total: int, counts: Sequence[tuple[str, int]], rest: str
) -> list[str]:
    """`total` labels in random order: each (label, count) as given (while room lasts), the rest `rest`."""
    labels: list[str] = []
    for label, count in counts:
        labels.extend([label] * min(count, total - len(labels)))
    labels.extend([rest] * (total - len(labels)))
    rng.shuffle(labels)
    return labels


def key_width(count: int, minimum: int) -> int:
    """Digits for zero-padded keys: at least `minimum`, more if `count` needs them."""
    return max(minimum, len(str(count)))


def scaled(rng: random.Random, total: int, share: float) -> int:
    """About `share` of `total`, give or take half of it (units differ), within 0..total."""
    return min(total, max(0, round(total * share * rng.uniform(0.5, 1.5))))


def pick(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """One of `items` by cumulative weights: `rng.choices(items, cum_weights=...)[0]`, at a third of
    the cost (it is called for every problem and patrol)."""
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]
