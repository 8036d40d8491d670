"""Building hundreds of thousands of records without the cyclic garbage collector's scans."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building hundreds of thousands of acyclic
    records (annotations read, predictions joined and scored): its repeated full scans cost
    more than the work itself (bench/score_grounding.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
