"""E.T. Bench's grounding scores per sample, as ``evaluation/compute_metrics.py`` computes them
per (task, source) group: TVG / EPM (the first span's IoU with the GT window; F1@t is the share
of all samples with IoU >= t), TAL (an F1 of spans against GT windows at each t), EVS (an F1 of
1-second bins over 1000 s) and VHD (the answer's time inside any annotator's window)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Span = tuple[float, float]


def temporal_iou(a: Span, b: Span) -> float:
    """nncore's ``temporal_iou`` of two spans: intersection over union."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def tvg_hits(
    pred: Sequence[Span], gt: Span, thresholds: Sequence[float]
) -> tuple[float, list[bool]]:
    """The first predicted span's IoU with the window, and whether it reaches each threshold."""
    iou = temporal_iou(pred[0], gt)
    return iou, [iou >= t for t in thresholds]


def tal_f1(pred: Sequence[Span], gt: Sequence[Span], thresholds: Sequence[float]) -> list[float]:
    """At each threshold: 0 when no pair reaches it, else 2PR/(P+R) with R the share of GT
    windows whose best IoU reaches it and P the share of predicted spans."""
    ious = np.asarray([[temporal_iou(p, g) for p in pred] for g in gt])
    out = []
    for t in thresholds:
        if ious.max() < t:
            out.append(0.0)
            continue
        recall = float((ious.max(axis=1) >= t).mean())
        precision = float((ious.max(axis=0) >= t).mean())
        out.append(2 * precision * recall / (precision + recall))
    return out


def _bins(spans: Sequence[Span], bins: int) -> np.ndarray:
    marks = np.zeros(bins, dtype=bool)
    for start, end in spans:
        # Python's round (half to even) and slicing, as the reference's torch slice takes them
        marks[max(0, round(start)) : round(end)] = True
    return marks


def evs_f1(pred: Sequence[Span], gt: Sequence[Span], bins: int = 1000) -> float:
    truth, said = _bins(gt, bins), _bins(pred, bins)
    tp = int((truth & said).sum())
    if tp == 0:
        return 0.0
    recall = tp / int(truth.sum())
    precision = tp / int(said.sum())
    return 2 * precision * recall / (precision + recall)


def vhd_hit(time: float, windows: Sequence[Sequence[Span]]) -> bool:
    return any(start <= time <= end for annotator in windows for start, end in annotator)
