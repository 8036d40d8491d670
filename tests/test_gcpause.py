"""The collector paused while records are built: back as it was, what was built moved to the
oldest generation unscanned, a cycle still collected, a process's own frozen objects kept."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from videoeval.gcpause import paused_gc


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    (gc.enable if was else gc.disable)()


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation))


def test_enabled_again_after_the_pause_even_on_error(collector) -> None:
    with pytest.raises(ValueError), paused_gc():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()  # it was off before: left off


def test_what_was_built_is_in_the_oldest_generation_not_the_youngest(collector) -> None:
    with paused_gc():
        records = [Node() for _ in range(10_000)]
    assert not _in_generation(records[-1], 0)
    assert _in_generation(records[-1], 2)
    assert gc.get_freeze_count() == 0


def test_a_cycle_built_in_the_pause_is_still_collected(collector) -> None:
    with paused_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


def test_objects_the_process_froze_stay_frozen(collector) -> None:
    kept = Node()
    gc.freeze()
    frozen = gc.get_freeze_count()
    with paused_gc():
        built = Node()
    # neither unfrozen (0) nor more frozen; a thread of another test may free frozen objects
    assert 0 < gc.get_freeze_count() <= frozen
    assert not _in_generation(kept, 2)  # still in the permanent generation
    assert _in_generation(built, 0)  # nothing moved: collected as usual
