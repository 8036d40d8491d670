"""QVHighlights moment retrieval, Moment-DETR jsonl (one query per line, 1 to 25 GT windows).

Line layout: ``{"qid", "query", "duration", "vid", "relevant_windows": [[s, e], ...],
"relevant_clip_ids": [...], "saliency_scores": [[a, b, c], ...]}``; the saliency fields (three
raters' 0-4 scores of each relevant 2 s clip) are kept for highlight detection. Clips are 2 s
long, so GT bounds are multiples of 2. Copy: showlab/UniVTG @ 32659ac7 : plot/qvhl/gt.jsonl
(1550 val queries).
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
)
from videoeval.schema import GroundingSample

EXPECTED = 'jsonl lines {"qid", "query", "vid", "duration", "relevant_windows": [[s, e], ...]}'


def _saliency(obj: dict[str, Any]) -> tuple[tuple[int, ...], tuple[tuple[float, ...], ...]] | None:
    """``(relevant_clip_ids, saliency_scores)`` when the line has both (the test split has
    neither)."""
    if "relevant_clip_ids" not in obj or "saliency_scores" not in obj:
        return None
    ids = tuple(int(i) for i in obj["relevant_clip_ids"])
    scores = tuple(tuple(float(v) for v in row) for row in obj["saliency_scores"])
    if len(ids) != len(scores) or any(len(row) != 3 for row in scores):
        raise ValueError("saliency_scores needs one [a, b, c] per relevant clip id")
    return ids, scores


def load(path: Path) -> LoadResult:
    samples: list[GroundingSample] = []
    skipped: list[str] = []
    for number, obj in iter_jsonl(path, skipped):
        try:
            windows = tuple(as_window(w) for w in obj["relevant_windows"])
            if not windows:
                raise ValueError("relevant_windows is empty")
            samples.append(
                GroundingSample(
                    sample_id=str(obj["qid"]),
                    video_id=str(obj["vid"]),
                    query=str(obj["query"]),
                    windows=windows,
                    duration=as_duration(obj.get("duration")),
                    highlight=_saliency(obj),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}:{number}: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


BENCHMARK = Benchmark(
    id="qvhighlights",
    title="QVHighlights val/test moment retrieval and highlights (Moment-DETR jsonl)",
    views=(
        View(
            task="grounding",
            load=load,
            default_protocol="moment-detr",
            annotation_hint="highlight_val_release.jsonl (Moment-DETR jsonl)",
            prompt="grounding_default.txt",
        ),
    ),
    facts={
        "videomind_unit": 2.0,  # VideoMind's QVHighlightsDataset.UNIT
        "published_samples": {"grounding": [1550]},
        "known_files": [
            {
                "sha256": "f668a1eaea156ec5315e14718999cea043a8cf948d3cafbd8e8d655318c3cd02",
                "copy": "showlab/UniVTG @ 32659ac7 : plot/qvhl/gt.jsonl",
            },
        ],
    },
)
