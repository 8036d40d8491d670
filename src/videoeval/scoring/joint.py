"""The ``joint`` protocol for dense views: every predicted event judged on the frames of its own
span, every overlapping (GT, predicted) pair judged for agreement, then ``metrics.joint``.

Judgements are cached like every judge call (re-scoring asks nothing that was asked before) and
each is a row of ``judgements.jsonl``; ``samples.jsonl`` has one row per video with its counts.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from videoeval.errors import EnvironmentProblem, NothingToScoreError, UsageError
from videoeval.judges.client import JudgeClient, JudgeFailure
from videoeval.judges.replies import Reader, ReplyError
from videoeval.metrics.joint import THRESHOLDS, VideoJudgements, tiou
from videoeval.video.frames import FrameCache
from videoeval.video.probe import VideoError, probe
from videoeval.video.provider import FrameProtocol, encode_frames, find_video
from videoeval.video.sampling import SamplingSpec

Event = tuple[float, float, str]


@dataclass(frozen=True)
class JointOptions:
    videos: Path
    frames_per_event: int = 8
    """Uniform frames (first and last included) inside each predicted span."""
    frame_evidence: bool = True
    """The judge lists what the frames show before deciding (off: the ablation)."""
    thresholds: tuple[float, ...] = THRESHOLDS


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
        options: JointOptions,
        frame_cache: FrameCache | None,
        decode_workers: int = 2,
    ) -> None:
        self.judge = judge
        self.options = options
        self.frame_cache = frame_cache
        self.texts = prompts(options.frame_evidence)
        self._pool = ThreadPoolExecutor(max_workers=decode_workers, thread_name_prefix="joint")
        self._durations: dict[Path, float] = {}

    def _frames(self, path: Path, start: float, end: float):  # type: ignore[no-untyped-def]
        spec = SamplingSpec(kind="uniform", nframes=self.options.frames_per_event,
                            start=start, end=end)  # fmt: skip
        return encode_frames(path, FrameProtocol(spec=spec, labels="per-frame"), self.frame_cache)

    async def _event(
        self, video_id: str, path: Path | None, j: int, event: Event
    ) -> dict[str, Any]:
        start, end, text = event
        row: dict[str, Any] = {"video_id": video_id, "kind": "event", "predicted": j,
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
            answer = await self.judge.ask(prompt, _true_reader(self.options.frame_evidence),
                                          "joint-event", video)  # fmt: skip
        except JudgeFailure as exc:
            return {**row, "status": "judge_error", "error": str(exc), "true": None}
        reply = answer.value
        return {**row, "status": "ok", "true": reply["true"], "reason": reply.get("reason"),
                "frame_evidence": reply.get("frame_evidence"),
                "frames": {"indices": record["indices"], "timestamps": record["timestamps"]},
                "cache_key": answer.cache_key}  # fmt: skip

    async def _same(self, video_id: str, g: int, p: int, gt: Event, pred: Event) -> dict[str, Any]:
        row: dict[str, Any] = {"video_id": video_id, "kind": "pair", "gt": g, "predicted": p,
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
    ) -> tuple[VideoJudgements, list[dict[str, Any]]]:
        try:
            path = find_video(self.options.videos, video_id)
        except VideoError:  # an id that leads outside the folder: never read
            path = None
        lowest = min(self.options.thresholds)
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


def judge_unavailable(problem: str | None) -> None:
    if problem:
        raise EnvironmentProblem(f"the judge cannot be asked: {problem}")


def score_joint(request: Any, resolved: Any, on_clip: Callable[[], None] | None) -> Any:
    """The ``joint`` protocol over a dense view (``ScoreRequest`` with videos and a judge)."""
    from videoeval import __version__
    from videoeval.api import ScoreOutcome
    from videoeval.engine.cache import CallCache
    from videoeval.engine.retry import RetryPolicy
    from videoeval.metrics.joint import bootstrap_ci, count_video, joint_metrics
    from videoeval.models.factory import cache_root, make_model
    from videoeval.schema import MetricsReport

    if request.judge is None:
        raise UsageError("--protocol joint needs a judge that sees frames: give --judge-model")
    videos, references, problems, predictions, layout = _inputs(request, resolved)
    options = JointOptions(videos, request.judge_frames, request.frame_evidence)
    judge_options = request.judge
    model = make_model(judge_options.backend, judge_options.model, judge_options.base_url,
                       judge_options.api_key_env, judge_options.timeout,
                       judge_options.concurrency)  # fmt: skip
    judge_unavailable(model.check())
    root = cache_root(judge_options.cache)
    client = JudgeClient(
        model, CallCache(root / "calls.sqlite"), judge_options.settings(),
        RetryPolicy(attempts=judge_options.retries, base_delay=judge_options.backoff),
        schema_attempts=judge_options.schema_attempts, concurrency=judge_options.concurrency,
        structured=judge_options.structured,
    )  # fmt: skip
    joint = JointJudge(client, options, FrameCache(root / "frames"))
    video_ids = sorted(references)

    async def main() -> list[tuple[VideoJudgements, list[dict[str, Any]]]]:
        async def one(vid: str) -> tuple[VideoJudgements, list[dict[str, Any]]]:
            gt = [(c.start, c.end, c.sentence) for c in references[vid]]
            pred = [(c.start, c.end, c.sentence) for c in predictions.captions.get(vid, [])]
            result = await joint.video(vid, gt, pred)
            if on_clip:
                on_clip()
            return result

        try:
            return list(await asyncio.gather(*(one(v) for v in video_ids)))
        finally:
            joint.close()
            await model.aclose()

    judged = asyncio.run(main())
    counts = [count_video(v, options.thresholds) for v, _ in judged]
    judgements = [row for _, rows in judged for row in rows]
    statuses: dict[str, int] = {}
    for row in judgements:
        if row["status"] != "ok":
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    rows = [{"sample_id": c.video_id, "status": "ok" if c.n_pred else "missing_prediction",
             "gt_events": c.n_gt, "predicted_events": c.n_pred, "true_on_frames": c.true_preds,
             "matched": {v: {str(t): n for t, n in m.items()} for v, m in c.matched.items()}}
            for c in counts]  # fmt: skip
    if judgements and not any(r["status"] == "ok" for r in judgements):
        errors = Counter(str(r.get("error") or r.get("note") or r["status"]) for r in judgements)
        cause, count = errors.most_common(1)[0]
        for row, (_, video_rows) in zip(rows, judged, strict=True):
            failed = Counter(r["status"] for r in video_rows)
            row["status"] = "judge_error" if failed.get("judge_error") else row["status"]
            row["note"] = ", ".join(f"{n} {s}" for s, n in failed.items()) or None
        raise NothingToScoreError(
            f"not one of the {len(judgements)} judgements could be made: {cause} "
            f"({count} of them)", rows, {"judgements": judgements},
        )  # fmt: skip
    texts = prompts(options.frame_evidence)
    report = MetricsReport(
        benchmark=resolved.benchmark.id, task="dense_captioning", protocol="joint",
        protocol_reference=resolved.protocol.reference, n_total=len(video_ids),
        n_scored=sum(1 for c in counts if c.n_pred), n_counted=len(video_ids),
        metrics=joint_metrics(counts, options.thresholds),
        ci95={k: (v[0], v[1]) for k, v in bootstrap_ci(counts, request.bootstrap, request.seed,
                                                       options.thresholds).items()},
        failures=statuses,
        failure_rule="an event the judge could not judge is not true; a video without "
        "predictions keeps its GT events in the recall denominator",
        inputs={"annotations": request.annotations.name, "prediction_layout": layout,
                "videos": videos.name, "frames_per_event": options.frames_per_event,
                "frame_evidence": str(options.frame_evidence),
                "judge_prompts_sha256": prompts_sha256(texts)},
        warnings=[*problems[:20], *predictions.problems[:20]],
        judge={**model.identity(), "served_models": sorted(client.stats.served),
               "calls": client.stats.calls, "cached": client.stats.cached,
               "schema_retries": client.stats.schema_retries,
               "structured_output": client.structured_output(),
               "settings": judge_options.settings().model_dump(mode="json")},
        protocol_config=resolved.protocol.config, videoeval_version=__version__,
    )  # fmt: skip
    return ScoreOutcome(report, rows, layout, resolved.view, resolved.protocol,
                        files={"judgements": judgements})  # fmt: skip


def _inputs(request: Any, resolved: Any) -> tuple[Path, dict[str, Any], list[str], Any, str]:
    """The videos folder, the GT events per video (cut to ``--subset``), the reading problems,
    the predicted events and their layout: what scoring and pricing both read."""
    from videoeval.scoring.by_task import dense_predictions, subset_references
    from videoeval.scoring.dense import read_references

    videos = require_videos(request.videos)
    references, problems = read_references(request.annotations)
    predictions, layout = dense_predictions(request, resolved)
    return videos, subset_references(request, references), problems, predictions, layout


def price_joint(request: Any, resolved: Any) -> dict[str, int]:
    """What ``joint`` would ask, counted without asking: judge calls (one per predicted event,
    one per overlapping pair), the frames they carry, and the videos."""
    videos, references, _, predictions, _ = _inputs(request, resolved)
    events = pairs = missing = 0
    for vid, refs in references.items():
        gt = [(c.start, c.end, c.sentence) for c in refs]
        pred = [(c.start, c.end, c.sentence) for c in predictions.captions.get(vid, [])]
        events += len(pred)
        pairs += len(pairs_to_ask(gt, pred, min(THRESHOLDS)))
        missing += find_video(videos, vid) is None
    return {"videos": len(references), "videos_missing": missing, "event_calls": events,
            "pair_calls": pairs, "judge_calls": events + pairs,
            "frames": events * request.judge_frames}  # fmt: skip
