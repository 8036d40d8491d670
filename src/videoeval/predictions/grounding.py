"""Grounding prediction files: detect the layout, say which, read it into typed predictions.

Layouts:
- ``timelens-result``: TimeLens result JSONL, lines ``{"<vid>.mp4>>><query>>>><gt span>":
  {"timestamps": [[s, e], ...], "answers": "...", "duration": d}}`` (a ``.json`` dict too).
- ``timechat-raw``: TimeChat's raw results, a JSON list of ``{id, vname, query, generated_cap}``.
- ``timechat-formatted``: TimeChat's formatted predictions ``{id: {timestamp, query, vid}}``.
- ``moment-detr``: Moment-DETR submission JSONL
  ``{qid, vid, pred_relevant_windows: [[s, e, score], ...]}``.
- ``simple``: JSONL ``{"vid", "query", "answer": text}`` or ``{..., "span": [s, e]}``; ``id`` may
  replace ``vid`` + ``query``.
- ``lmms-eval-submission``, ``videomind-output``, ``vtimellm-log``: the files those pipelines
  write (see ``reference_outputs.py``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from math import isfinite
from pathlib import Path
from typing import Any

import msgspec

from videoeval import jsonio
from videoeval.benchmarks.base import (
    JSON_ERRORS,
    json_problem,
    read_text,
    strip_video_suffix,
    text_lines,
)
from videoeval.errors import InputError
from videoeval.parsing.literals import literal_eval
from videoeval.predictions.reference_outputs import (
    READ_ERRORS,
    is_lmms_eval_submission,
    is_videomind_output,
    is_vtimellm_log_line,
    read_lmms_eval_submission,
    read_videomind_output,
    read_vtimellm_line,
    videomind_chunks,
)
from videoeval.predictions.sink import PredictionSink
from videoeval.schema import GroundingPrediction

LAYOUTS = (
    "timelens-result",
    "timechat-raw",
    "timechat-formatted",
    "moment-detr",
    "simple",
    "lmms-eval-submission",
    "videomind-output",
    "vtimellm-log",
)


_NUMBER = (int, float)  # exact types: bool (an int subclass) takes the general path


@dataclass
class PredictionFile:
    layout: str
    predictions: list[GroundingPrediction]
    skipped: list[str] = field(default_factory=list)


def _time(value: Any) -> float:
    """A bound as a float: a number (a bool is not one), inf for an integer past float's range
    (the window is then kept, not finite, like a NaN bound); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError
    try:
        return float(value)
    except OverflowError:
        return math.inf if not str(value).lstrip().startswith("-") else -math.inf


def _spans(value: Any, width: int = 2) -> tuple[tuple[tuple[float, ...], ...], str | None]:
    """Read ``[[s, e], ...]``; returns the spans and, when the list is unusable, why.

    A window with a NaN or infinite bound is kept as it is: one bad window is one bad window
    (references read only the first for R1 and rank every window for mAP); the scorer decides
    what it is worth. A bound that is not a number makes the whole list unusable."""
    if type(value) is list and len(value) == 1 and width == 2:  # one [s, e]: most lines
        pair = value[0]
        if (
            type(pair) is list
            and len(pair) == 2
            and type(pair[0]) in _NUMBER
            and type(pair[1]) in _NUMBER
        ):
            try:
                start, end = float(pair[0]), float(pair[1])
            except OverflowError:
                pass  # a huge int: read below
            else:
                return ((start, end),), None
    if not isinstance(value, (list, tuple)):
        return (), f"expected a list of [start, end], got {_short(value)}"
    spans = []
    cut = max(width, 2)
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) < 2:
            return (), f"expected [start, end], got {_short(item)}"
        try:
            numbers = tuple(map(_time, item[:cut]))
        except (TypeError, ValueError):
            return (), f"span {_short(item)} is not numeric"
        spans.append(numbers)
    return tuple(spans), None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _single_span(value: Any) -> tuple[tuple[tuple[float, ...], ...], str | None]:
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return _spans(value)
    return _spans([value])


def _detect_line(obj: dict[str, Any]) -> list[str]:
    matches = []
    if "pred_relevant_windows" in obj:
        matches.append("moment-detr")
    if ("answer" in obj or "span" in obj) and ("id" in obj or ("vid" in obj and "query" in obj)):
        matches.append("simple")
    if is_vtimellm_log_line(obj):
        matches.append("vtimellm-log")
    # TimeLens keys all contain '>>>', so they can never also be one of the field names above.
    if not matches and obj and _all_timelens_keys(obj):
        matches.append("timelens-result")
    return matches


def _all_timelens_keys(obj: dict[str, Any]) -> bool:
    if len(obj) == 1:  # a result line: one key (faster than the loop on 100k lines)
        ((key, value),) = obj.items()
        return ">>>" in key and isinstance(value, dict)
    return all(">>>" in k and isinstance(v, dict) for k, v in obj.items())


_PLAIN_PAIR = re.compile(r"\[\s*(-?[0-9.eE+-]+)\s*,\s*(-?[0-9.eE+-]+)\s*\]")


_decode_pair = msgspec.json.Decoder(tuple[float, float]).decode


def _key_span(span_text: str) -> tuple[float, float]:
    """The GT span written in a result key: ``[s, e]`` read by a JSON decoder (the usual case,
    0.1 us a key; JSON's numbers are a subset of Python's literals, both read to the nearest
    float), a plain pair JSON refuses (``[.5, 2]``, ``[+1, 2]``) by float(), anything else
    (nested lists, tuples, ``1_000``) by literal_eval."""
    try:
        start, end = _decode_pair(span_text)
    except msgspec.DecodeError:  # also a ValidationError: a bool, a number past float's range
        pass
    else:
        if isfinite(start) and isfinite(end):
            return start, end
    plain = _PLAIN_PAIR.fullmatch(span_text.strip())
    if plain:
        try:
            return float(plain.group(1)), float(plain.group(2))
        except ValueError:
            pass  # e.g. "1e" matched the character class: let literal_eval decide
    gt = literal_eval(span_text.strip())
    if isinstance(gt, (list, tuple)) and gt and isinstance(gt[0], (list, tuple)):
        gt = gt[0]
    return float(gt[0]), float(gt[1])


_VIDEO_IDS: dict[str, str] = {}
"""A video's id once per video, not once per query line (a bounded cache)."""


def _timelens_key(key: str) -> tuple[str, str, tuple[float, float]]:
    """``(video_id, query, GT span)`` of a result key ``<vid>>>><query>>>><span>``."""
    parts = key.split(">>>")
    if len(parts) == 3:
        vid, query, span_text = parts
    elif len(parts) > 3:  # queries may contain '>>>': the video is first, the span last
        vid, query, span_text = parts[0], ">>>".join(parts[1:-1]), parts[-1]
    else:
        raise ValueError(f"key {key!r} is not '<vid>>>><query>>>><span>'")
    try:
        if len(span_text) > 200:
            raise ValueError
        hint = _key_span(span_text)
    except READ_ERRORS:
        raise ValueError(
            f"key {_short(key)}: GT span {_short(span_text)} is not [start, end]"
        ) from None
    videos = _VIDEO_IDS
    video_id = videos.get(vid)
    if video_id is None:
        if len(videos) > 100_000:
            videos.clear()
        video_id = videos[vid] = strip_video_suffix(vid)
    return video_id, query, hint


