"""A DREAM-1K-layout fixture for side-by-side studies: clips in two categories with real H.264
videos, and two systems' descriptions ("mine" always mentions the dog, "theirs" never)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.video.synth import write_video
from videoeval.sbs.create import create_study, read_source

MINE = "A man walks a dog along the beach ({n})."
THEIRS = "Someone is outside near water ({n})."


def write_clips(root: Path, n: int = 10, video_clips: int = 2) -> dict[str, Path]:
    """``n`` clips (half "live_action", half "animation"); the first ``video_clips`` have a
    video file (the rest are served without one)."""
    annotations, mine, theirs = root / "DREAM-1k.jsonl", root / "mine.jsonl", root / "theirs.jsonl"
    videos = root / "videos"
    videos.mkdir(parents=True)
    with open(annotations, "w") as a, open(mine, "w") as m, open(theirs, "w") as t:
        for k in range(n):
            row = {
                "messages": [
                    {"role": "user", "content": [{"type": "text", "text": "Describe."}]},
                    {
                        "role": "assistant",
                        "content": [{"type": "text", "text": "", "reference": f"GT {k}"}],
                    },
                ],
                "dataset": "live_action" if k % 2 else "animation",
                "idx": k,
                "vid": f"clip{k}",
                "extra_info": {"events": [f"event {k}"], "n_events": 1},
            }
            a.write(json.dumps(row) + "\n")
            m.write(json.dumps({"idx": k, "prediction": MINE.format(n=k)}) + "\n")
            t.write(json.dumps({"idx": k, "prediction": THEIRS.format(n=k)}) + "\n")
            if k < video_clips:
                write_video(videos / f"clip{k}.mp4", frames=30, fps=15)
    return {"annotations": annotations, "mine": mine, "theirs": theirs, "videos": videos}


def make_study(
    root: Path,
    n: int = 10,
    annotators: tuple[str, ...] = ("ana", "ben"),
    overlap: int = 2,
    gold: Path | None = None,
    video_clips: int = 2,
    **kw: object,
):  # type: ignore[no-untyped-def]
    files = write_clips(root, n, video_clips)
    sources = [read_source(files["mine"], "mine"), read_source(files["theirs"], "theirs")]
    made = create_study(
        root / "study.sqlite",
        "dream1k",
        files["annotations"],
        files["videos"],
        sources,
        list(annotators),
        overlap=overlap,
        gold=gold,
        **kw,
    )  # type: ignore[arg-type]
    return made, files
