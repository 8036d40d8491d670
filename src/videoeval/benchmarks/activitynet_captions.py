"""ActivityNet Captions, grounding view: every (timestamp, sentence) pair is one query.

File layout (``val_1.json`` / ``val_2.json``; copies from ttengwang/PDVC @ 0b025c8):
``{vid: {"duration", "timestamps": [[s, e], ...], "sentences": [...]}}``. Sentences often start
with a space; the query is the stripped sentence. val_2 is the usual grounding test split
(17031 queries over 4885 videos).
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
from videoeval.schema import CaptionSample, GroundingSample, TimedEvent

EXPECTED = '{"<vid>": {"duration": s, "timestamps": [[s, e], ...], "sentences": [...]}}'


def load(path: Path) -> LoadResult:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(path, f"expected {EXPECTED}")
    split = next((s for s in ("val_1", "val_2", "train", "test") if s in path.name), None)
    samples: list[GroundingSample] = []
    skipped: list[str] = []
    for vid, entry in data.items():
        try:
            timestamps, sentences = entry["timestamps"], entry["sentences"]
            if len(timestamps) != len(sentences):
                raise ValueError(f"{len(timestamps)} timestamps but {len(sentences)} sentences")
            duration = as_duration(entry.get("duration"))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path}: video {vid!r}: {entry_problem(exc)}")
            continue
        for index, (window, sentence) in enumerate(zip(timestamps, sentences, strict=True)):
            try:
                samples.append(
                    GroundingSample(
                        sample_id=f"{vid}#{index}",
                        video_id=str(vid),
                        query=str(sentence).strip(),
                        windows=(as_window(window),),
                        gt_text=str(window),
                        duration=duration,
                        split=split,
                    )
                )
            except (TypeError, ValueError, OverflowError) as exc:
                skipped.append(f"{path}: video {vid!r} sentence {index}: {exc}")
    return finish(path, samples, skipped, EXPECTED)


def load_timed(path: Path) -> LoadResult:
    """The dense-captioning view: one clip per video, its events with their spans (each sentence
    as the file writes it: densevid_eval reads them so), and the paragraph they form as the
    reference description. An event whose sentence is not text is left out and noted (the
    reference would stop); a duration that is not a number is left unset (densevid_eval never
    reads it)."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(path, f"expected {EXPECTED}")
    split = next((s for s in ("val_1", "val_2", "train", "test") if s in path.name), "all")
    samples: list[CaptionSample] = []
    skipped: list[str] = []
    odd = 0
    for vid, entry in data.items():
        try:
            windows = [as_window(w) for w in entry["timestamps"]]
            sentences = entry["sentences"]
            if not isinstance(sentences, list) or len(windows) != len(sentences):
                raise ValueError(f"{len(windows)} timestamps but {len(sentences)} sentences")
            timed = []
            for (start, end), text in zip(windows, sentences, strict=True):
                if not isinstance(text, str):
                    skipped.append(f"{path.name}: {vid}: a sentence is {text!r}, not text: that "
                                   "event is left out")  # fmt: skip
                    continue
                odd += end <= start or start < 0
                timed.append(TimedEvent(start, end, text))
            try:
                duration = as_duration(entry.get("duration"))
            except (TypeError, ValueError, OverflowError) as exc:
                skipped.append(f"{path.name}: {vid}: {exc}: duration left unset")
                duration = None
            stripped = tuple(e.sentence.strip() for e in timed)
            samples.append(
                CaptionSample(
                    sample_id=str(vid),
                    video_id=str(vid),
                    category=split,
                    reference=" ".join(stripped),
                    events=stripped,
                    duration=duration,
                    n_events=len(timed),
                    timed_events=tuple(timed),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            skipped.append(f"{path.name}: {vid}: {entry_problem(exc)}")
    if odd:
        skipped.append(f"{path.name}: {odd} GT events are reversed, zero-length or start before "
                       "0 s: scored as given, as the reference does (no prediction can overlap "
                       "a reversed one)")  # fmt: skip
    return finish(path, samples, skipped, EXPECTED)


HINT = "val_1.json or val_2.json (densevid / PDVC layout)"
BENCHMARK = Benchmark(
    id="activitynet-captions",
    title="ActivityNet Captions: grounding (one query per sentence) and dense captioning",
    views=(
        # No official grounding scorer exists for the raw split; TimeLens-Bench scores its
        # refined copy with the timelens protocol, the closest thing to a field standard.
        View("grounding", load, "timelens", HINT, prompt="grounding_default.txt"),
        View("dense_captioning", load_timed, "densevid-2018", HINT, prompt="dense_default.txt"),
        View("audit", load_timed, "timed", HINT),
    ),
    facts={
        "videomind_unit": 0.01,  # VideoMind's ActivityNetCaptionsDataset.UNIT
        # val_1 / val_2: queries (grounding), videos (dense captioning, audit)
        "published_samples": {
            "grounding": [17505, 17031],
            "dense_captioning": [4917, 4885],
            "audit": [4917, 4885],
        },
        "known_files": [
            {
                "sha256": "466aaccb9ebe45c6db4c98488a4ddbeb5b22faffe62e1bbce81222c14fc29e1c",
                "copy": "ttengwang/PDVC @ 0b025c8 : data/anet/captiondata/val_1.json",
            },
            {
                "sha256": "08fe56568bc92dd02a6150fe1094457a5f2ac72975b8778a922bc9a65aa7f0e9",
                "copy": "ttengwang/PDVC @ 0b025c8 : data/anet/captiondata/val_2.json",
            },
        ],
    },
)
