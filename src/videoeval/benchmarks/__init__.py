"""The benchmark registry: ids used on the command line and in metrics.json."""

from __future__ import annotations

from videoeval.benchmarks import (
    activitynet_captions,
    carebench,
    charades_sta,
    dream1k,
    qvhighlights,
    timelens_bench,
)
from videoeval.benchmarks.base import Benchmark, LoadResult


def _load_etbench(path):  # type: ignore[no-untyped-def]
    from videoeval.scoring.etbench import read_etbench

    return LoadResult(samples=[s for group in read_etbench(path).values() for s in group])


ETBENCH = Benchmark(
    id="etbench",
    task="dense_captioning",
    title="E.T. Bench dense video captioning (DVC) and step localisation (SLC)",
    load=_load_etbench,
    default_protocol="etbench",
    annotation_hint="etbench_txt_v1.0.json with the model's answers in `a`",
)

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
        ETBENCH,
    )
}


def get_benchmark(benchmark_id: str) -> Benchmark:
    try:
        return BENCHMARKS[benchmark_id]
    except KeyError:
        known = ", ".join(BENCHMARKS)
        raise KeyError(f"unknown benchmark {benchmark_id!r}; known: {known}") from None


__all__ = ["BENCHMARKS", "Benchmark", "LoadResult", "get_benchmark"]
