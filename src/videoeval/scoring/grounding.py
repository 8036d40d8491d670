"""The one grounding scorer: join predictions to GT, apply a protocol, aggregate.

Order of work per query (each step is a protocol field, see ``protocols/grounding.py``):
prediction -> spans (given, or parsed from text) -> inference-time fallback and rounding ->
clamp / round to unit / swap -> top-1 -> GT window (first or best) -> IoU (rounded?) -> row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from videoeval.metrics.grounding import best_window, iou
from videoeval.metrics.moment_retrieval import average_precision
from videoeval.parsing.spans import PARSERS
from videoeval.protocols.grounding import GroundingProtocol
from videoeval.schema import GroundingPrediction, GroundingRow, GroundingSample, Span, Status


def match_key(video_id: str, query: str) -> tuple[str, str]:
    """Loose identity of a query across files: case, spacing and end periods do not matter."""
    return video_id, " ".join(query.split()).strip(".").strip().casefold()


@dataclass
class Joined:
    samples: list[GroundingSample]
    predictions: dict[str, GroundingPrediction]
    unknown: list[GroundingPrediction] = field(default_factory=list)
    duplicates: int = 0
    collapsed_samples: int = 0
    id_mismatches: list[str] = field(default_factory=list)


def join(
    samples: Sequence[GroundingSample],
    predictions: Sequence[GroundingPrediction],
    dedupe_keys: bool,
) -> Joined:
    """Attach each prediction to one GT query; the last prediction for a query wins.

    Predictions are matched against every GT entry first, in file order, so that a file written
    one answer per annotation lines up even where the annotation repeats itself; only then do
    entries with the same (video, query, GT span) collapse, keeping the first entry's place and
    the answer written last, as a result dict keyed that way does.
    """
    by_id = {s.sample_id: s for s in samples}
    by_exact: dict[tuple[str, str], list[GroundingSample]] = {}
    for sample in samples:
        by_exact.setdefault((sample.video_id, sample.query), []).append(sample)
    by_loose: dict[tuple[str, str], list[GroundingSample]] = {}

    def lookup(video_id: str, query: str) -> list[GroundingSample]:
        exact = by_exact.get((video_id, query))
        if exact is not None:
            return exact
        if not by_loose:  # built on the first near miss only
            for sample in samples:
                by_loose.setdefault(match_key(sample.video_id, sample.query), []).append(sample)
        return by_loose.get(match_key(video_id, query), [])

    joined = Joined(samples=list(samples), predictions={})
    order: dict[str, int] = {}
    for position, pred in enumerate(predictions):
        target: GroundingSample | None = None
        if pred.sample_id is not None and pred.sample_id in by_id:
            target = by_id[pred.sample_id]
            if pred.video_id is not None and pred.video_id != target.video_id:
                joined.id_mismatches.append(
                    f"{pred.origin}: id {pred.sample_id} is video {target.video_id} in the GT, "
                    f"not {pred.video_id}"
                )
        elif pred.video_id is not None and pred.query is not None:
            candidates = lookup(pred.video_id, pred.query)
            if pred.gt_hint is not None and len(candidates) > 1:
                hinted = [
                    c
                    for c in candidates
                    if abs(c.windows[0][0] - pred.gt_hint[0]) < 1e-6
                    and abs(c.windows[0][1] - pred.gt_hint[1]) < 1e-6
                ]
                candidates = hinted or candidates
            free = [c for c in candidates if c.sample_id not in joined.predictions]
            target = free[0] if free else (candidates[0] if candidates else None)
        if target is None:
            joined.unknown.append(pred)
            continue
        if target.sample_id in joined.predictions:
            joined.duplicates += 1
        joined.predictions[target.sample_id] = pred
        order[target.sample_id] = position
    if dedupe_keys:
        _collapse_keys(joined, order)
    return joined


def _collapse_keys(joined: Joined, order: dict[str, int]) -> None:
    groups: dict[tuple[str, str, object], list[GroundingSample]] = {}
    for sample in joined.samples:
        gt = sample.gt_text if sample.gt_text is not None else sample.windows
        groups.setdefault((sample.video_id, sample.query, gt), []).append(sample)
    kept = []
    for members in groups.values():
        first = members[0]
        kept.append(first)
        answered = [m for m in members if m.sample_id in joined.predictions]
        if answered:
            last = max(answered, key=lambda m: order[m.sample_id])
            joined.predictions[first.sample_id] = joined.predictions[last.sample_id]
        for other in members[1:]:
            joined.predictions.pop(other.sample_id, None)
    joined.collapsed_samples = len(joined.samples) - len(kept)
    joined.samples = kept


def _round_half_even(value: float, unit: float) -> float:
    # Python's round() on a float is half-to-even on the exact binary value, like the reference.
    return float(round(value)) if unit == 1.0 else round(value / unit) * unit


def _videomind_spans(
    spans: Sequence[Sequence[float]], duration: float | None, unit: float | None
) -> list[tuple[float, ...]]:
    """Clamp, round to the unit and swap, in float32, in VideoMind's order."""
    out = []
    # Times beyond float32's range become inf or nan here and score IoU 0, silently.
    with np.errstate(over="ignore", invalid="ignore"):
        for span in spans:
            pair = np.asarray(span[:2], dtype=np.float32)
            if duration is not None:
                pair = np.clip(pair, np.float32(0), np.float32(duration))
            else:
                pair = np.maximum(pair, np.float32(0))
            if unit is not None:
                # torch.round(x / unit).long() * unit: a float32 integer survives the trip
                # through int64 unchanged, so staying in float32 gives the same values.
                pair = np.round(pair / np.float32(unit)) * np.float32(unit)
            if pair[1] - pair[0] < 0:
                pair = pair[::-1]
            out.append((float(pair[0]), float(pair[1]), *span[2:]))
    return out


