"""``videoeval rollouts``: K answers per grounding prompt, scored by the evaluation's own reward,
and the prompts chosen for GRPO by how hard they are for the current model.

Each prompt's K answers are asked through the run engine (``<id>#<k>``, each with its own
sampling seed; cached and resumable) and scored with ``training.rewards`` under the chosen
protocol, so a reward is the IoU that ``videoeval score`` would write. Selection:

- ``keep_below``: prompts whose mean reward is below the bar (the model does not solve them yet);
- ``gaussian``: TimeLens's difficulty sampling (TencentARC/TimeLens @ 5d90c06,
  ``training/data/grounding.py``): ``target`` prompts drawn without replacement, with weights
  ``exp(-0.5 ((iou - mean) / std)^2)`` on each prompt's IoU (TimeLens runs one greedy answer per
  prompt: ``samples=1, temperature=0``), seeded.

Outputs beside run.json and responses.jsonl: ``rollouts.jsonl`` (every answer and its reward),
``difficulty.jsonl`` (per prompt: mean, variance, share solved at IoU >= 0.5, selected),
``summary.json``, and the selected prompts as a GRPO file (``grpo_prompts.jsonl``, TRL or
ms-swift layout, as ``videoeval grpo-data`` writes them).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from videoeval.api_run import RunRequest, ask_plan, prepare
from videoeval.engine.log import read_log
from videoeval.engine.runner import RunStats
from videoeval.errors import UsageError
from videoeval.outputs import write_jsonl
from videoeval.runs import RunPlan
from videoeval.training.grpo_data import grpo_rows
from videoeval.training.rewards import sample_reward

SOLVED_AT = 0.5


@dataclass(frozen=True)
class RolloutsRequest:
    run: RunRequest
    """The model, a grounding benchmark, frames, and the sampling temperature."""
    samples: int = 8
    keep_below: float | None = None
    gaussian: tuple[float, float] | None = None
    """(mean, std) of TimeLens's difficulty weights; needs ``target``."""
    target: int | None = None
    seed: int = 0
    style: str = "trl"


@dataclass
class RolloutsOutcome:
    stats: RunStats
    prompts: list[dict[str, Any]]
    summary: dict[str, Any]


def _check(request: RolloutsRequest) -> None:
    if request.samples < 1:
        raise UsageError("--samples must be at least 1")
    if request.samples > 1 and not request.run.temperature:
        raise UsageError(f"--samples {request.samples} at temperature 0 would ask one greedy "
                         "answer that many times: give --temperature")  # fmt: skip
    if request.gaussian is not None and request.target is None:
        raise UsageError("--gaussian draws --target prompts: give --target")
    if request.target is not None and request.gaussian is None:
        raise UsageError("--target applies to --gaussian sampling")
    if request.gaussian is not None and request.keep_below is not None:
        raise UsageError("choose --keep-below or --gaussian, not both")
    if request.style not in ("trl", "ms-swift"):  # before anything is asked
        raise UsageError(f"--style takes trl or ms-swift, not {request.style!r}")
    if request.gaussian is not None and request.gaussian[1] <= 0:
        raise UsageError("the --gaussian std must be positive")


def gaussian_select(
    means: list[float], target: int, mean: float, std: float, seed: int
) -> set[int]:
    """Indices of ``target`` prompts drawn without replacement with TimeLens's weights."""
    values = np.asarray(means, dtype=np.float64)
    weights = np.exp(-0.5 * ((values - mean) / std) ** 2)
    if not weights.sum() > 0:
        raise UsageError("every prompt's weight is 0 under --gaussian: widen the std")
    count = min(target, int(np.count_nonzero(weights)))
    rng = np.random.default_rng(seed)
    return set(
        rng.choice(len(means), size=count, replace=False, p=weights / weights.sum()).tolist()
    )


