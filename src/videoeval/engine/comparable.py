"""Comparable by default: a benchmark declares the frames each model family was evaluated with
in its published table (``facts["evaluation_frames"]``: family -> preset); a run of that family
with other frames is said to be not comparable with the table, on the terminal and in
metrics.json, with both frame budgets."""

from __future__ import annotations

from typing import Any

from videoeval.benchmarks import BENCHMARKS
from videoeval.video.presets import PRESETS

FAMILIES = {"qwen3-vl": ("qwen3-vl", "qwen3vl"), "qwen2.5-vl": ("qwen2.5-vl", "qwen2_5_vl")}
"""Families by the names their checkpoints carry (a hint: a served model's name is all a run
knows of it; a local checkpoint's ``model_type`` picks its preset exactly)."""

_SAMPLING = ("fps", "min_frames", "max_frames", "nframes")
_BUDGET = ("factor", "min_pixels", "max_pixels", "total_pixels")


def family_of(frames: dict[str, Any], model: dict[str, Any]) -> str | None:
    """The model family a run's model belongs to: its family preset, else its name."""
    preset = str(frames.get("preset") or "").split(" ", 1)[0]  # recorded as "<name> v<version>"
    if preset in FAMILIES:
        return preset
    name = str(model.get("model") or "").lower().replace("_", "-")
    for family, marks in FAMILIES.items():
        if any(mark.replace("_", "-") in name for mark in marks):
            return family
    return None


def _tokens(budget: dict[str, Any] | None) -> str:
    if not budget or not budget.get("total_pixels"):
        return "no clip budget"
    return f"{budget['total_pixels'] // budget['factor'] ** 2:,} tokens"


def comparability(benchmark_id: str, config: dict[str, Any]) -> str | None:
    """Why a run (its run.json config) is not comparable with its benchmark's published table,
    or ``None`` (comparable, or nothing is declared for its family)."""
    benchmark = BENCHMARKS.get(benchmark_id)
    declared = benchmark.facts.get("evaluation_frames") if benchmark else None
    frames = config.get("frames") or {}
    model = config.get("model") or {}
    family = family_of(frames, model)
    if not declared or family is None or family not in declared["presets"]:
        return None
    official = PRESETS[declared["presets"][family]]
    if frames.get("preset") == official.label:
        return None
    sampling, budget = frames.get("sampling") or {}, frames.get("budget") or {}
    settings = official.settings
    same = sampling.get("kind") == settings.get("sampling") and all(
        sampling.get(k) == settings.get(k) for k in _SAMPLING if k in settings
    ) and all(budget.get(k) == settings.get(k) for k in _BUDGET if k in settings)  # fmt: skip
    if same:
        return None
    theirs = {k: settings[k] for k in _BUDGET if k in settings}
    return (
        f"not comparable with {declared['table']}: frames {frames.get('sampling_text')} with "
        f"{_tokens(budget)} a clip, where {family} models were evaluated with --preset "
        f"{official.name} ({_tokens(theirs)} a clip); run with --preset {official.name}"
    )
