"""The engine: each sample goes frames -> request -> (cache | model, with retries) -> log row.

Workers pull samples from a queue, so at most ``concurrency`` calls are in flight and at most
that many samples' frames are in memory. Decoding and JPEG encoding run in a small thread pool
(PyAV and Pillow release the GIL). Every outcome, failures included, becomes one log row.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.engine.cache import CallCache
from videoeval.engine.cached_model import CachedModel
from videoeval.engine.log import AppendLog
from videoeval.engine.retry import RetryPolicy
from videoeval.limits import limit
from videoeval.models.base import (
    GenerationSettings,
    Model,
    ModelError,
    ModelRequest,
    ModelResponse,
    VideoFrames,
    WholeVideo,
)
from videoeval.video.frames import FrameCache
from videoeval.video.probe import VideoError
from videoeval.video.provider import FrameProtocol, FrameProvider, encode_frames, find_video

# Samples in a row whose server could not be reached (or had no such model) before a run stops
# instead of failing every sample the same way.
STOP_AFTER = 8
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
    variant: str | None = None
    """A corrupted copy of the frames (``"clip-reversing:17"``: the corruption and its seed),
    for preference pairs; ``None`` for the frames themselves."""
    seed: int | None = None
    """This request's sampling seed, when several samples of one prompt are wanted."""


@dataclass
class RunStats:
    total: int = 0
    done: int = 0
    resumed: int = 0
    cached: int = 0
    called: int = 0
    retries: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    cache_problem: str | None = None
    """A cache write that failed; the answers are in responses.jsonl all the same."""
    stopped: str | None = None
    """Why the run stopped early: the server failed ``stop_after`` samples in a row."""


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
        refresh: bool = False,
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
        self.provider = FrameProvider(videos, frames, frame_cache)
        self.calls = CachedModel(model, call_cache, self.retry, self.rng, refresh=refresh)
        self.stop_after = STOP_AFTER
        self.cache_problem: str | None = None
        """The first failed cache write (the answers stay in responses.jsonl)."""
        self.dispatch: Callable[[WorkItem], Awaitable[dict[str, Any]]] | None = None
        """Asks an item elsewhere (a Ray cluster: ``ray_executor.py``) and gives the row
        :meth:`process` would have given; ``None``: here."""

    def _build_request(self, item: WorkItem) -> tuple[ModelRequest, dict[str, Any]]:
        """Runs in the decode pool: video -> frames -> request."""
        video: VideoFrames | WholeVideo
        if self.frames.mode == "video":
            path = self.provider.path_of(item.video_id)
            suffix = path.suffix.lower()
            video = WholeVideo(
                path.read_bytes(), MIME.get(suffix, "video/mp4"), self.frames.spec.fps
            )
            record: dict[str, Any] = {"video": path.name, "mode": "whole video", "fps": video.fps}
        else:
            video, record = self.provider.frames(item.video_id, item.variant)
        settings = self.settings
        if item.seed is not None:
            settings = settings.model_copy(update={"seed": item.seed})
        request = ModelRequest(item.prompt, video, self.system, settings)
        return request, record

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

        def count_retry(attempt: int, error: ModelError, wait: float) -> None:
            stats.retries += 1

        row["cache_key"] = self.calls.key(request)
        try:
            result = await self.calls.generate(request, on_retry=count_retry, store=False)
        except ModelError as exc:
            failed = {**row, "status": "model_error", "error": str(exc)}
            return {**failed, "unreachable": True} if exc.unreachable else failed
        except Exception as exc:  # recorded, and asked again on the next run
            return {**row, "status": "model_error", "error": f"{type(exc).__name__}: {exc}"}
        response = result.response
        cap = limit("answer_chars")
        if len(response.text) > cap:  # kept as evidence, never cached, never scored
            error = (
                f"the answer has {len(response.text):,} characters, more than {cap:,} "
                "(VIDEOEVAL_MAX_ANSWER_CHARS): its start is kept, it is not scored"
            )
            answer = response.text[:cap]
            return {**row, "status": "answer_too_long", "answer": answer, "error": error}
        if result.cached:
            stats.cached += 1
            return {**row, "status": "ok", "answer": response.text, "cached": True,
                    "response": response.__dict__}  # fmt: skip
        stats.called += 1
        return {
            **row,
            "status": "ok",
            "answer": response.text,
            "cached": False,
            "attempts": result.attempts,
            "seconds": round(time.perf_counter() - started, 3),
            "response": response.__dict__,
        }

    async def _store(self, row: dict[str, Any]) -> None:
        if row.get("status") != "ok" or row.get("cached"):
            return
        try:
            await self.calls.store(row["cache_key"], ModelResponse(**row["response"]))
        except Exception as exc:  # a full disk, a damaged cache: the log keeps the answer
            if not self.cache_problem:
                self.cache_problem = f"{type(exc).__name__}: {exc}"

    @staticmethod
    def todo(items: Sequence[WorkItem], log: AppendLog) -> list[WorkItem]:
        """The items not yet finished in ``log`` (model errors are asked again)."""
        final = ("ok", "video_error", "answer_too_long")  # asking again gives the same
        finished = {r["sample_id"] for r in log.rows if r.get("status") in final}
        return [item for item in items if item.sample_id not in finished]

    async def run(
        self,
        items: Sequence[WorkItem],
        log: AppendLog,
        on_row: Callable[[dict[str, Any]], None] | None = None,
    ) -> RunStats:
        """Process every item not already finished in ``log``; failures are retried on re-runs."""
        todo = self.todo(items, log)
        stats = RunStats(total=len(items), resumed=len(items) - len(todo))
        queue: asyncio.Queue[WorkItem] = asyncio.Queue()
        for item in todo:
            queue.put_nowait(item)
        streak = 0

        async def worker() -> None:
            nonlocal streak
            while stats.stopped is None:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if self.dispatch is None:
                    row = await self.process(item, stats)
                else:
                    row = await self.dispatch(item)
                    _count(row, stats)
                log.append(row)  # the answer is safe in the log before the cache is written
                await self._store(row)
                stats.done += 1
                stats.statuses[row["status"]] += 1
                streak = streak + 1 if row.get("unreachable") else 0
                if streak >= self.stop_after and stats.stopped is None:
                    stats.stopped = row.get("error", "the server cannot be reached")
                if on_row:
                    on_row(row)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(todo)) or 1)))
        stats.cache_problem = self.cache_problem
        return stats

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _count(row: dict[str, Any], stats: RunStats) -> None:
    """What :meth:`Engine.process` counts as it goes, for a row made elsewhere."""
    stats.retries += int(row.pop("retries", 0))
    if row.get("status") == "ok":
        if row.get("cached"):
            stats.cached += 1
        else:
            stats.called += 1


__all__ = ["Engine", "FrameProtocol", "RunStats", "WorkItem", "encode_frames", "find_video"]
