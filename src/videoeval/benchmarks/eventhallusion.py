"""EventHallusion (Zhang et al. 2024): yes/no questions on videos built to mislead a model's
prior about events, in three splits: entire (109 videos, 114 questions), interleave (193 /
193) and misleading (95 / 102), 409 questions in all (the question files of 2024-09-27, which
Tarsier2's figures fit).

Files: Stevetich/EventHallusion @ 7396e043 ``questions/<split>_questions.json`` (one file, or
the folder of three; the repository has no licence, so none is shipped): lists of ``{"id",
"category", "event_info", "questions": [{"question", "answer": "Yes." | "No."}]}``. A question
is ``<id>/<n>``; videos: ``<videos>/<split>/<id>.mp4``. Prompt (``run_gpt4o.py``): the question,
a newline, "Please answer yes or no:".

Description matching (``eventhallusion-desc``): one item per video of the same files, the prompt
"Please describe this video in detail."; a judge compares the description with the video's true
event (``gpt4o_judge.py``): ``event_info.caption`` for entire and misleading, the
``event_info.unexpected`` event for interleave. Its id is the video's id."""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    annotation_files,
    entry_problem,
    load_each,
    read_json,
)
from videoeval.errors import InputError
from videoeval.schema import QASample

SPLITS = ("entire", "interleave", "misleading")
SUFFIX = "\nPlease answer yes or no:"


def split_of(path: Path) -> str:
    return next((s for s in SPLITS if path.stem.startswith(s)), path.stem)


def _load_file(path: Path, result: LoadResult) -> None:
    split = split_of(path)
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected EventHallusion's list of videos with their questions")
    for position, video in enumerate(data):
        try:
            vid = str(video["id"])
            questions = [(str(q["question"]), str(q["answer"])) for q in video["questions"]]
        except (KeyError, TypeError) as exc:
            result.skipped.append(f"{path.name}[{position}]: {entry_problem(exc)}")
            continue
        for n, (question, gold) in enumerate(questions):
            result.samples.append(QASample(
                f"{vid}/{n}", f"{split}/{vid}", question, gold, question + SUFFIX,
                {"Yes.": "yes", "No.": "no"}, split,
                facets={"category": str(video.get("category", "-"))},
            ))  # fmt: skip


DESCRIBE = "Please describe this video in detail."
EVENT_FIELD = {"entire": "caption", "misleading": "caption", "interleave": "unexpected"}


def _load_descriptions(path: Path, result: LoadResult) -> None:
    split = split_of(path)
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected EventHallusion's list of videos with their questions")
    wanted = EVENT_FIELD.get(split, "caption")
    for position, video in enumerate(data):
        try:
            vid = str(video["id"])
            event = video["event_info"][wanted]
            if not isinstance(event, str) or not event.strip():
                raise ValueError(f"event_info.{wanted} is not a sentence")
        except (KeyError, TypeError, ValueError) as exc:
            result.skipped.append(f"{path.name}[{position}]: {entry_problem(exc)}")
            continue
        result.samples.append(QASample(
            vid, f"{split}/{vid}", event, "yes", DESCRIBE, {}, split,
            facets={"category": str(video.get("category", "-"))},
        ))  # fmt: skip


def _files(path: Path) -> list[Path]:
    return annotation_files(
        path,
        lambda p: p.name.endswith("_questions.json") and split_of(p) in SPLITS,
        "questions/{entire,interleave,misleading}_questions.json",
    )


def load(path: Path) -> LoadResult:
    return load_each(_files(path), _load_file, path, "EventHallusion questions")


def load_descriptions(path: Path) -> LoadResult:
    return load_each(_files(path), _load_descriptions, path, "EventHallusion videos")


BENCHMARK = Benchmark(
    id="eventhallusion",
    title="EventHallusion yes/no questions",
    views=(
        View(
            "video_qa",
            load,
            "eventhallusion-yn",
            "questions/<split>_questions.json, or the folder of three",
            prompt_field="prompt",
        ),
    ),
    facts={"published_samples": {"video_qa": [409]}},
)

DESCRIPTIONS = Benchmark(
    id="eventhallusion-desc",
    title="EventHallusion description matching (judge-graded)",
    views=(
        View(
            "video_qa",
            load_descriptions,
            "eventhallusion-desc",
            "questions/<split>_questions.json, or the folder of three (one item per video)",
            prompt_field="prompt",
        ),
    ),
    facts={"published_samples": {"video_qa": [397]}},
)

BENCHMARKS = (BENCHMARK, DESCRIPTIONS)