def _read_timelens(
    obj: dict[str, Any], origin: str, out: PredictionSink, skipped: list[str]
) -> None:
    for key, value in obj.items():
        video_id, query, hint = _timelens_key(key)
        if "timestamps" in value:
            spans, problem = _spans(value["timestamps"])
            answer = value.get("answers")
            # positional: origin, sample_id, video_id, query, gt_hint, answer,
            # answer_from_result_file, spans, problem (the common line: keywords cost more)
            text = answer if isinstance(answer, str) else None
            out.append(
                GroundingPrediction(
                    origin, None, video_id, query, hint, text, False, spans, problem
                )
            )
        elif "answers" in value:
            out.append(
                GroundingPrediction(
                    origin,
                    video_id=video_id,
                    query=query,
                    gt_hint=hint,
                    answer=str(value["answers"]),
                    answer_from_result_file=True,
                )
            )
        else:
            raise ValueError(f"key {key!r}: value has neither 'timestamps' nor 'answers'")


class _ResultValue(msgspec.Struct):
    """A TimeLens result line's value in the shape nearly every line has. A line of any other
    shape (a null, a bool or a string for a time, a window of three values, a number past 64
    bits, NaN) fails this decoder and is read by the general path: the same record either way
    (``tests/predictions/test_grounding_fast_read.py``)."""

    timestamps: list[tuple[float, float]] | msgspec.UnsetType = msgspec.UNSET
    answers: str | msgspec.UnsetType = msgspec.UNSET


_decode_result_line = msgspec.json.Decoder(dict[str, _ResultValue]).decode


def _read_timelens_typed(line: str, origin: str, out: PredictionSink) -> bool:
    """A result line read in one typed decode instead of decoding, detecting the layout and
    reading the values apart; False where the general path must read it."""
    try:
        obj = _decode_result_line(line)
    except msgspec.DecodeError:
        return False
    if len(obj) == 1:  # nearly every line: one key
        ((key, value),) = obj.items()
        pred = _typed_prediction(key, value, origin)
        if pred is None:
            return False
        out.append(pred)
        return True
    if not obj:
        return False
    read = []
    for key, value in obj.items():
        pred = _typed_prediction(key, value, origin)
        if pred is None:
            return False  # the general path says what the line is
        read.append(pred)
    out.extend(read)
    return True


def _typed_prediction(key: str, value: _ResultValue, origin: str) -> GroundingPrediction | None:
    if ">>>" not in key:
        return None  # not a result line
    try:
        video_id, query, hint = _timelens_key(key)
    except ValueError:
        return None
    timestamps, answer = value.timestamps, value.answers
    text = None if answer is msgspec.UNSET else answer
    if timestamps is not msgspec.UNSET:
        return GroundingPrediction(origin, None, video_id, query, hint, text, False,
                                   tuple(timestamps), None)  # fmt: skip
    if text is not None:
        return GroundingPrediction(origin, None, video_id, query, hint, text, True)
    return None


def detect_record(obj: dict[str, Any]) -> list[str]:
    """The grounding line layouts one JSON record fits."""
    return _detect_line(obj)


def _saliency(value: Any) -> tuple[tuple[float, ...] | None, str | None]:
    """``pred_saliency_scores`` and, when unusable, why: the line's windows are scored all the
    same (the reference stops at such a line; one bad highlight is not a bad line)."""
    if value is None:
        return None, None
    if not isinstance(value, list):
        return None, f"pred_saliency_scores is not a list ({_short(value)})"
    try:
        scores = tuple(map(_time, value))
    except (TypeError, ValueError):
        return None, "pred_saliency_scores holds a value that is not a number"
    if not all(math.isfinite(v) for v in scores):
        return None, "pred_saliency_scores holds a value that is not finite (NaN or infinite)"
    return scores, None


def _read_moment_detr(
    obj: dict[str, Any], origin: str, out: PredictionSink, skipped: list[str]
) -> None:
    spans, problem = _spans(obj["pred_relevant_windows"], width=3)
    qid = obj.get("qid")
    saliency, saliency_problem = _saliency(obj.get("pred_saliency_scores"))
    out.append(
        GroundingPrediction(
            sample_id=None if qid is None else str(qid),
            video_id=None if obj.get("vid") is None else strip_video_suffix(str(obj["vid"])),
            query=None if obj.get("query") is None else str(obj["query"]),
            spans=spans,
            problem=problem,
            origin=origin,
            saliency=saliency,
            saliency_problem=saliency_problem,
        )
    )


def _read_simple(obj: dict[str, Any], origin: str, out: PredictionSink, skipped: list[str]) -> None:
    fields: dict[str, Any] = {
        "sample_id": None if obj.get("id") is None else str(obj["id"]),
        "video_id": None if obj.get("vid") is None else strip_video_suffix(str(obj["vid"])),
        "query": None if obj.get("query") is None else str(obj["query"]),
        "origin": origin,
    }
    if "span" in obj:
        spans, problem = _single_span(obj["span"])
        fields.update(spans=spans, problem=problem)
    if "answer" in obj:
        answer = obj["answer"]
        fields["answer"] = answer if isinstance(answer, str) else json.dumps(answer)
    out.append(GroundingPrediction(**fields))


LineReader = Callable[[dict[str, Any], str, PredictionSink, list[str]], None]
_LINE_READERS: dict[str, LineReader] = {
    "timelens-result": _read_timelens,
    "moment-detr": _read_moment_detr,
    "simple": _read_simple,
    "vtimellm-log": read_vtimellm_line,
}


def _read_jsonl(path: Path, lines: list[str], sink: PredictionSink | None) -> PredictionFile:
    """One pass over ``lines`` (emptied as it goes): each line is decoded, its layout checked
    and its prediction read before the next, so neither the text nor the decoded lines all
    live at once (a 100k-line file's decoded objects take several times its size)."""
    skipped: list[str] = []
    predictions: list[GroundingPrediction] = []
    out: PredictionSink = predictions if sink is None else sink
    seen: dict[str, int] = {}
    name, loads = path.name, jsonio.loads
    lines.reverse()
    number = 0
    typed = True  # until a line of another layout shows up
    while lines:
        line = lines.pop()
        number += 1
        if not line or line.isspace():
            continue
        if typed and _read_timelens_typed(line, f"{name}:{number}", out):
            seen.setdefault("timelens-result", number)
            continue
        try:
            obj = loads(line)
        except JSON_ERRORS as exc:
            skipped.append(f"{path}:{number}: not valid JSON ({json_problem(exc)})")
            continue
        if not isinstance(obj, dict):
            skipped.append(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
            continue
        layouts = _detect_line(obj)
        if len(layouts) > 1:
            raise InputError(
                path, f"ambiguous line: it fits {' and '.join(layouts)}; keep one layout", number
            )
        if not layouts:
            skipped.append(f"{path}:{number}: fits no known layout (keys: {sorted(obj)[:6]})")
            continue
        seen.setdefault(layouts[0], number)
        typed = layouts == ["timelens-result"]
        if len(seen) > 1:
            continue  # refused below, once every layout in the file is known
        read: list[GroundingPrediction] = []
        try:
            _LINE_READERS[layouts[0]](obj, f"{name}:{number}", read, skipped)
        except (ValueError, TypeError) as exc:
            skipped.append(f"{path}:{number}: {exc}")
        out.extend(read)  # outside the try: a sink's own errors are not this line's
    if len(seen) > 1:
        where = ", ".join(f"{layout} (first at line {at})" for layout, at in seen.items())
        raise InputError(path, f"lines mix several layouts: {where}; use one layout per file")
    if not seen:
        first = f"; first problem: {skipped[0]}" if skipped else ""
        raise InputError(
            path, f"no line fits a known prediction layout ({', '.join(LAYOUTS)}){first}"
        )
    return PredictionFile(next(iter(seen)), predictions, skipped)


def _read_json_document(path: Path, data: Any) -> PredictionFile:
    predictions: list[GroundingPrediction] = []
    skipped: list[str] = []
    if is_videomind_output(data):
        predictions = read_videomind_output(data, path.name, skipped)
        return PredictionFile("videomind-output", predictions, skipped)
    if is_lmms_eval_submission(data):
        predictions = read_lmms_eval_submission(data, path.name, skipped)
        return PredictionFile("lmms-eval-submission", predictions, skipped)
    if isinstance(data, list):
        if data and all(isinstance(d, dict) and "generated_cap" in d for d in data[:50]):
            for position, item in enumerate(data):
                origin = f"{path.name}[{position}]"
                try:
                    predictions.append(
                        GroundingPrediction(
                            sample_id=str(item["id"]),
                            video_id=strip_video_suffix(str(item["vname"])),
                            query=str(item["query"]),
                            answer=str(item["generated_cap"]),
                            origin=origin,
                        )
                    )
                except (KeyError, TypeError) as exc:
                    skipped.append(f"{path}[{position}]: missing field {exc}")
            return PredictionFile("timechat-raw", predictions, skipped)
        raise InputError(
            path,
            "a JSON list must be TimeChat raw results [{id, vname, query, generated_cap}] or "
            "VideoMind's output.json [{video_path, query, span, pred, conf}]",
        )
    if isinstance(data, dict) and data:
        values = list(data.values())
        if all(isinstance(v, dict) and "timestamp" in v for v in values):
            for key, value in data.items():
                spans, problem = _spans(value["timestamp"])
                vid = value.get("vid")
                predictions.append(
                    GroundingPrediction(
                        sample_id=str(key),
                        video_id=None if vid is None else strip_video_suffix(str(vid)),
                        query=value.get("query"),
                        spans=spans,
                        problem=problem,
                        origin=f"{path.name}[{key!r}]",
                    )
                )
            return PredictionFile("timechat-formatted", predictions, skipped)
        if _detect_line(data) == ["timelens-result"]:
            try:
                _read_timelens(data, path.name, predictions, skipped)
            except ValueError as exc:
                raise InputError(path, str(exc)) from None
            return PredictionFile("timelens-result", predictions, skipped)
    raise InputError(
        path,
        "unknown JSON layout: expected TimeChat formatted {id: {timestamp, query, vid}}, "
        "TimeChat raw [{id, vname, query, generated_cap}], a TimeLens result dict, an "
        "lmms-eval submission {'vid>>>caption>>>[s, e]': answer} or VideoMind's output.json",
    )


def _read_videomind_folder(folder: Path) -> PredictionFile:
    files = videomind_chunks(folder)
    if not files:
        raise InputError(folder, "a prediction folder must hold VideoMind's output*.json files")
    predictions: list[GroundingPrediction] = []
    skipped: list[str] = []
    for file in files:
        try:
            data = jsonio.loads(read_text(file))
        except JSON_ERRORS as exc:
            raise InputError(file, f"not valid JSON ({json_problem(exc)})") from None
        if not is_videomind_output(data):
            raise InputError(file, "not a VideoMind output file (a list of {pred, span, ...})")
        predictions.extend(read_videomind_output(data, file.name, skipped))
    return PredictionFile("videomind-output", predictions, skipped)


def read_predictions(path: str | Path, sink: PredictionSink | None = None) -> PredictionFile:
    """The predictions of a file (or of VideoMind's output folder), in file order. Given a
    ``sink``, each record goes to it instead, a JSON-lines file's as each line is read, and the
    file returned holds none."""
    path = Path(path)
    read = _read(path, sink)
    if sink is not None and read.predictions:  # a JSON document: read whole, then handed on
        sink.extend(read.predictions)
        read.predictions = []
    return read


def _read(path: Path, sink: PredictionSink | None) -> PredictionFile:
    if path.is_dir():
        return _read_videomind_folder(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(path, "the prediction file is empty")
    stripped = text.lstrip()
    if stripped[0] in "[{":
        try:
            data = jsonio.loads(text)
        except (ValueError, RecursionError):
            data = None  # more than one JSON value: JSON lines
        else:
            if isinstance(data, list) or not _detect_line(data):
                return _read_json_document(path, data)
            if _detect_line(data) == ["timelens-result"]:
                return _read_json_document(path, data)
    lines = text_lines(text)
    del text, stripped
    return _read_jsonl(path, lines, sink)
