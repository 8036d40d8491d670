from __future__ import annotations

import numpy as np
import pytest

from videoeval.metrics.bootstrap import bootstrap_means, percentile_ci
from videoeval.metrics.grounding import best_window, iou


@pytest.mark.parametrize(
    ("pred", "gt", "expected"),
    [
        ((2.0, 4.0), (2.0, 4.0), 1.0),
        ((2.0, 6.0), (4.0, 8.0), 2.0 / 6.0),
        ((0.0, 1.0), (2.0, 3.0), 0.0),
        ((10.0, 5.0), (0.0, 8.0), 0.0),  # reversed prediction: always 0
        ((6.0, 4.0), (0.0, 10.0), 0.0),
        ((5.0, 5.0), (5.0, 5.0), 0.0),  # the references divide by zero here
        ((3.0, 3.0), (0.0, 10.0), 0.0),
    ],
)
def test_iou(pred, gt, expected) -> None:
    assert iou(pred, gt) == pytest.approx(expected, abs=1e-15)


def test_best_window_takes_the_first_on_ties() -> None:
    value, window = best_window((0.0, 2.0), [(10.0, 12.0), (0.0, 2.0), (0.0, 2.0)])
    assert value == 1.0 and window == (0.0, 2.0)
    value, window = best_window((50.0, 60.0), [(0.0, 2.0), (4.0, 6.0)])
    assert value == 0.0 and window == (0.0, 2.0)


def test_binary_bootstrap_is_binomial_and_continuous_is_resampled() -> None:
    rng = np.random.default_rng(1)
    hits = np.array([1.0] * 30 + [0.0] * 70)
    reps = bootstrap_means(hits, 4000, rng)
    assert reps.mean() == pytest.approx(0.3, abs=0.01)
    assert reps.std() == pytest.approx(np.sqrt(0.3 * 0.7 / 100), rel=0.1)
    values = np.linspace(0.0, 1.0, 101)
    reps = bootstrap_means(values, 4000, rng)
    assert reps.std() == pytest.approx(values.std() / np.sqrt(101), rel=0.1)


def test_percentile_ci_brackets_the_estimate_and_is_seeded() -> None:
    values = {"mIoU": np.random.default_rng(0).random(500)}
    first = percentile_ci(values, resamples=500, seed=3)
    second = percentile_ci(values, resamples=500, seed=3)
    assert first == second
    low, high = first["mIoU"]
    assert low < 100 * values["mIoU"].mean() < high
    assert percentile_ci(values, resamples=0) == {}


def test_resampling_on_threads_depends_on_the_seed_not_the_cores(monkeypatch) -> None:
    import videoeval.metrics.bootstrap as bootstrap

    values = {"mIoU": np.random.default_rng(5).random(30_000)}  # several blocks of resamples
    runs = []
    for cores in (1, 2, 4):
        monkeypatch.setattr(bootstrap.os, "cpu_count", lambda cores=cores: cores)
        runs.append(percentile_ci(values, resamples=300, seed=9))
    assert runs[0] == runs[1] == runs[2]
    assert percentile_ci(values, resamples=300, seed=10) != runs[0]
