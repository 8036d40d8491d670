"""Our frames as one vLLM ``video/jpeg`` video: exactly our frames, in order, with the source
timing that makes a Qwen-VL processor compute the right timestamps."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from videoeval.models.base import ModelRequest, SourceTiming, VideoFrames
from videoeval.models.openai_compatible import OpenAICompatible


def video_part_frames(body: dict[str, Any]) -> list[np.ndarray]:
    """The frames of the one ``video/jpeg`` part, decoded as vLLM does: split on commas."""
    parts = [p for m in body["messages"] for p in m["content"] if isinstance(p, dict)]
    videos = [p for p in parts if p["type"] == "video_url"]
    assert len(videos) == 1 and not [p for p in parts if p["type"] == "image_url"]
    url = videos[0]["video_url"]["url"]
    assert url.startswith("data:video/jpeg;base64,")
    chunks = url.removeprefix("data:video/jpeg;base64,").split(",")
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(c))).convert("RGB")) for c in chunks]


def test_the_body_carries_the_frames_in_order_and_their_timing() -> None:
    images = [np.full((16, 16, 3), v, dtype=np.uint8) for v in (0, 120, 250)]
    jpegs = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=95)
        jpegs.append(buffer.getvalue())
    timing = SourceTiming(fps=30.0, indices=(3, 48, 93), total_frames=100, duration=100 / 30)
    video = VideoFrames(tuple(jpegs), (0.1, 1.6, 3.1), (), as_video=timing)
    model = OpenAICompatible("m", "http://127.0.0.1:1/v1")
    body = model.body(ModelRequest("Describe.", video))
    decoded = video_part_frames(body)
    assert [int(f.mean().round()) for f in decoded] == [0, 120, 250]
    assert body["media_io_kwargs"] == {"video": {"num_frames": -1, "fps": 30.0,
                                                 "frames_indices": [3, 48, 93],
                                                 "total_num_frames": 100,
                                                 "duration": 100 / 30}}  # fmt: skip
    assert body["messages"][0]["content"][-1] == {"type": "text", "text": "Describe."}
    # The same frames as images are another request: another cache key.
    as_images = ModelRequest("Describe.", VideoFrames(tuple(jpegs), (0.1, 1.6, 3.1), ()))
    assert ModelRequest("Describe.", video).fingerprint() != as_images.fingerprint()
