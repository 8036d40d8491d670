"""Percentile bootstrap confidence intervals for metrics that are means over samples.

Every headline grounding metric is a mean of a per-sample value (an IoU, or a hit indicator).
For a 0/1 indicator the bootstrap distribution of the mean is exactly Binomial(n, k/n) / n, so it
is drawn directly instead of resampling; continuous values are resampled in chunks so memory stays
bounded for 100k-sample runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

DEFAULT_RESAMPLES = 1000
_CHUNK_CELLS = 4_000_000


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0.0) | (values == 1.0)))


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` bootstrap replicates of ``values.mean()``."""
    n = len(values)
    if _is_binary(values):
        return rng.binomial(n, float(values.mean()), size=resamples) / n
    data = values.astype(np.float64, copy=False)
    out = np.empty(resamples)
    rows = max(1, _CHUNK_CELLS // n)
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        index = rng.integers(
            0, n, size=(stop - start, n), dtype=np.int32 if n < 2**31 else np.int64
        )
        out[start:stop] = data[index].mean(axis=1)
    return out


def percentile_ci(
    per_sample: Mapping[str, np.ndarray],
    scale: float = 100.0,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """95% (by default) percentile intervals of ``scale * mean`` for each named per-sample array."""
    if resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    alpha = (1.0 - level) / 2.0
    intervals: dict[str, tuple[float, float]] = {}
    for name, values in per_sample.items():
        if len(values) == 0:
            continue
        reps = bootstrap_means(np.asarray(values, dtype=np.float64), resamples, rng) * scale
        low, high = np.quantile(reps, [alpha, 1.0 - alpha])
        intervals[name] = (float(low), float(high))
    return intervals
