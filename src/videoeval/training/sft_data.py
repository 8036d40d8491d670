"""SFT files from a benchmark's (or a clip list's) ground truth.

- ``captions``: the captioning view's reference description as the answer to its prompt;
- ``frame-grounded``: a dense view's timed events as ``<frame: i-j> sentence ...`` over the frames
  the frame protocol picks (default: 16 uniform, as Tarsier2 trains), with those frames' times
  beside them so the ranges map back to seconds;
- ``grounding``: each grounding query with the evaluation's prompt, answered as TimeLens trains
  (``training/data/grounding.py::_format_response``, TencentARC/TimeLens @ 5d90c06): "The event
  happens in 2.5 - 7.0 seconds." (several GT spans joined by ", ");
- ``dense-text``: a dense view's timed events as lines "<start> - <end> seconds, <event>" (what
  the dense prompt asks for, and what the dense scorers read back).

Rows are TRL conversational (``messages`` with a video part, ``video``, ``frame_times``) or
ms-swift (``messages`` with ``<video>``, ``videos``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from videoeval.benchmarks import get_benchmark
from videoeval.errors import UsageError
from videoeval.outputs import write_jsonl
from videoeval.prompts.templates import load_template
from videoeval.protocols.tasks import task_of
from videoeval.training.frame_grounding import seconds_to_frames, write_frame_grounded
from videoeval.video.probe import VideoError, probe
from videoeval.video.provider import find_video
from videoeval.video.sampling import SamplingSpec, select_indices

Kind = Literal["captions", "frame-grounded", "grounding", "dense-text"]
KINDS: tuple[Kind, ...] = ("captions", "frame-grounded", "grounding", "dense-text")
TASKS = {"captions": "captioning", "frame-grounded": "dense_captioning",
         "grounding": "grounding", "dense-text": "dense_captioning"}  # fmt: skip


def timelens_response(spans: Sequence[Sequence[float]]) -> str:
    """TimeLens's SFT answer for a query's GT spans."""
    return "The event happens in " + ", ".join(f"{s:.1f} - {e:.1f} seconds" for s, e in spans) + "."


def dense_text(events: Sequence[tuple[float, float, str]]) -> str:
    return "\n".join(f"{s:.1f} - {e:.1f} seconds, {text.strip()}" for s, e, text in events)


TARSIER2_FRAMES = SamplingSpec(kind="uniform", nframes=16)


def _messages(style: str, path: Path, prompt: str, answer: str) -> dict[str, Any]:
    if style == "trl":
        video = {"type": "video", "video": str(path)}
        user = {"role": "user", "content": [video, {"type": "text", "text": prompt}]}
        reply = {"role": "assistant", "content": [{"type": "text", "text": answer}]}
        return {"messages": [user, reply], "video": str(path)}
    user = {"role": "user", "content": "<video>" + prompt}
    reply = {"role": "assistant", "content": answer}
    return {"messages": [user, reply], "videos": [str(path)]}


def sft_rows(
    benchmark: str,
    annotations: Path,
    videos: Path,
    style: str,
    kind: Kind,
    frames: SamplingSpec = TARSIER2_FRAMES,
    prompt_file: Path | None = None,
    skipped: list[str] | None = None,
) -> Iterator[dict[str, Any]]:
    if style not in ("trl", "ms-swift"):
        raise UsageError(f"--style takes trl or ms-swift, not {style!r}")
    if kind not in KINDS:
        raise UsageError(f"--kind takes {', '.join(KINDS)}, not {kind!r}")
    view = get_benchmark(benchmark).view(TASKS[kind])
    default = "frame_grounded_default.txt" if kind == "frame-grounded" else view.prompt
    required = set(task_of(view.task).prompt_fields) if view.prompt == default else set()
    template = load_template(prompt_file, default or "captioning_default.txt", required)
    for sample in view.load(annotations).samples:
        path = find_video(videos, sample.video_id)
        if path is None:
            if skipped is not None:
                skipped.append(f"{sample.sample_id}: no video")
            continue
        if kind == "captions":
            yield {**_messages(style, path, template.render(), sample.reference),
                   "sample_id": sample.sample_id}  # fmt: skip
            continue
        if kind == "grounding":
            answer = timelens_response(sample.windows)
            yield {**_messages(style, path, template.render(query=sample.query), answer),
                   "sample_id": sample.sample_id}  # fmt: skip
            continue
        try:
            info = probe(path)
        except VideoError as exc:
            if skipped is not None:
                skipped.append(f"{sample.sample_id}: {exc}")
            continue
        fps = info.reported_fps or info.native_fps
        times = [info.frame_times[i] for i in select_indices(frames, info.frame_times, fps)]
        timed = [e for e in sample.timed_events or () if e[0] < info.duration]
        if skipped is not None and len(timed) < len(sample.timed_events or ()):
            skipped.append(f"{sample.sample_id}: {len(sample.timed_events or ()) - len(timed)} "
                           f"events start after the video's end ({info.duration:g} s): "
                           "left out")  # fmt: skip
        if not timed:
            continue
        if kind == "dense-text":
            yield {**_messages(style, path, template.render(), dense_text(timed)),
                   "sample_id": sample.sample_id}  # fmt: skip
            continue
        events = seconds_to_frames(timed, times)
        answer = write_frame_grounded(events)
        yield {**_messages(style, path, template.render(), answer),
               "frame_times": times, "sample_id": sample.sample_id}  # fmt: skip


def write_sft_file(out: Path, rows: Iterator[dict[str, Any]]) -> int:
    written = list(rows)
    if not written:
        raise UsageError("no sample has its video in the folder: nothing written")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(out, written)
    return len(written)
