"""How frames and their times are written into a request.

Templates (name -> what precedes the images):
- ``per-frame``: every frame is preceded by ``<t seconds>``, t its own time with one decimal;
- ``qwen3``: Qwen3-VL's labels, one per 2-frame patch, the mean time of the patch;
- ``none``: images only (the model gets no times).
Times are seconds from the first frame of the video.
"""

from __future__ import annotations

import io
from typing import Literal

import numpy as np

from videoeval.models.base import VideoFrames
from videoeval.video.frames import SampledVideo
from videoeval.video.timestamps import qwen3_patch_times, seconds_label

LabelTemplate = Literal["per-frame", "qwen3", "none"]
LABEL_TEMPLATES: tuple[str, ...] = ("per-frame", "qwen3", "none")


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def frames_for_request(
    sampled: SampledVideo, template: LabelTemplate = "per-frame", quality: int = 90
) -> VideoFrames:
    jpegs = tuple(encode_jpeg(frame, quality) for frame in sampled.frames)
    if template == "qwen3":
        fps = sampled.reported_fps or sampled.native_fps
        labels = tuple(seconds_label(t) for t in qwen3_patch_times(sampled.indices, fps))
        return VideoFrames(jpegs, tuple(sampled.timestamps), labels, label_every=2)
    if template == "none":
        return VideoFrames(jpegs, tuple(sampled.timestamps), ())
    labels = tuple(seconds_label(t) for t in sampled.timestamps)
    return VideoFrames(jpegs, tuple(sampled.timestamps), labels)
