"""Moment-retrieval average precision as Moment-DETR's standalone_eval computes it.

Per query: the first ``max_windows`` predicted windows (file order), stably sorted by score,
greedily matched to the query's GT windows in decreasing IoU order at each threshold; AP is the
VOC 2011 all-point interpolation. The IoU here is the true union (``compute_temporal_iou_batch_
cross``), which has no zero guard: a 0/0 becomes NaN, and since ``NaN < threshold`` is false
the reference lets it through as a match; kept as is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAP_THRESHOLDS: tuple[float, ...] = tuple(float(f"{t:.2f}") for t in np.linspace(0.5, 0.95, 10))


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
    max_windows: int = 10,
) -> np.ndarray:
    """AP of one query at each threshold; ``windows`` are ``[start, end, score]``."""
    ap = np.zeros(len(thresholds))
    preds = list(windows[:max_windows])
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
