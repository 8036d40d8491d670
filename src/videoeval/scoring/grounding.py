"""The one grounding scorer: join predictions to GT, apply a protocol, aggregate.

Order of work per query (each step is a protocol field, see ``protocols/grounding.py``):
prediction -> spans (given, or parsed from text) -> inference-time fallback and rounding ->
clamp / round to unit / swap -> top-1 -> GT window (first or best) -> IoU (rounded?) -> row.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from videoeval.metrics.grounding import best_window, iou
from videoeval.metrics.highlight import gt_matrix, highlight_metrics, query_scores
from videoeval.metrics.moment_retrieval import MAP_WINDOWS, RankedQuery, map_metrics
from videoeval.parsing.spans import PARSERS, READS, ParsedSpans
from videoeval.protocols.grounding import GroundingProtocol
from videoeval.schema import GroundingPrediction, GroundingRow, GroundingSample, Span, Status


def _round_half_even(value: float, unit: float) -> float:
    # Python's round() on a float is half-to-even on the exact binary value, like the reference.
    return float(round(value)) if unit == 1.0 else round(value / unit) * unit


def _videomind_spans(
    spans: Sequence[Sequence[float]], duration: float | None, unit: float | None
) -> list[tuple[float, ...]]:
    """Clamp, round to the unit and reorder, in float32, in VideoMind's order.

    The reorder is ``pred[inds] = pred[inds].roll(1)`` over all reversed rows at once: torch
    rolls the flattened rows, so one reversed row is swapped while two or more hand their
    bounds on to each other ([[5, 2], [9, 7]] becomes [[7, 5], [2, 9]]).
    """
    if not spans:
        return []
    # Times beyond float32's range become inf or nan here and score IoU 0, silently.
    with np.errstate(over="ignore", invalid="ignore"):
        pairs = np.asarray([span[:2] for span in spans], dtype=np.float32)
        if duration is not None:
            pairs = np.clip(pairs, np.float32(0), np.float32(duration))
        else:
            pairs = np.maximum(pairs, np.float32(0))
        if unit is not None:
            # torch.round(x / unit).long() * unit: a float32 integer survives the trip
            # through int64 unchanged, so staying in float32 gives the same values.
            pairs = np.round(pairs / np.float32(unit)) * np.float32(unit)
        reversed_rows = np.nonzero(pairs[:, 1] - pairs[:, 0] < 0)[0]
        if len(reversed_rows):
            pairs[reversed_rows] = np.roll(pairs[reversed_rows].reshape(-1), 1).reshape(-1, 2)
    return [
        (float(pair[0]), float(pair[1]), *span[2:]) for pair, span in zip(pairs, spans, strict=True)
    ]


def _iou_float32(pred: Span, gt: Span) -> float:
    p = np.asarray(pred, dtype=np.float32)
    g = np.asarray(gt, dtype=np.float32)
    inter = max(np.float32(min(p[1], g[1]) - max(p[0], g[0])), np.float32(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.float32(inter / ((p[1] - p[0]) + (g[1] - g[0]) - inter))
    return float(value) if math.isfinite(value) else 0.0


def _parsed(parser: str, answer: str) -> ParsedSpans:
    """One parse per distinct short answer: models repeat answers (refusals, stock spans), and
    a parser is a pure function of the text. Callers copy the spans; nothing changes them."""
    if len(answer) > 256:  # long answers rarely repeat; the cache holds the short ones
        return PARSERS[parser](answer)
    return _parsed_short(parser, answer)


@functools.lru_cache(maxsize=1 << 14)
def _parsed_short(parser: str, answer: str) -> ParsedSpans:
    return PARSERS[parser](answer)


@dataclass(slots=True)
class Scored:
    row: GroundingRow
    ranked: list[tuple[float, float, float]] | None = None
    """Windows with scores for mAP (protocols with ``with_map``); empty when nothing scored."""
    best_of: dict[int, float] = field(default_factory=dict)
    """k -> best IoU of the first k spans with any GT window (``recall_at_k``)."""
    highlight: dict[str, np.ndarray] | None = None
    """Per-query highlight-detection values (``with_highlights``), when both sides have them."""


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
        given = pred.spans
        if (len(given) != 1 or len(given[0]) != 2) and any(len(s) != 2 for s in given):
            # scored windows: the row shows the bounds
            parsed = tuple((s[0], s[1]) for s in given)
        else:
            parsed = given  # type: ignore[assignment]  # pairs: (start, end) each
        status, normalised = "ok", False
        if not _finite(spans[0]) or (len(spans) > 1 and not all(map(_finite, spans))):
            bad = [str(k + 1) for k, s in enumerate(spans) if not _finite(s)]
            notes.append(f"{NOT_FINITE}: window {', '.join(bad[:5])} of {len(spans)}")
        if pred.fallback:
            status = "parse_error"
            notes.append("the reference could not read the answer: its fallback span is scored")
    elif pred.answer is not None:
        result = _parsed(protocol.parser, pred.answer)
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
            if not result.note:
                notes.append(f"no span the {protocol.parser} parser reads "
                             f"({READS[protocol.parser]})")  # fmt: skip
            spans = _fallback(sample, protocol, inference, notes)
        if protocol.text_round_unit is not None and inference:
            unit = protocol.text_round_unit
            spans = [(_round_half_even(s[0], unit), _round_half_even(s[1], unit)) for s in spans]
    else:
        notes.append("the prediction has neither an answer nor a span")
        return [], None, "invalid_span", False

    if pred.postprocessed and protocol.float32:
        pass  # the reference's own inference already clamped, rounded and reordered these
    elif status == "ok" and protocol.float32:
        spans = _videomind_spans(spans, sample.duration, protocol.round_unit_for(benchmark_id))
        if sample.duration is None:
            notes.append("duration unknown: not clamped to the video's end")
    elif protocol.swap_reversed:
        spans = [(s[1], s[0], *s[2:]) if s[1] < s[0] else s for s in spans]
    return spans, parsed, status, normalised


NOT_FINITE = "a bound that is not finite (NaN or infinite)"


def _finite(span: Sequence[float]) -> bool:
    return math.isfinite(span[0]) and math.isfinite(span[1])


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


def _gt_windows(
    sample: GroundingSample, pred: GroundingPrediction, protocol: GroundingProtocol
) -> tuple[Span, ...]:
    windows = sample.windows
    if protocol.gt_from_key and pred.gt_hint is not None:
        windows = (pred.gt_hint,)
    if protocol.gt_float16:
        windows = tuple((float(np.float16(w[0])), float(np.float16(w[1]))) for w in windows)
    return windows


def _top1_iou(
    sample: GroundingSample,
    windows: tuple[Span, ...],
    top: Span,
    protocol: GroundingProtocol,
    normalised: bool,
) -> tuple[float, Span, Span, str | None]:
    """``(iou, scored span in seconds, GT window used, problem)`` for the first span."""
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
    # positional (keywords cost twice as much a record, 100k times): sample_id, video_id, query,
    # gt_windows, duration, answer, parsed, scored_span, gt_window_used, iou, status, counted,
    # note, origin
    return GroundingRow(
        sample.sample_id,
        sample.video_id,
        sample.query,
        sample.windows,
        sample.duration,
        pred.answer if pred else None,
        parsed,
        scored,
        window,
        value if counted else None,
        status,
        counted,
        "; ".join(notes) or None,
        pred.origin if pred else None,
    )


_NO_K: dict[int, float] = {}  # shared, never written: protocols without R@k


def _ranked(
    spans: Sequence[Sequence[float]],
    earlier: Sequence[GroundingPrediction],
    sample: GroundingSample,
    protocol: GroundingProtocol,
    benchmark_id: str,
) -> list[tuple[float, float, float]]:
    """The windows mAP ranks: the first 10 of each line the query received (the last line's
    are ``spans``). Windows without a score keep their order: a falling rank stands in."""
    lines: list[Sequence[Sequence[float]]] = []
    if protocol.map_pools_repeats:
        for pred in earlier:
            lines.append(_candidate_spans(sample, pred, protocol, benchmark_id, [])[0])
    lines.append(list(spans))
    pooled = [span for line in lines for span in line[:MAP_WINDOWS]]
    return [(s[0], s[1], s[2] if len(s) > 2 else -float(rank)) for rank, s in enumerate(pooled)]


def _best_of(
    spans: Sequence[Sequence[float]], windows: Sequence[Span], protocol: GroundingProtocol
) -> dict[int, float]:
    measure = _iou_float32 if protocol.float32 else iou
    values = [max(measure((s[0], s[1]), w) for w in windows) for s in spans]
    return {k: max(values[:k], default=0.0) for k in protocol.recall_at_k}


def _highlight(
    sample: GroundingSample, pred: GroundingPrediction, notes: list[str]
) -> dict[str, np.ndarray] | None:
    if pred.saliency_problem is not None:
        notes.append(f"{pred.saliency_problem}: left out of the HL-* figures")
    if sample.highlight is None or pred.saliency is None or sample.duration is None:
        return None
    clip_ids, scores = sample.highlight
    try:
        return query_scores(gt_matrix(sample.duration, clip_ids, scores), pred.saliency)
    except (IndexError, ValueError) as exc:
        notes.append(f"highlight GT unusable: {exc}")
        return None


def score_plain(
    sample: GroundingSample, pred: GroundingPrediction, protocol: GroundingProtocol
) -> Scored | None:
    """The common line in one step: one given window ``[s, e]`` with ``0 <= s < e`` finite, a
    protocol that scores its IoU and nothing else (``top1_only``), one GT window to score it
    against. It gives what :func:`score_sample` gives such a line (no note, status ok;
    ``tests/scoring/test_grounding_plain.py``); None for every other line, which that takes."""
    spans = pred.spans
    if (
        spans is None
        or len(spans) != 1
        or pred.problem is not None
        or pred.failure is not None
        or pred.fallback
        or not protocol.top1_only
    ):
        return None
    top = spans[0]
    if len(top) != 2:
        return None
    start, end = top
    if type(start) is not float or type(end) is not float or not 0.0 <= start < end < math.inf:
        return None  # a NaN fails every comparison
    windows = _gt_windows(sample, pred, protocol)
    if len(windows) != 1 and protocol.gt_window == "best":
        return None
    value = iou(top, windows[0])
    row = _row(sample, pred, "ok", spans, top, windows[0], value)  # type: ignore[arg-type]
    return Scored(row, None, _NO_K, None)


def score_sample(
    sample: GroundingSample,
    pred: GroundingPrediction | None,
    protocol: GroundingProtocol,
    benchmark_id: str,
    missing: str,
    earlier: Sequence[GroundingPrediction] = (),
) -> Scored:
    """Score one query; ``earlier`` are the lines before ``pred`` that named the same query."""
    if pred is not None and not earlier:
        plain = score_plain(sample, pred, protocol)
        if plain is not None:
            return plain
    if pred is None:
        counted = missing == "miss"
        row = _row(sample, None, "missing_prediction", counted=counted)
        best_of = dict.fromkeys(protocol.recall_at_k, 0.0) if protocol.recall_at_k else _NO_K
        return Scored(row, [] if protocol.with_map and counted else None, best_of)

    notes: list[str] = []
    spans, parsed, status, normalised = _candidate_spans(
        sample, pred, protocol, benchmark_id, notes
    )
    windows = _gt_windows(sample, pred, protocol)
    value, scored, window = 0.0, None, None
    best_of = dict.fromkeys(protocol.recall_at_k, 0.0) if protocol.recall_at_k else _NO_K
    if spans and not _finite(spans[0]):
        # The references read only the first window for R1: NaN >= t is false, a miss. The
        # other windows still rank for mAP (``_ranked``), as the reference ranks them.
        status = "invalid_span"
        notes.append("the top-1 window is not finite: IoU 0")
    elif spans:
        top = spans[0] if len(spans[0]) == 2 else (spans[0][0], spans[0][1])
        if type(top[0]) is not float or type(top[1]) is not float:
            top = (float(top[0]), float(top[1]))
        value, scored, window, problem = _top1_iou(sample, windows, top, protocol, normalised)
        if problem:
            status = "invalid_span"
            notes.append(problem)
        elif protocol.recall_at_k:
            best_of = _best_of(spans, windows, protocol)
        if top[0] > top[1]:
            notes.append("reversed span")
        if top[0] < 0 or top[1] < 0:
            notes.append("negative time")
        if top == window and top[0] == top[1]:
            notes.append("zero-length GT and prediction at one point: the reference divides by 0")
    if protocol.iou_decimals is not None:
        value = round(value, protocol.iou_decimals)
    if earlier and protocol.map_pools_repeats:
        notes.append(f"{len(earlier) + 1} lines for this query: mAP pools them, R1 uses the last")
    ranked = _ranked(spans, earlier, sample, protocol, benchmark_id) if protocol.with_map else None
    highlight = _highlight(sample, pred, notes) if protocol.with_highlights else None
    row = _row(sample, pred, status, parsed, scored, window, value, notes)
    return Scored(row, ranked, best_of, highlight)


def score_sample_safely(
    sample: GroundingSample,
    pred: GroundingPrediction | None,
    protocol: GroundingProtocol,
    benchmark_id: str,
    missing: str,
    earlier: Sequence[GroundingPrediction] = (),
) -> Scored:
    """``score_sample``, except that an unforeseen input becomes a recorded, counted failure
    instead of ending the run."""
    try:
        return score_sample(sample, pred, protocol, benchmark_id, missing, earlier)
    except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
        note = f"could not be scored: {type(exc).__name__}: {exc}"
        row = _row(sample, pred, "invalid_span", notes=[note])
        best_of = dict.fromkeys(protocol.recall_at_k, 0.0)
        return Scored(row, [] if protocol.with_map else None, best_of)


@dataclass
class GroundingScores:
    rows: list[GroundingRow]
    metrics: dict[str, float]
    per_sample: dict[str, np.ndarray]
    n_counted: int


def _percent(hits: np.ndarray, ratio_first: bool) -> float:
    # The references' orders of operations: hits * 100 / N, or VideoMind's hits / N * 100.
    return (
        float(hits.sum()) / len(hits) * 100 if ratio_first else float(hits.sum()) * 100 / len(hits)
    )


def _running_sum(values: np.ndarray) -> float:
    """Added up one by one, as a Python loop adds (``sum()`` compensates since 3.12), a slice of
    Python floats at a time: a list of them all would be the scorer's peak."""
    total = 0.0
    for start in range(0, len(values), 8192):
        for value in values[start : start + 8192].tolist():
            total += value
    return total


