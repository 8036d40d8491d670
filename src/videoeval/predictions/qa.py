"""Video-QA answer files: one answer per question, keyed by the benchmark's sample id.

Accepted:
- TempCompass's own predictions file: ``{video: {dimension: [{"question", "answer",
  "prediction" (or "response")}]}}``, the n-th item of a dimension being question n;
- Tarsier2 inference output (the annotation line with the model's text in the assistant item
  that holds the ``reference``), keyed by ``idx``;
- JSONL, or a JSON list, of objects with an id (``sample_id``, ``id``, ``question_id``,
  ``qid``, ``idx``) and the answer (``prediction``, ``response``, ``pred``, ``output``, or
  ``answer``);
- one JSON object ``{sample id: answer}``;
- Video-MME's official output, one object per video with ``questions[].response``.
The first answer to a question wins; repeats are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval import jsonio
from videoeval.benchmarks.base import JSON_ERRORS, iter_jsonl, read_text
from videoeval.errors import InputError
from videoeval.predictions.captions import tarsier_text

ID_FIELDS = ("sample_id", "id", "question_id", "qid", "idx")
ANSWER_FIELDS = ("prediction", "response", "pred", "output", "answer")


@dataclass
class QAPredictions:
    layout: str
    answers: dict[str, str | None]
    """Sample id -> the answer as written (``None``: the file holds a null answer)."""
    origins: dict[str, str]
    skipped: list[str] = field(default_factory=list)
    duplicates: int = 0


def _add(result: QAPredictions, key: str, answer: Any, origin: str) -> None:
    if key in result.answers:
        result.duplicates += 1
        return
    result.answers[key] = None if answer is None else str(answer)
    result.origins[key] = origin


def _nested(whole: Any) -> bool:
    """TempCompass's layout: every value a dict of lists of dicts holding a prediction."""
    if not isinstance(whole, dict) or not whole:
        return False
    first = next(iter(whole.values()))
    if not isinstance(first, dict) or not first:
        return False
    items = next(iter(first.values()))
    return (
        isinstance(items, list)
        and bool(items)
        and isinstance(items[0], dict)
        and ("prediction" in items[0] or "response" in items[0])
    )


def _object(result: QAPredictions, obj: dict[str, Any], origin: str) -> str | None:
    """Adds one answer object; a problem is returned, not raised."""
    key = next((obj[f] for f in ID_FIELDS if obj.get(f) is not None), None)
    answer = tarsier_text(obj)
    if answer is None:
        name = next((f for f in ANSWER_FIELDS if f in obj), None)
        if name is None:
            return f"needs an answer ({'/'.join(ANSWER_FIELDS)})"
        answer = obj[name]
    if key is None:
        return f"needs a question id ({'/'.join(ID_FIELDS)})"
    _add(result, str(key), answer, origin)
    return None


def _one_answer(obj: dict[str, Any]) -> bool:
    """One answer object (an id field and an answer field), not a ``{question: answer}`` map."""
    return any(f in obj for f in ID_FIELDS) and any(f in obj for f in ANSWER_FIELDS)


def read_qa_predictions(path: Path) -> QAPredictions:
    text = read_text(path)
    if not text.strip():
        raise InputError(path, "the answer file is empty")
    try:
        whole = jsonio.loads(text)
    except JSON_ERRORS:
        whole = None
    result = QAPredictions(layout="", answers={}, origins={})
    if _nested(whole):
        result.layout = "tempcompass predictions"
        for video, dimensions in whole.items():
            for dimension, items in (dimensions or {}).items():
                for n, item in enumerate(items if isinstance(items, list) else []):
                    if not isinstance(item, dict):
                        continue
                    answer = item.get("prediction", item.get("response"))
                    _add(result, f"{video}/{dimension}/{n}", answer,
                         f"{path.name}[{video}][{dimension}][{n}]")  # fmt: skip
    elif isinstance(whole, dict) and _one_answer(whole):  # a JSONL file of one line
        result.layout = "jsonl"
        problem = _object(result, whole, f"{path.name}:1")
        if problem:
            result.skipped.append(f"{path}:1: {problem}")
    elif isinstance(whole, dict) and all(isinstance(v, (str, type(None))) for v in whole.values()):
        result.layout = "json {question: answer}"
        for key, value in whole.items():
            _add(result, str(key), value, f"{path.name}[{key!r}]")
    elif (
        isinstance(whole, list)
        and whole
        and all(isinstance(v, dict) and isinstance(v.get("questions"), list) for v in whole)
    ):
        result.layout = "video-mme output"
        for video in whole:
            for q in video["questions"]:
                if isinstance(q, dict) and q.get("question_id") is not None and "response" in q:
                    _add(result, str(q["question_id"]), q["response"],
                         f"{path.name}[{video.get('video_id')}][{q['question_id']}]")  # fmt: skip
    elif isinstance(whole, list):
        result.layout = "json list"
        for n, obj in enumerate(whole):
            problem = _object(result, obj, f"{path.name}[{n}]") if isinstance(obj, dict) else (
                "expected a JSON object")  # fmt: skip
            if problem:
                result.skipped.append(f"{path.name}[{n}]: {problem}")
    else:
        result.layout = "jsonl"
        for number, obj in iter_jsonl(path, result.skipped):
            problem = _object(result, obj, f"{path.name}:{number}")
            if problem:
                result.skipped.append(f"{path}:{number}: {problem}")
    if not result.answers:
        first = f"; first problem: {result.skipped[0]}" if result.skipped else ""
        raise InputError(path, f"no answers found{first}")
    return result
