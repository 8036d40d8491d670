"""Re-judging AutoDQ's misses with the frames (``rejudge-neutral``), which is also the cheap
escalation path: the text-only judge decides everything it can, and only the events it did not
rule ``entailment`` are shown to the video-aware judge, one call per clip.

Accounting, per clip:
- precision side (a predicted event against the GT description): when the frames show the event
  (entailment), the text judge's miss was the GT's omission: the event becomes a hit;
- recall side (a GT event against the prediction): when the frames contradict the GT event, the
  GT was wrong: the event leaves the recall denominator. Frames that confirm it leave it a miss
  (the prediction still did not say it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import read_text, text_lines
from videoeval.judges.audit import Auditor
from videoeval.judges.autodq import labels_reader
from videoeval.judges.client import JudgeFailure
from videoeval.metrics.autodq import ClipScore, aggregate
from videoeval.schema import CaptionSample, Status
from videoeval.video.probe import VideoError


def load_rejudge_prompt(path: Path | None = None) -> tuple[str, str]:
    text = (
        read_text(path)
        if path
        else (resources.files("videoeval.judges.prompts") / "video_rejudge.txt").read_text("utf-8")
    )
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_autodq_verdicts(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """verdicts.jsonl of an AutoDQ scoring folder, grouped by clip (events aspect only)."""
    path = folder / "verdicts.jsonl"
    rows = [json.loads(line) for line in text_lines(read_text(path)) if line.strip()]
    by_clip: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("aspect", "events") == "events":
            by_clip[str(row["clip"])].append(row)
    return by_clip


@dataclass
class ClipRejudge:
    sample: CaptionSample
    status: Status = "ok"
    note: str | None = None
    text_recall: float = 1.0
    text_precision: float = 1.0
    video_recall: float = 1.0
    video_precision: float = 1.0
    rejudged: int = 0
    total_events: int = 0
    flips: list[dict[str, Any]] = field(default_factory=list)
    side_by_side: list[dict[str, Any]] = field(default_factory=list)
    """Every event of the clip: the text-only label and, when re-judged, the label with frames."""


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


async def rejudge_clip(
    auditor: Auditor, prompt: str, sample: CaptionSample, verdicts: list[dict[str, Any]]
) -> ClipRejudge:
    result = ClipRejudge(sample, total_events=len(verdicts))
    recall = [v for v in verdicts if v["side"] == "recall"]
    precision = [v for v in verdicts if v["side"] == "precision"]
    hits_r = sum(v["label"] == "entailment" for v in recall)
    hits_p = sum(v["label"] == "entailment" for v in precision)
    result.text_recall, result.text_precision = (
        _rate(hits_r, len(recall)),
        _rate(hits_p, len(precision)),
    )
    result.video_recall, result.video_precision = result.text_recall, result.text_precision
    result.side_by_side = [
        {"clip": sample.sample_id, "side": v["side"], "event": v["event"],
         "text_label": v["label"], "text_reason": v.get("reason"), "video_label": None,
         "video_reason": None, "video_timestamps": None}
        for v in verdicts
    ]  # fmt: skip
    doubtful = [v for v in verdicts if v["label"] != "entailment"]
    if not doubtful:
        return result
    loop = asyncio.get_running_loop()
    try:
        video, _ = await loop.run_in_executor(auditor._pool, auditor._frames, sample.video_id)
    except (VideoError, OSError, ValueError) as exc:
        result.status, result.note = "video_error", str(exc)
        return result
    events = [v["event"] for v in doubtful]
    try:
        answer = await auditor.judge.ask(
            prompt.format(events=repr(events)), labels_reader(len(events)), "rejudge", video
        )
    except JudgeFailure as exc:
        result.status, result.note = "judge_error", str(exc)
        return result
    result.rejudged = len(events)
    by_event = {id(v): row for v, row in zip(verdicts, result.side_by_side, strict=True)}
    dropped_gt = 0
    for verdict, (label, reason) in zip(doubtful, answer.value, strict=True):
        by_event[id(verdict)].update(video_label=label, video_reason=reason)
        flip = None
        if verdict["side"] == "precision" and label == "entailment":
            hits_p, flip = hits_p + 1, "credited: the frames show the predicted event"
        elif verdict["side"] == "recall" and label == "contradiction":
            dropped_gt, flip = dropped_gt + 1, "GT error: the frames contradict the GT event"
        if flip:
            result.flips.append(
                {"clip": sample.sample_id, "side": verdict["side"], "event": verdict["event"],
                 "text_label": verdict["label"], "video_label": label, "reason": reason,
                 "change": flip, "cache_key": answer.cache_key}
            )  # fmt: skip
    result.video_recall = _rate(hits_r, len(recall) - dropped_gt)
    result.video_precision = _rate(hits_p, len(precision))
    return result


def rejudge_ci(
    results: list[ClipRejudge], resamples: int = 1000, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95% bootstrap intervals of P / R / F1 text-only and with frames (clips resampled within
    categories, as AutoDQ's)."""
    from videoeval.metrics.autodq import bootstrap_ci

    ok = [r for r in results if r.status == "ok"]
    out: dict[str, tuple[float, float]] = {}
    for side in ("text", "video"):
        clips = [ClipScore(r.sample.sample_id, r.sample.category, getattr(r, f"{side}_recall"),
                           getattr(r, f"{side}_precision")) for r in ok]  # fmt: skip
        out.update({f"{k}_{side}": v for k, v in bootstrap_ci(clips, resamples, seed).items()})
    return out


def summarise(results: list[ClipRejudge]) -> dict[str, float]:
    ok = [r for r in results if r.status == "ok"]
    text = aggregate([ClipScore(r.sample.sample_id, r.sample.category, r.text_recall,
                                r.text_precision) for r in ok])  # fmt: skip
    video = aggregate([ClipScore(r.sample.sample_id, r.sample.category, r.video_recall,
                                 r.video_precision) for r in ok])  # fmt: skip
    total = sum(r.total_events for r in ok)
    rejudged = sum(r.rejudged for r in ok)
    flips = [f["side"] for r in ok for f in r.flips]
    return {
        "F1_text": 100 * text.f1, "precision_text": 100 * text.precision,
        "recall_text": 100 * text.recall, "F1_video": 100 * video.f1,
        "precision_video": 100 * video.precision, "recall_video": 100 * video.recall,
        "flipped_precision_events": float(flips.count("precision")),
        "dropped_gt_events": float(flips.count("recall")),
        "events_total": float(total), "events_rejudged": float(rejudged),
        # Escalation's saving: only these events needed frames, instead of every event.
        "frames_share_of_events": 100 * rejudged / total if total else 0.0,
    }  # fmt: skip
