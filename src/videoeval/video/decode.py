"""Decode exactly the frames a sampler chose, and prove they are those frames.

Frames are addressed by display index (see ``probe``). For each wanted frame the decoder seeks to
the last keyframe at or before it only when that skips work, then decodes forward; every frame
it returns is checked against the presentation time the probe read for that index.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from videoeval.video.probe import VideoError, VideoInfo

SEEK_GAP = 48


@dataclass
class DecodedFrames:
    indices: list[int]
    timestamps: list[float]
    frames: np.ndarray
    """uint8 array (n, height, width, 3), RGB."""
    decoder: str
    warnings: list[str] = field(default_factory=list)


def _check_indices(info: VideoInfo, indices: Sequence[int]) -> None:
    if not indices:
        raise ValueError("no frame indices to decode")
    bad = [i for i in indices if not 0 <= i < info.frame_count]
    if bad:
        raise ValueError(f"frame indices {bad[:5]} outside 0..{info.frame_count - 1}")


def _pixels(frame: Any, width: int, height: int) -> np.ndarray:
    if (frame.width, frame.height) == (width, height):
        return frame.to_ndarray(format="rgb24")
    # asked for another size, or the stream changed size midway
    return frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="BICUBIC")


def decode_frames(
    info: VideoInfo, indices: Sequence[int], size: tuple[int, int] | None = None
) -> DecodedFrames:
    """Frames at display ``indices`` (any order, repeats allowed), resized to ``(width, height)``
    when given."""
    import av

    _check_indices(info, indices)
    wanted = sorted(set(indices))
    wanted_pts = {info.pts[i]: i for i in wanted}
    # Frames go straight into the output array (one copy, no stacking afterwards).
    slots: dict[int, list[int]] = {}
    for slot, index in enumerate(indices):
        slots.setdefault(index, []).append(slot)
    width, height = size or (info.width, info.height)
    out = np.empty((len(indices), height, width, 3), dtype=np.uint8)
    got: set[int] = set()
    try:
        container = av.open(info.path)
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{info.path}: cannot be opened as a video ({exc})") from None
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        disposable = disposable_test(stream.codec_context.name, stream.codec_context.extradata)
        position = -1  # display index of the last decoded frame
        frames: Iterator[av.VideoFrame] | None = None
        try:
            for target in wanted:
                if target in got:
                    continue
                key = _keyframe_before(info, target)
                # A seek flushes the (threaded) decoder: worth it only past a long run of frames.
                if frames is None or key > position + SEEK_GAP or target <= position:
                    container.seek(info.pts[key], stream=stream, backward=True, any_frame=False)
                    frames = _decode_needed(container, stream, wanted_pts, disposable)
                for frame in frames:
                    if frame.pts is None:
                        continue
                    hit = wanted_pts.get(frame.pts)
                    position = bisect.bisect_left(info.pts, frame.pts)
                    if hit is not None and hit not in got:
                        out[slots[hit]] = _pixels(frame, width, height)
                        got.add(hit)
                    if position >= target:
                        break
        except av.error.FFmpegError as exc:
            missing = [i for i in wanted if i not in got]
            raise VideoError(
                f"{info.path}: decoding failed before frames {missing[:5]} ({exc})"
            ) from None
    missing = [i for i in wanted if i not in got]
    if missing:
        raise VideoError(
            f"{info.path}: frames {missing[:5]} were never returned by the decoder "
            f"({len(missing)} of {len(wanted)} missing); the file may be truncated"
        )
    return DecodedFrames(
        indices=list(indices),
        timestamps=[info.frame_times[i] for i in indices],
        frames=out,
        decoder=f"pyav {av.__version__} ({info.codec})",
    )


def _decode_needed(
    container: Any, stream: Any, wanted_pts: dict[int, int], disposable: DisposableTest | None
) -> Iterator[Any]:
    """``container.decode(stream)``, minus the packets of unwanted frames that no other frame
    refers to: they need not be decoded at all (what ``skip_frame=NONREF`` does, but only for
    frames nobody asked for)."""
    for packet in container.demux(stream):
        if (
            disposable is not None
            and packet.pts is not None
            and packet.pts not in wanted_pts
            and packet.size
            and disposable(bytes(packet))
        ):
            continue
        yield from packet.decode()


DisposableTest = Callable[[bytes], bool]


def disposable_test(codec: str, extradata: bytes | None) -> DisposableTest | None:
    """A test telling whether a packet holds only non-reference pictures, for H.264 and HEVC
    (read from the NAL unit headers); ``None`` for other codecs (every packet is decoded)."""
    if codec not in ("h264", "hevc"):
        return None
    length_size = 0  # 0: Annex B start codes
    if extradata and extradata[0] == 1:
        if codec == "h264" and len(extradata) > 4:
            length_size = (extradata[4] & 3) + 1
        elif codec == "hevc" and len(extradata) > 21:
            length_size = (extradata[21] & 3) + 1
        else:
            return None

    def headers(data: bytes) -> Iterator[int]:
        if length_size:
            pos = 0
            while pos + length_size < len(data):
                size = int.from_bytes(data[pos : pos + length_size], "big")
                yield data[pos + length_size]
                pos += length_size + size
        else:
            pos = data.find(b"\x00\x00\x01")
            while pos >= 0 and pos + 3 < len(data):
                yield data[pos + 3]
                pos = data.find(b"\x00\x00\x01", pos + 3)

    def h264(data: bytes) -> bool:
        slices = False
        for byte in headers(data):
            if byte & 0x1F in (1, 5):  # coded slice (non-IDR, IDR)
                if byte >> 5 & 3:  # nal_ref_idc: someone refers to this picture
                    return False
                slices = True
        return slices

    def hevc(data: bytes) -> bool:
        slices = False
        for byte in headers(data):
            kind = byte >> 1 & 0x3F
            if kind < 32:  # VCL
                if kind > 14 or kind % 2:  # only even types up to 14 are sub-layer non-reference
                    return False
                slices = True
        return slices

    return h264 if codec == "h264" else hevc


def _keyframe_before(info: VideoInfo, index: int) -> int:
    target_pts = info.pts[index]
    k = bisect.bisect_right(info.keyframe_pts, target_pts) - 1
    key_pts = info.keyframe_pts[k] if k >= 0 else info.pts[0]
    return bisect.bisect_left(info.pts, key_pts)
