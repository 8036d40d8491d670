"""TOMATO (Shangguan et al. 2024): 1484 multiple-choice questions on visual temporal reasoning,
six reasoning types (count, direction, rotation, shape&trend, velocity&frequency,
visual_cues) and three demonstration types (human, object, simulated).

Files: yale-nlp/TOMATO @ fe2025f4 ``data/<reasoning type>.json``, ``{id: {"question", "options",
"answer" (index), "key", "demonstration_type", ...}}``: one file or the folder of six. Ids repeat
across types, so a question is ``<type>/<id>``. Letters are the options' positions (A..G).
Videos: ``<videos>/<demonstration type>/<key>.mp4``. ``run`` asks the question and its
"(A) ..." lines in our wording; the official prompt is long and worded by its authors: give it
with ``--prompt-file`` (fields ``{question}``, ``{choices}``)."""

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
)
from videoeval.errors import InputError
from videoeval.schema import QASample

TYPES = ("count", "direction", "rotation", "shape&trend", "velocity&frequency", "visual_cues")
SHA256 = {
    "8d65ff7f764d75dc1bc14f36c708608412d13f20b6f48b5443e9cfde4c376135": "count",
    "fe7a100bee05e973194ed52f75ab781d86eb6433f739b35661dfb7cbd286dfc3": "direction",
    "0297b4c4366cba16c8064cbdcf79b43c6d5fe83ba4c44f5cfc34249fb21c60eb": "rotation",
    "c965f1c16689eaf2544fcee223d472c61623be2f34b46d1f921316ef52af472f": "shape&trend",
    "65ff15b4ef59191092fa1f320ef1053993c1ea8eca145523d0b3019420c19484": "velocity&frequency",
    "840103d3d7f693acf5745655de2aebb211bccca471cb3c8feef1b591622a0bdd": "visual_cues",
}


def _load_file(path: Path, result: LoadResult) -> None:
    kind = path.stem
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected TOMATO's {id: question} object")
    for qid, item in data.items():
        try:
            options = [str(o) for o in item["options"]]
            answer = int(item["answer"])
            if not 0 <= answer < len(options) <= len(OPTION_LETTERS):
                raise ValueError(f"answer {answer} is not one of {len(options)} options")
            video = f"{item['demonstration_type']}/{item['key']}"
            question = str(item["question"])
        except (KeyError, TypeError, ValueError) as exc:
            result.skipped.append(f"{path.name}[{qid}]: {entry_problem(exc)}")
            continue
        letters = dict(zip(OPTION_LETTERS, options, strict=False))
        result.samples.append(QASample(
            f"{kind}/{qid}", video, question, OPTION_LETTERS[answer], "", letters, kind,
            facets={"demonstration": str(item["demonstration_type"])},
        ))  # fmt: skip


def load(path: Path) -> LoadResult:
    files = annotation_files(path, lambda p: p.stem in TYPES,
                             f"TOMATO's files ({', '.join(TYPES)})")  # fmt: skip
    return load_each(files, _load_file, path, "TOMATO questions")


BENCHMARK = Benchmark(
    id="tomato",
    title="TOMATO: visual temporal reasoning (multiple choice)",
    views=(
        View(
            "video_qa",
            load,
            "tomato",
            "data/<reasoning type>.json, or the folder of six",
            prompt="video_qa_default.txt",
        ),
    ),
    facts={
        "published_samples": {"video_qa": [1484]},
        "known_files": [
            {"sha256": k, "copy": f"yale-nlp/TOMATO @ fe2025f4 : data/{v}.json"}
            for k, v in SHA256.items()
        ],
    },
)
