"""TimeLens-Bench: the refined Charades-STA, ActivityNet Captions and QVHighlights test sets.

File layout (``charades-timelens.json`` and siblings): ``{vid: {"duration", "spans", "queries"}}``
where ``spans[i]`` is the GT of ``queries[i]``. Queries are cleaned as the official loader does
(TencentARC/TimeLens, evaluation): collapse white space, strip, strip leading/trailing periods,
strip again. The cleaned query is what the prompt and the result key carry.
"""

from __future__ import annotations

from pathlib import Path

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    as_duration,
    as_window,
    entry_problem,
    finish,
    read_json,
)
from videoeval.errors import InputError
from videoeval.schema import GroundingSample

EXPECTED = '{"<vid>": {"duration": s, "spans": [[s, e], ...], "queries": [str, ...]}}'


def clean_query(query: str) -> str:
    # str.split() and the official loader's re "\s+" split on the same white space.
    return " ".join(query.split()).strip(".").strip()


def load(path: Path) -> LoadResult:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(path, f"expected a JSON object keyed by video id: {EXPECTED}")
    samples: list[GroundingSample] = []
    skipped: list[str] = []
    for vid, entry in data.items():
        try:
            if not isinstance(entry, dict):
                raise ValueError("entry is not an object")
            spans, queries = entry["spans"], entry["queries"]
            if len(spans) != len(queries):
                raise ValueError(f"{len(spans)} spans but {len(queries)} queries")
            duration = as_duration(entry.get("duration"))
            video_id = str(vid)
            cleaned = [clean_query(q if type(q) is str else str(q)) for q in queries]
            # The GT as written tells entries of a repeated query apart (``Matcher``): kept for
            # such a video's entries only (6 MB of strings per 100k queries otherwise).
            repeats = len(set(cleaned)) < len(cleaned)
            for index, (span, query) in enumerate(zip(spans, cleaned, strict=True)):
                # positional: sample_id, video_id, query, windows, duration, split, gt_text
                samples.append(
                    GroundingSample(
                        f"{video_id}#{index}",
                        video_id,
                        query,
                        (as_window(span),),
                        duration,
                        None,
                        str(span) if repeats else None,
                    )
                )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}: video {vid!r}: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


def _bench(subset: str, title: str, unit: float, queries: int) -> Benchmark:
    return Benchmark(
        id=f"timelens-{subset}",
        title=title,
        views=(
            View(
                task="grounding",
                load=load,
                default_protocol="timelens",
                annotation_hint=f"{subset}-timelens.json (TimeLens-Bench JSON)",
                prompt="grounding_default.txt",
            ),
        ),
        facts={
            "videomind_unit": unit,
            # the query count Table 1 reports for the split (``videoeval data check``)
            "published_samples": {"grounding": [queries]},
            # the frames Table 1 evaluated each open family with (TimeLens's eval script)
            "evaluation_frames": {
                "table": "TimeLens-Bench Table 1 (Zhang et al. 2025)",
                "presets": {"qwen3-vl": "timelens-8b", "qwen2.5-vl": "timelens-7b"},
            },
        },
    )


# VideoMind's UNIT of the source dataset each subset refines.
CHARADES = _bench("charades", "TimeLens-Bench, refined Charades-STA (3363 queries)", 0.1, 3363)
ACTIVITYNET = _bench(
    "activitynet", "TimeLens-Bench, refined ActivityNet Captions (4500 queries)", 0.01, 4500
)
QVHIGHLIGHTS = _bench(
    "qvhighlights", "TimeLens-Bench, refined QVHighlights (1541 queries)", 2.0, 1541
)

BENCHMARKS = (CHARADES, ACTIVITYNET, QVHIGHLIGHTS)
