"""Vinoground (Zhang et al. 2024): 500 counterfactual pairs of short videos and captions. The
text score asks, for one video, which of two captions fits; the video score asks, for one
caption, which segment of a concatenated video fits. A pair counts for the text (or video)
score when both of its items are right, for the group score when all four are.

Files (HF ``HanSolo9682/Vinoground``): a folder holding ``vinoground_textscore.json`` and
``vinoground_videoscore.json`` (lists of ``{"idx": "<n>_pos" | "<n>_neg", "video_name",
"question", "GT"}``, pair n's items at positions 2n and 2n + 1, as the official scorer pairs
them) and ``vinoground.csv`` (per pair: major category; minor categories split by ";").
Prompt (official ``eval/qwen.py``, ``eval/llava-onevision.py``): the question, a newline, "Please
only output one English character.". Rule (``get_score_all.py`` @ 1543a2a1): the first
character of the answer, case-insensitive, equals the GT. Videos: ``<videos>/<video_name>``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    entry_problem,
    read_json,
    read_text,
    strip_video_suffix,
)
from videoeval.errors import InputError
from videoeval.schema import QASample

SUFFIX = "\nPlease only output one English character."
MAJORS = {"action", "object", "viewpoint"}
FILES = {"text": "vinoground_textscore.json", "video": "vinoground_videoscore.json"}


def categories(path: Path) -> list[tuple[str, str]]:
    """Each pair's (major, minors) from vinoground.csv: the column of majors, and the next."""
    rows = list(csv.reader(io.StringIO(read_text(path))))
    for column in range(max((len(r) for r in rows), default=0)):
        values = [r[column].strip() for r in rows if len(r) > column]
        if sum(v in MAJORS for v in values) >= max(1, len(values) - 1):
            body = rows[1:] if values and values[0] not in MAJORS else rows  # a header row
            return [(r[column].strip(), r[column + 1].strip() if len(r) > column + 1 else "")
                    for r in body]  # fmt: skip
    raise InputError(path, "has no column of major categories (action / object / viewpoint)")


def load(path: Path) -> LoadResult:
    wanted = f"give the folder holding {FILES['text']}, {FILES['video']} and vinoground.csv"
    if not path.exists():
        raise InputError(path, f"file not found ({wanted})")
    if not path.is_dir():
        raise InputError(path, f"is a file: {wanted}")
    cats = categories(path / "vinoground.csv") if (path / "vinoground.csv").exists() else []
    result = LoadResult(samples=[])
    for kind, name in FILES.items():
        data = read_json(path / name)
        if not isinstance(data, list) or len(data) % 2:
            raise InputError(path / name, "expected a list of pos/neg items, two per pair")
        for position, item in enumerate(data):
            pair = position // 2
            try:
                question, gold = str(item["question"]), str(item["GT"])
                video = strip_video_suffix(str(item["video_name"]))
                idx = str(item["idx"])
            except (KeyError, TypeError) as exc:
                result.skipped.append(f"{name}[{position}]: {entry_problem(exc)}")
                continue
            major, minors = cats[pair] if pair < len(cats) else ("-", "")
            result.samples.append(QASample(
                f"{kind}/{idx}", video, question, gold, question + SUFFIX, {}, major,
                str(pair), facets={"score": kind, "minor": minors},
            ))  # fmt: skip
    return result


BENCHMARK = Benchmark(
    id="vinoground",
    title="Vinoground: counterfactual caption and video matching (text / video / group)",
    views=(
        View(
            "video_qa",
            load,
            "vinoground",
            "the folder with vinoground_textscore.json, _videoscore.json, vinoground.csv",
            prompt_field="prompt",
        ),
    ),
    facts={"published_samples": {"video_qa": [2000]}},
)
