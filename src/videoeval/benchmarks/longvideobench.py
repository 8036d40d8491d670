"""LongVideoBench (Wu et al. 2024): long-video multiple choice with interleaved subtitles;
the validation split has 1,337 questions (the test answers are hidden), 4 or 5 options.

File: HF ``longvideobench/LongVideoBench`` ``lvb_val.json``, a list of ``{"id", "video_path",
"question", "candidates", "correct_choice" (index), "duration_group", "question_category",
...}``. A question is its ``id``; letters are the candidates' positions; videos:
``<videos>/<video_path>``. Scored by lmms-eval's parser (the benchmark's README sends users to
lmms-eval), without its random-letter fallback. ``run`` asks the question and its "(A) ..."
lines in our wording, without subtitles (the official prompt interleaves them with the
frames)."""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import (
    OPTION_LETTERS,
    Benchmark,
    LoadResult,
    View,
    entry_problem,
    nonempty,
    read_json,
    strip_video_suffix,
)
from videoeval.errors import InputError
from videoeval.schema import QASample

LETTERS = OPTION_LETTERS[:5]


def load(path: Path) -> LoadResult:
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected LongVideoBench's list of questions (lvb_val.json)")
    result = LoadResult(samples=[])
    for n, item in enumerate(data):
        try:
            candidates = [str(c) for c in item["candidates"]]
            choice = int(item["correct_choice"])
            if not 0 <= choice < len(candidates) <= len(LETTERS):
                raise ValueError(f"correct_choice {choice} is not one of {len(candidates)}")
            sample = QASample(
                str(item["id"]), strip_video_suffix(str(item["video_path"])),
                str(item["question"]), LETTERS[choice], "",
                dict(zip(LETTERS, candidates, strict=False)),
                str(item.get("question_category", "-")),
                facets={"duration_group": str(item.get("duration_group", "-"))},
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            result.skipped.append(f"{path.name}[{n}]: {entry_problem(exc)}")
            continue
        result.samples.append(sample)
    return nonempty(result, path, "LongVideoBench questions")


BENCHMARK = Benchmark(
    id="longvideobench",
    title="LongVideoBench (validation split)",
    views=(
        View("video_qa", load, "longvideobench", "lvb_val.json", prompt="video_qa_default.txt"),
    ),
    facts={"published_samples": {"video_qa": [1337]}},
)
