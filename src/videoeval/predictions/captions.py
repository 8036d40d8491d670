"""Caption prediction files: one description per clip.

Accepted, each naming the clip by ``idx``, ``vid``, ``id`` or ``video``:
- Tarsier2 inference output: the annotation line with the model's text in the assistant item
  that holds the ``reference`` (bytedance/tarsier ``put_pred_to_data_dict``);
- Tarsier v1 inference output: the annotation line with ``text.prediction``;
- simple JSONL with ``prediction`` or ``answer``;
- one JSON object ``{clip: description}``;
- a folder of such JSONL files (chunked inference).
As the reference reads them, the first line for a clip wins; repeats are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval import jsonio
from videoeval.benchmarks.base import (
    JSON_ERRORS,
    json_problem,
    read_text,
    strip_video_suffix,
    text_lines,
)
from videoeval.errors import InputError
from videoeval.schema import Status

ID_FIELDS = ("idx", "vid", "id", "video")
TEXT_FIELDS = ("prediction", "answer", "caption_pred")


@dataclass
class CaptionPredictions:
    layout: str
    texts: dict[str, str]
    origins: dict[str, str]
    skipped: list[str] = field(default_factory=list)
    duplicates: int = 0
    failures: dict[str, Status] = field(default_factory=dict)
    """Clips a run could not describe, with their status (``video_error``, ``model_error``)."""


def _clip_id(obj: dict[str, Any]) -> str | None:
    for name in ID_FIELDS:
        if obj.get(name) is not None:
            return strip_video_suffix(Path(str(obj[name])).name)
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def tarsier_text(obj: dict[str, Any]) -> str | None:
    if isinstance(obj.get("messages"), list):
        texts = [
            str(content.get("text") or "")
            for message in obj["messages"]
            if isinstance(message, dict) and message.get("role") == "assistant"
            for content in _list(message.get("content"))
            if isinstance(content, dict)
            and content.get("type") == "text"
            and content.get("reference")
        ]
        return "".join(texts) if texts else None
    inner = obj.get("text")
    if isinstance(inner, dict) and "prediction" in inner:
        return str(inner["prediction"])
    return None


def read_caption_predictions(path: Path) -> CaptionPredictions:
    if path.is_dir():
        parts = sorted(path.glob("*.jsonl"))
        if not parts:
            raise InputError(path, "the folder holds no .jsonl prediction files")
        merged = CaptionPredictions(layout="jsonl folder", texts={}, origins={})
        for part in parts:
            one = read_caption_predictions(part)
            for clip, value in one.texts.items():
                if clip in merged.texts:
                    merged.duplicates += 1
                    continue
                merged.texts[clip], merged.origins[clip] = value, one.origins[clip]
            merged.duplicates += one.duplicates
            merged.skipped.extend(one.skipped)
        return merged
    text = read_text(path)
    if not text.strip():
        raise InputError(path, "the prediction file is empty")
    result = CaptionPredictions(layout="", texts={}, origins={})
    try:
        whole = jsonio.loads(text)
    except (ValueError, RecursionError):
        whole = None
    if isinstance(whole, dict) and whole and all(isinstance(v, str) for v in whole.values()):
        result.layout = "json {clip: description}"
        for key, value in whole.items():
            clip = strip_video_suffix(str(key))
            result.texts[clip], result.origins[clip] = value, f"{path.name}[{key!r}]"
        return result
    result.layout = "jsonl"
    for number, line in enumerate(text_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = jsonio.loads(line)
        except JSON_ERRORS as exc:
            result.skipped.append(f"{path}:{number}: not valid JSON ({json_problem(exc)})")
            continue
        if not isinstance(obj, dict):
            result.skipped.append(f"{path}:{number}: expected a JSON object")
            continue
        clip_id = _clip_id(obj)
        description = tarsier_text(obj)
        if description is None:
            key = next((f for f in TEXT_FIELDS if f in obj), None)
            description = None if key is None or obj[key] is None else str(obj[key])
        if clip_id is None or description is None:
            result.skipped.append(
                f"{path}:{number}: needs a clip id ({'/'.join(ID_FIELDS)}) and a description "
                f"({'/'.join(TEXT_FIELDS)})"
            )
            continue
        if clip_id in result.texts:
            result.duplicates += 1
            continue
        result.texts[clip_id] = description
        result.origins[clip_id] = f"{path.name}:{number}"
    if not result.texts:
        first = f"; first problem: {result.skipped[0]}" if result.skipped else ""
        raise InputError(path, f"no caption predictions found{first}")
    return result
