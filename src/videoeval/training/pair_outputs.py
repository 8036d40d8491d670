"""Scoring, filtering and writing the preference pairs of a ``pairs`` run folder.

Outputs (beside run.json and responses.jsonl):
- ``pairs.jsonl``: every pair, kept or not, with both descriptions, their DQ_R / DQ_P, the
  deltas, the negative's corruption record and the decision (``kept``, ``rejected``,
  ``unscored`` when a description or its score is missing);
- ``summary.json``: counts per corruption and the distribution of ``ΔDQ_R + ΔDQ_P``;
- ``trl_dpo.jsonl``: kept pairs in TRL's conversational preference format (``prompt``,
  ``chosen``, ``rejected``, ``images``: the clean frames written under ``frames/``), with the
  video path and frame times beside them;
- ``swift_dpo.jsonl``: kept pairs in ms-swift's format (``messages`` ending with the chosen
  answer, ``rejected_response``, ``videos``).
"""

from __future__ import annotations

import io
import json
import statistics
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videoeval.engine.log import read_log
from videoeval.outputs import write_jsonl
from videoeval.predictions.captions import CaptionPredictions
from videoeval.video.provider import FrameProtocol, FrameProvider

if TYPE_CHECKING:
    from videoeval.api_pairs import PairsRequest
    from videoeval.runs import RunPlan


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


def _scores(request: PairsRequest, samples: list[Any], texts: dict[str, str],
            failures: dict[str, str]) -> dict[str, tuple[float | None, float | None]]:  # fmt: skip
    """(recall, precision) per description id, in [0, 1]."""
    predictions = CaptionPredictions("videoeval-run", texts, {}, failures=failures)
    if request.run.judge is not None:
        from videoeval.scoring.caption_judging import judge_captions

        judged = judge_captions(request.run.benchmark, samples, predictions, request.run.judge,
                                resamples=0)  # fmt: skip
        return {r["sample_id"]: (r.get("recall"), r.get("precision")) for r in judged.scores.rows}
    from videoeval.metrics.event_similarity import event_similarity_scores
    from videoeval.metrics.sentence_encoder import MiniLMEncoder

    scores = event_similarity_scores(samples, texts, MiniLMEncoder())
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


def score_and_write(
    request: PairsRequest, plan: RunPlan, frames: FrameProtocol
) -> tuple[list[dict[str, Any]], dict[str, Any], list[Path]]:
    out = request.run.out
    rows = {r["sample_id"]: r for r in read_log(out / "responses.jsonl")}
    prompts = {item.sample_id.rsplit("#", 1)[0]: item.prompt for item in plan.items}
    samples = [replace(s, sample_id=f"{s.sample_id}#{side}")
               for s in plan.samples for side in ("a", "b")]  # fmt: skip
    texts = {k: r["answer"] for k, r in rows.items() if r.get("status") == "ok"}
    failures = {k: r.get("status", "model_error") for k, r in rows.items() if k not in texts}
    scores = _scores(request, samples, texts, failures) if texts else {}
    made = []
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
            "delta_recall": None if r_c is None else r_c - r_r,
            "delta_precision": None if p_c is None else p_c - p_r,
            "decision": decision,
        })  # fmt: skip
    summary = summarise(made, request)
    files = [_write_jsonl(out / "pairs.jsonl", made), write_json(out / "summary.json", summary)]
    files += export_pairs([p for p in made if p["decision"] == "kept"], request, frames)
    return made, summary, files


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    write_jsonl(path, rows)
    return path


def _frame_files(video_id: str, provider: FrameProvider, root: Path) -> tuple[list[str], list]:
    """The clean frames as JPEG files (written once per video) and their times."""
    video, _ = provider.frames(video_id)
    jpegs = list(video.jpegs)
    if not jpegs and video.pixels is not None:  # a local model's uncompressed frames
        from PIL import Image

        for frame in video.pixels:
            buffer = io.BytesIO()
            Image.fromarray(frame).save(buffer, format="JPEG", quality=95)
            jpegs.append(buffer.getvalue())
    folder = root / "frames" / video_id
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, jpeg in enumerate(jpegs):
        path = folder / f"{i:04d}.jpg"
        if not path.exists():
            path.write_bytes(jpeg)
        paths.append(str(path))
    return paths, list(video.timestamps)


def _answer(text: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": [{"type": "text", "text": text}]}]


def export_pairs(
    kept: list[dict[str, Any]], request: PairsRequest, frames: FrameProtocol
) -> list[Path]:
    out = request.run.out
    provider = FrameProvider(request.run.videos, frames, None)
    trl, swift = [], []
    for pair in kept:
        images, times = _frame_files(pair["video_id"], provider, out)
        video = str(provider.path_of(pair["video_id"]))
        content: list[dict[str, Any]] = [{"type": "image"} for _ in images]
        content.append({"type": "text", "text": pair["prompt"]})
        trl.append({
            "prompt": [{"role": "user", "content": content}],
            "chosen": _answer(pair["chosen"]), "rejected": _answer(pair["rejected"]),
            "images": images, "video": video, "frame_times": times,
            "sample_id": pair["sample_id"],
        })  # fmt: skip
        swift.append({
            "messages": [{"role": "user", "content": "<video>" + pair["prompt"]},
                         {"role": "assistant", "content": pair["chosen"]}],
            "rejected_response": pair["rejected"], "videos": [video],
            "sample_id": pair["sample_id"],
        })  # fmt: skip
    return [_write_jsonl(out / "trl_dpo.jsonl", trl), _write_jsonl(out / "swift_dpo.jsonl", swift)]
