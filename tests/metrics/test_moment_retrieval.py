from __future__ import annotations

import pytest

from videoeval.metrics.moment_retrieval import MAP_THRESHOLDS, average_precision


def test_thresholds_are_the_reference_grid() -> None:
    assert MAP_THRESHOLDS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_worked_example_two_gt_windows() -> None:
    # IoUs: pred 1 -> gt 1 is 1.0, pred 2 -> gt 2 is 0.9, pred 3 matches nothing.
    # Up to 0.9: precision [1, 1, 2/3] at recall [.5, 1, 1] -> AP 1.0; at 0.95 only pred 1 is a
    # hit -> AP 0.5. Mean over the 10 thresholds: (9 + 0.5) / 10.
    ap = average_precision([[0, 10, 0.9], [21, 30, 0.8], [50, 60, 0.7]], [[0, 10], [20, 30]])
    assert list(ap) == [1.0] * 9 + [0.5]
    assert ap.mean() == pytest.approx(0.95)


def test_windows_are_sorted_by_score_before_matching() -> None:
    # A false positive with a higher score comes first: precision [0, .5] at recall [0, 1].
    ap = average_precision([[0, 10, 0.5], [50, 60, 0.9]], [[0, 10]])
    assert list(ap) == [0.5] * 10


def test_only_the_first_ten_windows_count() -> None:
    misses = [[100 + i, 101 + i, 1.0] for i in range(10)]
    assert list(average_precision([*misses, [0, 10, 2.0]], [[0, 10]])) == [0.0] * 10


def test_a_gt_window_is_matched_once() -> None:
    ap = average_precision([[0, 10, 0.9], [0, 10, 0.8]], [[0, 10]])
    assert list(ap) == [1.0] * 10  # the duplicate is a false positive after recall reached 1


def test_no_windows_score_zero() -> None:
    assert list(average_precision([], [[0, 10]])) == [0.0] * 10
