"""How a model is told when each frame was taken, as text.

Qwen3-VL (transformers ``processing_qwen3_vl.py::_calculate_timestamps``, identical in 4.57.1 and
at commit e1b55167): time = frame index / video fps; the index list is padded to a multiple of the
temporal patch (2) by repeating the last; one label per patch, the mean of its first and last
frame's time, written ``<t seconds>`` with one decimal. TimeLens-7B (Qwen2.5-VL) instead labels
each patch with its first frame's time.
"""

from __future__ import annotations

from collections.abc import Sequence

PATCH = 2


def qwen3_patch_times(indices: Sequence[int], video_fps: float, patch: int = PATCH) -> list[float]:
    padded = list(indices)
    if len(padded) % patch:
        padded.extend(padded[-1] for _ in range(patch - len(padded) % patch))
    times = [i / video_fps for i in padded]
    return [(times[i] + times[i + patch - 1]) / 2 for i in range(0, len(times), patch)]


def first_frame_patch_times(timestamps: Sequence[float], patch: int = PATCH) -> list[float]:
    """TimeLens-7B's labels: the time of the first frame of each 2-frame patch."""
    return [timestamps[i] for i in range(0, len(timestamps), patch)]


def seconds_label(t: float) -> str:
    return f"<{t:.1f} seconds>"
