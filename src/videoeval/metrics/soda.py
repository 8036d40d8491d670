"""SODA_c (fujiso/SODA @ 356ec651 soda.py, dataset.py): story-oriented dense-caption scoring.

Per video, predictions sorted by start time and the GT events of all reference files merged and
sorted by start time; F[i, j] = tIoU(gt_i, pred_j) * METEOR(gt_i, pred_j), where the reference
calls METEOR with the GT sentence as the hypothesis and the prediction as the reference; the
best order-preserving one-to-one matching by dynamic programming,
dp[i, j] = max(dp[i-1, j], dp[i, j-1], dp[i-1, j-1] + F[i, j]), scores the video. Scores are summed
over videos and divided by the total GT and prediction counts (the reference's own P and R
labels are swapped; F1 is not affected). GT videos without predictions are dropped by the
reference; ``missing="zero"`` counts them instead (their GT events, no score).
"""

from __future__ import annotations

import numpy as np


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
