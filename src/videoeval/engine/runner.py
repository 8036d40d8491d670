"""The engine: each sample goes frames -> request -> (cache | model, with retries) -> log row.

Workers pull samples from a queue, so at most ``concurrency`` calls are in flight and at most
that many samples' frames are in memory. Decoding and JPEG encoding run in a small thread pool
(PyAV and Pillow release the GIL). Every outcome, failures included, becomes one log row.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from videoeval.engine.cache import CallCache, call_key
from videoeval.engine.log import AppendLog
from videoeval.engine.retry import RetryPolicy, with_retries
from videoeval.models.base import (
    GenerationSettings,
    Model,
    ModelError,
    ModelRequest,
    VideoFrames,
    WholeVideo,
)
from videoeval.prompts.video_labels import LabelTemplate, frames_for_request
from videoeval.video.frames import FrameCache, sample_video
from videoeval.video.probe import VideoError
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec

MEMO_BYTES = 256 * 1024 * 1024
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v")
MIME = {
    ".mp4": "video/mp4",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
    ".mov": "video/quicktime",
    ".m4v": "video/mp4",
}


@dataclass(frozen=True)
class WorkItem:
    """One request to make: the engine knows nothing of benchmarks beyond this."""

    sample_id: str
    video_id: str
    prompt: str


@dataclass(frozen=True)
class FrameProtocol:
    spec: SamplingSpec
    budget: PixelBudget | None = None
    labels: LabelTemplate = "per-frame"
    mode: Literal["frames", "video"] = "frames"
    jpeg_quality: int = 90


@dataclass
class RunStats:
    total: int = 0
    done: int = 0
    resumed: int = 0
    cached: int = 0
    called: int = 0
    retries: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


def encode_frames(
    path: Path, frames: FrameProtocol, cache: FrameCache | None
) -> tuple[VideoFrames, dict[str, Any]]:
    """The frames a protocol picks from ``path``, as JPEGs with their labels, and their record."""
    sampled = sample_video(path, frames.spec, frames.budget, cache)
    return frames_for_request(sampled, frames.labels, frames.jpeg_quality), sampled.record()


def find_video(videos: Path, video_id: str) -> Path | None:
    for suffix in ("", *VIDEO_SUFFIXES):
        candidate = videos / f"{video_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


class Engine:
    def __init__(
        self,
        model: Model,
        call_cache: CallCache,
        frame_cache: FrameCache | None,
        videos: Path,
        frames: FrameProtocol,
        settings: GenerationSettings,
        system: str | None = None,
        concurrency: int = 16,
        decode_workers: int = 2,
        retry: RetryPolicy | None = None,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.call_cache = call_cache
        self.frame_cache = frame_cache
        self.videos = videos
        self.frames = frames
        self.settings = settings
        self.system = system
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.rng = random.Random(seed)
        self._pool = ThreadPoolExecutor(max_workers=decode_workers, thread_name_prefix="decode")
        self._memo: OrderedDict[Path, tuple[VideoFrames, dict[str, Any]]] = OrderedDict()
        self._memo_bytes = 0
        self._memo_lock = threading.Lock()
        self._identity = model.identity()

    def _build_request(self, item: WorkItem) -> tuple[ModelRequest, dict[str, Any]]:
        """Runs in the decode pool: video -> frames -> request."""
        path = find_video(self.videos, item.video_id)
        if path is None:
            raise VideoError(f"no video file for {item.video_id!r} in the videos folder")
        video: VideoFrames | WholeVideo
        if self.frames.mode == "video":
            suffix = path.suffix.lower()
            video = WholeVideo(
                path.read_bytes(), MIME.get(suffix, "video/mp4"), self.frames.spec.fps
            )
            record: dict[str, Any] = {"video": path.name, "mode": "whole video", "fps": video.fps}
        else:
            video, record = self._frames_of(path)
        request = ModelRequest(item.prompt, video, self.system, self.settings)
        return request, record

    def _frames_of(self, path: Path) -> tuple[VideoFrames, dict[str, Any]]:
        """Encoded frames of one video, kept for the next query on the same video (benchmarks
        ask several questions per clip); the memo holds at most ``MEMO_BYTES`` of JPEG."""
        with self._memo_lock:
            hit = self._memo.get(path)
            if hit is not None:
                self._memo.move_to_end(path)
                return hit
        entry = encode_frames(path, self.frames, self.frame_cache)
        video = entry[0]
        size = sum(len(j) for j in video.jpegs)
        with self._memo_lock:
            self._memo[path] = entry
            self._memo_bytes += size
            while self._memo_bytes > MEMO_BYTES and len(self._memo) > 1:
                _, (old, _) = self._memo.popitem(last=False)
                self._memo_bytes -= sum(len(j) for j in old.jpegs)
        return entry

    async def process(self, item: WorkItem, stats: RunStats) -> dict[str, Any]:
        started = time.perf_counter()
        row: dict[str, Any] = {"sample_id": item.sample_id, "video_id": item.video_id}
        loop = asyncio.get_running_loop()
        try:
            request, record = await loop.run_in_executor(self._pool, self._build_request, item)
        except (VideoError, OSError, ValueError) as exc:
            return {**row, "status": "video_error", "error": str(exc)}
        except Exception as exc:  # one odd file must not end the run
            return {**row, "status": "video_error", "error": f"{type(exc).__name__}: {exc}"}
        row["frames"] = record
        key = call_key(self._identity, request)
        row["cache_key"] = key
        cached = self.call_cache.get(key)
        if cached is not None:
            stats.cached += 1
            return {
                **row,
                "status": "ok",
                "answer": cached.text,
                "cached": True,
                "response": cached.__dict__,
            }

        def count_retry(attempt: int, error: ModelError, wait: float) -> None:
            stats.retries += 1

        try:
            response, attempts = await with_retries(
                lambda: self.model.generate(request), self.retry, self.rng, count_retry
            )
        except ModelError as exc:
            return {**row, "status": "model_error", "error": str(exc)}
        except Exception as exc:  # recorded, and asked again on the next run
            return {**row, "status": "model_error", "error": f"{type(exc).__name__}: {exc}"}
        stats.called += 1
        # The write waits on SQLite's lock and disk: keep it off the event loop.
        await loop.run_in_executor(None, self.call_cache.put, key, response)
        return {
            **row,
            "status": "ok",
            "answer": response.text,
            "cached": False,
            "attempts": attempts,
            "seconds": round(time.perf_counter() - started, 3),
            "response": response.__dict__,
        }

    async def run(
        self,
        items: Sequence[WorkItem],
        log: AppendLog,
        on_row: Callable[[dict[str, Any]], None] | None = None,
    ) -> RunStats:
        """Process every item not already finished in ``log``; failures are retried on re-runs."""
        finished = {r["sample_id"] for r in log.rows if r.get("status") in ("ok", "video_error")}
        todo = [item for item in items if item.sample_id not in finished]
        stats = RunStats(total=len(items), resumed=len(items) - len(todo))
        queue: asyncio.Queue[WorkItem] = asyncio.Queue()
        for item in todo:
            queue.put_nowait(item)

        async def worker() -> None:
            while True:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                row = await self.process(item, stats)
                log.append(row)
                stats.done += 1
                stats.statuses[row["status"]] += 1
                if on_row:
                    on_row(row)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(todo)) or 1)))
        return stats

    def close(self) -> None:
        self._pool.shutdown(wait=True)
