"""Frames for a model or a judge, one way for everyone: find the video in the folder, sample
and resize it by the frame protocol (decoded frames cached on disk), encode JPEGs with their
time labels, and keep the last clips' JPEGs in memory (benchmarks ask several questions per
clip, and an audit runs K times over each clip)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from videoeval.benchmarks.base import VIDEO_SUFFIXES
from videoeval.models.base import SourceTiming, VideoFrames
from videoeval.video.frames import FrameCache, Resample, SampledVideo, sample_video
from videoeval.video.labels import LabelTemplate, frames_for_request
from videoeval.video.probe import VideoError
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec

MEMO_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class FrameProtocol:
    """Which frames, at what size, labelled how, and how they travel: ``frames`` (separate
    images), ``jpeg-video`` (our frames as one video with their source timing), ``pixels``
    (the same as uncompressed frames, resized as qwen-vl-utils does, for a local model) or
    ``video`` (the whole file; the server samples)."""

    spec: SamplingSpec
    budget: PixelBudget | None = None
    labels: LabelTemplate = "per-frame"
    mode: Literal["frames", "jpeg-video", "pixels", "video"] = "frames"
    jpeg_quality: int = 90
    preset: str | None = None
    """The frame preset these settings came from (name and version), if any."""
    corrupted_times: Literal["source", "clean"] = "source"
    """The times a corrupted copy's frames are labelled (and, sent as one video, timed) with:
    each frame's own (``source``: a reversed clip then says it runs backwards), or the clean
    copy's times in order (``clean``: the corruption cannot be read off the labels)."""


def encode_frames(
    path: Path, frames: FrameProtocol, cache: FrameCache | None, variant: str | None = None
) -> tuple[VideoFrames, dict[str, Any]]:
    """The frames a protocol picks from ``path``, as JPEGs with their labels, and their record;
    ``variant`` (``"<corruption>:<seed>"``) gives a corrupted copy of them instead."""
    resample: Resample = "torchvision" if frames.mode == "pixels" else "decoder"
    if variant is not None:
        from videoeval.video.corruptions import corrupted_video, parse_variant

        kind, seed = parse_variant(variant)
        sampled, corruption = corrupted_video(path, frames.spec, kind, seed, frames.budget,
                                              resample)  # fmt: skip
        shown = sampled
        if frames.corrupted_times == "clean":
            clean = sample_video(path, frames.spec, frames.budget, cache, resample)
            shown = clean_timeline(sampled, clean)
        video, _ = _request_of(shown, frames)
        record = sampled.record()  # the frames really shown, for the audit trail
        if shown is not sampled:
            record["labelled_as"] = {"indices": shown.indices, "timestamps": shown.timestamps}
        return video, {**record, "corruption": corruption}
    return _request_of(sample_video(path, frames.spec, frames.budget, cache, resample), frames)


def clean_timeline(corrupted: SampledVideo, clean: SampledVideo) -> SampledVideo:
    """``corrupted``'s frames with the clean copy's indices and times in order (spread evenly
    when the copy has fewer frames, as after down-sampling)."""
    n, m = len(clean.indices), len(corrupted.indices)
    positions = [round(i * (n - 1) / (m - 1)) if m > 1 else 0 for i in range(m)]
    return replace(corrupted, indices=[clean.indices[p] for p in positions],
                   timestamps=[clean.timestamps[p] for p in positions])  # fmt: skip


def _request_of(sampled: SampledVideo, frames: FrameProtocol) -> tuple[VideoFrames, dict[str, Any]]:
    if frames.mode == "pixels":
        request = VideoFrames((), tuple(sampled.timestamps), (), pixels=sampled.frames,
                              as_video=_timing(sampled))  # fmt: skip
        return request, sampled.record()
    request = frames_for_request(sampled, frames.labels, frames.jpeg_quality)
    if frames.mode == "jpeg-video":
        request = replace(request, as_video=_timing(sampled))
    return request, sampled.record()


def _timing(sampled: SampledVideo) -> SourceTiming:
    fps = sampled.reported_fps or sampled.native_fps  # the rate qwen3 labels use too
    return SourceTiming(fps, tuple(sampled.indices), sampled.frame_count,
                        sampled.frame_count / fps)  # fmt: skip


def find_video(videos: Path, video_id: str) -> Path | None:
    """The file of ``video_id`` in ``videos`` (with or without a video suffix); ``None`` when
    there is none. An id that leads outside the folder (``..``, an absolute path, a link to a
    file elsewhere) raises ``VideoError``: a video id from an annotation file must never make
    us read, or upload, a file the user did not put in the folder."""
    root = videos.resolve()
    for suffix in ("", *VIDEO_SUFFIXES):
        candidate = videos / f"{video_id}{suffix}"
        if candidate.is_file():
            if not candidate.resolve().is_relative_to(root):
                raise VideoError(
                    f"video id {video_id!r} leads outside the videos folder "
                    f"({candidate.name}): refused"
                )
            return candidate
    return None


class FrameProvider:
    """``frames(video_id)``: the encoded frames and their record, memoised (thread-safe)."""

    def __init__(
        self,
        videos: Path,
        protocol: FrameProtocol,
        cache: FrameCache | None,
        memo_bytes: int = MEMO_BYTES,
    ) -> None:
        self.videos = videos
        self.protocol = protocol
        self.cache = cache
        self.memo_bytes = memo_bytes
        self._memo: OrderedDict[tuple[Path, str | None], tuple[VideoFrames, dict[str, Any]]] = (
            OrderedDict()
        )
        self._size = 0
        self._lock = threading.Lock()

    def path_of(self, video_id: str) -> Path:
        path = find_video(self.videos, video_id)
        if path is None:
            raise VideoError(f"no video file for {video_id!r} in the videos folder")
        return path

    def frames(
        self, video_id: str, variant: str | None = None
    ) -> tuple[VideoFrames, dict[str, Any]]:
        path = self.path_of(video_id)
        key = (path, variant)
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                return hit
        entry = encode_frames(path, self.protocol, self.cache, variant)
        with self._lock:
            self._memo[key] = entry
            self._size += entry[0].nbytes
            while self._size > self.memo_bytes and len(self._memo) > 1:
                _, (old, _) = self._memo.popitem(last=False)
                self._size -= old.nbytes
        return entry
