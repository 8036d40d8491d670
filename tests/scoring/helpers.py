"""Build samples and predictions in memory for protocol tests."""

from __future__ import annotations

import json
import random
from pathlib import Path

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


def shuffled_results(root: Path, repeat_one: bool = False) -> tuple[Path, Path, list[dict]]:
    """``(annotations, result file, its lines)``: 200 TimeLens-Bench queries and their result
    lines in another order than the annotation's (seeded); with ``repeat_one`` one key is
    written twice, as a resumed run writes it."""
    rng = random.Random(5)
    bench, keys = {}, []
    for v in range(40):
        spans_, queries = [], []
        for q in range(5):
            s = round(rng.uniform(0, 50), 1)
            spans_.append([s, round(s + rng.uniform(1, 30), 1)])
            queries.append(f"q{q} of {v}")
            keys.append(f"vid{v}.mp4>>>q{q} of {v}>>>{spans_[-1]}")
        bench[f"vid{v}"] = {"duration": 90.0, "spans": spans_, "queries": queries}
    ann = root / "charades-timelens.json"
    ann.write_text(json.dumps(bench))
    rng.shuffle(keys)  # the file's order is not the annotation's
    if repeat_one:
        keys.append(keys[3])  # a repeated key keeps its first place, its last answer
    lines = [{k: {"timestamps": [[rng.randint(0, 40), rng.randint(41, 90)]]}} for k in keys]
    pred = root / "result.jsonl"
    pred.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return ann, pred, lines


def reference_miou(lines: list[dict]) -> float:
    """TimeLens compute_metrics.py / lmms-eval eval_tvg.py: a dict built from the file, then
    ``sum(ious) * 100 / N`` in its key order (a running sum on CPython 3.11)."""
    merged: dict = {}
    for line in lines:
        merged.update(line)
    total = 0
    for key, pred in merged.items():
        gt = [float(v) for v in key.split(">>>")[2].strip("[]").split(",")]
        first = pred["timestamps"][0]
        union = max(gt[1], first[1]) - min(gt[0], first[0])
        total += max(min(gt[1], first[1]) - max(gt[0], first[0]), 0) / union
    return total * 100 / len(merged)
