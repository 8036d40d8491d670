"""``videoeval rollouts``: K answers per grounding prompt, scored by a named reward, and the
prompts chosen for GRPO by how hard they are for the current model.

Each prompt's K answers are asked through the run engine (``<id>#<k>``, each with its own
sampling seed; cached and resumable) and scored with ``training.rewards``: by default
``timelens-train``, TimeLens's GRPO reward (the IoU its data filter computes too); any
``<protocol>-eval`` scores as ``videoeval score`` would. A prompt's difficulty is the mean reward
of its answers that could be read: an answer no parser reads says something about the model's
format, not about the task, so it is counted and warned, never taken as difficulty
(``unparsed="zero"`` counts it as IoU 0, as TimeLens's filter does). Selection:

- ``keep_below``: prompts whose mean reward is below the bar (the model does not solve them yet);
- ``timelens``: TimeLens's sampler (``training.timelens_sampling``: its filters, duration
  buckets, Gaussian weights around IoU 0.05 with inverse-density correction, seed 42), on one
  greedy answer per prompt as TimeLens runs it (``samples=1, temperature=0``);
- ``gaussian``: plain Gaussian weights on the mean reward over all prompts, ``target`` drawn
  without replacement (ours: TimeLens buckets and corrects the density, above);
- ``min_spread``: only prompts whose K rewards differ by at least this much (equal rewards give
  GRPO's group-relative advantage nothing to learn from).

Outputs beside run.json and responses.jsonl: ``rollouts.jsonl`` (every answer and its reward),
``difficulty.jsonl`` (per prompt: mean, variance, spread, share solved at IoU >= 0.5, unread
answers, selected), ``summary.json``, and the selected prompts as a GRPO file
(``grpo_prompts.jsonl``, TRL or ms-swift layout, as ``videoeval grpo-data`` writes them).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from videoeval.api.run import RunRequest, ask_plan, prepare
from videoeval.engine.log import read_log
from videoeval.engine.run_folder import RunPlan
from videoeval.engine.runner import RunStats
from videoeval.errors import UsageError
from videoeval.options import as_path
from videoeval.outputs import write_jsonl
from videoeval.schema import GroundingSample
from videoeval.training.grpo_data import grpo_rows
from videoeval.training.rewards import DEFAULT_REWARD, check_reward, sample_reward

SOLVED_AT = 0.5


@dataclass(frozen=True)
class RolloutsRequest:
    run: RunRequest
    """The model, a grounding benchmark, frames, and the sampling temperature."""
    samples: int = 8
    reward: str = DEFAULT_REWARD
    keep_below: float | None = None
    timelens: bool = False
    """TimeLens's sampler; needs ``target``; ``gaussian`` changes its mean and std."""
    gaussian: tuple[float, float] | None = None
    """(mean, std) of the Gaussian weights: plain ones over all prompts, or TimeLens's with
    ``timelens``."""
    target: int | None = None
    min_spread: float | None = None
    unparsed: str = "skip"
    """``skip``: an unread answer is no difficulty; ``zero``: it counts as IoU 0 (TimeLens)."""
    seed: int = 0
    """Seeds the rollouts' sampling and the plain Gaussian draw."""
    sampler_seed: int | None = None
    """TimeLens's sampler's seed (default 42, its trainer's)."""
    style: str = "trl"


@dataclass
class RolloutsOutcome:
    stats: RunStats
    prompts: list[dict[str, Any]]
    summary: dict[str, Any]


def _check(request: RolloutsRequest) -> None:
    check_reward(request.reward)
    if request.samples < 1:
        raise UsageError("--samples must be at least 1")
    if request.samples > 1 and not request.run.generation.temperature:
        raise UsageError(f"--samples {request.samples} at temperature 0 would ask one greedy "
                         "answer that many times: give --temperature")  # fmt: skip
    modes = [request.keep_below is not None, request.timelens,
             request.gaussian is not None and not request.timelens]  # fmt: skip
    if sum(modes) > 1:
        raise UsageError("choose one selection: --keep-below, --timelens-sampler or --gaussian")
    if (request.timelens or request.gaussian is not None) and request.target is None:
        raise UsageError("--timelens-sampler and --gaussian draw --target prompts: give --target")
    if request.target is not None and not (request.timelens or request.gaussian is not None):
        raise UsageError("--target applies to --timelens-sampler or --gaussian")
    if request.sampler_seed is not None and not request.timelens:
        raise UsageError("--sampler-seed applies to --timelens-sampler")
    if request.style not in ("trl", "ms-swift"):  # before anything is asked
        raise UsageError(f"--style takes trl or ms-swift, not {request.style!r}")
    if request.gaussian is not None and request.gaussian[1] <= 0:
        raise UsageError("the --gaussian std must be positive")
    if request.unparsed not in ("skip", "zero"):
        raise UsageError("--unparsed takes skip (not difficulty) or zero (TimeLens's IoU 0)")
    if request.min_spread is not None and request.samples < 2:
        raise UsageError("--min-spread compares a prompt's K rewards: give --samples 2 or more")


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


