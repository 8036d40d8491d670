"""TimeLens's difficulty sampling of grounding prompts for GRPO (TencentARC/TimeLens @ 5d90c06:
``training/data/grounding.py::GroundingDataset._filter_annos`` with the filters of its
``__init__``, the buckets of ``training/data/hybrid.py`` and the flags of
``train_scripts/run_grpo_qwen3_8b.sh``).

1. Filters: videos of 5 to 500 s, queries of at most 200 words (split on single spaces), GT spans
   inside the video (``0 <= s <= e <= duration``); TimeLens's Gemini-refined data also drops
   queries about sound (hear, sound, audio, ...).
2. Buckets by duration: [0, 30], [30, 60], ..., [210, 240], [240, inf) (the first bucket whose
   closed range holds it); ``int(target / 9)`` prompts drawn from each (all when fewer). A
   prompt in no bucket (no duration) is kept as it is.
3. In each bucket, weights ``exp(-0.5 ((iou - mean) / std)^2)`` (mean 0.05, std 0.2: prompts the
   model nearly misses), times the inverse density of the prompt's IoU over 20 equal bins of
   [0, 1] (``fixed_gaussian_sampling``), drawn without replacement by one
   ``numpy.random.default_rng(seed)`` (seed 42, the trainer's) shared by the buckets in order.
The IoU is the model's greedy answer's (one per prompt, TimeLens's data filter) under TimeLens's
training reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MEAN, STD, SEED = 0.05, 0.2, 42
MIN_SECONDS, MAX_SECONDS, MAX_WORDS = 5.0, 500.0, 200
BUCKETS: tuple[tuple[float, float], ...] = (
    *((float(i), float(i + 30)) for i in range(0, 240, 30)),
    (240.0, float("inf")),
)
AUDIO_WORDS = {"hear", "heard", "hears", "hearing", "sound", "sounded", "sounds", "sounding",
               "audio"}  # fmt: skip
BINS = 20


@dataclass(frozen=True)
class Prompt:
    query: str
    duration: float | None
    spans: Sequence[Sequence[float]]
    iou: float


@dataclass
class Selection:
    selected: list[int]
    """Indices of the chosen prompts, in their original order."""
    dropped: dict[str, list[int]] = field(default_factory=dict)
    """Prompts each filter removed, by filter."""
    per_bucket: list[tuple[str, int, int]] = field(default_factory=list)
    """(bucket, prompts in it, prompts drawn)."""


def is_audio_query(query: str) -> bool:
    return any(word in AUDIO_WORDS for word in query.strip("?").lower().split())


def _filter(prompts: Sequence[Prompt], drop_audio: bool) -> tuple[list[int], dict[str, list[int]]]:
    dropped: dict[str, list[int]] = {"audio query": [], "query over 200 words": [],
                                     "video under 5 s": [], "video over 500 s": [],
                                     "span outside the video": []}  # fmt: skip
    kept = []
    for i, p in enumerate(prompts):
        if drop_audio and is_audio_query(p.query):
            dropped["audio query"].append(i)
        elif len(p.query.split(" ")) > MAX_WORDS:
            dropped["query over 200 words"].append(i)
        elif (p.duration if p.duration is not None else float("inf")) < MIN_SECONDS:
            dropped["video under 5 s"].append(i)
        elif (p.duration if p.duration is not None else 0.0) > MAX_SECONDS:
            dropped["video over 500 s"].append(i)
        elif p.duration and not any(0 <= s[0] <= s[1] <= p.duration for s in p.spans):
            dropped["span outside the video"].append(i)
        else:
            kept.append(i)
    return kept, {k: v for k, v in dropped.items() if v}


def timelens_select(
    prompts: Sequence[Prompt],
    target: int,
    mean: float = MEAN,
    std: float = STD,
    seed: int = SEED,
    drop_audio: bool = True,
) -> Selection:
    """The prompts TimeLens's sampler keeps for a ``target``-sized training set."""
    kept, dropped = _filter(prompts, drop_audio)
    rng = np.random.default_rng(seed)
    per_range = int(target / len(BUCKETS))
    buckets: dict[tuple[float, float], list[int]] = {b: [] for b in BUCKETS}
    chosen: list[int] = []
    for i in kept:
        duration = prompts[i].duration
        bucket = next((b for b in BUCKETS if duration is not None and b[0] <= duration <= b[1]),
                      None)  # fmt: skip
        if bucket is None:
            chosen.append(i)
        else:
            buckets[bucket].append(i)
    selection = Selection([], dropped)
    for (low, high), members in buckets.items():
        if not members:
            continue
        count = min(per_range, len(members))
        ious = np.array([prompts[i].iou for i in members], dtype=np.float64)
        weights = np.exp(-0.5 * ((ious - mean) / std) ** 2)
        counts, edges = np.histogram(ious, bins=BINS, range=(0, 1))
        bins = np.clip(np.digitize(ious, bins=edges), 1, BINS) - 1
        weights *= (1.0 / (counts + 1e-6))[bins]
        weights = weights / weights.sum()
        drawn = rng.choice(members, size=count, replace=False, p=weights).tolist()
        chosen.extend(drawn)
        selection.per_bucket.append((f"{low:g}-{high:g} s", len(members), len(drawn)))
    picked = set(chosen)
    selection.selected = [i for i in range(len(prompts)) if i in picked]
    return selection
