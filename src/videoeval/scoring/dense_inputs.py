"""Dense predictions for a scorer: a densevid results file or a file of raw answers, or a run
folder's answers parsed the same way."""

from __future__ import annotations

from typing import Any

from videoeval.predictions.dense import (
    DensePredictions,
    add_answer,
    is_dense_answers,
    read_dense_predictions,
)
from videoeval.scoring.base import ScoreContext


def dense_predictions(ctx: ScoreContext[Any]) -> tuple[DensePredictions, str]:
    """The predicted events by video, and the layout they were read in."""
    if ctx.run is None:
        assert ctx.predictions is not None
        layout = "dense-answers" if is_dense_answers(ctx.predictions) else "densevid-results"
        return read_dense_predictions(ctx.predictions), layout
    out = DensePredictions(captions={})
    last = {row["sample_id"]: row for row in ctx.run.responses}
    for sample_id, row in last.items():
        if row.get("status") == "ok":
            add_answer(out, str(row.get("video_id") or sample_id), str(row.get("answer") or ""))
        else:
            out.problems.append(f"{sample_id}: {row.get('status')} ({row.get('error')})")
    return out, "videoeval-run"
