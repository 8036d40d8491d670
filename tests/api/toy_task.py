"""A task type added in one file: counting. Its view (a benchmark whose annotation file lists
how many times something happens in each clip), its loader, and its protocol (exact count
accuracy) are all here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoeval.benchmarks.base import Benchmark, LoadResult, View
from videoeval.metrics.bootstrap import MeanIntervals
from videoeval.protocols import SCORING, ProtocolInfo
from videoeval.protocols.tasks import Task
from videoeval.schema import RecordRow, Status
from videoeval.scoring.base import ScoreContext, Scored


@dataclass(slots=True)
class CountSample:
    sample_id: str
    video_id: str
    count: int


@dataclass(slots=True)
class CountRow(RecordRow):
    sample_id: str
    video_id: str | None
    status: Status
    gt: int | None
    predicted: int | None
    note: str | None = None


@dataclass(frozen=True)
class ExactConfig:
    tolerance: int = 0


def load(path: Path) -> LoadResult:
    data = json.loads(path.read_text())
    return LoadResult([CountSample(k, k, int(v)) for k, v in data.items()])


async def score(ctx: ScoreContext[ExactConfig]) -> Scored:
    assert ctx.predictions is not None
    answers = json.loads(ctx.predictions.read_text())
    rows = [CountRow(s.sample_id, s.video_id, "ok" if s.sample_id in answers
                     else "missing_prediction", s.count, answers.get(s.sample_id))
            for s in ctx.samples]  # fmt: skip
    right = np.asarray([float(r.predicted is not None and r.gt is not None
                              and abs(r.predicted - r.gt) <= ctx.config.tolerance)
                        for r in rows])  # fmt: skip
    return Scored(rows=rows, metrics={"exact": 100 * float(right.mean())}, n_total=len(rows),
                  n_scored=sum(r.status == "ok" for r in rows), n_counted=len(rows),
                  failure_rule="a clip without an answer is wrong",
                  intervals=MeanIntervals({"exact": right}), layout="counts-json")  # fmt: skip


TASK = Task("counting", "repetition counting")
PROTOCOL = ProtocolInfo(
    "count-exact", "counting", "Exact count", "a test of the scorer interface",
    "The share of clips whose count is within the config's tolerance.",
    f"{__name__}:score", ExactConfig(), frozenset({SCORING}), row=CountRow,
)  # fmt: skip
BENCHMARK = Benchmark("toy-counts", "Toy repetition counts",
                      (View("counting", load, "count-exact", "counts.json"),))  # fmt: skip
