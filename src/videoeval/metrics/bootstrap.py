"""Percentile bootstrap confidence intervals for metrics that are means over samples.

Every headline grounding metric is a mean of a per-sample value (an IoU, or a hit indicator).
For a 0/1 indicator the bootstrap distribution of the mean is exactly Binomial(n, k/n) / n, so it
is drawn directly instead of resampling. Continuous values are resampled by one of three named
methods:

- ``poisson`` (the default): from 10,000 values, Poisson(1) weights per value and resample,
  summed block by block (``poisson_bootstrap.py``; a scorer can hand its values over as it
  reads, and they are summed on another core meanwhile); below 10,000 the classical draw.
- ``percentile``: the classical draw, n indices over all n values per resample. Past ~1M values
  its random gathers miss the cache and the cost grows faster than n.
- ``percentile-blocked``: from 750,000 values, each resample's count in every
  block of 32,768 values is drawn first (one multinomial, exact), then that many indices within
  the block, so every gather stays in cache and the cost grows with n. The replicates have the
  classical distribution; the random stream differs, so there the intervals differ from
  ``percentile``'s within Monte-Carlo error (``bench/bootstrap_scaling.py``); below it, where
  the classical draw stays in cache, both are the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from videoeval.metrics import poisson_bootstrap
from videoeval.metrics.poisson_bootstrap import PoissonStream, poisson_means
from videoeval.schema import BOOTSTRAP_METHODS as METHODS

DEFAULT_RESAMPLES = 1000
_CHUNK_CELLS = 250_000
BLOCK = 1 << 15
"""Values per block of ``percentile-blocked``: 256 KiB of float64, within a core's L2 cache."""
BLOCKED_FROM = 750_000
"""Below this the classical draw is as fast or faster (measured: 0.93x for the blocked one at
262,144 and at 500,000 values, 1.45x faster at 1M; ``bench/bootstrap_scaling.py``), and both
methods give the same replicates."""
_BLOCK_CELLS = 1 << 21
_method: ContextVar[str] = ContextVar("bootstrap_method", default=METHODS[0])


@contextmanager
def resampling(method: str) -> Iterator[None]:
    """Intervals computed inside draw continuous values by ``method`` (one of :data:`METHODS`):
    the one place that reads a run's choice (``ScoringOptions.bootstrap_method``) sets it
    around every scorer's intervals."""
    if method not in METHODS:
        raise ValueError(f"bootstrap method {method!r}: one of {', '.join(METHODS)}")
    token = _method.set(method)
    try:
        yield
    finally:
        _method.reset(token)


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
    if n >= BLOCKED_FROM and _method.get() == "percentile-blocked":
        return _blocked_means(data, resamples, rng)
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


def _blocked_means(data: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``percentile-blocked``: how many of each resample's n draws fall in each block is one
    exact multinomial draw; the draws within a block are made block by block (in cache), on up
    to 4 threads, each block with its own generator seeded from ``rng``."""
    n = len(data)
    starts = list(range(0, n, BLOCK))
    sizes = np.asarray([min(BLOCK, n - start) for start in starts])
    counts = rng.multinomial(n, sizes / n, size=resamples)  # resamples x blocks
    seeds = rng.integers(0, 2**63 - 1, size=len(starts))

    def block_sums(k: int) -> np.ndarray:
        block = data[starts[k] : starts[k] + int(sizes[k])]
        draw = np.random.default_rng(seeds[k])
        drawn = counts[:, k]
        ends = np.cumsum(drawn)
        sums = np.zeros(resamples)
        first = 0
        while first < resamples:  # resamples whose draws fit _BLOCK_CELLS together
            base = int(ends[first] - drawn[first])
            last = max(first + 1, int(np.searchsorted(ends, base + _BLOCK_CELLS, "right")))
            index = draw.integers(0, len(block), size=int(ends[last - 1]) - base, dtype=np.int32)
            values = block[index]
            some = drawn[first:last] > 0
            offsets = (ends[first:last] - drawn[first:last] - base)[some]
            if len(values):
                sums[first:last][some] = np.add.reduceat(values, offsets)
            first = last
        return sums

    workers = min(4, len(starts), os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(block_sums, range(len(starts))))
    return np.sum(parts, axis=0) / n  # in block order: the same figures on any core count


def _replicates(
    name: str,
    values: np.ndarray,
    resamples: int,
    seed: int,
    rng: np.random.Generator,
    stream: PoissonStream | None,
) -> np.ndarray:
    if (
        _method.get() == "poisson"
        and len(values) >= poisson_bootstrap.POISSON_FROM
        and not _is_binary(values)
    ):
        from videoeval.limits import check

        check("bootstrap", resamples, "--bootstrap")
        return poisson_means(values, resamples, seed, name, stream)
    return bootstrap_means(values, resamples, rng)


def percentile_ci(
    per_sample: Mapping[str, np.ndarray],
    scale: float = 100.0,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    streams: Mapping[str, PoissonStream] | None = None,
) -> dict[str, tuple[float, float]]:
    """95% (by default) percentile intervals of ``scale * mean`` for each named per-sample array;
    ``streams``: values a scorer handed over as it went (``poisson``), by name."""
    if resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    alpha = (1.0 - level) / 2.0
    intervals: dict[str, tuple[float, float]] = {}
    streams = streams or {}
    for name, values in per_sample.items():
        if len(values) == 0:
            continue
        data = np.asarray(values, dtype=np.float64)
        reps = _replicates(name, data, resamples, seed, rng, streams.get(name)) * scale
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
        streams: Mapping[str, PoissonStream] | None = None,
    ) -> None:
        self.per_sample = per_sample
        self.scale = scale
        self.decimals = decimals
        self.streams = streams

    def __call__(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        ci = percentile_ci(self.per_sample, scale=self.scale, resamples=resamples, seed=seed,
                           streams=self.streams)  # fmt: skip
        if self.decimals is not None:
            d = self.decimals
            ci = {k: (round(lo, d), round(hi, d)) for k, (lo, hi) in ci.items()}
        return ci
