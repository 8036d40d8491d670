"""GRPO prompt files from a grounding benchmark: the evaluation's own prompt for every query, the
video, and the GT span (and duration) as columns that the rewards in
``videoeval.training.rewards`` read.

- ``trl``: ``{"prompt": [chat messages with a video part], "video": path, "span": [s, e],
  "duration": d, "sample_id": id}`` (TRL's conversational prompt format; extra columns reach
  reward functions as keyword arguments).
- ``ms-swift``: ``{"messages": [{"role": "user", "content": "<video>" + prompt}], "videos":
  [path], "span": [s, e], "duration": d, "sample_id": id}`` (its multimodal dataset format;
  extra columns reach ORM plugins as keyword arguments).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from videoeval.benchmarks import get_benchmark
from videoeval.errors import UsageError
from videoeval.outputs import write_jsonl
from videoeval.prompts.templates import PromptTemplate, load_template
from videoeval.video.provider import find_video

Style = Literal["trl", "ms-swift"]
STYLES: tuple[Style, ...] = ("trl", "ms-swift")


@dataclass
class GrpoExport:
    written: int
    without_video: list[str]
    """Queries left out because their video is not in the folder."""
    prompt_source: str
    prompt_sha256: str


def grounding_prompt(benchmark: str, prompt_file: Path | None) -> tuple[Any, PromptTemplate]:
    """The grounding view and the prompt the evaluation asks (or the user's file)."""
    view = get_benchmark(benchmark).view("grounding")
    if view.prompt is None:
        raise UsageError(f"{benchmark} has no grounding prompt to train with")
    return view, load_template(prompt_file, view.prompt, {"query"})


def grpo_rows(
    benchmark: str,
    annotations: Path,
    videos: Path,
    style: Style,
    prompt_file: Path | None = None,
    without_video: list[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """One row per query of the benchmark's grounding view whose video is in ``videos``."""
    if style not in STYLES:
        raise UsageError(f"--style takes one of {', '.join(STYLES)}, not {style!r}")
    view, template = grounding_prompt(benchmark, prompt_file)
    for sample in view.load(annotations).samples:
        path = find_video(videos, sample.video_id)
        if path is None:
            if without_video is not None:
                without_video.append(sample.sample_id)
            continue
        prompt = template.render(query=sample.query)
        span = list(sample.windows[0])
        columns = {"span": span, "duration": sample.duration, "sample_id": sample.sample_id}
        if style == "trl":
            message = {"role": "user", "content": [{"type": "video", "video": str(path)},
                                                   {"type": "text", "text": prompt}]}  # fmt: skip
            yield {"prompt": [message], "video": str(path), **columns}
        else:
            message = {"role": "user", "content": "<video>" + prompt}
            yield {"messages": [message], "videos": [str(path)], **columns}


def write_grpo_file(
    benchmark: str,
    annotations: Path,
    videos: Path,
    style: Style,
    out: Path,
    prompt_file: Path | None = None,
) -> GrpoExport:
    """Write the rows as JSONL to ``out``; nothing is written when no query has its video."""
    _, template = grounding_prompt(benchmark, prompt_file)
    missing: list[str] = []
    rows = list(grpo_rows(benchmark, annotations, videos, style, prompt_file, missing))
    if not rows:
        raise UsageError(f"no query of {annotations.name} has its video in {videos}")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(out, rows)
    return GrpoExport(len(rows), missing, template.source, template.sha256)
