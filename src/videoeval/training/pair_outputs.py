"""Scoring, filtering and writing the preference pairs of a ``pairs`` run folder.

Outputs (beside run.json and responses.jsonl):
- ``pairs.jsonl``: every pair, kept or not, with both descriptions, their DQ_R / DQ_P, the
  deltas, the negative's corruption record and the decision (``kept``, ``rejected``,
  ``unscored`` when a description or its score is missing);
- ``summary.json``: counts per corruption and the distribution of ``ΔDQ_R + ΔDQ_P``;
- ``trl_dpo.jsonl``: kept pairs in TRL's conversational preference format (``prompt``,
  ``chosen``, ``rejected``), the prompt exactly the request the chosen answer came from: the
  clean frames as sent (JPEG bytes under ``frames/``, or PNGs of a local model's pixels) as
  ``images`` with their time labels as text before each (or, sent as one video, ``videos`` with
  ``video_metadata``, the timing the processor got), the system prompt, the prompt text;
- ``swift_dpo.jsonl``: the same in ms-swift's format (``messages`` with ``<image>`` where each
  frame goes and its label before it, the chosen answer last, ``rejected_response``,
  ``images`` / ``videos``).
"""

from __future__ import annotations

import json
import random
import statistics
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videoeval.engine.log import read_log
from videoeval.models.base import VideoFrames
from videoeval.options import as_path
from videoeval.outputs import write_jsonl
from videoeval.predictions.captions import CaptionPredictions
from videoeval.video.provider import FrameProtocol, FrameProvider

if TYPE_CHECKING:
    from videoeval.engine.run_folder import RunPlan
    from videoeval.training.pairs import PairsRequest


def keep_pair(r_a: float, p_a: float, r_b: float, p_b: float, delta: float) -> bool:
    """Tarsier2's filter: ``a`` (chosen) beats ``b`` on recall and precision, by ``delta``
    together. Compared with a tolerance of 1e-9, so 0.3 counts as 0.3 after float sums."""
    d_r, d_p = r_a - r_b, p_a - p_b
    return d_r >= -1e-9 and d_p >= -1e-9 and d_r + d_p >= delta - 1e-9


def summarise(made: list[dict[str, Any]], request: PairsRequest) -> dict[str, Any]:
    """Kept / rejected / unscored counts per corruption and the distribution of the deltas."""
    counts: dict[str, Counter[str]] = {}
    for pair in made:
        counts.setdefault(pair["negative"], Counter())[pair["decision"]] += 1
    deltas = [p["delta_recall"] + p["delta_precision"] for p in made if p["decision"] != "unscored"]
    quantiles = {}
    if len(deltas) >= 2:
        cuts = statistics.quantiles(deltas, n=10, method="inclusive")
        quantiles = {"p10": cuts[0], "p50": statistics.median(deltas), "p90": cuts[-1]}
    return {
        "pairs": len(made),
        "kept": sum(p["decision"] == "kept" for p in made),
        "by_negative": {k: dict(v) for k, v in sorted(counts.items())},
        "delta_sum": {
            "mean": statistics.fmean(deltas) if deltas else None,
            "min": min(deltas, default=None),
            "max": max(deltas, default=None),
            **quantiles,
        },
        "rule": (
            "every scored pair (no filter)"
            if not request.filter
            else f"dR >= 0, dP >= 0, dR + dP >= {request.delta}"
        ),
        "scorer": "autodq" if request.run.judge else "eventsim",
    }


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


async def _scores(
    request: PairsRequest, samples: list[Any], texts: dict[str, str], failures: dict[str, Any]
) -> dict[str, tuple[float | None, float | None]]:
    """(recall, precision) per description id, in [0, 1]: AutoDQ with a judge, else EventSim
    at its protocol's threshold."""
    predictions = CaptionPredictions("videoeval-run", texts, {}, failures=failures)
    if request.run.judge is not None:
        from videoeval.scoring.caption_judging import autodq_clips

        rows = await autodq_clips(request.run.benchmark, samples, predictions, request.run.judge)
        return {r.sample_id: (r.recall, r.precision) for r in rows}
    from videoeval.metrics.event_similarity import event_similarity_scores
    from videoeval.metrics.sentence_encoder import MiniLMEncoder
    from videoeval.protocols import protocol_info

    threshold = protocol_info("eventsim").config.threshold
    scores = event_similarity_scores(samples, texts, MiniLMEncoder(), threshold)
    return {s.sample_id: (c.recall, c.precision) for s, c in zip(samples, scores, strict=True)}


