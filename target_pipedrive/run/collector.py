"""Python's garbage collector set for the record loop, and set back after it.

A record allocates many short-lived containers (the parsed line, the payload, the plan) that reference
counting frees as soon as the record is done; almost none of them form cycles. With the default
thresholds the collector scanned the young generation every 700 new containers, and every object made
at start-up (modules, the SDK, SQLAlchemy, the field catalogue) at each full collection: 5-7% of a dry
run's CPU, spent finding nothing to free.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# New containers between two scans of the young generation (Python's default: 700). Cycles made while
# records are read live a little longer; the older generations keep their default pace.
YOUNG_THRESHOLD = 10_000


@contextmanager
def set_for_records() -> Iterator[None]:
    """Within: what exists so far is frozen (never scanned again: it lives for the run) and the young
    generation is scanned less often. After: the thresholds as they were and nothing frozen, so that a
    process running the target more than once (the tests) still frees the cycles of an earlier run.
    (Python 3.12 starts with a few hundred objects frozen already: they are scanned again after.)"""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(YOUNG_THRESHOLD, thresholds[0]), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
