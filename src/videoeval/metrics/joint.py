"""What and when together: a per-event score for timed captions.

Each predicted event and each GT event is a (span, text) pair. Two ways to decide whether a
predicted event's text is right:

- ``frames``: a video-aware judge sees the frames inside the predicted span and says whether the
  text is true there (so a true detail the GT leaves out is still credited);
- ``gt_text``: a judge says whether the predicted text describes the GT event it overlaps
  (what n-gram and text-only judges reward: agreement with the reference).

GT events are matched to predicted events one to one by an order-preserving assignment (both
sorted by start; a match never crosses another) maximising the sum of tIoU over eligible pairs.
A pair is eligible at threshold t when tIoU >= t and the predicted text agrees with the GT
event's text; with ``frames``, the prediction must also be true on its frames.

- what-precision: ``frames``, the share of predicted events true on their frames (a true
  detail the GT leaves out counts; duplicates each count); ``gt_text``, the share matched to a
  GT event at t;
- what+when recall at t: the share of GT events matched at t (a GT event is covered only by a
  prediction that says the same thing at the same time, and, with ``frames``, is true);
- F1 at t from the two. Events are counted over the whole benchmark (micro); CIs resample
  videos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Span = tuple[float, float]
THRESHOLDS = (0.3, 0.5, 0.7)


def tiou(a: Span, b: Span) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def order_preserving_match(weights: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """Pairs ``(gt, pred)`` of the monotone matching with the largest total weight, using only
    positive weights (rows and columns in start order)."""
    n = len(weights)
    m = len(weights[0]) if n else 0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = weights[i][j] + best[i + 1][j + 1] if weights[i][j] > 0 else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if weights[i][j] > 0 and best[i][j] == weights[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


@dataclass
class VideoJudgements:
    """One video's events and what the judges said (``None``: the judge could not say)."""

    video_id: str
    gt: list[tuple[float, float, str]]
    predicted: list[tuple[float, float, str]]
    true_on_frames: list[bool | None]
    same_as_gt: dict[tuple[int, int], bool] = field(default_factory=dict)
    """``(gt index, predicted index) -> agrees``; pairs never asked (tIoU below the lowest
    threshold) do not agree."""


@dataclass
class VideoCounts:
    video_id: str
    n_gt: int
    n_pred: int
    true_preds: int
    matched: dict[str, dict[float, int]]
    """variant -> threshold -> GT events matched."""


def count_video(v: VideoJudgements, thresholds: Sequence[float] = THRESHOLDS) -> VideoCounts:
    order_g = sorted(range(len(v.gt)), key=lambda k: (v.gt[k][0], v.gt[k][1]))
    order_p = sorted(range(len(v.predicted)), key=lambda k: (v.predicted[k][0], v.predicted[k][1]))
    overlap = [[tiou(v.gt[g][:2], v.predicted[p][:2]) for p in order_p] for g in order_g]
    matched: dict[str, dict[float, int]] = {"frames": {}, "gt_text": {}}
    for t in thresholds:
        frames = [[overlap[a][b] if overlap[a][b] >= t and v.true_on_frames[p]
                   and v.same_as_gt.get((g, p), False) else 0.0
                   for b, p in enumerate(order_p)]
                  for a, g in enumerate(order_g)]  # fmt: skip
        text = [[overlap[a][b] if overlap[a][b] >= t and v.same_as_gt.get((g, p), False)
                 else 0.0 for b, p in enumerate(order_p)]
                for a, g in enumerate(order_g)]  # fmt: skip
        matched["frames"][t] = len(order_preserving_match(frames))
        matched["gt_text"][t] = len(order_preserving_match(text))
    true_preds = sum(1 for x in v.true_on_frames if x)
    return VideoCounts(v.video_id, len(v.gt), len(v.predicted), true_preds, matched)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def joint_metrics(
    counts: Sequence[VideoCounts], thresholds: Sequence[float] = THRESHOLDS
) -> dict[str, float]:
    """Percentages over all events of ``counts``."""
    n_gt = sum(c.n_gt for c in counts)
    n_pred = sum(c.n_pred for c in counts)
    out: dict[str, float] = {}
    precision = sum(c.true_preds for c in counts) / n_pred if n_pred else 0.0
    out["what_precision"] = 100 * precision
    for t in thresholds:
        recall = sum(c.matched["frames"][t] for c in counts) / n_gt if n_gt else 0.0
        out[f"what_when_recall@{t}"] = 100 * recall
        out[f"F1@{t}"] = 100 * _f1(precision, recall)
        text_matched = sum(c.matched["gt_text"][t] for c in counts)
        text_p = text_matched / n_pred if n_pred else 0.0
        text_r = text_matched / n_gt if n_gt else 0.0
        out[f"gt_text_precision@{t}"] = 100 * text_p
        out[f"gt_text_recall@{t}"] = 100 * text_r
        out[f"gt_text_F1@{t}"] = 100 * _f1(text_p, text_r)
    return out


def bootstrap_ci(
    counts: Sequence[VideoCounts],
    resamples: int,
    seed: int,
    thresholds: Sequence[float] = THRESHOLDS,
) -> dict[str, list[float]]:
    """95% percentile intervals of every figure, resampling videos."""
    import numpy as np

    if resamples <= 0 or not counts:
        return {}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(resamples):
        picked = [counts[i] for i in rng.integers(0, len(counts), len(counts))]
        for key, value in joint_metrics(picked, thresholds).items():
            draws.setdefault(key, []).append(value)
    return {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
            for k, v in draws.items()}  # fmt: skip
