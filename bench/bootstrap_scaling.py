"""Bootstrap cost as values grow: the classical percentile draw against ``percentile-blocked``.

Continuous per-sample values (IoU-like, Beta(2, 3)) at 10k, 100k and 1M; each method run with
the seeds 0..repeats-1 alternating in this process (1000 resamples, the default); the table
gives the median seconds, the speed ratio, the growth from one size to the next, and how far the
blocked 95% endpoints lie from the classical ones in units of the Monte-Carlo error of that gap
(each method's spread of an endpoint over the seeds, pooled): within ~2 is agreement. Run:
``python bench/bootstrap_scaling.py [--sizes 10000 100000 1000000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from videoeval.metrics.bootstrap import bootstrap_means, resampling

METHODS = ("percentile", "percentile-blocked")


def one(values: np.ndarray, method: str, seed: int, resamples: int) -> tuple[float, float, float]:
    with resampling(method):
        start = time.perf_counter()
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
    print(
        "| values | percentile s | blocked s | speed | growth from the size above "
        "(classical, blocked) "
        "| endpoint gap / MC error (low, high) |\n|---|---|---|---|---|---|"
    )
    before: dict[str, float] = {}
    for n in args.sizes:
        values = np.random.default_rng(n).beta(2.0, 3.0, size=n)
        runs: dict[str, list[tuple[float, float, float]]] = {m: [] for m in METHODS}
        for seed in range(args.repeats):
            for method in METHODS:
                runs[method].append(one(values, method, seed, args.resamples))
        seconds = {m: statistics.median(r[0] for r in runs[m]) for m in METHODS}
        gaps = []
        for end in (1, 2):
            ours = [r[end] for r in runs["percentile-blocked"]]
            theirs = [r[end] for r in runs["percentile"]]
            if args.repeats < 2:
                continue  # one seed each: no Monte-Carlo spread to measure against
            # each method's spread over the seeds, pooled; the gap of two means of k seeds
            spread = ((statistics.variance(ours) + statistics.variance(theirs)) / 2) ** 0.5
            error = spread * (2 / args.repeats) ** 0.5 or 1e-12
            gaps.append(abs(statistics.mean(ours) - statistics.mean(theirs)) / error)
        growth = (
            ", ".join(f"{seconds[m] / before[m]:.1f}x" for m in METHODS) if before else "-"
        )  # fmt: skip
        print(f"| {n:,} | {seconds['percentile']:.3f} | {seconds['percentile-blocked']:.3f} "
              f"| {seconds['percentile'] / seconds['percentile-blocked']:.2f}x | {growth} "
              f"| {', '.join(f'{g:.2f}' for g in gaps) or '-'} |")  # fmt: skip
        before = seconds


if __name__ == "__main__":
    main()
