"""GT-audit statistics over K independent judge runs.

Per clip: ``loose`` = flagged (some GT error listed) in any run; ``consensus`` = flagged in every
run; ``tight`` = major (factual score <= 5) in every run; ``major_any`` = major in some run. With
one run, loose and consensus coincide. Rates are over the clips every run audited; clips that
could not be audited are counted apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STATISTICS = ("loose", "consensus", "tight", "major_any")


@dataclass(frozen=True)
class ClipFlags:
    sample_id: str
    category: str
    flagged: tuple[bool, ...]
    """One entry per run: the GT was given at least one error."""
    major: tuple[bool, ...]
    """One entry per run: the GT's factual score was at or below the major threshold."""

    def statistic(self, name: str) -> bool:
        if name == "loose":
            return any(self.flagged)
        if name == "consensus":
            return all(self.flagged)
        if name == "tight":
            return all(self.major)
        if name == "major_any":
            return any(self.major)
        raise KeyError(name)


def audit_rates(
    clips: Sequence[ClipFlags],
) -> tuple[dict[str, float], dict[str, np.ndarray], dict[str, dict[str, float]]]:
    """``(rates in percent with counts, each clip's 0/1 per rate for the bootstrap,
    per-category rates)``."""
    metrics: dict[str, float] = {}
    per_sample: dict[str, np.ndarray] = {}
    for name in STATISTICS:
        values = np.asarray([c.statistic(name) for c in clips], dtype=float)
        metrics[f"{name}_rate"] = float(values.sum()) * 100 / len(values) if len(values) else 0.0
        metrics[f"{name}_count"] = float(values.sum())
        per_sample[f"{name}_rate"] = values
    by_category: dict[str, dict[str, float]] = {}
    for category in sorted({c.category for c in clips}):
        members = [c for c in clips if c.category == category]
        entry = {"n": float(len(members))}
        for name in STATISTICS:
            hits = sum(c.statistic(name) for c in members)
            entry[f"{name}_rate"] = hits * 100 / len(members)
            entry[f"{name}_count"] = float(hits)
        by_category[category] = entry
    return metrics, per_sample, by_category
