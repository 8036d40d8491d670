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


class TaskMeanIntervals:
    """95% intervals of the task figures and F1_gnd: each (task, source) group's samples
    resampled within the group (its figure is the mean of per-sample values: a sample's share
    of the thresholds reached for TVG / EPM, its F1 averaged over thresholds for TAL, its bin F1
    for EVS, 0 / 1 for VHD), a task the mean of its groups, F1_gnd the mean of the five tasks.
    Percentile intervals, in points; the reference's 5-decimal rounding is not applied to the
    resamples."""

    def __init__(self, groups: dict[tuple[str, str], np.ndarray], tasks: Sequence[str]) -> None:
        self.groups = groups
        self.tasks = tuple(tasks)

    def __call__(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        if resamples <= 0 or not self.groups:
            return {}
        rng = np.random.default_rng(seed)
        per_task: dict[str, list[np.ndarray]] = {}
        for (task, _source), values in sorted(self.groups.items()):
            means = np.empty(resamples)
            for start in range(0, resamples, 64):  # blocks keep the index array small
                stop = min(resamples, start + 64)
                picks = rng.integers(0, len(values), size=(stop - start, len(values)))
                means[start:stop] = values[picks].mean(axis=1) if len(values) else 0.0
            per_task.setdefault(task, []).append(means)
        figures = {task.upper(): np.mean(draws, axis=0) for task, draws in per_task.items()}
        if all(task.upper() in figures for task in self.tasks):
            figures["F1_gnd"] = np.mean([figures[t.upper()] for t in self.tasks], axis=0)
        out = {}
        for name, draws in figures.items():
            low, high = np.quantile(100.0 * draws, [0.025, 0.975])
            out[name] = (float(low), float(high))
        return out
