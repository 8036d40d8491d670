"""The benchmark registry: ids used on the command line and in metrics.json."""

from __future__ import annotations

from videoeval.benchmarks import (
    activitynet_captions,
    carebench,
    charades_sta,
    dream1k,
    etbench,
    qvhighlights,
    timelens_bench,
)
from videoeval.benchmarks.base import Benchmark, LoadResult

BENCHMARKS: dict[str, Benchmark] = {
    b.id: b
    for b in (
        timelens_bench.CHARADES,
        timelens_bench.ACTIVITYNET,
        timelens_bench.QVHIGHLIGHTS,
        charades_sta.BENCHMARK,
        activitynet_captions.BENCHMARK,
        qvhighlights.BENCHMARK,
        dream1k.BENCHMARK,
        carebench.BENCHMARK,
        etbench.BENCHMARK,
    )
}


def get_benchmark(benchmark_id: str) -> Benchmark:
    try:
        return BENCHMARKS[benchmark_id]
    except KeyError:
        known = ", ".join(BENCHMARKS)
        raise KeyError(f"unknown benchmark {benchmark_id!r}; known: {known}") from None


__all__ = ["BENCHMARKS", "Benchmark", "LoadResult", "get_benchmark"]
