"""A protocol added in one file: "hit rate" on any grounding benchmark, the share of queries
whose first predicted span overlaps the GT by at least the config's IoU. Its scorer, config
and row type are all here; registering it (``videoeval.protocols.register``) is all the
library needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videoeval.metrics.bootstrap import MeanIntervals
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols import SCORING, ProtocolInfo
from videoeval.schema import RecordRow, Status
from videoeval.scoring.base import ScoreContext, Scored


@dataclass(frozen=True)
class HitConfig:
    iou: float = 0.5


@dataclass(slots=True)
class HitRow(RecordRow):
    sample_id: str
    video_id: str | None
    status: Status
    hit: bool
    note: str | None = None


def _iou(a: tuple[float, ...], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


async def score(ctx: ScoreContext[HitConfig]) -> Scored:
    assert ctx.predictions is not None
    file = read_predictions(ctx.predictions)
    spans = {p.sample_id: p.spans[0] for p in file.predictions if p.sample_id and p.spans}
    rows = []
    for sample in ctx.samples:
        span = spans.get(sample.sample_id)
        if span is None:
            rows.append(HitRow(sample.sample_id, sample.video_id, "missing_prediction", False))
        else:
            rows.append(HitRow(sample.sample_id, sample.video_id, "ok",
                               _iou(span, sample.windows[0]) >= ctx.config.iou))  # fmt: skip
    hits = np.asarray([float(r.hit) for r in rows])
    return Scored(
        rows=rows,
        metrics={"hit_rate": 100 * float(hits.mean())},
        n_total=len(rows),
        n_scored=sum(r.status == "ok" for r in rows),
        n_counted=len(rows),
        failure_rule="a query without a prediction is a miss",
        intervals=MeanIntervals({"hit_rate": hits}),
        layout=file.layout,
    )


PROTOCOL = ProtocolInfo(
    "toy-hit-rate", "grounding", "Hit rate (a toy)", "a test of the scorer interface",
    "The share of queries whose first span has IoU >= the config's threshold.",
    f"{__name__}:score", HitConfig(), frozenset({SCORING}), row=HitRow,
)  # fmt: skip
