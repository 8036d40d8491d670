"""The ``joint`` protocol for dense views: every predicted event judged on the frames of its own
span, every overlapping (GT, predicted) pair judged for agreement, then ``metrics.joint``.

Judgements are cached like every judge call (re-scoring asks nothing that was asked before) and
each is a row of ``judgements.jsonl``; ``samples.jsonl`` has one row per video with its counts.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from videoeval.errors import NothingToScoreError, UsageError
from videoeval.judges.client import JudgeClient, JudgeFailure
from videoeval.judges.replies import Reader, ReplyError
from videoeval.metrics.joint import VideoJudgements, tiou
from videoeval.options import as_path
from videoeval.protocols.configs import JointConfig
from videoeval.schema import JointRow, Judgement, TimedEvent
from videoeval.scoring.base import ScoreContext, Scored
from videoeval.video.frames import FrameCache
from videoeval.video.probe import VideoError, probe
from videoeval.video.provider import FrameProtocol, encode_frames, find_video
from videoeval.video.sampling import SamplingSpec

Event = tuple[float, float, str]


def prompts(frame_evidence: bool) -> dict[str, str]:
    event = "joint_event.txt" if frame_evidence else "joint_event_plain.txt"
    folder = resources.files("videoeval.judges.prompts")
    return {"event": (folder / event).read_text(encoding="utf-8"),
            "same": (folder / "joint_same.txt").read_text(encoding="utf-8")}  # fmt: skip


def prompts_sha256(texts: dict[str, str]) -> str:
    return hashlib.sha256("\0".join(texts[k] for k in sorted(texts)).encode()).hexdigest()


_EVIDENCE = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"timestamps": {"type": "array", "items": {"type": "number"}},
                       "observation": {"type": "string"}},
        "required": ["observation"],
    },
    "minItems": 1,
}  # fmt: skip


def _true_reader(evidence: bool) -> Reader[dict[str, Any]]:
    def read(reply: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(reply.get("true"), bool):
            raise ReplyError('the reply has no true/false "true"')
        if evidence:
            seen = reply.get("frame_evidence")
            if not isinstance(seen, list) or not seen:
                raise ReplyError("the reply lists no frame evidence")
        return reply

    properties: dict[str, Any] = {"true": {"type": "boolean"}, "reason": {"type": "string"}}
    if evidence:
        properties = {"frame_evidence": _EVIDENCE, **properties}
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return Reader(read, schema)


def _read_same(reply: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(reply.get("same"), bool):
        raise ReplyError('the reply has no true/false "same"')
    return reply


_same_reader = Reader(_read_same, {
    "type": "object",
    "properties": {"same": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["same", "reason"],
})  # fmt: skip


def pairs_to_ask(
    gt: Sequence[Event], predicted: Sequence[Event], lowest: float
) -> list[tuple[int, int]]:
    return [(g, p) for g in range(len(gt)) for p in range(len(predicted))
            if tiou(gt[g][:2], predicted[p][:2]) >= lowest]  # fmt: skip


class JointJudge:
    def __init__(
        self,
        judge: JudgeClient,
        videos: Path,
        config: JointConfig,
        frame_cache: FrameCache | None,
        decode_workers: int = 2,
    ) -> None:
        self.judge = judge
        self.videos = videos
        self.config = config
        self.frame_cache = frame_cache
        self.texts = prompts(config.frame_evidence)
        self._pool = ThreadPoolExecutor(max_workers=decode_workers, thread_name_prefix="joint")
        self._durations: dict[Path, float] = {}

    def _frames(self, path: Path, start: float, end: float) -> tuple[Any, dict[str, Any]]:
        spec = SamplingSpec(kind="uniform", nframes=self.config.frames_per_event,
                            start=start, end=end)  # fmt: skip
        return encode_frames(path, FrameProtocol(spec=spec, labels="per-frame"), self.frame_cache)

    async def _event(self, video_id: str, path: Path | None, j: int, event: Event) -> Judgement:
        start, end, text = event
        row: Judgement = {"video_id": video_id, "kind": "event", "predicted": j,
                               "span": [start, end], "text": text}  # fmt: skip
        if path is None:
            return {**row, "status": "video_error", "error": "no video file", "true": None}
        if not end > start:
            return {**row, "status": "invalid_span", "true": False}
        loop = asyncio.get_running_loop()
        try:
            duration = self._durations.get(path)
            if duration is None:
                duration = await loop.run_in_executor(self._pool, _duration, path)
                self._durations[path] = duration
            if start >= duration:
                # Sampling would give copies of the last frame: the event is not on the video.
                note = f"the event starts after the video's end ({duration:g} s)"
                return {**row, "status": "invalid_span", "true": False, "note": note}
            if end > duration:
                row["note"] = (
                    f"the span ends past the video's end ({duration:g} s): judged on "
                    "the frames up to it"
                )
                end = duration
            video, record = await loop.run_in_executor(self._pool, self._frames, path, start, end)
        except (VideoError, OSError, ValueError) as exc:
            return {**row, "status": "video_error", "error": str(exc), "true": None}
        prompt = self.texts["event"].format(event=text, start=f"{start:g}", end=f"{end:g}")
        try:
            answer = await self.judge.ask(prompt, _true_reader(self.config.frame_evidence),
                                          "joint-event", video)  # fmt: skip
        except JudgeFailure as exc:
            return {**row, "status": "judge_error", "error": str(exc), "true": None}
        reply = answer.value
        return {**row, "status": "ok", "true": reply["true"], "reason": reply.get("reason"),
                "frame_evidence": reply.get("frame_evidence"),
                "frames": {"indices": record["indices"], "timestamps": record["timestamps"]},
                "cache_key": answer.cache_key}  # fmt: skip

    async def _same(self, video_id: str, g: int, p: int, gt: Event, pred: Event) -> Judgement:
        row: Judgement = {"video_id": video_id, "kind": "pair", "gt": g, "predicted": p,
                               "tiou": tiou(gt[:2], pred[:2])}  # fmt: skip
        prompt = self.texts["same"].format(reference=gt[2], candidate=pred[2])
        try:
            answer = await self.judge.ask(prompt, _same_reader, "joint-same")
        except JudgeFailure as exc:
            return {**row, "status": "judge_error", "error": str(exc), "same": None}
        return {**row, "status": "ok", "same": answer.value["same"],
                "reason": answer.value.get("reason"), "cache_key": answer.cache_key}  # fmt: skip

    async def video(
        self, video_id: str, gt: list[Event], predicted: list[Event]
    ) -> tuple[VideoJudgements, list[Judgement]]:
        try:
            path = find_video(self.videos, video_id)
        except VideoError:  # an id that leads outside the folder: never read
            path = None
        lowest = min(self.config.thresholds)
        asked = pairs_to_ask(gt, predicted, lowest)
        rows = await asyncio.gather(
            *(self._event(video_id, path, j, e) for j, e in enumerate(predicted)),
            *(self._same(video_id, g, p, gt[g], predicted[p]) for g, p in asked),
        )
        events, pairs = rows[: len(predicted)], rows[len(predicted) :]
        same = {(r["gt"], r["predicted"]): bool(r["same"]) for r in pairs}
        judged = VideoJudgements(video_id, gt, predicted, [r["true"] for r in events], same)
        return judged, list(rows)

    def close(self) -> None:
        self._pool.shutdown(wait=False)


def _duration(path: Path) -> float:
    return probe(path).duration


def require_videos(videos: Path | None) -> Path:
    if videos is None:
        raise UsageError("--protocol joint judges predicted events on the video: give --videos")
    if not videos.is_dir():
        raise UsageError(f"--videos {videos} is not a folder")
    return videos


def _inputs(ctx: ScoreContext[JointConfig]) -> tuple[Path, dict[str, list[TimedEvent]], Any, str]:
    """The videos folder, the GT events per video, the predicted events and their layout: what
    scoring and pricing both read."""
    from videoeval.scoring.dense import references_of
    from videoeval.scoring.dense_inputs import dense_predictions

    videos = require_videos(as_path(ctx.joint.videos) if ctx.joint else None)
    predictions, layout = dense_predictions(ctx)
    return videos, references_of(ctx.samples), predictions, layout


async def score(ctx: ScoreContext[JointConfig]) -> Scored:
    """Every predicted event judged on its frames, every overlapping pair judged for
    agreement; then ``metrics.joint``."""
    from videoeval.metrics.joint import count_video, joint_metrics
    from videoeval.models.factory import cache_root
    from videoeval.scoring.caption_judging import judge_client

    if ctx.judge is None:
        raise UsageError("--protocol joint needs a judge that sees frames: give --judge-model")
    config = ctx.config
    videos, references, predictions, layout = _inputs(ctx)
    client = judge_client(ctx.judge)
    joint = JointJudge(client, videos, config,
                       FrameCache(cache_root(as_path(ctx.judge.cache)) / "frames"))  # fmt: skip
    video_ids = sorted(references)

    async def one(vid: str) -> tuple[VideoJudgements, list[Judgement]]:
        gt = [(c.start, c.end, c.sentence) for c in references[vid]]
        pred = [(c.start, c.end, c.sentence) for c in predictions.captions.get(vid, [])]
        result = await joint.video(vid, gt, pred)
        ctx.progress()
        return result

    try:
        judged = list(await asyncio.gather(*(one(v) for v in video_ids)))
    finally:
        joint.close()
        await client.model.aclose()
    counts = [count_video(v, config.thresholds) for v, _ in judged]
    judgements = [row for _, rows in judged for row in rows]
    statuses: dict[str, int] = {}
    for row in judgements:
        if row["status"] != "ok":
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    rows: list[JointRow] = [
        JointRow(c.video_id, "ok" if c.n_pred else "missing_prediction", c.n_gt, c.n_pred,
                     c.true_preds,
                     {v: {str(t): n for t, n in m.items()} for v, m in c.matched.items()},
                     video_id=c.video_id)
            for c in counts]  # fmt: skip
    if judgements and not any(r["status"] == "ok" for r in judgements):
        errors = Counter(str(r.get("error") or r.get("note") or r["status"]) for r in judgements)
        cause, count = errors.most_common(1)[0]
        for video_row, (_, video_rows) in zip(rows, judged, strict=True):
            failed = Counter(r["status"] for r in video_rows)
            if failed.get("judge_error"):
                video_row.status = "judge_error"
            video_row.note = ", ".join(f"{n} {s}" for s, n in failed.items()) or None
        raise NothingToScoreError(
            f"not one of the {len(judgements)} judgements could be made: {cause} "
            f"({count} of them)", rows, {"judgements": judgements},
        )  # fmt: skip
    texts = prompts(config.frame_evidence)
    settings = client.settings
    annotations = ctx.annotations.name if ctx.annotations else None
    return Scored(
        rows=rows, metrics=joint_metrics(counts, config.thresholds),
        n_total=len(video_ids), n_scored=sum(1 for c in counts if c.n_pred),
        n_counted=len(video_ids),
        failure_rule="an event the judge could not judge is not true; a video without "
        "predictions keeps its GT events in the recall denominator",
        intervals=VideoResampled(counts, config.thresholds), failures=statuses,
        inputs={"annotations": annotations, "prediction_layout": layout,
                "videos": videos.name, "frames_per_event": config.frames_per_event,
                "frame_evidence": str(config.frame_evidence),
                "judge_prompts_sha256": prompts_sha256(texts)},
        warnings=[*ctx.skipped[:20], *predictions.problems[:20]],
        judge={**client.model.identity(), "served_models": sorted(client.stats.served),
               "calls": client.stats.calls, "cached": client.stats.cached,
               "schema_retries": client.stats.schema_retries,
               "structured_output": client.structured_output(),
               "settings": settings.model_dump(mode="json")},
        layout=layout, files={"judgements": judgements},
    )  # fmt: skip


class VideoResampled:
    """Intervals of every joint figure, resampling videos."""

    def __init__(self, counts: Sequence[Any], thresholds: Sequence[float]) -> None:
        self.counts, self.thresholds = counts, thresholds

    def __call__(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        from videoeval.metrics.joint import bootstrap_ci

        found = bootstrap_ci(self.counts, resamples, seed, self.thresholds)
        return {k: (v[0], v[1]) for k, v in found.items()}


def price(ctx: ScoreContext[JointConfig]) -> dict[str, int]:
    """What ``joint`` would ask, counted without asking: judge calls (one per predicted event,
    one per overlapping pair), the frames they carry, and the videos."""
    videos, references, predictions, _ = _inputs(ctx)
    events = pairs = missing = 0
    for vid, refs in references.items():
        gt = [(c.start, c.end, c.sentence) for c in refs]
        pred = [(c.start, c.end, c.sentence) for c in predictions.captions.get(vid, [])]
        events += len(pred)
        pairs += len(pairs_to_ask(gt, pred, min(ctx.config.thresholds)))
        missing += find_video(videos, vid) is None
    return {"videos": len(references), "videos_missing": missing, "event_calls": events,
            "pair_calls": pairs, "judge_calls": events + pairs,
            "frames": events * ctx.config.frames_per_event}  # fmt: skip
