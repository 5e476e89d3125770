"""Python's cyclic garbage collector paused for work that makes millions of objects and no cycles.

Loading, scanning and writing the reports each build hundreds of thousands of records, dicts and
models with no reference cycles among them: the collector finds nothing, yet its full collections
rescan the growing heap again and again (at city scale about 10 of 60 seconds in the scan, and the
JSON report's `model_dump` took 4.0 s instead of 1.6 s: docs/performance.md). Reference counting
still frees everything as usual; the collector is back on, if it was on, when the work ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block (forked workers inherit it off), then as it was."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
