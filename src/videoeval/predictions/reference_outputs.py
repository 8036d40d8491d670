"""The files the reference pipelines write themselves, read as grounding predictions.

- ``lmms-eval-submission``: the JSON lmms-eval saves for charades_sta
  (``inference_results_temporal_grounding_charades_*.json``), ``{"<video>>>><caption>>>>
  [s, e]": "<model answer>"}``. The GT span in the key is what lmms-eval scores against.
- ``videomind-output``: VideoMind's ``infer_auto.py`` dump (``output.json``, or a folder of
  ``output_<i>.json`` chunks): a list of annotations with ``pred`` (spans already clamped,
  rounded and reordered by the inference), ``conf``, ``span`` (the GT) and
  ``grounder_success``; ``eval_auto.py`` scores ``pred`` as written.
- ``vtimellm-log``: VTimeLLM's ``eval.py`` log, JSON lines ``{"video_id", "task", "query_id",
  "answer", "info": {"sentence_id", "iou"}}``; grounding lines name the sentence by its index
  among the video's sentences (ActivityNet Captions, or any grounding benchmark converted to
  its layout in annotation order). A resumed ``eval.py`` appends again from the first video:
  the repeated lines are kept (``metric.py`` counts every one). Captioning lines are not
  grounding answers: they are skipped and counted.
"""

from __future__ import annotations

import json
import math
from pathlib import Path, PurePosixPath
from typing import Any

from videoeval.benchmarks.base import strip_video_suffix
from videoeval.parsing.literals import literal_eval
from videoeval.predictions.sink import PredictionSink
from videoeval.schema import GroundingPrediction, Span


def is_lmms_eval_submission(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(k, str) and ">>>" in k and isinstance(v, str) for k, v in data.items())
    )


READ_ERRORS = (ValueError, SyntaxError, TypeError, IndexError, KeyError, OverflowError,
               RecursionError, MemoryError)  # fmt: skip
"""What reading one hostile entry can raise (``literal_eval`` of "1+1+...", a 400-digit
number, brackets nested past the recursion limit): each is one skipped entry."""


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _key_span(key: str, span_text: str) -> Span:
    """The GT span an lmms-eval key holds, which that scorer scores against: one that is not a
    finite ``[start, end]`` with ``start <= end`` is no GT at all (the entry is skipped)."""
    text = span_text.strip()
    try:
        if len(text) > 200:
            raise ValueError
        gt = literal_eval(text)
        if isinstance(gt, (list, tuple)) and gt and isinstance(gt[0], (list, tuple)):
            gt = gt[0]
        if isinstance(gt[0], bool) or isinstance(gt[1], bool):
            raise TypeError
        start, end = float(gt[0]), float(gt[1])
    except READ_ERRORS:
        raise ValueError(f"key {_short(key)!r}: GT span {_short(span_text)!r} is not "
                         "[start, end]") from None  # fmt: skip
    if not (math.isfinite(start) and math.isfinite(end)) or end < start:
        raise ValueError(f"key {_short(key)!r}: GT span {_short(span_text)!r} is not a finite, "
                         "ordered [start, end]")  # fmt: skip
    return start, end


def read_lmms_eval_submission(
    data: dict[str, str], origin: str, skipped: list[str]
) -> list[GroundingPrediction]:
    out = []
    for key, answer in data.items():
        # lmms-eval splits the GT off the right (rsplit); the video is the first field.
        rest, _, span_text = key.rpartition(">>>")
        video, _, caption = rest.partition(">>>")
        try:
            hint = _key_span(key, span_text)
        except ValueError as exc:
            skipped.append(f"{origin}: {exc}")
            continue
        out.append(
            GroundingPrediction(
                origin=f"{origin}[{key[:60]!r}]",
                video_id=strip_video_suffix(video),
                query=caption,
                gt_hint=hint,
                answer=answer,
            )
        )
    return out


