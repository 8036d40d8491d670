"""Tarsier2's video corruptions (its Section 3.3 / Appendix D), as data on our exact frame lists.

Each corruption turns the N frame indices the clean sampling picked into the indices a
corrupted copy shows, seeded and recorded, so the negative sample of a preference pair is
reproducible and auditable:

- ``clip-switching``: the N frames form 4 equal clips; 2 of them, chosen at random, swap places.
- ``clip-reversing``: a random run of N/2 to N consecutive frames is played backwards.
- ``clip-cropping``: N frames re-sampled (the clean rule) from a random clip of half the video.
- ``down-sampling``: half of the N frames, chosen at random, are dropped (order kept).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from videoeval.video.decode import decode_frames
from videoeval.video.frames import Resample, SampledVideo, sample_video
from videoeval.video.probe import probe
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec, select_indices

Corruption = Literal["clip-switching", "clip-reversing", "clip-cropping", "down-sampling"]
CORRUPTIONS: tuple[Corruption, ...] = (
    "clip-switching", "clip-reversing", "clip-cropping", "down-sampling",
)  # fmt: skip


@dataclass(frozen=True)
class Corrupted:
    indices: list[int]
    """Display indices of the corrupted copy's frames, in the order the model sees them."""
    record: dict[str, Any] = field(default_factory=dict)
    """The corruption, its seed and what it chose (clips swapped, run reversed, ...)."""


def corrupt_indices(
    kind: Corruption,
    clean: list[int],
    seed: int,
    resample: Any = None,
) -> Corrupted:
    """The indices of ``kind`` applied to ``clean``. ``resample(start_s, end_s)`` (only for
    clip-cropping) returns the clean rule's indices inside a time window."""
    rng = random.Random(f"{kind}:{seed}")
    n = len(clean)
    record: dict[str, Any] = {"corruption": kind, "seed": seed, "frames": n}
    if kind == "clip-switching":
        if n < 4:
            raise ValueError("clip-switching needs at least 4 frames")
        size = n // 4
        clips = [clean[i * size : (i + 1) * size] for i in range(4)]
        rest = clean[4 * size :]  # N not divisible by 4: the tail stays in place
        a, b = sorted(rng.sample(range(4), 2))
        clips[a], clips[b] = clips[b], clips[a]
        record["swapped_clips"] = [a, b]
        return Corrupted([i for clip in clips for i in clip] + rest, record)
    if kind == "clip-reversing":
        length = rng.randint(max(2, (n + 1) // 2), n) if n >= 2 else n
        start = rng.randint(0, n - length)
        out = clean[:start] + clean[start : start + length][::-1] + clean[start + length :]
        record["reversed_positions"] = [start, start + length - 1]
        return Corrupted(out, record)
    if kind == "down-sampling":
        keep = sorted(rng.sample(range(n), n - n // 2))
        record["kept_positions"] = keep
        return Corrupted([clean[i] for i in keep], record)
    if kind == "clip-cropping":
        if resample is None:
            raise ValueError("clip-cropping needs the video's timing to re-sample a clip")
        seconds = resample.duration
        begin = rng.uniform(0.0, seconds / 2)
        record["clip_seconds"] = [round(begin, 6), round(begin + seconds / 2, 6)]
        return Corrupted(resample(begin, begin + seconds / 2), record)
    raise ValueError(f"corruption is one of {', '.join(CORRUPTIONS)}, not {kind!r}")


class _Resampler:
    def __init__(self, spec: SamplingSpec, frame_times: tuple[float, ...], fps: float) -> None:
        self.spec, self.frame_times, self.fps = spec, frame_times, fps
        step = 1 / fps if fps else 0.0
        self.duration = (frame_times[-1] + step) if frame_times else 0.0

    def __call__(self, start: float, end: float) -> list[int]:
        window = self.spec.model_copy(update={"start": start, "end": end})
        return select_indices(window, self.frame_times, self.fps)


def parse_variant(variant: str) -> tuple[Corruption, int]:
    """``"clip-reversing:17"`` -> ``("clip-reversing", 17)``."""
    kind, _, seed = variant.partition(":")
    if kind not in CORRUPTIONS or not seed.lstrip("-").isdigit():
        raise ValueError(f"not a corruption variant: {variant!r}")
    return kind, int(seed)


def variant_of(kind: Corruption, seed: int) -> str:
    return f"{kind}:{seed}"


def corrupted_video(
    path: Path,
    spec: SamplingSpec,
    kind: Corruption,
    seed: int,
    budget: PixelBudget | None = None,
    resample: Resample = "decoder",
) -> tuple[SampledVideo, dict[str, Any]]:
    """The corrupted copy of the frames ``spec`` picks from ``path``: decoded frames at the
    corrupted indices (same size as the clean ones) and the corruption's record."""
    clean = sample_video(path, spec, budget, None, resample)
    info = probe(path)
    fps = info.reported_fps or info.native_fps
    resampler = _Resampler(spec, tuple(info.frame_times), fps)
    corrupted = corrupt_indices(kind, list(clean.indices), seed, resampler)
    size = (clean.width, clean.height) if budget is not None else None
    if resample == "torchvision" and size is not None:
        from videoeval.video.torch_resize import resize_like_qwen_vl_utils

        decoded = decode_frames(info, corrupted.indices)
        decoded.frames = resize_like_qwen_vl_utils(decoded.frames, size)
    else:
        decoded = decode_frames(info, corrupted.indices, size=size)
    video = SampledVideo(
        video=clean.video, spec=f"{spec.describe()}, {kind} (seed {seed})",
        indices=decoded.indices, timestamps=decoded.timestamps, native_fps=clean.native_fps,
        reported_fps=clean.reported_fps, frame_count=clean.frame_count, width=clean.width,
        height=clean.height, decoder=decoded.decoder, frames=decoded.frames,
        warnings=list(clean.warnings) + decoded.warnings,
    )  # fmt: skip
    return video, corrupted.record
