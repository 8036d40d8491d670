"""E.T. Bench's dense captioning (dvc) and step localisation (slc) samples, and its grounding
tasks (tvg, epm, tal, evs, vhd: the ``localization`` view, ``--protocol etbench-grounding``).

The file is E.T. Bench's own list (``etbench_txt_v1.0.json``): each sample names its video, its
question (``q``, the prompt a model is asked with) and its GT (``tgt`` spans, ``g`` captions).
``score`` reads it with each model answer in ``a`` (it then carries both GT and predictions);
``run`` asks each sample's own question and writes the answers into ``a`` before scoring.
Scoring lives in ``scoring/etbench.py``; the reader here is both the loader and the reader
of answer files (the same list)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import Benchmark, LoadResult, View, read_json, strip_video_suffix
from videoeval.errors import InputError


@dataclass(slots=True)
class EtbenchSample:
    sample_id: str
    video_id: str
    prompt: str
    raw: dict[str, Any] = field(default_factory=dict)


def sample_id_of(sample: dict[str, Any], position: int) -> str:
    return f"{sample.get('task')}/{sample.get('source')}/{sample.get('idx', position)}"


TASKS = ("dvc", "slc")


def _problem(sample: dict[str, Any]) -> str | None:
    """Why a dvc / slc sample cannot be scored (the reference would stop on it)."""
    if "video" not in sample:
        return "no video"
    spans, captions = sample.get("tgt"), sample.get("g")
    if not isinstance(spans, list) or not isinstance(captions, list):
        return "no tgt / g lists"
    try:
        for span in spans:
            start, end = (float(v) for v in span)
            if not (math.isfinite(start) and math.isfinite(end)):
                return f"span {span} is not finite"
    except (TypeError, ValueError, OverflowError):
        return f"tgt {str(spans)[:40]} is not a list of [start, end]"
    return None


def read_etbench(
    path: Path, skipped: list[str] | None = None
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The dvc / slc samples by (task, source); a sample that cannot be scored is left out and
    noted in ``skipped`` instead of stopping the whole score."""
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected E.T. Bench's list of samples")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for position, sample in enumerate(data):
        if isinstance(sample, dict) and sample.get("task") in TASKS:
            problem = _problem(sample)
            if problem is not None:
                if skipped is not None:
                    skipped.append(f"{path.name}[{position}]: {problem}: left out")
                continue
            groups[(sample["task"], str(sample.get("source")))].append(sample)
    if not groups:
        raise InputError(path, "no dense captioning (dvc) or step localisation (slc) samples")
    return dict(groups)


def load(path: Path) -> LoadResult:
    samples = []
    for group in read_etbench(path).values():
        for position, raw in enumerate(group):
            video = strip_video_suffix(str(raw.get("video")))
            samples.append(
                EtbenchSample(sample_id_of(raw, position), video, str(raw.get("q") or ""), raw)
            )
    return LoadResult(samples=samples)


GROUNDING_TASKS = ("tvg", "epm", "tal", "evs", "vhd")


def _windows(value: Any) -> list[tuple[float, float]]:
    start, end = (float(v) for v in value)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError(f"window {value} is not finite")
    return [(start, end)]


def grounding_gt(sample: dict[str, Any]) -> Any:
    """The GT a grounding task reads: one window (tvg, epm), windows (tal, evs), or windows per
    annotator (vhd, where a flat list of windows is one annotator's)."""
    tgt, task = sample.get("tgt"), sample.get("task")
    if not isinstance(tgt, list) or not tgt:
        raise ValueError("no tgt")
    if task in ("tvg", "epm"):
        return _windows(tgt)[0]
    if task == "vhd":
        annotators = tgt if isinstance(tgt[0][0], (list, tuple)) else [tgt]
        return [[w for window in a for w in _windows(window)] for a in annotators]
    return [w for window in tgt for w in _windows(window)]


def load_grounding(path: Path) -> LoadResult:
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected E.T. Bench's list of samples")
    result = LoadResult(samples=[])
    for position, raw in enumerate(data):
        if not isinstance(raw, dict) or raw.get("task") not in GROUNDING_TASKS:
            continue
        try:
            grounding_gt(raw)
            video = strip_video_suffix(str(raw["video"]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            result.skipped.append(f"{path.name}[{position}]: {exc}: left out")
            continue
        sample = EtbenchSample(sample_id_of(raw, position), video, str(raw.get("q") or ""), raw)
        result.samples.append(sample)
    if not result.samples:
        raise InputError(path, "no grounding samples (tvg, epm, tal, evs, vhd)")
    return result


BENCHMARK = Benchmark(
    id="etbench",
    title="E.T. Bench: dense captioning (DVC), step localisation (SLC) and grounding",
    views=(
        View(
            "dense_captioning",
            load,
            "etbench",
            "etbench_txt_v1.0.json (with the model's answers in `a` for score)",
            prompt_field="q",
            annotations_in_predictions=True,
        ),
        View(
            "localization",
            load_grounding,
            "etbench-grounding",
            "etbench_txt_v1.0.json (with the model's answers in `a` for score)",
            prompt_field="q",
            annotations_in_predictions=True,
        ),
    ),
)