def rollouts(request: RolloutsRequest, on_row: Any = None) -> RolloutsOutcome:
    _check(request)
    run = request.run
    p = prepare(run)
    if p.view.task != "grounding":
        raise UsageError(f"rollouts are scored by a grounding reward: {run.benchmark} is "
                         f"{p.view.task}")  # fmt: skip
    items = [replace(item, sample_id=f"{item.sample_id}#{k}", seed=request.seed * 1_000_003 + k)
             for item in p.plan.items for k in range(request.samples)]  # fmt: skip
    config = {**p.plan.config, "rollouts": {"samples": request.samples, "seed": request.seed}}
    plan = RunPlan(p.plan.benchmark_id, p.protocol, p.plan.samples, items, config, p.plan.server)
    stats, (prompts, summary) = ask_plan(
        run, p, plan, on_row, then=lambda: _score_and_select(request, plan)
    )
    return RolloutsOutcome(stats, prompts, summary)


def _score_and_select(
    request: RolloutsRequest, plan: RunPlan
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out = request.run.out
    answers = {r["sample_id"]: r for r in read_log(out / "responses.jsonl")}
    rollout_rows, prompts = [], []
    for sample in plan.samples:
        rewards = []
        for k in range(request.samples):
            row = answers.get(f"{sample.sample_id}#{k}", {})
            if row.get("status") != "ok":
                rollout_rows.append({"sample_id": sample.sample_id, "k": k,
                                     "status": row.get("status", "missing")})  # fmt: skip
                continue
            reward = sample_reward(sample, row["answer"], plan.protocol, plan.benchmark_id)
            rewards.append(reward.iou)
            rollout_rows.append({"sample_id": sample.sample_id, "k": k, "answer": row["answer"],
                                 "reward": reward.iou, "formatted": reward.formatted,
                                 "status": reward.status})  # fmt: skip
        prompts.append({
            "sample_id": sample.sample_id, "video_id": sample.video_id, "query": sample.query,
            "answered": len(rewards),
            "mean": statistics.fmean(rewards) if rewards else None,
            "variance": statistics.pvariance(rewards) if rewards else None,
            "solved_share": (sum(r >= SOLVED_AT for r in rewards) / len(rewards)
                             if rewards else None),
        })  # fmt: skip
    scored = [i for i, p in enumerate(prompts) if p["mean"] is not None]
    if request.gaussian is not None:
        mean, std = request.gaussian
        picked = gaussian_select([prompts[i]["mean"] for i in scored], request.target or 0,
                                 mean, std, request.seed)  # fmt: skip
        chosen = {scored[i] for i in picked}
        rule = f"gaussian mean {mean} std {std}, {request.target} drawn (seed {request.seed})"
    elif request.keep_below is not None:
        chosen = {i for i in scored if prompts[i]["mean"] < request.keep_below}
        rule = f"mean reward < {request.keep_below}"
    else:
        chosen, rule = set(scored), "every answered prompt"
    for i, prompt in enumerate(prompts):
        prompt["selected"] = i in chosen
    write_jsonl(out / "rollouts.jsonl", rollout_rows)
    write_jsonl(out / "difficulty.jsonl", prompts)
    selected_ids = {prompts[i]["sample_id"] for i in chosen}
    grpo = [row for row in grpo_rows(plan.benchmark_id, request.run.annotations,
                                     request.run.videos, request.style,  # type: ignore[arg-type]
                                     request.run.prompt_file)
            if row["sample_id"] in selected_ids]  # fmt: skip
    write_jsonl(out / "grpo_prompts.jsonl", grpo)
    means = [prompts[i]["mean"] for i in scored]
    summary = {
        "prompts": len(prompts), "answered": len(scored), "selected": len(chosen),
        "samples_per_prompt": request.samples, "protocol": plan.protocol, "rule": rule,
        "mean_reward": statistics.fmean(means) if means else None,
        "histogram": np.histogram(means, bins=10, range=(0, 1))[0].tolist() if means else [],
    }  # fmt: skip
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return prompts, summary
