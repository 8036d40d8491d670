"""DREAM-1K: 1000 clips, five categories of 200, a detailed GT description and GT events each.

Two layouts are read: Tarsier2's (``messages``; the GT description is the assistant item's
``reference``; categories ``DREAM/vertical_video`` and ``DREAM/videvo``) and Tarsier v1's
(``text.prompt`` / ``text.response``; categories ``DREAM/shorts`` and ``DREAM/stock``). Copy:
bytedance/tarsier @ 63de87a : data/annotations/DREAM-1k.jsonl. GT events come from
``extra_info.events`` as given; four clips (idx 649, 804, 980, 981) have none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    entry_problem,
    finish,
    iter_jsonl,
)
from videoeval.schema import CaptionSample

EXPECTED = "DREAM-1K jsonl (Tarsier2 `messages` layout or Tarsier v1 `text` layout)"
# The v1 layout's names for two categories, mapped to the names the current file uses.
CATEGORY_ALIASES = {"shorts": "vertical_video", "stock": "videvo"}
CATEGORIES = ("movie_animation", "movie_live_action", "vertical_video", "videvo", "youtube")


def _reference(row: dict[str, Any]) -> str:
    if "messages" in row:
        for message in row["messages"]:
            if not isinstance(message, dict):
                raise ValueError("a message is not an object")
            if message.get("role") == "assistant":
                for item in message["content"]:
                    if isinstance(item, dict) and item.get("reference"):
                        return str(item["reference"])
        raise ValueError("no assistant item with a reference description")
    return str(row["text"]["response"])


def category_of(dataset: str) -> str:
    name = dataset.split("/", 1)[-1]
    return CATEGORY_ALIASES.get(name, name)


def load(path: Path) -> LoadResult:
    samples: list[CaptionSample] = []
    skipped: list[str] = []
    for number, row in iter_jsonl(path, skipped):
        try:
            extra = row.get("extra_info") or {}
            if not isinstance(extra, dict):
                raise ValueError("extra_info is not an object")
            events = extra.get("events")
            samples.append(
                CaptionSample(
                    sample_id=str(row["idx"]),
                    video_id=str(row.get("vid", row["idx"])),
                    category=category_of(str(row["dataset"])),
                    reference=_reference(row),
                    events=tuple(str(e) for e in events) if events is not None else None,
                    duration=extra.get("duration"),
                    n_events=extra.get("n_events"),
                    n_shots=extra.get("n_shots"),
                    n_subjects=extra.get("n_subjects"),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}:{number}: {entry_problem(exc)}")
    return finish(path, samples, skipped, EXPECTED)


HINT = "DREAM-1k.jsonl (Tarsier layout)"
BENCHMARK = Benchmark(
    id="dream1k",
    title="DREAM-1K detailed video description (1000 clips, AutoDQ)",
    views=(
        View(
            "captioning",
            load,
            "autodq",
            HINT,
            prompt="captioning_default.txt",
            offline_protocol="eventsim",
        ),
        View("audit", load, "gt-audit", HINT),
    ),
    facts={
        "autodq_aspects": ("events",),
        "published_samples": {"captioning": [1000], "audit": [1000]},
        "known_files": [
            {
                "sha256": "f1d1e15c8568a7a30e32354bf9e9db18d16746c6b52b786452819eccbc7353b4",
                "copy": "bytedance/tarsier @ 63de87a : data/annotations/DREAM-1k.jsonl",
            },
        ],
    },
)
