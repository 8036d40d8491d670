"""Clips of one's own: a training (or evaluation) set given as a simple clip list, so that
``pairs``, ``rollouts``, ``grpo-data``, ``sft-data`` and ``build`` run on the user's clips as on
a benchmark (Tarsier2 made its preference pairs on its own 150K SFT clips, not on a test set).

One JSON object per line (JSONL); every field but ``video`` is optional, each view reads what it
needs and skips (and names) a clip without it:

``{"video": "clip_001.mp4", "id": "clip_001", "caption": "A man ...", "category": "cooking",
"duration": 12.0, "events": [[0.0, 3.2, "a man opens the door"], ...],
"queries": [{"query": "a man opens the door", "span": [0.0, 3.2]}, ...]}``

``video`` is a path inside ``--videos`` (its suffix optional); ``id`` defaults to it without the
suffix. Views: ``captioning`` (``caption``: pairs, sft-data captions, recaptioning's originals),
``grounding`` (``queries``: rollouts, grpo-data, sft-data grounding) and ``dense_captioning``
(``events``: sft-data frame-grounded and dense text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    as_duration,
    as_window,
    entry_problem,
    finish,
    iter_jsonl,
    strip_video_suffix,
)
from videoeval.schema import CaptionSample, GroundingSample, TimedEvent

EXPECTED = 'JSONL lines {"video", "caption"?, "events"?: [[s, e, text]], "queries"?: [...]}'
HINT = "clips.jsonl: one {video, caption, events, queries} per line (see docs/training.md)"


def _clip(obj: dict[str, Any]) -> tuple[str, str]:
    """``(id, video id)``: the video's path inside the folder, without its suffix."""
    video = obj["video"]
    if not isinstance(video, str) or not video.strip():
        raise ValueError("'video' must name a file inside --videos")
    video_id = strip_video_suffix(video.strip())
    clip_id = obj.get("id", video_id)
    return str(clip_id), video_id


def load_captions(path: Path) -> LoadResult:
    samples: list[CaptionSample] = []
    skipped: list[str] = []
    for number, obj in iter_jsonl(path, skipped):
        try:
            clip_id, video_id = _clip(obj)
            caption = obj.get("caption")
            if not isinstance(caption, str) or not caption.strip():
                raise ValueError("no 'caption' text")
            samples.append(CaptionSample(clip_id, video_id, str(obj.get("category", "clips")),
                                         caption.strip(),
                                         duration=as_duration(obj.get("duration"))))  # fmt: skip
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}:{number}: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


def load_queries(path: Path) -> LoadResult:
    samples: list[GroundingSample] = []
    skipped: list[str] = []
    for number, obj in iter_jsonl(path, skipped):
        try:
            clip_id, video_id = _clip(obj)
            queries = obj.get("queries")
            if not isinstance(queries, list) or not queries:
                raise ValueError("no 'queries' list")
            duration = as_duration(obj.get("duration"))
            for k, item in enumerate(queries):
                if not isinstance(item, dict) or not isinstance(item.get("query"), str):
                    raise ValueError(f"query {k} is not {{'query': text, 'span': [s, e]}}")
                window = as_window(item.get("span"))
                query = item["query"].strip()
                samples.append(GroundingSample(f"{clip_id}#{k}", video_id, query, (window,),
                                               duration))  # fmt: skip
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}:{number}: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


def load_events(path: Path) -> LoadResult:
    samples: list[CaptionSample] = []
    skipped: list[str] = []
    for number, obj in iter_jsonl(path, skipped):
        try:
            clip_id, video_id = _clip(obj)
            events = obj.get("events")
            if not isinstance(events, list) or not events:
                raise ValueError("no 'events' list")
            timed = []
            for event in events:
                if not isinstance(event, list) or len(event) != 3 or not isinstance(event[2], str):
                    raise ValueError(f"event {str(event)[:60]} is not [start, end, text]")
                start, end = as_window(event[:2])
                timed.append(TimedEvent(start, end, event[2].strip()))
            text = obj.get("caption") or " ".join(t for *_, t in timed)
            category = str(obj.get("category", "clips"))
            duration = as_duration(obj.get("duration"))
            samples.append(
                CaptionSample(
                    clip_id,
                    video_id,
                    category,
                    str(text),
                    events=tuple(t for *_, t in timed),
                    duration=duration,
                    n_events=len(timed),
                    timed_events=tuple(timed),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}:{number}: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


BENCHMARK = Benchmark(
    id="clips",
    title="Your own clips: a clip list (video, caption, timed events, queries) for training data",
    views=(
        View(
            "captioning",
            load_captions,
            "autodq",
            HINT,
            prompt="captioning_default.txt",
            offline_protocol="eventsim",
        ),
        View("grounding", load_queries, "timelens", HINT, prompt="grounding_default.txt"),
        View("dense_captioning", load_events, "densevid-2018", HINT, prompt="dense_default.txt"),
    ),
    notes="Not a benchmark: the clip list of a training set (docs/training.md).",
)
