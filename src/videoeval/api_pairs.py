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

from videoeval.api_run import RunRequest, ask_plan, prepare
from videoeval.engine.runner import RunStats, WorkItem
from videoeval.errors import UsageError
from videoeval.runs import RunPlan
from videoeval.training.corruptions import CORRUPTIONS, variant_of
from videoeval.training.pair_outputs import keep_pair, score_and_write

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


def pairs(request: PairsRequest, on_row: Any = None) -> PairsOutcome:
    """Ask, score, filter and export; re-running the same request resumes it."""
    run = request.run
    p = prepare(run)
    if p.view.task != "captioning":
        raise UsageError(f"pairs are made from detailed captions: {run.benchmark} is {p.view.task}")
    config = {**p.plan.config, "pairs": {
        "corruptions": list(request.corruptions), "delta": request.delta,
        "negative_sampling": request.negative_sampling, "filter": request.filter,
        "seed": request.seed, "scorer": "autodq" if run.judge else "eventsim",
    }}  # fmt: skip
    plan = RunPlan(p.plan.benchmark_id, "pairs", p.plan.samples,
                   pair_items(p.plan.items, request), config, p.plan.server)  # fmt: skip
    stats, (made, summary, files) = ask_plan(
        run, p, plan, on_row, then=lambda: score_and_write(request, plan, p.frames)
    )
    return PairsOutcome(stats, made, summary, files)
