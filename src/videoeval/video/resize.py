"""Pixel budgets: the frame size a model is given, by the qwen-vl-utils ``smart_resize`` rule.

Both sides become multiples of ``factor`` (28 for Qwen2/2.5-VL, 32 for Qwen3-VL) as close to the
original as possible, scaled down to at most ``max_pixels`` or up to at least ``min_pixels``
while keeping the aspect ratio. For video, ``total_pixels`` caps the whole clip: each frame may use
``total_pixels / nframes * 2`` (two frames form one temporal patch).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

MAX_RATIO = 200
VIDEO_MAX_TOKENS = 768
"""qwen-vl-utils' per-frame ceiling in merged tokens (``VIDEO_MAX_TOKEN_NUM``), with a clip-wide
``total_pixels``: a larger ``max_pixels`` is lowered to it (qwen-vl-utils warns and does the
same)."""


class PixelBudget(BaseModel):
    model_config = ConfigDict(frozen=True)

    factor: int = Field(default=28, ge=1)
    min_pixels: int = Field(default=128 * 28 * 28, ge=1)
    max_pixels: int = Field(default=768 * 28 * 28, ge=1)
    total_pixels: int | None = Field(default=None, ge=1)

    def frame_max_pixels(self, nframes: int) -> float:
        """Per-frame cap once the clip-wide ``total_pixels`` is shared out, as qwen-vl-utils
        0.0.14 ``fetch_video`` computes it: never above ``VIDEO_MAX_TOKEN_NUM`` (768) tokens,
        never below 1.05 x ``min_pixels``, and not truncated to an integer (a truncated cap
        changes ``smart_resize``'s scale: 1280x720 at 324 frames becomes 532x980, not 560x980)."""
        if self.total_pixels is None:
            return self.max_pixels
        ceiling = VIDEO_MAX_TOKENS * self.factor * self.factor
        limit = max(min(ceiling, self.total_pixels / nframes * 2), int(self.min_pixels * 1.05))
        return min(self.max_pixels, limit)

    def size_for(self, width: int, height: int, nframes: int) -> tuple[int, int]:
        """``(width, height)`` to resize to."""
        h, w = smart_resize(
            height, width, self.factor, self.min_pixels, self.frame_max_pixels(nframes)
        )
        return w, h


def smart_resize(
    height: int, width: int, factor: int, min_pixels: int, max_pixels: float
) -> tuple[int, int]:
    """``(height, width)``, multiples of ``factor``, within the pixel bounds."""
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError(f"aspect ratio of {width}x{height} exceeds {MAX_RATIO}")
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar
