"""Grounding thresholds as plain data (no numpy), so that the protocol registry and
`videoeval list` load without the numerical stack."""

from __future__ import annotations

THRESHOLDS: tuple[float, ...] = (0.3, 0.5, 0.7)
"""R1@t for the grounding protocols."""
MAP_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
"""Moment-DETR's mAP / R1 thresholds, 0.5:0.05:0.95 (``np.linspace(0.5, 0.95, 10)`` printed
with two decimals, as its evaluator keys them)."""
