"""Which frames to show a model: sampling specs as data, and the rules that turn them into indices.

- ``fps``: the qwen-vl-utils rule (0.0.14, ``vision_process.smart_nframes`` and the readers):
  n = frames / video_fps * fps, clamped to [ceil2(min_frames), floor2(max_frames)] and to the
  frame count, floored to an even number; indices = round(linspace(first, last, n)) computed in
  float32 and rounded half-to-even, as ``torch.linspace(...).round()`` does.
- ``uniform``: n frames including the first and the last, index = round(i * (T - 1) / (n - 1))
  (bytedance/tarsier @ 1b72e57d ``dataset/utils.py::sample_frame_indices``).
- ``centres``: the middle frame of each of n equal intervals (CaReBench
  ``utils/video.py::get_frame_indices``, ``sample='middle'``).
An optional ``start``/``end`` window (seconds) restricts every rule to the frames inside it.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

FRAME_FACTOR = 2
QWEN_FPS = 2.0
QWEN_MIN_FRAMES = 4
QWEN_MAX_FRAMES = 768


class SamplingSpec(BaseModel):
    """A frame protocol, recorded with every run."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["fps", "uniform", "centres"]
    fps: float = Field(default=QWEN_FPS, gt=0)
    min_frames: int = Field(default=QWEN_MIN_FRAMES, ge=1)
    max_frames: int | None = Field(
        default=None, ge=2, description="cap; default min(768, frames in the window)"
    )
    nframes: int | None = Field(default=None, ge=1)
    start: float | None = Field(default=None, ge=0, description="window start, seconds")
    end: float | None = Field(default=None, ge=0, description="window end, seconds")

    @model_validator(mode="after")
    def _check(self) -> SamplingSpec:
        if self.kind in ("uniform", "centres") and self.nframes is None:
            raise ValueError(f"sampling '{self.kind}' needs nframes")
        from videoeval.limits import check

        check("frames", self.nframes, "nframes")
        check("frames", self.max_frames, "max_frames")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("window end must be after its start")
        return self

    def describe(self) -> str:
        window = ""
        if self.start is not None or self.end is not None:
            end = "end" if self.end is None else f"{self.end:g}"
            window = f" in [{self.start or 0:g}, {end}] s"
        if self.kind == "fps":
            cap = self.max_frames if self.max_frames is not None else QWEN_MAX_FRAMES
            return f"{self.fps:g} fps (qwen-vl-utils rule, {self.min_frames}..{cap} frames){window}"
        return f"{self.nframes} frames, {self.kind}{window}"


def _ceil_by(value: float, factor: int) -> int:
    return math.ceil(value / factor) * factor


def _floor_by(value: float, factor: int) -> int:
    return math.floor(value / factor) * factor


def frame_window(
    spec: SamplingSpec, frame_times: tuple[float, ...] | list[float]
) -> tuple[int, int]:
    """First and last display index inside the spec's time window (inclusive)."""
    first, last = 0, len(frame_times) - 1
    if spec.start is not None:
        first = next((i for i, t in enumerate(frame_times) if t >= spec.start - 1e-9), last)
    if spec.end is not None:
        inside = [i for i, t in enumerate(frame_times) if t <= spec.end + 1e-9]
        last = inside[-1] if inside else first
    return first, max(first, last)


def qwen_nframes(spec: SamplingSpec, total_frames: int, video_fps: float) -> int:
    """``smart_nframes``: how many frames the fps rule takes from ``total_frames``."""
    if spec.nframes is not None:
        n = round(spec.nframes / FRAME_FACTOR) * FRAME_FACTOR
    else:
        min_frames = _ceil_by(spec.min_frames, FRAME_FACTOR)
        cap = spec.max_frames if spec.max_frames is not None else min(QWEN_MAX_FRAMES, total_frames)
        max_frames = _floor_by(cap, FRAME_FACTOR)
        wanted = total_frames / video_fps * spec.fps
        n = _floor_by(min(min(max(wanted, min_frames), max_frames), total_frames), FRAME_FACTOR)
    if not FRAME_FACTOR <= n <= total_frames:
        raise ValueError(
            f"the fps rule needs between {FRAME_FACTOR} and {total_frames} frames, got {n} "
            f"(video of {total_frames} frames at {video_fps:g} fps)"
        )
    return int(n)


def linspace_float32(start: float, end: float, steps: int) -> np.ndarray:
    """``torch.linspace(start, end, steps)`` (float32, CPU), value for value.

    torch computes ``step = (end - start) / (steps - 1)`` in float32, then the first half as
    ``start + step * i`` and the second half as ``end - step * (steps - 1 - i)``, each a fused
    multiply-add rounded once to float32. In float64 the product and sum are exact for frame
    indices, so rounding that to float32 reproduces it (checked against torch 2.13 on 20,000
    random ranges).
    """
    if steps == 1:
        return np.array([start], dtype=np.float32)
    s, e = np.float32(start), np.float32(end)
    step = np.float64(np.float32((e - s) / np.float32(steps - 1)))
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    out = np.empty(steps, dtype=np.float64)
    out[:half] = np.float64(s) + step * i[:half]
    out[half:] = np.float64(e) - step * (steps - 1 - i[half:])
    return out.astype(np.float32)


def select_indices(
    spec: SamplingSpec, frame_times: tuple[float, ...] | list[float], video_fps: float
) -> list[int]:
    """Display indices of the frames ``spec`` picks from a video with these frame times."""
    if not frame_times:
        raise ValueError("the video has no frames")
    first, last = frame_window(spec, frame_times)
    total = last - first + 1
    if spec.kind == "fps":
        n = qwen_nframes(spec, total, video_fps)
        values = np.round(linspace_float32(first, last, n))  # half to even, like torch.round
        return [int(v) for v in values]
    n = spec.nframes or 1
    if spec.kind == "uniform":
        if n == 1:
            return [first]
        return [first + round(i * (total - 1) / (n - 1)) for i in range(n)]
    # CaReBench's 'middle': n intervals with integer bounds b_k = floor(k * T / n), the floored
    # centre of each [b_k, b_{k+1} - 1]; a clip shorter than n frames is padded with its last.
    count = min(n, total)
    bounds = [k * total // count for k in range(count + 1)]
    picked = [first + (bounds[k] + bounds[k + 1] - 1) // 2 for k in range(count)]
    return picked + [picked[-1]] * (n - count)
