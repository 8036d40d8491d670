"""What a video file really holds: every frame's presentation time, read from the container.

Frame times come from demuxing (no decoding), sorted by presentation time, so the i-th frame of
the video is well defined for constant and variable frame rates and with B-frames (whose packets
arrive out of display order). The container's own claims (average fps, frame count) are kept
beside what was counted, because samplers that trust them pick different frames when they lie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from videoeval.errors import VideoevalError


class VideoError(VideoevalError):
    """A video cannot be opened or read; the sample is recorded with status ``video_error``."""


@dataclass(frozen=True)
class VideoInfo:
    path: str
    frame_times: tuple[float, ...]
    """Presentation time of each frame in seconds from the first frame, in display order."""
    pts: tuple[int, ...]
    keyframe_pts: tuple[int, ...]
    time_base: Fraction
    width: int
    height: int
    codec: str
    reported_fps: float | None
    reported_frames: int | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def frame_count(self) -> int:
        return len(self.frame_times)

    @property
    def native_fps(self) -> float:
        """Average frame rate as counted: (frames - 1) / span of presentation times."""
        if self.frame_count > 1 and self.frame_times[-1] > self.frame_times[0]:
            return (self.frame_count - 1) / (self.frame_times[-1] - self.frame_times[0])
        return self.reported_fps or 0.0

    @property
    def duration(self) -> float:
        if not self.frame_times:
            return 0.0
        step = 1.0 / self.native_fps if self.native_fps else 0.0
        return self.frame_times[-1] - self.frame_times[0] + step


def probe(path: str | Path) -> VideoInfo:
    import av

    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: video file not found")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: video file is empty")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:  # not a media file, truncated header...
        raise VideoError(f"{path}: cannot be opened as a video ({exc})") from None
    with container:
        if not container.streams.video:
            raise VideoError(f"{path}: holds no video stream")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        if ctx is None or ctx.codec is None:
            tag = getattr(stream, "codec_tag", None) or "unknown"
            raise VideoError(f"{path}: video codec '{tag}' cannot be decoded by this FFmpeg build")
        time_base = stream.time_base or Fraction(1, 1)
        pts: list[int] = []
        keyframes: list[int] = []
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size > 0:
                    pts.append(packet.pts)
                    if packet.is_keyframe:
                        keyframes.append(packet.pts)
        except av.error.FFmpegError as exc:
            if not pts:
                raise VideoError(f"{path}: unreadable ({exc})") from None
        pts.sort()
        if not pts:
            raise VideoError(f"{path}: holds no video frames")
        start = pts[0]
        times = tuple(float((p - start) * time_base) for p in pts)
        rate = stream.average_rate
        reported_fps = float(rate) if rate else None
        reported_frames = stream.frames or None
        info = VideoInfo(
            path=str(path),
            frame_times=times,
            pts=tuple(pts),
            keyframe_pts=tuple(sorted(keyframes)),
            time_base=time_base,
            width=ctx.width,
            height=ctx.height,
            codec=ctx.name,
            reported_fps=reported_fps,
            reported_frames=reported_frames,
        )
    return _with_warnings(info)


def _with_warnings(info: VideoInfo) -> VideoInfo:
    notes = []
    if info.reported_frames is not None and info.reported_frames != info.frame_count:
        notes.append(
            f"container says {info.reported_frames} frames, the stream holds {info.frame_count}"
        )
    fps_known = bool(info.reported_fps and info.native_fps)
    if fps_known and not math.isclose(info.reported_fps or 0, info.native_fps, rel_tol=0.01):
        notes.append(
            f"container says {info.reported_fps:.3f} fps, frame times give "
            f"{info.native_fps:.3f} fps (variable frame rate or a wrong header)"
        )
    if not notes:
        return info
    return VideoInfo(**{**info.__dict__, "warnings": tuple(notes)})
