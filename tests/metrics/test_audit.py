from __future__ import annotations

import pytest

from videoeval.metrics.audit import ClipFlags, audit_rates
from videoeval.metrics.bootstrap import MeanIntervals


def test_consensus_logic_and_rates() -> None:
    clips = [
        ClipFlags("1", "a", (True, True, True, True), (True, True, True, True)),
        ClipFlags("2", "a", (True, False, False, False), (False, True, False, False)),
        ClipFlags("3", "b", (False,) * 4, (False,) * 4),
        ClipFlags("4", "b", (True,) * 4, (False, False, False, True)),
    ]
    metrics, per_clip, by_category = audit_rates(clips)
    ci = MeanIntervals(per_clip)(200, 0)
    assert metrics["loose_rate"] == 75.0 and metrics["loose_count"] == 3
    assert metrics["consensus_rate"] == 50.0
    assert metrics["tight_rate"] == 25.0
    assert metrics["major_any_rate"] == 75.0
    assert by_category["a"] == {
        "n": 2.0, "loose_rate": 100.0, "loose_count": 2.0, "consensus_rate": 50.0,
        "consensus_count": 1.0, "tight_rate": 50.0, "tight_count": 1.0, "major_any_rate": 100.0,
        "major_any_count": 2.0,
    }  # fmt: skip
    low, high = ci["loose_rate"]
    assert low <= 75.0 <= high


def test_one_run_makes_loose_equal_consensus() -> None:
    clips = [ClipFlags(str(i), "a", (i % 2 == 0,), (i % 3 == 0,)) for i in range(9)]
    metrics, _, _ = audit_rates(clips)
    assert metrics["loose_rate"] == metrics["consensus_rate"] == pytest.approx(500 / 9)
    assert metrics["tight_rate"] == metrics["major_any_rate"] == pytest.approx(300 / 9)
