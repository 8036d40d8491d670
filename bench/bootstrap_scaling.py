"""Bootstrap cost as values grow: the classical percentile draw against ``percentile-blocked``
and ``poisson`` (here summed at the end, on every core; a grounding scorer sums it while it
reads, which ``bench/score_grounding.py`` times).

Continuous per-sample values (IoU-like, Beta(2, 3)) at 10k, 100k and 1M; each method run with
the seeds 0..repeats-1 alternating in this process (1000 resamples, the default); the table
gives the median seconds, each method's speed against the classical draw, the growth from one
size to the next, and how far each method's 95% endpoints lie from the classical ones in units
of the Monte-Carlo error of that gap (each method's spread of an endpoint over the seeds,
pooled): within ~2 is agreement. Run:
``python bench/bootstrap_scaling.py [--sizes 10000 100000 1000000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from videoeval.metrics.bootstrap import bootstrap_means, resampling
from videoeval.metrics.poisson_bootstrap import POISSON_FROM, poisson_means

METHODS = ("percentile", "percentile-blocked", "poisson")


def one(values: np.ndarray, method: str, seed: int, resamples: int) -> tuple[float, float, float]:
    with resampling(method):
        start = time.perf_counter()
        if method == "poisson" and len(values) >= POISSON_FROM:
            reps = poisson_means(values, resamples, seed, "mIoU")
        else:
            reps = bootstrap_means(values, resamples, np.random.default_rng(seed))
        seconds = time.perf_counter() - start
    low, high = np.quantile(reps, [0.025, 0.975])
    return seconds, float(low), float(high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.resamples} resamples, median of {args.repeats} seeds, methods alternating\n")
    others = METHODS[1:]
    print("| values | " + " | ".join(f"{m} s" for m in METHODS)
          + " | speed vs percentile (" + ", ".join(others) + ") | growth from the size above ("
          + ", ".join(METHODS) + ") | endpoint gap / MC error (low, high): "
          + "; ".join(others) + " |")  # fmt: skip
    print("|---" * (len(METHODS) + 4) + "|")
    before: dict[str, float] = {}
    for n in args.sizes:
        values = np.random.default_rng(n).beta(2.0, 3.0, size=n)
        runs: dict[str, list[tuple[float, float, float]]] = {m: [] for m in METHODS}
        for seed in range(args.repeats):
            for method in METHODS:
                runs[method].append(one(values, method, seed, args.resamples))
        seconds = {m: statistics.median(r[0] for r in runs[m]) for m in METHODS}
        gaps = []
        for method in others:
            pair = []
            for end in (1, 2):
                ours = [r[end] for r in runs[method]]
                theirs = [r[end] for r in runs["percentile"]]
                if args.repeats < 2:
                    continue  # one seed each: no Monte-Carlo spread to measure against
                # each method's spread over the seeds, pooled; the gap of two means of k seeds
                spread = ((statistics.variance(ours) + statistics.variance(theirs)) / 2) ** 0.5
                error = spread * (2 / args.repeats) ** 0.5 or 1e-12
                pair.append(f"{abs(statistics.mean(ours) - statistics.mean(theirs)) / error:.2f}")
            gaps.append(", ".join(pair) or "-")
        growth = ", ".join(f"{seconds[m] / before[m]:.1f}x" for m in METHODS) if before else "-"
        speed = ", ".join(f"{seconds['percentile'] / seconds[m]:.2f}x" for m in others)
        print(f"| {n:,} | " + " | ".join(f"{seconds[m]:.3f}" for m in METHODS)
              + f" | {speed} | {growth} | {'; '.join(gaps)} |")  # fmt: skip
        before = seconds


if __name__ == "__main__":
    main()