def _decide(a: tuple[Any, Any], b: tuple[Any, Any], request: PairsRequest) -> tuple[str, bool]:
    """(decision, chosen is ``a``)."""
    if None in (*a, *b):
        return "unscored", True
    a_first = request.negative_sampling or a[0] + a[1] >= b[0] + b[1]
    (r_c, p_c), (r_r, p_r) = (a, b) if a_first else (b, a)
    if not request.filter or keep_pair(r_c, p_c, r_r, p_r, request.delta):
        return "kept", a_first
    return "rejected", a_first


async def score_and_write(
    request: PairsRequest, plan: RunPlan, frames: FrameProtocol
) -> tuple[list[dict[str, Any]], dict[str, Any], list[Path]]:
    out = request.run.folder
    rows = {r["sample_id"]: r for r in read_log(out / "responses.jsonl")}
    prompts = {item.sample_id.rsplit("#", 1)[0]: item.prompt for item in plan.items}
    samples = [replace(s, sample_id=f"{s.sample_id}#{side}")
               for s in plan.samples for side in ("a", "b")]  # fmt: skip
    texts = {k: r["answer"] for k, r in rows.items() if r.get("status") == "ok"}
    failures = {k: r.get("status", "model_error") for k, r in rows.items() if k not in texts}
    scores = await _scores(request, samples, texts, failures) if texts else {}
    made: list[dict[str, Any]] = []
    for sample in plan.samples:
        a_id, b_id = f"{sample.sample_id}#a", f"{sample.sample_id}#b"
        a, b = scores.get(a_id, (None, None)), scores.get(b_id, (None, None))
        if a_id not in texts or b_id not in texts:
            a, b = (None, None), (None, None)
        decision, a_first = _decide(a, b, request)
        corruption = (rows.get(b_id) or {}).get("frames", {}).get("corruption")
        chosen, rejected = (a_id, b_id) if a_first else (b_id, a_id)
        (r_c, p_c), (r_r, p_r) = (a, b) if a_first else (b, a)
        made.append({
            "sample_id": sample.sample_id, "video_id": sample.video_id,
            "prompt": prompts[sample.sample_id],
            "chosen": texts.get(chosen), "rejected": texts.get(rejected),
            "chosen_from": chosen, "rejected_from": rejected,
            "negative": corruption["corruption"] if corruption else "clean-sample",
            "corruption": corruption,
            "recall_chosen": r_c, "precision_chosen": p_c,
            "recall_rejected": r_r, "precision_rejected": p_r,
            "delta_recall": None if r_c is None or r_r is None else r_c - r_r,
            "delta_precision": None if p_c is None or p_r is None else p_c - p_r,
            "decision": decision,
        })  # fmt: skip
    exported = _target(made, request)
    summary = summarise(made, request)
    if request.target is not None:
        summary["target"] = {"asked": request.target, "exported": len(exported),
                             "from": "kept pairs" if request.filter else "every scored pair",
                             "seed": request.seed}  # fmt: skip
    files = [_write_jsonl(out / "pairs.jsonl", made), write_json(out / "summary.json", summary)]
    files += export_pairs(exported, request, frames, rows)
    return made, summary, files


def _target(made: list[dict[str, Any]], request: PairsRequest) -> list[dict[str, Any]]:
    """The pairs to export: the kept ones, or ``target`` of them drawn at random (seeded), in
    their order; each pair says whether it was exported."""
    kept = [p for p in made if p["decision"] == "kept"]
    if request.target is not None and len(kept) > request.target:
        rng = random.Random(f"target:{request.seed}")
        drawn = {id(p) for p in rng.sample(kept, request.target)}
        kept = [p for p in kept if id(p) in drawn]
    exported = {id(p) for p in kept}
    for pair in made:
        pair["exported"] = id(pair) in exported
    return kept


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    write_jsonl(path, rows)
    return path


