"""Building hundreds of thousands of records without the cyclic garbage collector's scans."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building hundreds of thousands of acyclic
    records (annotations read, predictions joined and scored): its repeated full scans cost
    more than the work itself (bench/score_grounding.py).

    On leaving, what was built is moved to the oldest generation unscanned (``freeze`` then
    ``unfreeze``: two list moves). Re-enabled as it was, the collector would first traverse
    every object made during the pause in one young-generation pass, then again in the middle
    one: 0.1-0.2 s each per 100k grounding queries, for records that hold no cycles. A cycle
    among them is still found, by the next full collection. A process that froze objects
    itself (``gc.freeze`` before forking workers) keeps them frozen: then nothing is moved."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
