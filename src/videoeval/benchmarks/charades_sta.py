"""Charades-STA test split (3720 queries over 1334 videos).

Two layouts are read:
- the original text lines ``<vid> <start> <end>##<sentence>`` (``charades_sta_test.txt``); the
  sample id is the 0-based line index among non-empty lines, which is also how TimeChat numbers
  the queries of its COCO-style file;
- TimeChat's COCO-style JSON ``{"annotations": [{"image_id": "3MSZA.mp4", "caption", "timestamp",
  "id"}]}`` (RenShuhuai-Andy/TimeChat @ c60b332b : metrics/tvg/example_gt_file.json).
Neither layout carries durations; pass ``--durations`` (Charades_v1_test.csv or JSON) where a
protocol needs them (videomind clamps to the duration).
"""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    as_window,
    entry_problem,
    finish,
    parse_json,
    read_text,
    strip_video_suffix,
    text_lines,
)
from videoeval.errors import InputError
from videoeval.schema import GroundingSample

EXPECTED = (
    '"<vid> <start> <end>##<sentence>" lines, or '
    '{"annotations": [{"image_id", "caption", "timestamp", "id"}]}'
)


def load(path: Path) -> LoadResult:
    text = read_text(path)
    if text.lstrip().startswith("{"):
        return _load_timechat(path, parse_json(path, text))
    return _load_text(path, text)


def _load_text(path: Path, text: str) -> LoadResult:
    samples: list[GroundingSample] = []
    skipped: list[str] = []
    index = 0
    for number, line in enumerate(text_lines(text), start=1):
        if not line.strip():
            continue
        sample_index, index = index, index + 1
        head, sep, sentence = line.partition("##")
        parts = head.split()
        if not sep or len(parts) != 3:
            skipped.append(f"{path}:{number}: expected '<vid> <start> <end>##<sentence>'")
            continue
        try:
            window = as_window(parts[1:])
        except ValueError as exc:
            skipped.append(f"{path}:{number}: {exc}")
            continue
        samples.append(
            GroundingSample(
                sample_id=str(sample_index),
                video_id=parts[0],
                query=sentence.strip(),
                windows=(window,),
                gt_text=str(list(window)),
            )
        )
    return finish(path, samples, skipped, EXPECTED)


def _load_timechat(path: Path, data: object) -> LoadResult:
    annotations = data.get("annotations") if isinstance(data, dict) else None
    if not isinstance(annotations, list):
        raise InputError(path, f"expected {EXPECTED}")
    samples: list[GroundingSample] = []
    skipped: list[str] = []
    for position, entry in enumerate(annotations):
        try:
            samples.append(
                GroundingSample(
                    sample_id=str(entry["id"]),
                    video_id=strip_video_suffix(str(entry["image_id"])),
                    query=str(entry["caption"]),
                    windows=(as_window(entry["timestamp"]),),
                    gt_text=str(entry["timestamp"]),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}: annotations[{position}]: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


BENCHMARK = Benchmark(
    id="charades-sta",
    title="Charades-STA test (3720 queries)",
    views=(
        View(
            task="grounding",
            load=load,
            default_protocol="timechat",
            annotation_hint="charades_sta_test.txt (## lines) or TimeChat's COCO-style JSON",
            prompt="grounding_default.txt",
        ),
    ),
    facts={
        "videomind_unit": 0.1,  # VideoMind's CharadesSTADataset.UNIT
        "published_samples": {"grounding": [3720]},
        "known_files": [
            {
                "sha256": "e4f4ae1b64b4f48d4dca3e0f31721d7d6a84f8fdad0bbe1fe1cb600cd5021415",
                "copy": "RenShuhuai-Andy/TimeChat @ c60b332b : metrics/tvg/example_gt_file.json",
            },
        ],
    },
)
