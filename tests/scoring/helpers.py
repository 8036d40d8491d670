"""Build samples and predictions in memory for protocol tests."""

from __future__ import annotations

from videoeval.predictions.grounding import PredictionFile
from videoeval.protocols.grounding import get_protocol
from videoeval.schema import GroundingPrediction, GroundingSample
from videoeval.scoring.grounding_scorer import ScoreResult, score_predictions


def sample(
    sid: str,
    window=(2.0, 4.0),
    duration: float | None = 30.0,
    query: str | None = None,
    windows=None,
) -> GroundingSample:
    return GroundingSample(
        sample_id=sid,
        video_id=f"v{sid}",
        query=query or f"query {sid}",
        windows=tuple(windows) if windows else (window,),
        duration=duration,
    )


def answer(sid: str, text: str, from_result_file: bool = False) -> GroundingPrediction:
    return GroundingPrediction(
        sample_id=sid, answer=text, answer_from_result_file=from_result_file, origin=f"t:{sid}"
    )


def spans(sid: str, *values, problem: str | None = None) -> GroundingPrediction:
    return GroundingPrediction(
        sample_id=sid, spans=tuple(tuple(v) for v in values), problem=problem, origin=f"t:{sid}"
    )


def run(
    benchmark: str, protocol: str, samples, predictions, missing: str | None = None
) -> ScoreResult:
    return score_predictions(
        benchmark,
        list(samples),
        PredictionFile("simple", list(predictions)),
        get_protocol(protocol),
        missing=missing,
        resamples=0,
    )


def row(result: ScoreResult, sid: str):
    return next(r for r in result.rows if r.sample_id == sid)