def _grounding_run(run: RunRequest) -> RunRequest:
    """The run on the benchmark's grounding view (a clip list's first view is captioning)."""
    from videoeval.benchmarks import get_benchmark

    if run.protocol is not None:
        return run
    try:
        view = get_benchmark(run.benchmark).view("grounding")
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    return replace(run, protocol=view.default_protocol)


def rollouts(request: RolloutsRequest, on_row: Any = None) -> RolloutsOutcome:
    """:func:`rollouts_async`, from code without an event loop (or inside one)."""
    from videoeval.api.sync import run_sync

    return run_sync(rollouts_async(request, on_row))


async def rollouts_async(request: RolloutsRequest, on_row: Any = None) -> RolloutsOutcome:
    _check(request)
    request = replace(request, run=_grounding_run(request.run))
    run = request.run
    p = prepare(run)
    if not all(isinstance(s, GroundingSample) for s in p.plan.samples):
        raise UsageError(f"rollouts are scored by a grounding reward: {run.benchmark}'s view "
                         "has no grounding queries")  # fmt: skip
    if request.timelens and (request.samples != 1 or run.generation.temperature):
        raise UsageError("--timelens-sampler draws on one greedy answer per prompt, as "
                         "TimeLens's filter does: give --samples 1 --temperature 0")  # fmt: skip
    items = [replace(item, sample_id=f"{item.sample_id}#{k}", seed=request.seed * 1_000_003 + k)
             for item in p.plan.items for k in range(request.samples)]  # fmt: skip
    config = {**p.plan.config, "rollouts": {"samples": request.samples, "seed": request.seed}}
    # the rewards and the selection are read after asking: changing them re-asks nothing
    plan = RunPlan(p.plan.benchmark_id, p.protocol, p.plan.samples, items, config, p.plan.server)

    async def then() -> Any:
        return _score_and_select(request, plan)

    stats, (prompts, summary) = await ask_plan(run, p, plan, on_row, then=then)
    return RolloutsOutcome(stats, prompts, summary)


