"""E.T. Bench's dense captioning (dvc) and step localisation (slc) samples.

The file is E.T. Bench's own list (``etbench_txt_v1.0.json``) with each model answer in ``a``, so
it carries both the GT and the predictions; scoring lives in ``scoring/etbench.py``."""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import Benchmark, LoadResult, View


def load(path: Path) -> LoadResult:
    from videoeval.scoring.etbench import read_etbench

    return LoadResult(samples=[s for group in read_etbench(path).values() for s in group])


BENCHMARK = Benchmark(
    id="etbench",
    title="E.T. Bench dense video captioning (DVC) and step localisation (SLC)",
    views=(
        View(
            "dense_captioning",
            load,
            "etbench",
            "etbench_txt_v1.0.json with the model's answers in `a`",
            annotations_in_predictions=True,
        ),
    ),
)
