"""Moment-retrieval average precision as Moment-DETR's standalone_eval computes it.

Per query: the first ``max_windows`` predicted windows (file order), stably sorted by score,
greedily matched to the query's GT windows in decreasing IoU order at each threshold; AP is the
VOC 2011 all-point interpolation. The IoU here is the true union (``compute_temporal_iou_batch_
cross``), which has no zero guard: a 0/0 becomes NaN, and since ``NaN < threshold`` is false
the reference lets it through as a match; kept as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoeval.metrics.grounding import best_window, iou
from videoeval.metrics.thresholds import MAP_THRESHOLDS

MAP_WINDOWS = 10
"""Windows per prediction line that mAP reads (``max_pred_windows``)."""
R1_THRESHOLDS = MAP_THRESHOLDS
# GT-length splits, (low, high] seconds; a query joins a split through the GT windows whose
# length falls in it, and is scored against those windows only.
LENGTH_SPLITS = {"short": (0.0, 10.0), "middle": (10.0, 30.0), "long": (30.0, 150.0)}


def _interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    mprecision = np.hstack([[0.0], precision, [0.0]])
    mrecall = np.hstack([[0.0], recall, [1.0]])
    for i in range(len(mprecision) - 2, -1, -1):
        mprecision[i] = max(mprecision[i], mprecision[i + 1])
    idx = np.where(mrecall[1:] != mrecall[:-1])[0] + 1
    return float(np.sum((mrecall[idx] - mrecall[idx - 1]) * mprecision[idx]))


def average_precision(
    windows: Sequence[Sequence[float]],
    gt_windows: Sequence[Sequence[float]],
    thresholds: Sequence[float] = MAP_THRESHOLDS,
    max_windows: int | None = MAP_WINDOWS,
) -> np.ndarray:
    """AP of one query at each threshold; ``windows`` are ``[start, end, score]``;
    ``max_windows=None`` when the caller has already cut each line to its first 10."""
    ap = np.zeros(len(thresholds))
    preds = list(windows if max_windows is None else windows[:max_windows])
    if not preds or not gt_windows:
        return ap
    preds.sort(key=lambda w: -w[2])  # stable, like list.sort in the reference
    gts = np.asarray([[g[0], g[1]] for g in gt_windows], dtype=float)
    gt_area = gts[:, 1] - gts[:, 0]
    lock = np.full((len(thresholds), len(gts)), -1)
    tp = np.zeros((len(thresholds), len(preds)))
    fp = np.zeros((len(thresholds), len(preds)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p_idx, pred in enumerate(preds):
            left = np.maximum(pred[0], gts[:, 0])
            right = np.minimum(pred[1], gts[:, 1])
            inter = np.clip(right - left, 0, None)
            tiou = inter / ((pred[1] - pred[0]) + gt_area - inter)
            order = tiou.argsort()[::-1]
            for t_idx, threshold in enumerate(thresholds):
                for j in order:
                    if tiou[j] < threshold:
                        fp[t_idx, p_idx] = 1
                        break
                    if lock[t_idx, j] >= 0:
                        continue
                    tp[t_idx, p_idx] = 1
                    lock[t_idx, j] = p_idx
                    break
                if fp[t_idx, p_idx] == 0 and tp[t_idx, p_idx] == 0:
                    fp[t_idx, p_idx] = 1
    tp_cum = np.cumsum(tp, axis=1)
    fp_cum = np.cumsum(fp, axis=1)
    recall = tp_cum / float(len(gts))
    precision = tp_cum / (tp_cum + fp_cum)
    for t_idx in range(len(thresholds)):
        ap[t_idx] = _interpolated_ap(precision[t_idx], recall[t_idx])
    return ap


@dataclass(frozen=True)
class RankedQuery:
    """What mAP and the split R1 need of one counted query."""

    ranked: Sequence[Sequence[float]]
    gt_windows: Sequence[Sequence[float]]
    top1: tuple[float, float] | None


def _ap_figures(aps: np.ndarray, prefix: str) -> dict[str, float]:
    # ap_array.mean(0), then the mean of that, as the reference (not a mean of the flat array).
    per_threshold = aps.mean(axis=0)
    figures = {f"mAP{prefix}": 100.0 * float(np.mean(per_threshold))}
    figures.update(
        {
            f"mAP{prefix}@{t:g}": 100.0 * float(v)
            for t, v in zip(MAP_THRESHOLDS, per_threshold, strict=True)
        }
    )
    return figures


def _split_r1(top1: tuple[float, float] | None, windows: Sequence[Sequence[float]]) -> float:
    if top1 is None:
        return 0.0
    _, window = best_window(top1, [(w[0], w[1]) for w in windows])
    return iou(top1, window)


def map_metrics(
    queries: Sequence[RankedQuery], per_sample: dict[str, np.ndarray], split_r1: bool
) -> dict[str, float]:
    """mAP at each threshold and averaged, over all queries and per GT-length split (with the
    split's R1 when asked); adds the per-query mAP to ``per_sample`` for the CIs."""
    aps = np.stack([average_precision(q.ranked, q.gt_windows, max_windows=None) for q in queries])
    per_sample["mAP"] = aps.mean(axis=1)
    metrics = _ap_figures(aps, "")
    for name, (low, high) in LENGTH_SPLITS.items():
        split_aps, split_ious = [], []
        for q in queries:
            windows = [w for w in q.gt_windows if low < w[1] - w[0] <= high]
            if windows:
                split_aps.append(average_precision(q.ranked, windows, max_windows=None))
                split_ious.append(_split_r1(q.top1, windows))
        if not split_aps:
            continue  # the reference divides by zero here
        metrics.update(_ap_figures(np.stack(split_aps), f"-{name}"))
        if split_r1:
            values = np.asarray(split_ious)
            for t in R1_THRESHOLDS:
                metrics[f"R1-{name}@{t:g}"] = float(np.mean(values >= t) * 100)
    return metrics
