"""E.T. Bench's dense captioning (dvc) and step localisation (slc) samples.

The file is E.T. Bench's own list (``etbench_txt_v1.0.json``): each sample names its video, its
question (``q``, the prompt a model is asked with) and its GT (``tgt`` spans, ``g`` captions).
``score`` reads it with each model answer in ``a`` (it then carries both GT and predictions);
``run`` asks each sample's own question and writes the answers into ``a`` before scoring.
Scoring lives in ``scoring/etbench.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import Benchmark, LoadResult, View, strip_video_suffix


@dataclass(slots=True)
class EtbenchSample:
    sample_id: str
    video_id: str
    prompt: str
    raw: dict[str, Any] = field(default_factory=dict)


def sample_id_of(sample: dict[str, Any], position: int) -> str:
    return f"{sample.get('task')}/{sample.get('source')}/{sample.get('idx', position)}"


def load(path: Path) -> LoadResult:
    from videoeval.scoring.etbench import read_etbench

    samples = []
    for group in read_etbench(path).values():
        for position, raw in enumerate(group):
            video = strip_video_suffix(str(raw.get("video")))
            samples.append(
                EtbenchSample(sample_id_of(raw, position), video, str(raw.get("q") or ""), raw)
            )
    return LoadResult(samples=samples)


BENCHMARK = Benchmark(
    id="etbench",
    title="E.T. Bench dense video captioning (DVC) and step localisation (SLC)",
    views=(
        View(
            "dense_captioning",
            load,
            "etbench",
            "etbench_txt_v1.0.json (with the model's answers in `a` for score)",
            prompt_field="q",
            annotations_in_predictions=True,
        ),
    ),
)
