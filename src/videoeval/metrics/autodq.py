"""AutoDQ aggregation (bytedance/tarsier evaluation/metrics/evaluate_dream_gpt.py).

Per clip: recall = entailed GT events / GT events (the prediction is the premise); precision =
entailed predicted events / predicted events (the GT description is the premise); an empty event
list scores 1.0. Per category: the mean recall and mean precision over the clips that succeeded,
F1 from those means. Overall: the macro mean of the category means, F1 of the two overall means
(not a mean of F1s). Failed clips are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClipScore:
    sample_id: str
    category: str
    recall: float | None
    precision: float | None

    @property
    def ok(self) -> bool:
        return self.recall is not None and self.precision is not None


def hit_rate(labels: Sequence[str]) -> float:
    """Share of ``entailment`` labels; 1.0 for an empty list, as the reference scores it."""
    if not labels:
        return 1.0
    return sum(1 for label in labels if label == "entailment") / len(labels)


def f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


@dataclass(frozen=True)
class AutoDQResult:
    recall: float
    precision: float
    f1: float
    by_category: dict[str, dict[str, float]]
    n_success: int
    n_failed: int


def aggregate(clips: Sequence[ClipScore]) -> AutoDQResult:
    """Scores in [0, 1] (the CLI reports percent)."""
    categories: dict[str, list[ClipScore]] = {}
    failed = 0
    for clip in clips:
        if clip.ok:
            categories.setdefault(clip.category, []).append(clip)
        else:
            failed += 1
    by_category: dict[str, dict[str, float]] = {}
    for name, members in categories.items():
        r = sum(c.recall or 0.0 for c in members) / len(members)
        p = sum(c.precision or 0.0 for c in members) / len(members)
        by_category[name] = {"recall": r, "precision": p, "F1": f1(r, p), "n": float(len(members))}
    return from_category_means(by_category, n_failed=failed)


def bootstrap_ci(
    clips: Sequence[ClipScore], resamples: int = 1000, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals (percent) of recall, precision and F1, resampling clips within
    each category so every replicate keeps the macro mean's structure."""
    import numpy as np

    if resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    groups: dict[str, list[tuple[float, float]]] = {}
    for clip in clips:
        if clip.recall is not None and clip.precision is not None:
            groups.setdefault(clip.category, []).append((clip.recall, clip.precision))
    if not groups:
        return {}
    recall = np.zeros(resamples)
    precision = np.zeros(resamples)
    for values in groups.values():
        data = np.asarray(values, dtype=float)
        index = rng.integers(0, len(data), size=(resamples, len(data)))
        means = data[index].mean(axis=1)
        recall += means[:, 0] / len(groups)
        precision += means[:, 1] / len(groups)
    total = recall + precision
    f1s = np.divide(2 * recall * precision, total, out=np.zeros_like(total), where=total > 0)
    out = {}
    for name, reps in (("recall", recall), ("precision", precision), ("F1", f1s)):
        low, high = np.quantile(100 * reps, [0.025, 0.975])
        out[name] = (float(low), float(high))
    return out


def from_category_means(
    by_category: dict[str, dict[str, float]], n_failed: int = 0
) -> AutoDQResult:
    if not by_category:
        return AutoDQResult(0.0, 0.0, 0.0, {}, 0, n_failed)
    recall = sum(c["recall"] for c in by_category.values()) / len(by_category)
    precision = sum(c["precision"] for c in by_category.values()) / len(by_category)
    n_success = int(sum(c.get("n", 0) for c in by_category.values()))
    return AutoDQResult(recall, precision, f1(recall, precision), by_category, n_success, n_failed)


# The reference's bucket tables: clips grouped by GT n_subjects, n_shots and n_events.
BUCKETS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "n_subjects": (("<=1", 0, 1), ("2", 2, 2), ("3", 3, 3), (">=4", 4, 10**9)),
    "n_shots": (("<=1", 0, 1), ("2", 2, 2), ("3", 3, 3), (">=4", 4, 10**9)),
    "n_events": (("<=3", 0, 3), ("4-5", 4, 5), ("6-7", 6, 7), (">=8", 8, 10**9)),
}


def bucket_tables(
    clips: Sequence[ClipScore], attributes: dict[str, dict[str, int | None]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Per attribute and bucket: mean recall and precision of the successful clips in it, F1 of
    those means, and the count. ``attributes[sample_id][name]`` gives the clip's value."""
    tables: dict[str, dict[str, dict[str, float]]] = {}
    for name, buckets in BUCKETS.items():
        table: dict[str, dict[str, float]] = {}
        for label, low, high in buckets:
            members = [
                c for c in clips
                if c.ok and (v := attributes.get(c.sample_id, {}).get(name)) is not None
                and low <= v <= high
            ]  # fmt: skip
            if not members:
                continue
            r = sum(c.recall or 0.0 for c in members) / len(members)
            p = sum(c.precision or 0.0 for c in members) / len(members)
            table[label] = {"recall": 100 * r, "precision": 100 * p, "F1": 100 * f1(r, p),
                            "count": float(len(members))}  # fmt: skip
        if table:
            tables[name] = table
    return tables