def _iou_float32(pred: Span, gt: Span) -> float:
    p = np.asarray(pred, dtype=np.float32)
    g = np.asarray(gt, dtype=np.float32)
    inter = max(np.float32(min(p[1], g[1]) - max(p[0], g[0])), np.float32(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.float32(inter / ((p[1] - p[0]) + (g[1] - g[0]) - inter))
    return float(value) if math.isfinite(value) else 0.0


@dataclass
class Scored:
    row: GroundingRow
    ranked: list[tuple[float, float, float]] | None = None
    """Windows with scores for mAP (protocols with ``with_map``); empty when nothing scored."""


def _candidate_spans(
    sample: GroundingSample,
    pred: GroundingPrediction,
    protocol: GroundingProtocol,
    benchmark_id: str,
    notes: list[str],
) -> tuple[list[tuple[float, ...]], tuple[Span, ...] | None, Status, bool]:
    """Spans to score, best first: ``(spans, parsed, status, normalised)``."""
    status: Status
    parsed: tuple[Span, ...] | None
    if pred.failure is not None:
        notes.append(pred.problem or pred.failure)
        return [], None, pred.failure, False
    if pred.spans is not None:
        if pred.problem is not None:
            notes.append(pred.problem)
            return [], None, "invalid_span", False
        spans = list(pred.spans)
        if not spans:
            notes.append("empty prediction")
            return [], None, "parse_error", False
        status, parsed, normalised = "ok", tuple((s[0], s[1]) for s in spans), False
    elif pred.answer is not None:
        result = PARSERS[protocol.parser](pred.answer)
        if result.note:
            notes.append(result.note)
        spans = list(result.spans)
        parsed = tuple(result.spans) or None
        if any(not math.isfinite(v) for s in spans for v in s):
            # A 400-digit "number" parses to inf; the reference then crashes in round().
            notes.append("the answer holds a number too large to be a time")
            return [], parsed, "invalid_span", False
        status, normalised = "ok", protocol.normalised_text_time
        inference = not pred.answer_from_result_file
        if not spans:
            status = "parse_error"
            spans = _fallback(sample, protocol, inference, notes)
        if protocol.text_round_unit is not None and inference:
            unit = protocol.text_round_unit
            spans = [(_round_half_even(s[0], unit), _round_half_even(s[1], unit)) for s in spans]
    else:
        notes.append("the prediction has neither an answer nor a span")
        return [], None, "invalid_span", False

    if status == "ok" and protocol.float32:
        spans = _videomind_spans(spans, sample.duration, protocol.round_unit_for(benchmark_id))
        if sample.duration is None:
            notes.append("duration unknown: not clamped to the video's end")
    elif protocol.swap_reversed:
        spans = [(s[1], s[0], *s[2:]) if s[1] < s[0] else s for s in spans]
    return spans, parsed, status, normalised


def _fallback(
    sample: GroundingSample, protocol: GroundingProtocol, inference: bool, notes: list[str]
) -> list[tuple[float, ...]]:
    duration = sample.duration
    if protocol.text_fallback == "after_video" and inference:
        end = duration if duration is not None else max(w[1] for w in sample.windows)
        notes.append("no span in the answer: fallback [duration+10, duration+20]")
        return [(end + 10, end + 20)]
    if protocol.text_fallback == "whole_video":
        if duration is None:
            notes.append("no span in the answer and no duration for the fallback")
            return []
        notes.append("no span in the answer: fallback [0, duration]")
        return [(0.0, duration)]
    return []


def _top1_iou(
    sample: GroundingSample, top: Span, protocol: GroundingProtocol, normalised: bool
) -> tuple[float, Span, Span, str | None]:
    """``(iou, scored span in seconds, GT window used, problem)`` for the first span."""
    windows = sample.windows
    if normalised:
        duration = sample.duration
        if not duration:
            return 0.0, top, windows[0], "this protocol needs the video duration (pass --durations)"
        gt = windows[0]
        value = iou(top, (gt[0] / duration, gt[1] / duration))
        return value, (top[0] * duration, top[1] * duration), gt, None
    if protocol.float32:
        values = [_iou_float32(top, w) for w in windows]
        best = int(np.argmax(values)) if protocol.gt_window == "best" else 0
        return values[best], top, windows[best], None
    if protocol.gt_window == "best" and len(windows) > 1:
        value, window = best_window(top, windows)
        return value, top, window, None
    return iou(top, windows[0]), top, windows[0], None


def _row(
    sample: GroundingSample,
    pred: GroundingPrediction | None,
    status: Status,
    parsed: tuple[Span, ...] | None = None,
    scored: Span | None = None,
    window: Span | None = None,
    value: float = 0.0,
    notes: Sequence[str] = (),
    counted: bool = True,
) -> GroundingRow:
    return GroundingRow(
        sample.sample_id,
        sample.video_id,
        sample.query,
        sample.windows,
        sample.duration,
        answer=pred.answer if pred else None,
        parsed=parsed,
        scored_span=scored,
        gt_window_used=window,
        iou=value if counted else None,
        status=status,
        counted=counted,
        note="; ".join(notes) or None,
        origin=pred.origin if pred else None,
    )


def score_sample(
    sample: GroundingSample,
    pred: GroundingPrediction | None,
    protocol: GroundingProtocol,
    benchmark_id: str,
    missing: str,
) -> Scored:
    if pred is None:
        counted = missing == "miss"
        row = _row(sample, None, "missing_prediction", counted=counted)
        return Scored(row, [] if protocol.with_map and counted else None)

    notes: list[str] = []
    spans, parsed, status, normalised = _candidate_spans(
        sample, pred, protocol, benchmark_id, notes
    )
    value, scored, window = 0.0, None, None
    if spans:
        top = (float(spans[0][0]), float(spans[0][1]))
        value, scored, window, problem = _top1_iou(sample, top, protocol, normalised)
        if problem:
            status = "invalid_span"
            notes.append(problem)
        if top[0] > top[1]:
            notes.append("reversed span")
        if top[0] < 0 or top[1] < 0:
            notes.append("negative time")
        if top == window and top[0] == top[1]:
            notes.append("zero-length GT and prediction at one point: the reference divides by 0")
    if protocol.iou_decimals is not None:
        value = round(value, protocol.iou_decimals)

    ranked = None
    if protocol.with_map:
        # Windows without a score keep their order: a falling rank stands in for the score.
        ranked = [
            (s[0], s[1], s[2] if len(s) > 2 else -float(rank)) for rank, s in enumerate(spans)
        ]
    row = _row(sample, pred, status, parsed, scored, window, value, notes)
    return Scored(row, ranked)


def score_sample_safely(
    sample: GroundingSample,
    pred: GroundingPrediction | None,
    protocol: GroundingProtocol,
    benchmark_id: str,
    missing: str,
) -> Scored:
    """``score_sample``, except that an unforeseen input becomes a recorded, counted failure
    instead of ending the run."""
    try:
        return score_sample(sample, pred, protocol, benchmark_id, missing)
    except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
        note = f"could not be scored: {type(exc).__name__}: {exc}"
        row = _row(sample, pred, "invalid_span", notes=[note])
        return Scored(row, [] if protocol.with_map else None)


# Moment-DETR's GT-length splits, (low, high] seconds; a query joins a split through the GT
# windows whose length falls in it, and is scored against those windows only.
LENGTH_SPLITS = {"short": (0.0, 10.0), "middle": (10.0, 30.0), "long": (30.0, 150.0)}


def _map_metrics(counted: Sequence[Scored], per_sample: dict[str, np.ndarray]) -> dict[str, float]:
    aps = np.stack([average_precision(s.ranked or [], s.row.gt_windows) for s in counted])
    per_sample["mAP"] = aps.mean(axis=1)
    metrics = {
        "mAP": 100.0 * float(np.mean(aps.mean(axis=0))),
        "mAP@0.5": 100.0 * float(aps[:, 0].mean()),
        "mAP@0.75": 100.0 * float(aps[:, 5].mean()),
    }
    for name, (low, high) in LENGTH_SPLITS.items():
        split_aps = []
        for s in counted:
            windows = [w for w in s.row.gt_windows if low < w[1] - w[0] <= high]
            if windows:
                split_aps.append(average_precision(s.ranked or [], windows))
        if split_aps:
            metrics[f"mAP-{name}"] = 100.0 * float(np.mean(np.mean(split_aps, axis=0)))
    return metrics


@dataclass
class GroundingScores:
    rows: list[GroundingRow]
    metrics: dict[str, float]
    per_sample: dict[str, np.ndarray]
    n_counted: int


def aggregate(scored: Sequence[Scored], protocol: GroundingProtocol) -> GroundingScores:
    counted = [s for s in scored if s.row.counted]
    ious = np.asarray([s.row.iou for s in counted], dtype=np.float32 if protocol.float32 else float)
    metrics: dict[str, float] = {}
    per_sample: dict[str, np.ndarray] = {}
    if len(counted):
        for t in protocol.thresholds:
            # A float32 pipeline (torch) compares in float32: 0.7 becomes 0.69999999.
            threshold = np.float32(t) if protocol.float32 else t
            per_sample[f"R1@{t:g}"] = (ious >= threshold).astype(float)
        # count * 100 / N, in the references' order of operations.
        metrics.update({k: float(v.sum()) * 100 / len(v) for k, v in per_sample.items()})
        if protocol.with_miou:
            values = ious.astype(float)
            metrics["mIoU"] = math.fsum(values.tolist()) * 100 / len(values)
            per_sample["mIoU"] = values
        if protocol.with_map:
            metrics.update(_map_metrics(counted, per_sample))
    if protocol.metric_decimals is not None:
        metrics = {k: float(f"{v:.{protocol.metric_decimals}f}") for k, v in metrics.items()}
    return GroundingScores(
        rows=[s.row for s in scored], metrics=metrics, per_sample=per_sample, n_counted=len(counted)
    )
