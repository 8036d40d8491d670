"""QVHighlights highlight detection as Moment-DETR's standalone_eval scores it.

Per query the GT is a (clips x 3 raters) matrix of saliency scores 0-4: zero everywhere except
the ``relevant_clip_ids`` rows, which hold ``saliency_scores``; the video has
``int(duration / 2)`` clips of 2 s. At each minimum score (Fair 2, Good 3, VeryGood 4) a clip
is positive for a rater when its score reaches the minimum.
- Hit1: the clip with the highest predicted saliency (the first on ties) is a hit for a rater
  when that rater marked it positive; the query scores the best rater; mean over queries.
- mAP: per query and rater, the average precision of the predicted saliency (cut to the
  number of clips, or padded with zeros) against that rater's positives, as the reference's
  ``get_ap`` computes it from scikit-learn's precision-recall curve (interpolated, averaged at
  every recall change); an all-negative rater scores 0 and an all-positive one 1; the mean
  over queries and raters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CLIP_SECONDS = 2
LEVELS: dict[str, int] = {"Fair": 2, "Good": 3, "VeryGood": 4}


def gt_matrix(
    duration: float, clip_ids: Sequence[int], scores: Sequence[Sequence[float]]
) -> np.ndarray:
    """The full-video (clips x 3) saliency matrix; raises ``IndexError`` for a clip id past
    the video's last clip (the reference fails there too)."""
    full = np.zeros((int(duration / CLIP_SECONDS), 3))
    if len(clip_ids):
        ids = np.asarray(clip_ids, dtype=int)
        if ids.min() < 0 or ids.max() >= len(full):
            raise IndexError(f"clip id outside the video's {len(full)} clips")
        full[ids] = np.asarray(scores, dtype=float)
    return full


def binary_average_precision(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """``get_ap(y_true, y_score)`` of Moment-DETR's utils (interpolate=True, point_11=False)."""
    values = set(y_true.tolist())
    if len(values) == 1:
        return 0.0 if y_true[0] == 0 else 1.0
    # scikit-learn's precision_recall_curve: scores in decreasing order (a stable sort,
    # reversed), one point per distinct score.
    order = np.argsort(y_score, kind="mergesort")[::-1]
    score, truth = y_score[order], y_true[order]
    cut = np.r_[np.where(np.diff(score))[0], truth.size - 1]
    tps = np.cumsum(truth, dtype=np.float64)[cut]
    fps = 1 + cut - tps
    precision = np.r_[(tps / (tps + fps))[::-1], 1.0]
    recall = np.r_[(tps / tps[-1])[::-1], 0.0].astype(np.float32)
    precision = np.maximum.accumulate(precision)
    return float(np.mean(precision[np.where(np.diff(recall))[0]]))


def query_scores(gt: np.ndarray, predicted: Sequence[float]) -> dict[str, np.ndarray]:
    """Per level, this query's ``Hit1`` (one value) and ``AP`` (one per rater)."""
    pred = np.asarray(predicted, dtype=float)
    if len(pred) > len(gt):
        fitted = pred[: len(gt)]
    else:
        fitted = np.zeros(len(gt))
        fitted[: len(pred)] = pred
    top = int(np.argmax(pred)) if len(pred) else len(gt)
    out: dict[str, np.ndarray] = {}
    for name, minimum in LEVELS.items():
        positive = (gt >= minimum).astype(float)
        hit = positive[top] if top < len(positive) else np.zeros(3)
        out[f"HL-min-{name}-Hit1"] = np.asarray([np.max(hit)])
        out[f"HL-min-{name}-mAP"] = np.asarray(
            [binary_average_precision(positive[:, w], fitted) for w in range(3)]
        )
    return out


def highlight_metrics(per_query: Sequence[dict[str, np.ndarray]]) -> dict[str, float]:
    """Means over queries (and raters), in percent, as the reference's ``eval_highlight``."""
    if not per_query:
        return {}
    return {
        name: 100 * float(np.mean(np.stack([q[name] for q in per_query]))) for name in per_query[0]
    }
