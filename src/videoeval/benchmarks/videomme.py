"""Video-MME (Fu et al. 2024): 900 videos x 3 questions (2700), short / medium / long; scored
here without subtitles ("w/o subs", as Tarsier2 reports it).

Files: the HF rows (``lmms-lab/Video-MME``; JSON list or JSONL of ``{"video_id", "duration",
"domain", "sub_category", "videoID", "question_id", "task_type", "question", "options": ["A.
...", ...], "answer"}``), or the official scorer's layout, one object per video ``{"video_id",
"duration", "domain", "sub_category", "questions": [{"question_id", "task_type", "question",
"options", "answer", "response"?}]}`` (BradyFU/Video-MME ``evaluation/output_test_template.json``;
its ``response`` fields are read as the answers when the same file is given to ``-p``). A
question is its ``question_id``; videos: ``<videos>/<videoID>.mp4`` (``video_id`` where there
is no ``videoID``). ``run`` asks the question and its "(A) ..." lines in our wording; the
official prompt (the README's instruction, the question, the options, "The best answer is:") is
worded by its authors: give it with ``--prompt-file`` (fields ``{question}``, ``{choices}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    entry_problem,
    iter_jsonl,
    nonempty,
    parse_json,
    read_text,
)
from videoeval.schema import QASample


def _rows(path: Path, skipped: list[str]) -> list[dict[str, Any]]:
    """Flat question rows, from either layout."""
    text = read_text(path)
    whole = parse_json(path, text) if text.lstrip().startswith("[") else None
    items = whole if isinstance(whole, list) else [obj for _, obj in iter_jsonl(path, skipped)]
    rows = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("questions"), list):
            video = {k: v for k, v in item.items() if k != "questions"}
            rows += [{**video, **q} for q in item["questions"] if isinstance(q, dict)]
        elif isinstance(item, dict):
            rows.append(item)
    return rows


def load(path: Path) -> LoadResult:
    result = LoadResult(samples=[])
    for n, row in enumerate(_rows(path, result.skipped)):
        try:
            options = [str(o) for o in row["options"]]
            letters = {o[0]: o[2:].strip() for o in options if len(o) > 1 and o[1] == "."}
            question = str(row["question"])
            sample = QASample(
                str(row["question_id"]), str(row.get("videoID") or row["video_id"]), question,
                str(row["answer"]).strip(), "", letters, str(row.get("duration", "-")),
                facets={k: str(row[k]) for k in ("domain", "sub_category", "task_type")
                        if row.get(k) is not None},
            )  # fmt: skip
        except (KeyError, TypeError) as exc:
            result.skipped.append(f"{path.name}[{n}]: {entry_problem(exc)}")
            continue
        result.samples.append(sample)
    return nonempty(result, path, "Video-MME questions")


BENCHMARK = Benchmark(
    id="videomme",
    title="Video-MME (without subtitles)",
    views=(
        View(
            "video_qa",
            load,
            "videomme",
            "Video-MME rows (JSON/JSONL) or the official per-video output file",
            prompt="video_qa_default.txt",
        ),
    ),
    facts={"published_samples": {"video_qa": [2700]}},
)
