"""``videoeval rollouts``: K answers per grounding prompt, their rewards, and the prompts chosen
for GRPO by difficulty."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from videoeval.cli.common import (
    SERVER,
    Executor,
    RayAddress,
    command,
    console,
    err,
    exit_codes,
    print_counts,
    say,
)
from videoeval.cli.policy_options import (
    Annotations,
    ApiKeyEnv,
    Backend,
    BaseUrl,
    BatchSize,
    Cache,
    Concurrency,
    Devices,
    Dtype,
    Factor,
    Fps,
    Limit,
    MaxPixels,
    MaxTokens,
    Nframes,
    PolicyModel,
    PromptFile,
    Refresh,
    Revision,
    Sampling,
    TotalPixels,
    TrustRemoteCode,
    Videos,
    run_request,
)
from videoeval.cli.progress import progress

SELECT = "Selection"


@command("rollouts")
def rollouts_command(
    ctx: typer.Context,
    benchmark: Annotated[str, typer.Argument(help="A grounding benchmark (its training split).")],
    annotations: Annotations,
    videos: Videos,
    model: PolicyModel,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder; re-running resumes.")] = (
        Path("videoeval-out/rollouts")
    ),
    reward: Annotated[
        str,
        typer.Option(
            help="timelens-train (TimeLens's GRPO reward, unrounded; the default) or "
            "<protocol>-eval (the IoU `videoeval score` writes under that protocol).",
            rich_help_panel=SELECT,
        ),
    ] = "timelens-train",
    samples: Annotated[
        int, typer.Option(min=1, help="Answers per prompt (K).", rich_help_panel=SELECT)
    ] = 8,
    temperature: Annotated[
        float,
        typer.Option(
            help="Sampling temperature (0 only with --samples 1).", rich_help_panel=SERVER
        ),
    ] = 1.0,
    top_p: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Nucleus sampling.", rich_help_panel=SERVER),
    ] = None,
    keep_below: Annotated[
        float | None,
        typer.Option(
            help="Select prompts whose mean reward is below this (not yet solved).",
            rich_help_panel=SELECT,
        ),
    ] = None,
    timelens_sampler: Annotated[
        bool,
        typer.Option(
            "--timelens-sampler",
            help="TimeLens's sampler: its filters (5-500 s videos, queries of 200 words at "
            "most, spans inside the video, no sound queries), 9 duration buckets, Gaussian "
            "weights around IoU 0.05 (std 0.2) times inverse density, seed 42; on one greedy "
            "answer per prompt (--samples 1 --temperature 0). Needs --target.",
            rich_help_panel=SELECT,
        ),
    ] = False,
    gaussian: Annotated[
        tuple[float, float] | None,
        typer.Option(
            help="MEAN STD: with --timelens-sampler, its Gaussian's; alone, plain Gaussian "
            "weights on the mean reward over all prompts (ours, not TimeLens's).",
            rich_help_panel=SELECT,
        ),
    ] = None,
    target: Annotated[
        int | None,
        typer.Option(
            min=1, help="Prompts drawn (--timelens-sampler, --gaussian).", rich_help_panel=SELECT
        ),
    ] = None,
    min_spread: Annotated[
        float | None,
        typer.Option(
            help="Only prompts whose K rewards differ by at least this (max - min): equal "
            "rewards give GRPO no signal.",
            rich_help_panel=SELECT,
        ),
    ] = None,
    unparsed: Annotated[
        str,
        typer.Option(
            help="An answer the reward's parser cannot read: 'skip' (no difficulty; warned) "
            "or 'zero' (IoU 0, as TimeLens's filter counts it).",
            rich_help_panel=SELECT,
        ),
    ] = "skip",
    seed: Annotated[
        int,
        typer.Option(help="Seeds sampling and the plain Gaussian draw.", rich_help_panel=SELECT),
    ] = 0,
    sampler_seed: Annotated[
        int | None,
        typer.Option(
            help="--timelens-sampler's seed (default 42, its trainer's).", rich_help_panel=SELECT
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count calls, frames and tokens; ask nothing.")
    ] = False,
    style: Annotated[
        str, typer.Option(help="GRPO prompt file layout: trl or ms-swift.", rich_help_panel=SELECT)
    ] = "trl",
    base_url: BaseUrl = None,
    backend: Backend = "openai",
    api_key_env: ApiKeyEnv = None,
    max_tokens: MaxTokens = 512,
    concurrency: Concurrency = 16,
    preset: Annotated[str | None, typer.Option(help="Frame preset.")] = None,
    sampling: Sampling = None,
    nframes: Nframes = None,
    fps: Fps = None,
    max_pixels: MaxPixels = None,
    total_pixels: TotalPixels = None,
    factor: Factor = None,
    prompt_file: PromptFile = None,
    limit: Limit = None,
    cache: Cache = None,
    revision: Revision = None,
    refresh: Refresh = False,
    executor: Executor = "local",
    ray_address: RayAddress = None,
    devices: Devices = None,
    dtype: Dtype = None,
    batch_size: BatchSize = None,
    trust_remote_code: TrustRemoteCode = False,
) -> None:
    """Ask every grounding prompt K times, score each answer with the reward that scores as
    evaluation does, and select the prompts to train on by difficulty. Writes
    OUT/rollouts.jsonl, OUT/difficulty.jsonl (mean, variance, share solved per prompt),
    OUT/summary.json and OUT/grpo_prompts.jsonl (the selected prompts, as `grpo-data` writes).

    Example (TimeLens's recipe: one greedy answer per prompt, its sampler):\n
      videoeval rollouts clips -a my_clips.jsonl --videos videos --model m
      --base-url http://localhost:8000/v1 --samples 1 --temperature 0
      --timelens-sampler --target 5000
    """
    o = dict(locals())
    o.pop("ctx")
    o["protocol"] = None  # the grounding view's prompt; the reward is --reward
    from videoeval.training.rollouts import RolloutsRequest, rollouts

    with exit_codes():
        request = RolloutsRequest(
            run=run_request(ctx, o), samples=samples, reward=reward, keep_below=keep_below,
            timelens=timelens_sampler, gaussian=gaussian, target=target,
            min_spread=min_spread, unparsed=unparsed, seed=seed, sampler_seed=sampler_seed,
            style=style,
        )  # fmt: skip
        if dry_run:
            from videoeval.training.rollouts import price_rollouts

            print_counts(f"rollouts dry run: {benchmark}", price_rollouts(request))
            return
        with progress(f"{benchmark} rollouts", None) as advance:
            outcome = rollouts(request, lambda row: advance(""))
    summary = outcome.summary
    for warning in summary.get("warnings", []):
        err.print(f"warning: {warning}", markup=False, highlight=False)
    table = Table(title=f"rollouts: {summary['selected']} of {summary['prompts']} prompts "
                        f"selected ({summary['rule']})")  # fmt: skip
    table.add_column("mean reward")
    table.add_column("prompts", justify="right")
    for i, count in enumerate(summary["histogram"]):
        table.add_row(f"{i / 10:.1f}-{(i + 1) / 10:.1f}", str(count))
    console.print(table)
    say(f"rollouts folder: {out}")
