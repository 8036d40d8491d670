"""``videoeval pairs``: Tarsier2-style DPO preference pairs, filtered by AutoDQ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from videoeval.cli.common import (
    FRAMES,
    JUDGE,
    SERVER,
    Executor,
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    RayAddress,
    command,
    console,
    exit_codes,
    given_options,
    print_counts,
    refuse_inapplicable,
    refuse_judge_settings_without_judge,
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

PAIRS = "Pairs"


def _request(ctx: typer.Context, o: dict[str, Any]) -> Any:
    from videoeval.training.pairs import PairsRequest

    if o["no_negative_sampling"]:  # the second description then sees the clean frames too
        refuse_inapplicable(ctx, given_options(ctx) & {"corruption"}, set(),
                            "--no-negative-sampling")  # fmt: skip
    refuse_judge_settings_without_judge(ctx)
    run = run_request(ctx, o, default_preset="tarsier")  # Tarsier2: 16 uniform frames
    corruptions = tuple(o["corruption"]) if o["corruption"] else PairsRequest.corruptions
    return PairsRequest(
        run=run, corruptions=corruptions, delta=o["delta"],
        negative_sampling=not o["no_negative_sampling"], filter=not o["no_filter"],
        seed=o["seed"], labels=o["labels"], target=o["target"],
    )  # fmt: skip


def _print(outcome: Any, out: Path) -> None:
    summary = outcome.summary
    table = Table(title=f"pairs: {summary['kept']} kept of {summary['pairs']} ({summary['rule']}, "
                        f"scored by {summary['scorer']})")  # fmt: skip
    table.add_column("negative")
    for column in ("kept", "rejected", "unscored"):
        table.add_column(column, justify="right")
    for negative, counts in summary["by_negative"].items():
        table.add_row(negative, *(str(counts.get(c, 0)) for c in ("kept", "rejected", "unscored")))
    console.print(table)
    say(f"pairs folder: {out} (pairs.jsonl, summary.json, trl_dpo.jsonl, swift_dpo.jsonl)")


@command("pairs")
def pairs_command(
    ctx: typer.Context,
    benchmark: Annotated[str, typer.Argument(help="A captioning benchmark (dream1k, carebench).")],
    annotations: Annotations,
    videos: Videos,
    model: PolicyModel,
    out: Annotated[Path, typer.Option("--out", "-o", help="Pairs folder; re-running resumes.")] = (
        Path("videoeval-out/pairs")
    ),
    base_url: BaseUrl = None,
    backend: Backend = "openai",
    api_key_env: ApiKeyEnv = None,
    temperature: Annotated[
        float,
        typer.Option(help="Policy sampling temperature (Tarsier2: 0.7).", rich_help_panel=SERVER),
    ] = 0.7,
    top_p: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Nucleus sampling (Tarsier2: 0.7).", rich_help_panel=SERVER
        ),
    ] = 0.7,
    max_tokens: MaxTokens = 512,
    concurrency: Concurrency = 16,
    preset: Annotated[
        str | None,
        typer.Option(
            help="Frame preset (default: tarsier, 16 uniform frames).", rich_help_panel=FRAMES
        ),
    ] = None,
    sampling: Sampling = None,
    nframes: Nframes = None,
    fps: Fps = None,
    max_pixels: MaxPixels = None,
    total_pixels: TotalPixels = None,
    factor: Factor = None,
    prompt_file: PromptFile = None,
    corruption: Annotated[
        list[str] | None,
        typer.Option(
            help="Corruption for negatives (repeatable; default: all four, one per "
            "clip at random): clip-switching, clip-reversing, clip-cropping, "
            "down-sampling.",
            rich_help_panel=PAIRS,
        ),
    ] = None,
    delta: Annotated[
        float,
        typer.Option(
            help="Keep a pair when dR >= 0, dP >= 0 and dR + dP >= delta.", rich_help_panel=PAIRS
        ),
    ] = 0.3,
    no_negative_sampling: Annotated[
        bool,
        typer.Option(
            "--no-negative-sampling",
            help="Ablation: the second description is another clean sample.",
            rich_help_panel=PAIRS,
        ),
    ] = False,
    no_filter: Annotated[
        bool,
        typer.Option(
            "--no-filter", help="Ablation: keep every scored pair.", rich_help_panel=PAIRS
        ),
    ] = False,
    seed: Annotated[
        int, typer.Option(help="Seeds corruptions and sampling.", rich_help_panel=PAIRS)
    ] = 0,
    labels: Annotated[
        str | None,
        typer.Option(
            help="Time labels: 'none' (plain frames, as Tarsier2's model saw them; default for "
            "frames as images), 'clean' (a corrupted copy carries the clean copy's times in "
            "order; default for frames sent as one video) or 'source' (each frame its own "
            "time: the labels give a reversed or switched clip away).",
            rich_help_panel=PAIRS,
        ),
    ] = None,
    target: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Export this many pairs drawn at random (seeded) from the kept ones, or from "
            "every scored pair with --no-filter (Tarsier2: 20K of each).",
            rich_help_panel=PAIRS,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count calls, frames and tokens; ask nothing.")
    ] = False,
    limit: Limit = None,
    cache: Cache = None,
    revision: Revision = None,
    refresh: Refresh = False,
    executor: Executor = "local",
    ray_address: RayAddress = None,
    judge_model: Annotated[
        str | None,
        typer.Option(help="AutoDQ judge (else the offline EventSim proxy).", rich_help_panel=JUDGE),
    ] = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
    devices: Devices = None,
    dtype: Dtype = None,
    batch_size: BatchSize = None,
    trust_remote_code: TrustRemoteCode = False,
) -> None:
    """Make DPO preference pairs as Tarsier2 does: the policy describes each clip's frames and
    a corrupted copy of them; both descriptions are scored against the reference (AutoDQ with
    --judge-model, else the offline EventSim proxy) and a pair is kept when the clean one wins
    on recall and precision by --delta together. Writes OUT/pairs.jsonl, OUT/summary.json and
    the kept pairs as OUT/trl_dpo.jsonl and OUT/swift_dpo.jsonl.

    Example:\n
      videoeval pairs dream1k -a DREAM-1k.jsonl --videos videos/dream
      --model my-policy --base-url http://localhost:8000/v1
      --judge-model gpt-4o --judge-base-url https://api.openai.com/v1
      --judge-api-key-env OPENAI_API_KEY
    """
    o = dict(locals())
    o.pop("ctx")
    from videoeval.training.pairs import pairs

    with exit_codes():
        request = _request(ctx, o)
        if dry_run:
            print_counts(f"pairs dry run: {benchmark}", pairs(request, dry_run=True))
            return
        with progress(f"{benchmark} pairs", None) as advance:
            outcome = pairs(request, lambda row: advance(""))
    _print(outcome, out)
