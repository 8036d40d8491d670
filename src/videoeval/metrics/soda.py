"""SODA_c (fujiso/SODA soda.py, dataset.py): story-oriented dense-caption scoring.

Per video, predictions sorted by start time and the GT events of all reference files merged and
sorted by start time; F[i, j] = tIoU(gt_i, pred_j) * METEOR(gt_i, pred_j), where the reference
calls METEOR with the GT sentence as the hypothesis and the prediction as the reference; the
best order-preserving one-to-one matching by dynamic programming,
dp[i, j] = max(dp[i-1, j], dp[i, j-1], dp[i-1, j-1] + F[i, j]), scores the video.

Two aggregations exist, and they give different figures:
- ``videos`` (fujiso/SODA @ 9cb3e2c, v1.1, the version PDVC's ``eval_soda`` runs): per video
  p = dp / #pred, r = dp / #gt and their F1; SODA_c is the mean over videos of the F1 (and the
  reported precision and recall the means of p and r).
- ``corpus`` (fujiso/SODA @ 356ec65 and 22671b3): dp summed over videos, divided by the total
  prediction and GT counts, one F1 at the end. Those commits print precision and recall under
  each other's names; F1 is symmetric, and ours carry the usual meaning.
GT videos without predictions are dropped by both; ``missing="zero"`` counts them instead (their
GT events, no score).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from videoeval.metrics.soda_average import SODA_AVERAGES, SodaAverage

__all__ = ["SODA_AVERAGES", "SodaAverage", "dp_alignment", "soda_aggregate", "soda_f1"]


def dp_alignment(scores: np.ndarray) -> float:
    """Best total score of an order-preserving one-to-one matching of rows to columns."""
    rows, cols = scores.shape
    if rows == 0 or cols == 0:
        return 0.0
    dp = np.zeros((rows + 1, cols + 1))
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            dp[i, j] = max(dp[i - 1, j], dp[i, j - 1], dp[i - 1, j - 1] + scores[i - 1, j - 1])
    return float(dp[rows, cols])


def soda_f1(total: float, n_gt: int, n_pred: int) -> tuple[float, float, float]:
    """``(precision, recall, F1)`` with precision over predictions and recall over GT events."""
    precision = total / n_pred if n_pred else 0.0
    recall = total / n_gt if n_gt else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def soda_aggregate(
    videos: Sequence[tuple[float, int, int]], average: SodaAverage
) -> tuple[float, float, float]:
    """``(precision, recall, F1)`` from per-video ``(dp score, #gt, #pred)``."""
    if average == "corpus":
        return soda_f1(
            sum(v[0] for v in videos), sum(v[1] for v in videos), sum(v[2] for v in videos)
        )
    if not videos:
        return 0.0, 0.0, 0.0
    per_video = np.asarray([soda_f1(*v) for v in videos])
    # np.mean, as the reference: its pairwise sum can differ from a plain sum in the last bit.
    precision, recall, f1 = (float(x) for x in per_video.mean(axis=0))
    return precision, recall, f1
