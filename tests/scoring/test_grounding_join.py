"""Each prediction attached to the GT query it answers, and its copies of that query's text and GT
span shared with the GT where they are equal."""

from __future__ import annotations

import math

from videoeval.schema import GroundingPrediction, GroundingSample
from videoeval.scoring.grounding_join import join


def _read(origin: str, query: str, hint: list[float]) -> GroundingPrediction:
    """A prediction as a reader makes it: its query and GT span are objects of its own, equal
    to the annotation's."""
    span = (hint[0], hint[1])
    return GroundingPrediction(origin, video_id="v", query="".join(list(query)), gt_hint=span)


def test_a_matched_prediction_holds_the_samples_query_and_span_not_copies() -> None:
    samples = [
        GroundingSample("v#0", "v", "a man walks", ((1.5, 4.0),), 10.0, gt_text="[1.5, 4.0]"),
        GroundingSample("v#1", "v", "a dog barks", ((0.0, 2.0),), 10.0, gt_text="[0.0, 2.0]"),
        GroundingSample("v#2", "v", "a cup falls", ((6.0, 8.0),), 10.0, gt_text="[6.0, 8.0]"),
    ]
    preds = [
        _read("r:1", "a man walks", [1.5, 4.0]),
        _read("r:2", "a dog barks", [-0.0, 2.0]),  # 0.0 == -0.0: it keeps its own, sign and all
        # a key whose span differs from the annotation's (float16 copies): its own span is kept
        _read("r:3", "a cup falls", [6.0, 8.000001]),
    ]
    joined = join(samples, preds, dedupe_keys=True)
    first, second, third = (joined.predictions[f"v#{i}"] for i in range(3))
    assert first.query is samples[0].query and first.gt_hint is samples[0].windows[0]
    assert second.query is samples[1].query
    assert second.gt_hint is not samples[1].windows[0]
    assert second.gt_hint is not None and math.copysign(1.0, second.gt_hint[0]) == -1.0
    assert third.query is samples[2].query and third.gt_hint == (6.0, 8.000001)
    assert [p.origin for p in joined.predictions.values()] == ["r:1", "r:2", "r:3"]