def _frame_files(video: VideoFrames, video_id: str, root: Path, variant: str = "") -> list[str]:
    """The frames exactly as they were sent: the JPEG bytes of the request, or, for a local
    model's uncompressed frames, lossless PNGs of its pixels (written once per video)."""
    folder = root / "frames" / (video_id + variant)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    if video.jpegs:
        for i, jpeg in enumerate(video.jpegs):
            path = folder / f"{i:04d}.jpg"
            if not path.exists():
                path.write_bytes(jpeg)
            paths.append(str(path))
        return paths
    from PIL import Image

    for i, frame in enumerate(video.pixels):
        path = folder / f"{i:04d}.png"
        if not path.exists():
            Image.fromarray(frame).save(path, format="PNG")
        paths.append(str(path))
    return paths


def _answer(text: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": [{"type": "text", "text": text}]}]


def request_parts(video: VideoFrames, prompt: str) -> list[dict[str, Any]]:
    """The user turn as it was sent, in TRL's typed parts: each frame's label (when there was
    one) before it as text, the frame as an image, the prompt last; frames sent as one video
    are one video part."""
    parts: list[dict[str, Any]] = []
    if video.as_video is not None:
        parts.append({"type": "video"})
    else:
        for i in range(len(video.jpegs) or len(video.timestamps)):
            label = video.label_before(i)
            if label is not None:
                parts.append({"type": "text", "text": label})
            parts.append({"type": "image"})
    parts.append({"type": "text", "text": prompt})
    return parts


def _swift_text(parts: list[dict[str, Any]]) -> str:
    """The same turn as ms-swift's text with ``<image>`` / ``<video>`` where the media go."""
    marks = {"image": "<image>", "video": "<video>"}
    return "".join(marks.get(p["type"], p.get("text", "")) for p in parts)


def export_pairs(
    kept: list[dict[str, Any]],
    request: PairsRequest,
    frames: FrameProtocol,
    rows: dict[str, dict[str, Any]],
) -> list[Path]:
    """TRL's and ms-swift's preference files, whose prompt is exactly the request the chosen
    answer was written from: the same frames (the bytes sent), order, time labels, and form
    (images, or one video with its timing), the system prompt and the prompt text."""
    out = request.run.folder
    provider = FrameProvider(request.run.videos, frames, None)
    system = _system(request)
    trl, swift = [], []
    for pair in kept:
        video, _ = provider.frames(pair["video_id"])
        media = _frame_files(video, pair["video_id"], out)
        parts = request_parts(video, pair["prompt"])
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": [{"type": "text", "text": system}]})
        messages.append({"role": "user", "content": parts})
        timing = asdict(video.as_video) if video.as_video is not None else None
        row: dict[str, Any] = {
            "prompt": messages, "chosen": _answer(pair["chosen"]),
            "rejected": _answer(pair["rejected"]), "frame_times": list(video.timestamps),
            "sample_id": pair["sample_id"],
            "cache_key": (rows.get(pair["chosen_from"]) or {}).get("cache_key"),
        }  # fmt: skip
        if timing is None:
            row["images"] = media
        else:
            row["videos"] = [media]
            indices = timing.pop("indices")
            # the processor's names (transformers' VideoMetadata)
            row["video_metadata"] = [{"fps": timing["fps"], "frames_indices": indices,
                                      "total_num_frames": timing["total_frames"],
                                      "duration": timing["duration"]}]  # fmt: skip
        trl.append(row)
        swift_messages = [{"role": "system", "content": system}] if system else []
        swift_messages += [{"role": "user", "content": _swift_text(parts)},
                           {"role": "assistant", "content": pair["chosen"]}]  # fmt: skip
        swift.append({
            "messages": swift_messages, "rejected_response": pair["rejected"],
            ("videos" if timing else "images"): [media] if timing else media,
            "sample_id": pair["sample_id"],
        })  # fmt: skip
    return [_write_jsonl(out / "trl_dpo.jsonl", trl), _write_jsonl(out / "swift_dpo.jsonl", swift)]


def _system(request: PairsRequest) -> str | None:
    from videoeval.benchmarks.base import read_text

    path = as_path(request.run.generation.system_file)
    return read_text(path) if path else None
