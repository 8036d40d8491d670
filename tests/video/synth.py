"""Real H.264 test videos made with PyAV, each frame carrying its own index in its pixels."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 10
BLOCK = 8


def counter_image(index: int, width: int, height: int) -> np.ndarray:
    """Frame ``index`` drawn as 10 black/white columns of 8 pixels (bit 0 first)."""
    image = np.full((height, width, 3), 128, dtype=np.uint8)
    for bit in range(BITS):
        value = 255 if index >> bit & 1 else 0
        image[:, bit * BLOCK : (bit + 1) * BLOCK] = value
    return image


def read_counter(image: np.ndarray, source_width: int | None = None) -> int:
    """The index drawn by ``counter_image``, read back from a decoded (lossy, maybe resized)
    frame; ``source_width`` is the width the video was written at."""
    width = image.shape[1]
    scale = width / source_width if source_width else 1.0
    index = 0
    for bit in range(BITS):
        lo, hi = int(bit * BLOCK * scale), int((bit + 1) * BLOCK * scale)
        column = image[:, lo + (hi - lo) // 4 : hi - (hi - lo) // 4, 1]
        if column.mean() > 128:
            index |= 1 << bit
    return index


def write_video(
    path: Path,
    frames: int = 50,
    fps: int = 25,
    size: tuple[int, int] = (128, 72),
    durations_ms: Sequence[int] | None = None,
    bframes: int = 2,
    gop: int = 12,
    pix_fmt: str = "yuv420p",
    options: dict[str, str] | None = None,
) -> list[float]:
    """Write an H.264 mp4; return each frame's presentation time in seconds.

    ``durations_ms`` makes it variable-rate: frame i lasts ``durations_ms[i % len]`` ms.
    """
    import av

    width, height = size
    times: list[float] = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = {"bf": str(bframes), "g": str(gop), "crf": "12", "preset": "ultrafast"}
        if bframes == 0:
            stream.options["tune"] = "zerolatency"
        stream.options.update(options or {})
        time_base = Fraction(1, 1000) if durations_ms else Fraction(1, fps)
        stream.codec_context.time_base = time_base
        t = 0
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(counter_image(i, width, height), format="rgb24")
            frame.pts, frame.time_base = t, time_base
            times.append(float(t * time_base))
            t += durations_ms[i % len(durations_ms)] if durations_ms else 1
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return times
