"""Percentile bootstrap confidence intervals for metrics that are means over samples.

Every headline grounding metric is a mean of a per-sample value (an IoU, or a hit indicator).
For a 0/1 indicator the bootstrap distribution of the mean is exactly Binomial(n, k/n) / n, so it
is drawn directly instead of resampling; continuous values are resampled in blocks on threads, so
memory stays bounded and both cores work on 100k-sample runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

DEFAULT_RESAMPLES = 1000
_CHUNK_CELLS = 250_000


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0.0) | (values == 1.0)))


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` means of ``values`` resampled with replacement."""
    from videoeval.limits import check

    check("bootstrap", resamples, "--bootstrap")
    return _bootstrap_means(values, resamples, rng)


def _bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` bootstrap replicates of ``values.mean()``.

    Continuous values are resampled in blocks, each with its own generator seeded from ``rng``,
    on up to 4 threads (numpy draws and gathers without the GIL): the replicates depend on the
    seed only, not on the number of cores."""
    n = len(values)
    if _is_binary(values):
        return rng.binomial(n, float(values.mean()), size=resamples) / n
    data = values.astype(np.float64, copy=False)
    rows = max(1, _CHUNK_CELLS // n)
    starts = range(0, resamples, rows)
    seeds = rng.integers(0, 2**63 - 1, size=len(starts))
    index_type = np.int32 if n < 2**31 else np.int64

    def block(start: int, seed: int) -> np.ndarray:
        shape = (min(resamples, start + rows) - start, n)
        index = np.random.default_rng(seed).integers(0, n, size=shape, dtype=index_type)
        return data[index].mean(axis=1)

    workers = min(4, len(starts), os.cpu_count() or 1)
    if workers <= 1:
        return np.concatenate([block(s, seed) for s, seed in zip(starts, seeds, strict=True)])
    with ThreadPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(block, starts, seeds)))


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


class MeanIntervals:
    """Intervals of figures that are ``scale * mean`` of per-unit values (rounded to
    ``decimals`` where the protocol reports rounded figures)."""

    def __init__(
        self,
        per_sample: Mapping[str, np.ndarray],
        scale: float = 100.0,
        decimals: int | None = None,
    ) -> None:
        self.per_sample = per_sample
        self.scale = scale
        self.decimals = decimals

    def __call__(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        ci = percentile_ci(self.per_sample, scale=self.scale, resamples=resamples, seed=seed)
        if self.decimals is not None:
            d = self.decimals
            ci = {k: (round(lo, d), round(hi, d)) for k, (lo, hi) in ci.items()}
        return ci
