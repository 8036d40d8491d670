"""Auditing a captioning benchmark's GT with the video-aware judge, K independent runs per clip.

Frames are sampled once per clip (and cached on disk across passes); the K runs are separate
calls with separate cache keys, so a re-run with the same prompt asks nothing and a re-run with
a changed prompt repeats only the judge calls.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.judges.client import JudgeClient, JudgeFailure
from videoeval.judges.video_judge import Mode, Verdict, reader
from videoeval.models.base import VideoFrames
from videoeval.schema import CaptionSample, Status
from videoeval.video.frames import FrameCache
from videoeval.video.probe import VideoError
from videoeval.video.provider import FrameProtocol, FrameProvider


@dataclass
class ClipAudit:
    sample: CaptionSample
    status: Status = "ok"
    note: str | None = None
    frames: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)


class Auditor:
    def __init__(
        self,
        judge: JudgeClient,
        prompt: str,
        mode: Mode,
        videos: Path,
        frames: FrameProtocol,
        frame_cache: FrameCache | None,
        runs: int = 4,
        candidates: dict[str, str] | None = None,
        decode_workers: int = 2,
        seed: int = 0,
        swapped_prompt: str | None = None,
        evidence: bool = True,
    ) -> None:
        self.evidence = evidence
        """The judge lists what the frames show first (off: the ablation's prompt)."""
        self.seed = seed
        self.swapped_prompt = swapped_prompt
        """Two-sided: the same prompt with the candidate first; ``None`` keeps one order."""
        self.judge = judge
        self.prompt = prompt
        self.mode = mode
        self.videos = videos
        self.frames = frames
        self.frame_cache = frame_cache
        self.runs = runs
        self.candidates = candidates or {}
        self._pool = ThreadPoolExecutor(max_workers=decode_workers, thread_name_prefix="audit")
        # Each clip is sampled once and its K runs share the frames: no memo across clips.
        self.provider = FrameProvider(videos, frames, frame_cache, memo_bytes=0)

    def _frames(self, video_id: str) -> tuple[VideoFrames, dict[str, Any]]:
        return self.provider.frames(video_id)

    async def audit(self, sample: CaptionSample) -> ClipAudit:
        result = ClipAudit(sample)
        candidate = self.candidates.get(sample.sample_id)
        if self.mode == "two-sided" and candidate is None:
            result.status, result.note = "missing_prediction", "no candidate description"
            return result
        loop = asyncio.get_running_loop()
        try:
            video, result.frames = await loop.run_in_executor(
                self._pool, self._frames, sample.video_id
            )
        except (VideoError, OSError, ValueError) as exc:
            result.status, result.note = "video_error", str(exc)
            return result
        if self.mode == "timed":
            timed = sample.timed_events or ()
            listed = "\n".join(
                f"{i + 1}. [{s:.1f} - {e:.1f} s] {text.strip()}"
                for i, (s, e, text) in enumerate(timed)
            )
            prompt = self.prompt.format(events=listed)
        else:
            fields = {"reference": sample.reference}
            if self.mode == "two-sided":
                fields["candidate"] = candidate or ""
            prompt = self.prompt.format(**fields)
        prompts = [prompt] * self.runs
        orders: list[str | None] = [None] * self.runs
        if self.mode == "two-sided":
            orders = [self.order(sample.sample_id, k) for k in range(self.runs)]
            if self.swapped_prompt is not None:
                swapped = self.swapped_prompt.format(**fields)
                prompts = [swapped if o == "candidate-first" else prompt for o in orders]
        n_events = len(sample.timed_events or ())
        answers = await asyncio.gather(
            *(self._one_run(prompts[k], video, k, n_events) for k in range(self.runs)),
            return_exceptions=True,
        )
        for k, answer in enumerate(answers):
            if isinstance(answer, JudgeFailure):
                result.runs.append({"run": k, "status": "judge_error", "error": str(answer)})
                continue
            if isinstance(answer, BaseException):
                raise answer
            verdict, key = answer
            result.verdicts.append(verdict)
            order: dict[str, Any] = {"order": orders[k]} if orders[k] else {}
            result.runs.append(
                {"run": k, "seed": self.run_seed(k), "temperature": self.judge.settings.temperature,
                 "status": "ok", "cache_key": key, **order, **verdict.model_dump(mode="json")}
            )  # fmt: skip
        if len(result.verdicts) < self.runs:
            result.status = "judge_error"
            result.note = f"{self.runs - len(result.verdicts)} of {self.runs} runs failed"
        return result

    def order(self, sample_id: str, k: int) -> str:
        """Two-sided run ``k``'s order of the descriptions: seeded per clip and run, and fixed
        (reference first) when there is no swapped prompt (a user's own prompt file)."""
        if self.swapped_prompt is None:
            return "reference-first"
        coin = random.Random(f"{self.seed}:{sample_id}:{k}").random()
        return "candidate-first" if coin < 0.5 else "reference-first"

    def run_seed(self, k: int) -> int:
        """Run ``k``'s seed: the K runs differ in what the server samples, not only in their
        cache keys (at temperature 0 a deterministic judge still answers the same)."""
        return self.seed + k

    async def _one_run(
        self, prompt: str, video: VideoFrames, k: int, n_events: int = 0
    ) -> tuple[Verdict, str]:
        read = reader(self.mode, n_events, self.evidence)
        settings = self.judge.settings.model_copy(update={"seed": self.run_seed(k)})
        answer = await self.judge.ask(
            prompt, read, f"audit-run{k}" if k else "", video, settings=settings
        )
        return answer.value, answer.cache_key

    async def audit_all(
        self, samples: Sequence[CaptionSample], on_clip: Callable[[], None] | None = None
    ) -> list[ClipAudit]:
        async def one(sample: CaptionSample) -> ClipAudit:
            outcome = await self.audit(sample)
            if on_clip:
                on_clip()
            return outcome

        try:
            return list(await asyncio.gather(*(one(s) for s in samples)))
        finally:
            self._pool.shutdown(wait=False)