def is_videomind_output(data: Any) -> bool:
    head = data[:50] if isinstance(data, list) else []
    return bool(head) and all(isinstance(d, dict) and "pred" in d and "span" in d for d in head)


def _number(value: Any) -> float:
    """A number as a float: a bool is not one; an int past float's range is infinite (the
    window is then not finite, and scored as such)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{_short(repr(value))} is not a number")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _videomind_entry(item: dict[str, Any], origin: str) -> GroundingPrediction:
    video = PurePosixPath(str(item["video_path"])).name
    query = item.get("query", item.get("question"))
    span = item["span"]
    first = span[0] if span and isinstance(span[0], (list, tuple)) else span
    qid = item.get("qid")
    pred = item["pred"]
    if not isinstance(pred, list) or not all(isinstance(p, list) and len(p) >= 2 for p in pred):
        raise ValueError(f"pred {_short(repr(pred))} is not a list of [start, end]")
    conf = item.get("conf") or []
    if not isinstance(conf, list):
        raise ValueError(f"conf {_short(repr(conf))} is not a list")
    spans = tuple(
        (_number(p[0]), _number(p[1]), *([_number(conf[i])] if i < len(conf) else []))
        for i, p in enumerate(pred)
    )
    gt = (_number(first[0]), _number(first[1]))
    if not (math.isfinite(gt[0]) and math.isfinite(gt[1])):
        raise ValueError(f"span {_short(repr(span))} is not finite")
    return GroundingPrediction(
        origin=origin,
        sample_id=None if qid is None else str(qid),
        video_id=strip_video_suffix(video),
        query=None if query is None else str(query),
        gt_hint=gt,
        answer=item.get("grounder_response"),
        spans=spans,
        fallback=item.get("grounder_success", True) is False,
        postprocessed=True,
    )


def read_videomind_output(
    data: list[Any], origin: str, skipped: list[str]
) -> list[GroundingPrediction]:
    out = []
    for position, item in enumerate(data):
        where = f"{origin}[{position}]"
        try:
            out.append(_videomind_entry(item, where))
        except READ_ERRORS as exc:
            skipped.append(f"{where}: not a grounding entry ({type(exc).__name__}: {exc})")
    return out


def videomind_chunks(folder: Path) -> list[Path]:
    """The files ``eval_auto.py`` reads from a prediction folder: every .json / .jsonl."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".jsonl") and p.is_file())


def is_vtimellm_log_line(obj: dict[str, Any]) -> bool:
    return "task" in obj and "video_id" in obj and "answer" in obj


def read_vtimellm_line(
    obj: dict[str, Any], origin: str, out: PredictionSink, skipped: list[str]
) -> None:
    """A grounding line names its query by ``video_id`` and ``sentence_id``, the query's index
    among that video's sentences in the file ``eval.py`` read (val_2's layout; VTimeLLM's docs
    ask other datasets to be converted to it in their own order). The id ``<vid>#<k>`` is tried
    first (ActivityNet Captions numbers its queries so); otherwise the k-th query of that video
    in the annotation file's order."""
    if obj["task"] != "grounding":
        skipped.append(f"{origin}: a {obj['task']} line, not a grounding answer")
        return
    info = obj.get("info")
    if not isinstance(info, dict) or "sentence_id" not in info:
        raise ValueError("a grounding line needs info.sentence_id")
    index = info["sentence_id"]
    if isinstance(index, float) and index.is_integer():
        index = int(index)
    if type(index) is not int or index < 0:
        raise ValueError(f"info.sentence_id {str(index)[:40]!r} is not a query index")
    vid = str(obj["video_id"])
    answer = obj["answer"]
    out.append(
        GroundingPrediction(
            origin=origin,
            sample_id=f"{vid}#{index}",
            video_id=vid,
            answer=answer if isinstance(answer, str) else json.dumps(answer)[:100_000],
            query_index=index,
        )
    )
