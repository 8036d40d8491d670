"""Span arithmetic shared by every grounding protocol.

The IoU is the formula every reference scorer writes (TimeLens, TimeChat, lmms-eval, VideoMind):
``max(min(e1, e2) - max(s1, s2), 0) / (max(e1, e2) - min(s1, s2))``. Its "union" is the hull of
the two spans, which equals the true union whenever they overlap; a reversed span always scores 0.
The references divide by zero when both spans are the same single point; here that is IoU 0,
as is a NaN bound (NaN >= t is false in every reference).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from videoeval.metrics.thresholds import THRESHOLDS
from videoeval.schema import Span

__all__ = ["THRESHOLDS", "best_window", "grounding_metrics", "iou", "recall_at"]


def iou(pred: Span, gt: Span) -> float:
    inter = min(pred[1], gt[1]) - max(pred[0], gt[0])
    hull = max(pred[1], gt[1]) - min(pred[0], gt[0])
    if not (inter > 0 and hull > 0):  # also a NaN bound: never a hit
        return 0.0
    return inter / hull


def best_window(pred: Span, windows: Sequence[Span]) -> tuple[float, Span]:
    """The GT window with the highest IoU (the first one on ties, as ``max`` over a list does)."""
    best, chosen = -1.0, windows[0]
    for window in windows:
        value = iou(pred, window)
        if value > best:
            best, chosen = value, window
    return best, chosen


def recall_at(ious: np.ndarray, thresholds: Sequence[float] = THRESHOLDS) -> dict[str, float]:
    """R1@t in percent: the share of queries whose top-1 IoU is at least t."""
    n = len(ious)
    return {f"R1@{t:g}": np.count_nonzero(ious >= t) * 100 / n for t in thresholds}


def grounding_metrics(
    ious: np.ndarray, thresholds: Sequence[float] = THRESHOLDS, with_miou: bool = True
) -> dict[str, float]:
    metrics = recall_at(ious, thresholds)
    if with_miou:
        metrics["mIoU"] = float(np.sum(ious)) * 100 / len(ious)
    return metrics