def aggregate(
    scored: Sequence[Scored],
    protocol: GroundingProtocol,
    file_order: Sequence[float] | np.ndarray | None = None,
) -> GroundingScores:
    """``file_order``: per scored query, where the reference's result dict (or log) holds it;
    the IoUs are added up in that order when it is given."""
    counted = [s for s in scored if s.row.counted]
    ious = np.asarray([s.row.iou for s in counted], dtype=np.float32 if protocol.float32 else float)
    metrics: dict[str, float] = {}
    per_sample: dict[str, np.ndarray] = {}
    if len(counted):
        # A float32 pipeline (torch) compares in float32: 0.7 becomes 0.69999999.
        as_threshold = np.float32 if protocol.float32 else float
        for t in protocol.thresholds:
            per_sample[f"R1@{t:g}"] = (ious >= as_threshold(t)).astype(float)
        for k in protocol.recall_at_k:
            best = np.asarray([s.best_of[k] for s in counted], dtype=ious.dtype)
            for t in protocol.thresholds:
                per_sample[f"R{k}@{t:g}"] = (best >= as_threshold(t)).astype(float)
        metrics.update({k: _percent(v, protocol.ratio_first) for k, v in per_sample.items()})
        if protocol.with_miou:
            values = ious.astype(float, copy=False)
            listed = values
            if file_order is not None:
                where = np.asarray(file_order, dtype=float)
                if len(counted) < len(scored):
                    where = where[[s.row.counted for s in scored]]
                # a stable sort, as sorted() is: rows at one place keep their order
                listed = values[np.argsort(where, kind="stable")]
            if protocol.ratio_first:
                metrics["mIoU"] = sum(listed.tolist()) / len(values) * 100
            elif protocol.running_sum:
                metrics["mIoU"] = _running_sum(listed) * 100 / len(values)
            else:
                metrics["mIoU"] = math.fsum(values.tolist()) * 100 / len(values)
            per_sample["mIoU"] = values
        if protocol.with_map:
            queries = [
                RankedQuery(s.ranked or [], s.row.gt_windows, s.row.scored_span) for s in counted
            ]
            metrics.update(map_metrics(queries, per_sample, protocol.map_splits_r1))
        if protocol.with_highlights:
            metrics.update(highlight_metrics([s.highlight for s in counted if s.highlight]))
    if protocol.metric_decimals is not None:
        metrics = {k: float(f"{v:.{protocol.metric_decimals}f}") for k, v in metrics.items()}
    return GroundingScores(
        rows=[s.row for s in scored], metrics=metrics, per_sample=per_sample, n_counted=len(counted)
    )
