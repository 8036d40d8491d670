"""VideoHallucer (Wang et al. 2024): five hallucination types of 200 basic/hallucinated
question pairs each (object_relation, temporal, semantic_detail, external_factual,
external_nonfactual). The basic question's answer is always "yes", the hallucinated one's "no";
a pair counts only when both are right, and the overall figures are the unweighted means over
the types (``videohallucer`` protocol).

Files: patrick-tssn/VideoHallucer ``videohallucer_datasets/<type>/<type>.json`` (lists of
``{"basic": {"video", "question", "answer"}, "hallucination": {...}, "type"}``), one file, or a
folder holding several (the type is the file's name; ``temporal_dedup_*`` is the temporal set
after upstream's de-duplication of 2025-10-24, 176 pairs; Tarsier2 used the 200-pair one).
Prompt (``evaluation_utils.py``): the question, a newline, "Answer the question using 'yes' or
'no'.". Videos: ``<videos>/<type>/videos/<file>``. Question ids: ``<type>/<pair>/basic`` and
``<type>/<pair>/hallucination``."""

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
    strip_video_suffix,
)
from videoeval.errors import InputError
from videoeval.schema import QASample

TYPES = ("object_relation", "temporal", "semantic_detail", "external_factual",
         "external_nonfactual")  # fmt: skip
SUFFIX = "\nAnswer the question using 'yes' or 'no'."
SHA256 = {
    "a60dfe2290e1f6d35bfc6e2c7ff8794a2591b6eca2b043575ab0762037eec7fd": "object_relation",
    "9c33a61510b1e3e947baff405d13a3303189b9e41b3f1f785d66c3e63a698d92": "temporal",
    "5e6c8b874faab604d7a6f8bd59012a1aae253c1b6ffc0dab316d2f301dfb3ad9": "semantic_detail",
    "dbba8cf7bed776de2e7548899174f98e24432f7472c42b1516d83d98def795e2": "external_factual",
    "72cb44b19c97d55670608ec6d2b39bfcc1de5a9155c2fb80bcee0284dff2ee36": "external_nonfactual",
    "97acacdfd510b1cfb73ae69df1007f1489d5542fb9f7c18ba2601fe0f253129e": "temporal (ae4c2f25)",
}


def type_of(path: Path) -> str:
    stem = path.stem
    return next((t for t in TYPES if stem == t or stem.startswith(f"{t}_")), stem)


def _load_file(path: Path, result: LoadResult) -> None:
    kind = type_of(path)
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected VideoHallucer's list of question pairs")
    for n, pair in enumerate(data):
        try:
            members = [(side, pair[side]) for side in ("basic", "hallucination")]
            questions = [(side, str(q["video"]), str(q["question"]), str(q["answer"]).lower())
                         for side, q in members]  # fmt: skip
        except (KeyError, TypeError) as exc:
            result.skipped.append(f"{path.name}[{n}]: {entry_problem(exc)}")
            continue
        for side, video, question, gold in questions:
            result.samples.append(QASample(
                f"{kind}/{n}/{side}", f"{kind}/videos/{strip_video_suffix(video)}", question,
                gold, question + SUFFIX, {"yes": "yes", "no": "no"}, kind, f"{kind}/{n}",
                facets={"subtype": str(pair.get("type"))},
            ))  # fmt: skip


def load(path: Path) -> LoadResult:
    files = annotation_files(path, lambda p: type_of(p) in TYPES,
                             f"VideoHallucer's files ({', '.join(TYPES)})")  # fmt: skip
    kinds = [type_of(p) for p in files]
    if len(set(kinds)) != len(kinds):
        raise InputError(path, "holds two files of one type (e.g. temporal and its "
                         "de-duplicated version): keep one")  # fmt: skip
    return load_each(files, _load_file, path, "VideoHallucer question pairs")


BENCHMARK = Benchmark(
    id="videohallucer",
    title="VideoHallucer: basic / hallucinated question pairs",
    views=(
        View(
            "video_qa",
            load,
            "videohallucer",
            "videohallucer_datasets/<type>/<type>.json, or a folder of them",
            prompt_field="prompt",
        ),
    ),
    facts={
        "published_samples": {"video_qa": [400, 352, 2000]},
        "known_files": [
            {"sha256": k, "copy": f"patrick-tssn/VideoHallucer : {v}.json"}
            for k, v in SHA256.items()
        ],
    },
)