def _prompt_row(
    request: RolloutsRequest, plan: RunPlan, sample: Any, answers: dict[str, Any],
    rollout_rows: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """One prompt's K answers scored; its difficulty from the ones that could be read."""
    rewards, unread = [], 0
    for k in range(request.samples):
        row = answers.get(f"{sample.sample_id}#{k}", {})
        if row.get("status") != "ok":
            rollout_rows.append({"sample_id": sample.sample_id, "k": k,
                                 "status": row.get("status", "missing")})  # fmt: skip
            continue
        reward = sample_reward(sample, row["answer"], request.reward, plan.benchmark_id)
        read = reward.status != "parse_error"
        unread += not read
        if read or request.unparsed == "zero":
            rewards.append(reward.iou)
        rollout_rows.append({"sample_id": sample.sample_id, "k": k, "answer": row["answer"],
                             "reward": reward.iou, "formatted": reward.formatted,
                             "status": reward.status})  # fmt: skip
    return {
        "sample_id": sample.sample_id, "video_id": sample.video_id, "query": sample.query,
        "answered": len(rewards) + (unread if request.unparsed == "skip" else 0),
        "unparsed": unread,
        "mean": statistics.fmean(rewards) if rewards else None,
        "variance": statistics.pvariance(rewards) if rewards else None,
        "spread": max(rewards) - min(rewards) if rewards else None,
        "solved_share": (sum(r >= SOLVED_AT for r in rewards) / len(rewards)
                         if rewards else None),
    }  # fmt: skip


def _select(
    request: RolloutsRequest, plan: RunPlan, prompts: list[dict[str, Any]], summary: dict
) -> tuple[set[int], str]:
    """The indices of the chosen prompts and the rule, among the eligible ones (read at least
    once, and spread enough when ``min_spread`` asks)."""
    eligible = [i for i, p in enumerate(prompts) if p["mean"] is not None]
    if request.min_spread is not None:
        spread = [i for i in eligible if prompts[i]["spread"] >= request.min_spread - 1e-12]
        summary["below_min_spread"] = len(eligible) - len(spread)
        eligible = spread
    if request.timelens:
        from videoeval.training.timelens_sampling import MEAN, SEED, STD, Prompt, timelens_select

        mean, std = request.gaussian or (MEAN, STD)
        seed = SEED if request.sampler_seed is None else request.sampler_seed
        by_id = {s.sample_id: s for s in plan.samples}
        chosen_prompts = [Prompt(by_id[prompts[i]["sample_id"]].query,
                                 by_id[prompts[i]["sample_id"]].duration,
                                 by_id[prompts[i]["sample_id"]].windows, prompts[i]["mean"])
                          for i in eligible]  # fmt: skip
        selection = timelens_select(chosen_prompts, request.target or 0, mean, std, seed)
        summary["timelens_filters"] = {k: len(v) for k, v in selection.dropped.items()}
        summary["timelens_buckets"] = [{"bucket": b, "prompts": n, "drawn": d}
                                       for b, n, d in selection.per_bucket]  # fmt: skip
        rule = (f"TimeLens's sampler (TencentARC/TimeLens @ 5d90c06): {request.target} over 9 "
                f"duration buckets, Gaussian mean {mean} std {std} x inverse density, seed "
                f"{seed}")  # fmt: skip
        return {eligible[i] for i in selection.selected}, rule
    if request.gaussian is not None:
        mean, std = request.gaussian
        picked = gaussian_select([prompts[i]["mean"] for i in eligible], request.target or 0,
                                 mean, std, request.seed)  # fmt: skip
        rule = (f"plain Gaussian weights (ours) mean {mean} std {std}, {request.target} drawn "
                f"(seed {request.seed})")  # fmt: skip
        return {eligible[i] for i in picked}, rule
    if request.keep_below is not None:
        chosen = {i for i in eligible if prompts[i]["mean"] < request.keep_below}
        return chosen, f"mean reward < {request.keep_below}"
    return set(eligible), "every prompt with a readable answer"


def _score_and_select(
    request: RolloutsRequest, plan: RunPlan
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out = request.run.folder
    answers = {r["sample_id"]: r for r in read_log(out / "responses.jsonl")}
    rollout_rows: list[dict[str, Any]] = []
    prompts = [_prompt_row(request, plan, sample, answers, rollout_rows)
               for sample in plan.samples]  # fmt: skip
    summary: dict[str, Any] = {}
    chosen, rule = _select(request, plan, prompts, summary)
    for i, prompt in enumerate(prompts):
        prompt["selected"] = i in chosen
    write_jsonl(out / "rollouts.jsonl", rollout_rows)
    write_jsonl(out / "difficulty.jsonl", prompts)
    selected_ids = {prompts[i]["sample_id"] for i in chosen}
    grpo = [row for row in grpo_rows(plan.benchmark_id, request.run.annotations,
                                     request.run.videos, request.style,  # type: ignore[arg-type]
                                     as_path(request.run.generation.prompt_file))
            if row["sample_id"] in selected_ids]  # fmt: skip
    write_jsonl(out / "grpo_prompts.jsonl", grpo)
    scored = [p["mean"] for p in prompts if p["mean"] is not None]
    unread_answers = sum(p["unparsed"] for p in prompts)
    unread_prompts = sum(1 for p in prompts if p["mean"] is None and p["unparsed"])
    warnings = []
    if unread_answers and request.unparsed == "skip":
        warnings.append(
            f"{unread_answers} answers could not be read by the {request.reward} reward's "
            f"parser: not taken as difficulty; {unread_prompts} prompts had no readable answer "
            "at all and are left out of the selection (--unparsed zero counts them as IoU 0, "
            "as TimeLens's filter does)"
        )
    summary = {
        "prompts": len(prompts), "answered": len(scored), "selected": len(chosen),
        "samples_per_prompt": request.samples, "reward": request.reward, "rule": rule,
        "unparsed_answers": unread_answers, "prompts_without_a_read_answer": unread_prompts,
        "mean_reward": statistics.fmean(scored) if scored else None,
        "histogram": np.histogram(scored, bins=10, range=(0, 1))[0].tolist() if scored else [],
        **summary, "warnings": warnings,
    }  # fmt: skip
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return prompts, summary


def price_rollouts(request: RolloutsRequest) -> dict[str, Any]:
    """What ``rollouts`` would ask, counted without asking: calls, frames, tokens."""
    from videoeval.engine.run_folder import dry_run

    _check(request)
    p = prepare(_grounding_run(request.run))
    counts = dry_run(p.plan, request.run.videos, p.frames)
    k = request.samples
    return {"prompts": counts["samples"], "answers_per_prompt": k,
            "calls_at_most": counts["calls_at_most"] * k, "frames": counts["frames"] * k,
            "estimated_prompt_tokens": counts["estimated_prompt_tokens"] * k,
            "videos_missing": counts["videos_missing"]}  # fmt: skip
