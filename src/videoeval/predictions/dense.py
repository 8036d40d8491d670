"""Dense-captioning prediction files: the densevid ``results`` JSON
(``{"version", "results": {vid: [{"sentence", "timestamp": [s, e]}]}, "external_data"}``), or a
model's raw answers, JSONL ``{"vid", "answer": "..."}`` (one line per video), parsed into events:
a JSON list in the answer (``[{"timestamp": [s, e], "sentence"}]`` or ``start``/``end``/
``caption``) when there is one, else "<start> - <end> seconds, caption" text by E.T. Bench's rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from videoeval import jsonio
from videoeval.benchmarks.base import read_json, read_text, text_lines
from videoeval.errors import InputError
from videoeval.limits import limit
from videoeval.metrics.dense import Caption

MAX_PROPOSALS = 1000


@dataclass
class DensePredictions:
    captions: dict[str, list[Caption]]
    problems: list[str] = field(default_factory=list)
    truncated: int = 0
    unparsed: set[str] = field(default_factory=set)


def is_densevid(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("results"), dict)


def read_dense_predictions(path: Path, max_proposals: int = MAX_PROPOSALS) -> DensePredictions:
    if is_dense_answers(path):
        return read_dense_answers(path, max_proposals)
    data = read_json(path)
    if not is_densevid(data):
        raise InputError(path, 'expected {"results": {vid: [{"sentence", "timestamp"}]}, ...}')
    out = DensePredictions(captions={})
    for vid, items in data["results"].items():
        if not isinstance(items, list):
            out.problems.append(f"{vid}: results are not a list")
            continue
        if len(items) > max_proposals:
            out.truncated += 1
        captions = []
        for k, item in enumerate(items[:max_proposals]):
            try:
                start, end = (float(v) for v in item["timestamp"])
                if not (math.isfinite(start) and math.isfinite(end)):
                    raise ValueError("timestamp is not finite")
                captions.append(Caption(start, end, str(item.get("sentence") or "")))
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                out.problems.append(f"{vid}[{k}]: {exc}")
        out.captions[str(vid)] = captions
    return out


_VIDEO_KEYS = ("vid", "video_id", "video")
_LIST_OPEN = re.compile(r"\[\s*\{")
_LIST_CLOSE = re.compile(r"\}\s*\]")


def json_list_text(answer: str) -> str | None:
    """What ``re.search(r"\\[\\s*\\{.*\\}\\s*\\]", answer, re.DOTALL)`` finds (the first
    ``[{`` that some later ``}]`` closes, up to the last ``}]``), in linear time: the regex
    itself backtracks quadratically or worse on text full of ``[{``."""
    last = None
    for match in _LIST_CLOSE.finditer(answer):
        last = match
    if last is None:
        return None
    for opening in _LIST_OPEN.finditer(answer):
        if opening.end() - 1 < last.start():
            return answer[opening.start() : last.end()]
        break  # later openings start later still
    return None


def is_dense_answers(path: Path) -> bool:
    """A JSONL file whose first record has a video id and an ``answer`` but no query."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            first = handle.readline()
        record = jsonio.loads(first)
    except (OSError, ValueError, RecursionError):
        return False
    return (
        isinstance(record, dict)
        and "answer" in record
        and "query" not in record
        and "task" not in record  # VTimeLLM's eval log: grounding lines carry a task field
        and any(k in record for k in _VIDEO_KEYS)
    )


def events_from_answer(answer: str) -> list[Caption] | None:
    """Timed captions from a model's answer, or ``None`` when no time can be read."""
    from videoeval.metrics.etbench import parse_answer

    if len(answer) > limit("answer_chars"):
        return None
    found = json_list_text(answer)
    if found:
        try:
            items = jsonio.loads(found)
            events = []
            for item in items:
                span = item.get("timestamp") or [item["start"], item["end"]]
                start, end = float(span[0]), float(span[1])
                text = item.get("sentence", item.get("caption", item.get("description", "")))
                if math.isfinite(start) and math.isfinite(end):
                    events.append(Caption(start, end, str(text)))
            if events:
                return events
        except (
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
            IndexError,
            RecursionError,
            OverflowError,
        ):
            pass  # not the list it looked like: the text rules may still read it
    parsed = parse_answer(answer)
    if parsed is None:
        return None
    times, captions = parsed
    return [Caption(t[0], t[1], c) for t, c in zip(times, captions, strict=False)]


def add_answer(
    out: DensePredictions, vid: str, answer: str, max_proposals: int = MAX_PROPOSALS
) -> None:
    """Parse one model answer into ``out``: its events, or ``vid`` marked unparsed."""
    events = events_from_answer(answer)
    if events is None:
        if len(answer) > limit("answer_chars"):
            out.problems.append(f"{vid}: the answer has {len(answer):,} characters, more than "
                                f"{limit('answer_chars'):,}: not parsed (parse_error; "
                                "VIDEOEVAL_MAX_ANSWER_CHARS)")  # fmt: skip
        else:
            out.problems.append(f"{vid}: no timed events in the answer (parse_error)")
        out.unparsed.add(vid)
        return  # the video then scores 0, as one without predictions
    if len(events) > max_proposals:
        out.truncated += 1
    out.captions[vid] = events[:max_proposals]


def read_dense_answers(path: Path, max_proposals: int = MAX_PROPOSALS) -> DensePredictions:
    out = DensePredictions(captions={})
    for line_no, line in enumerate(text_lines(read_text(path)), 1):
        if not line.strip():
            continue
        try:
            record = jsonio.loads(line)
            vid = str(next(record[k] for k in _VIDEO_KEYS if k in record))
            answer = record.get("answer") or ""
            if not isinstance(answer, str):
                raise TypeError(f"answer is a {type(answer).__name__}, not text")
        except (ValueError, RecursionError, TypeError, StopIteration, AttributeError) as exc:
            problem = "nested too deeply" if isinstance(exc, RecursionError) else exc
            out.problems.append(f"line {line_no}: not a {{vid, answer}} record ({problem})")
            continue
        add_answer(out, vid, answer, max_proposals)
    return out
