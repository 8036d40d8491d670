"""MVBench (Li et al. 2024): 20 temporal tasks x 200 multiple-choice questions (4000).

Files: HF ``OpenGVLab/MVBench`` ``json/<task>.json`` (one file, or the folder of them), lists of
``{"video", "question", "candidates", "answer" (equal to one candidate), "start"/"end" (the
time-bounded tasks)}``. Letters are the candidates' positions; a question is ``<task>/<n>``.
Protocols: the official ``mvbench`` (``check_ans`` of ``video_chat2/mvbench.ipynb`` @ 4dd8210b:
an empty answer counts right) and ``tarsier-mc`` (the scorer behind Tarsier2's figure). ``run``
asks the question and its "(A) ..." lines in our wording (``--prompt-file`` with ``{question}``
and ``{choices}`` for another); the official prompt also pre-fills the assistant's "Best
option:(", which a chat server cannot be made to do alike, and the time-bounded tasks are asked
on the whole video. Videos: ``<videos>/<task>/<video>`` (each task keeps its videos in a folder
of its own source: link them there)."""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import (
    OPTION_LETTERS,
    Benchmark,
    LoadResult,
    View,
    annotation_files,
    entry_problem,
    load_each,
    read_json,
    strip_video_suffix,
)
from videoeval.errors import InputError
from videoeval.schema import QASample


def _load_file(path: Path, result: LoadResult) -> None:
    task = path.stem
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected MVBench's list of questions")
    for n, item in enumerate(data):
        try:
            candidates = [str(c) for c in item["candidates"]]
            gold = OPTION_LETTERS[candidates.index(str(item["answer"]))]
            sample = QASample(
                f"{task}/{n}", f"{task}/{strip_video_suffix(str(item['video']))}",
                str(item["question"]), gold, "",
                dict(zip(OPTION_LETTERS, candidates, strict=False)), task,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            problem = "its answer is none of its candidates" if isinstance(exc, ValueError) else (
                entry_problem(exc))  # fmt: skip
            result.skipped.append(f"{path.name}[{n}]: {problem}")
            continue
        result.samples.append(sample)


def load(path: Path) -> LoadResult:
    files = annotation_files(path, lambda p: True, "MVBench's task files (json/<task>.json)")
    return load_each(files, _load_file, path, "MVBench questions")


BENCHMARK = Benchmark(
    id="mvbench",
    title="MVBench: 20 temporal tasks (multiple choice)",
    views=(
        View(
            "video_qa",
            load,
            "mvbench",
            "json/<task>.json, or the folder of 20",
            prompt="video_qa_default.txt",
        ),
    ),
    facts={"published_samples": {"video_qa": [4000]}},
)
