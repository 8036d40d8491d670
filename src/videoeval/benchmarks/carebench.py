"""CaReBench captioning: ``json/metadata.json``, a JSON list of ``{video, caption, events?,
objects?}``. Events and objects the file does not give are extracted by the judge at scoring
time, as the reference does. There are no categories: every clip is in ``all``."""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    entry_problem,
    finish,
    read_json,
    strip_video_suffix,
)
from videoeval.errors import InputError
from videoeval.schema import CaptionSample

EXPECTED = 'a JSON list of {"video", "caption", "events"?, "objects"?}'


def _strings(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError(f"expected a list of strings, got {type(value).__name__}")
    return tuple(str(v) for v in value)


def load(path: Path) -> LoadResult:
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, f"expected {EXPECTED}")
    samples: list[CaptionSample] = []
    skipped: list[str] = []
    for position, entry in enumerate(data):
        try:
            video = str(entry["video"])
            samples.append(
                CaptionSample(
                    sample_id=strip_video_suffix(Path(video).name),
                    video_id=strip_video_suffix(Path(video).name),
                    category="all",
                    reference=str(entry["caption"]),
                    events=_strings(entry.get("events")),
                    objects=_strings(entry.get("objects")),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}[{position}]: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


BENCHMARK = Benchmark(
    id="carebench",
    title="CaReBench captioning (AutoDQ on events and on objects)",
    views=(
        View(
            "captioning",
            load,
            "autodq",
            "json/metadata.json",
            prompt="captioning_default.txt",
            offline_protocol="eventsim",
        ),
        View("audit", load, "gt-audit", "json/metadata.json"),
    ),
    facts={"autodq_aspects": ("events", "objects")},
)
