"""``videoeval pairs``: Tarsier2's DPO preference pairs from the evaluation machinery.

For each clip of a captioning benchmark, the policy model describes the clean frames and a
corrupted copy of them (one corruption per clip, seeded and recorded; or, with
``negative_sampling=False``, a second sample of the clean frames). Both descriptions are scored
against the reference description (AutoDQ with a judge, or the offline EventSim proxy), and a
pair is kept when the clean one wins on both sides by enough (Tarsier2, Section 3.3):
``ΔDQ_R >= 0``, ``ΔDQ_P >= 0`` and ``ΔDQ_R + ΔDQ_P >= delta`` (values in [0, 1]).

The descriptions are asked through the run engine (cached, resumable, counted): the run folder
holds run.json and responses.jsonl as ``run`` writes them, then pairs.jsonl (every pair with
both scores and the decision), summary.json and the kept pairs as TRL and ms-swift files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from videoeval.api.run import RunRequest, ask_plan, prepare
from videoeval.engine.run_folder import RunPlan
from videoeval.engine.runner import RunStats, WorkItem
from videoeval.errors import UsageError
from videoeval.schema import CaptionSample
from videoeval.training.pair_outputs import keep_pair, score_and_write
from videoeval.video.corruptions import CORRUPTIONS, variant_of
from videoeval.video.provider import FrameProtocol

__all__ = ["PairsOutcome", "PairsRequest", "keep_pair", "pair_items", "pairs"]

TARSIER2_DELTA = 0.3


@dataclass(frozen=True)
class PairsRequest:
    run: RunRequest
    """The policy model, the benchmark (a captioning view), frames and sampling settings."""
    corruptions: tuple[str, ...] = CORRUPTIONS
    """Each clip's negative copy takes one of these, chosen with ``seed``."""
    delta: float = TARSIER2_DELTA
    negative_sampling: bool = True
    """``False``: the second description is another sample of the clean frames."""
    filter: bool = True
    """``False``: keep every scored pair (the ablation without the AutoDQ filter)."""
    seed: int = 0
    labels: str | None = None
    """How frames are labelled with times: ``none`` (plain frames, as Tarsier2's model saw
    them; the default for frames sent as images), ``clean`` (a corrupted copy carries the clean
    copy's times in order; the default for frames sent as one video, whose processor writes
    times itself) or ``source`` (each frame its own time: a reversed clip says so)."""
    target: int | None = None
    """Keep this many pairs, drawn at random (seeded) from the kept ones, or from every scored
    pair without the filter (Tarsier2's 20K, and its all-candidates control)."""


@dataclass
class PairsOutcome:
    stats: RunStats
    pairs: list[dict[str, Any]]
    summary: dict[str, Any]
    files: list[Path] = field(default_factory=list)


def pair_items(items: list[WorkItem], request: PairsRequest) -> list[WorkItem]:
    """Two requests per clip: ``<id>#a`` (clean) and ``<id>#b`` (its corrupted copy, or a second
    clean sample), each with its own sampling seed."""
    unknown = sorted(set(request.corruptions) - set(CORRUPTIONS))
    if unknown or not request.corruptions:
        raise UsageError(f"--corruption takes {', '.join(CORRUPTIONS)}, not {unknown or 'none'}")
    out = []
    for i, item in enumerate(items):
        rng = random.Random(f"{request.seed}:{item.sample_id}")
        base = request.seed * 1_000_003 + 2 * i
        out.append(replace(item, sample_id=f"{item.sample_id}#a", seed=base))
        variant = None
        if request.negative_sampling:
            variant = variant_of(rng.choice(request.corruptions), rng.randrange(2**31))  # type: ignore[arg-type]
        out.append(replace(item, sample_id=f"{item.sample_id}#b", seed=base + 1, variant=variant))
    return out


LABELS = ("none", "clean", "source")


def labelled(frames: FrameProtocol, labels: str | None) -> tuple[FrameProtocol, str]:
    """The frame protocol with the pairs' labelling, and its name."""
    as_video = frames.mode in ("jpeg-video", "pixels")
    choice = labels or ("clean" if as_video else "none")
    if choice not in LABELS:
        raise UsageError(f"--labels takes {', '.join(LABELS)}, not {choice!r}")
    if choice == "none":
        if as_video:
            raise UsageError("frames sent as one video are timed by the model's processor: "
                             "--labels none cannot apply; use --labels clean")  # fmt: skip
        return replace(frames, labels="none"), choice
    if frames.labels == "none" and not as_video:
        raise UsageError(f"--labels {choice} labels frames with times: give the frame labels "
                         "too (a preset or --video-mode that sends them)")  # fmt: skip
    return replace(frames, corrupted_times="clean" if choice == "clean" else "source"), choice


def pairs(request: PairsRequest, on_row: Any = None, dry_run: bool = False) -> Any:
    """:func:`pairs_async`, from code without an event loop (or inside one)."""
    from videoeval.api.sync import run_sync

    return run_sync(pairs_async(request, on_row, dry_run))


async def pairs_async(request: PairsRequest, on_row: Any = None, dry_run: bool = False) -> Any:
    """Ask, score, filter and export; re-running the same request resumes it. ``dry_run``:
    the calls, frames and tokens it would take, asking nothing."""
    run = request.run
    p = prepare(run)
    if not all(isinstance(s, CaptionSample) and s.timed_events is None for s in p.plan.samples):
        raise UsageError(f"pairs are made from detailed captions: {run.benchmark}'s view is not")
    if request.target is not None and request.target < 1:
        raise UsageError("--target must be at least 1")
    frames, labels = labelled(p.frames, request.labels)
    p = replace(p, frames=frames)
    frames_config = {**p.plan.config["frames"], "labels": frames.labels,
                     "corrupted_times": frames.corrupted_times}  # fmt: skip
    config = {**p.plan.config, "frames": frames_config, "pairs": {
        "corruptions": list(request.corruptions), "delta": request.delta,
        "negative_sampling": request.negative_sampling, "filter": request.filter,
        "seed": request.seed, "scorer": "autodq" if run.judge else "eventsim",
        "labels": labels,
    }}  # fmt: skip
    plan = RunPlan(p.plan.benchmark_id, "pairs", p.plan.samples,
                   pair_items(p.plan.items, request), config, p.plan.server)  # fmt: skip
    if dry_run:
        return price_pairs(request, plan, frames)
    stats, (made, summary, files) = await ask_plan(
        run, p, plan, on_row, then=lambda: score_and_write(request, plan, p.frames)
    )
    return PairsOutcome(stats, made, summary, files)


def price_pairs(request: PairsRequest, plan: RunPlan, frames: FrameProtocol) -> dict[str, Any]:
    """What ``pairs`` would ask, counted without asking: the policy's two descriptions per clip
    (calls, frames, tokens) and, with AutoDQ, the judge's calls (per description: one event
    extraction, one entailment call per side; the GT's events are the benchmark's)."""
    from videoeval.engine.run_folder import dry_run

    counts = dry_run(plan, request.run.videos, frames)
    out: dict[str, Any] = {"clips": len(plan.samples), "policy_calls_at_most":
                           counts["calls_at_most"], "frames": counts["frames"],
                           "estimated_prompt_tokens": counts["estimated_prompt_tokens"],
                           "videos_missing": counts["videos_missing"]}  # fmt: skip
    if request.run.judge is not None:
        out["judge_calls_at_most"] = counts["calls_at_most"] * 3
    return out
