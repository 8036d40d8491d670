"""``videoeval pairs``: Tarsier2-style DPO preference pairs, filtered by AutoDQ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from videoeval.cli.common import (
    FRAMES,
    JUDGE,
    LOCAL,
    SERVER,
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    command,
    console,
    exit_codes,
    given_options,
    refuse_inapplicable,
    say,
)
from videoeval.cli.progress import progress

PAIRS = "Pairs"
FRAME_OPTIONS = ("preset", "sampling", "nframes", "fps", "max_pixels", "total_pixels", "factor")
SERVER_ONLY = {"base_url", "api_key_env", "concurrency"}


def _request(o: dict[str, Any]):  # type: ignore[no-untyped-def]
    from videoeval.api_pairs import PairsRequest
    from videoeval.api_run import RunRequest
    from videoeval.cli.score import judge_options

    frames = {k: o[k] for k in FRAME_OPTIONS}
    if all(v is None for v in frames.values()):
        frames["preset"] = "tarsier"  # Tarsier2 describes 16 uniform frames
    run = RunRequest(
        benchmark=o["benchmark"], annotations=o["annotations"], videos=o["videos"],
        model=o["model"], base_url=o["base_url"], backend=o["backend"],
        api_key_env=o["api_key_env"], out=o["out"], prompt_file=o["prompt_file"],
        temperature=o["temperature"], top_p=o["top_p"], max_tokens=o["max_tokens"],
        concurrency=o["concurrency"], limit=o["limit"], cache=o["cache"], judge=judge_options(o),
        devices=o["devices"], dtype=o["dtype"], batch_size=o["batch_size"],
        trust_remote_code=o["trust_remote_code"], **frames,
    )  # fmt: skip
    corruptions = tuple(o["corruption"]) if o["corruption"] else PairsRequest.corruptions
    return PairsRequest(
        run=run, corruptions=corruptions,
        delta=o["delta"], negative_sampling=not o["no_negative_sampling"],
        filter=not o["no_filter"], seed=o["seed"],
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
    annotations: Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4 (or .mkv/...).")],
    model: Annotated[
        str,
        typer.Option(
            help="The policy model (server name, or a checkpoint with --backend hf).",
            rich_help_panel=SERVER,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Pairs folder; re-running resumes.")] = (
        Path("videoeval-out/pairs")
    ),
    base_url: Annotated[
        str | None, typer.Option(help="Server URL.", rich_help_panel=SERVER)
    ] = None,
    backend: Annotated[
        str, typer.Option(help="'openai', 'gemini' or 'hf'.", rich_help_panel=SERVER)
    ] = "openai",
    api_key_env: Annotated[
        str | None, typer.Option(help="Variable holding the API key.", rich_help_panel=SERVER)
    ] = None,
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
    max_tokens: Annotated[
        int, typer.Option(min=1, help="Most new tokens per description.", rich_help_panel=SERVER)
    ] = 512,
    concurrency: Annotated[
        int,
        typer.Option(min=1, help="Requests in flight at once (servers).", rich_help_panel=SERVER),
    ] = 16,
    preset: Annotated[
        str | None,
        typer.Option(
            help="Frame preset (default: tarsier, 16 uniform frames).", rich_help_panel=FRAMES
        ),
    ] = None,
    sampling: Annotated[
        str | None, typer.Option(help="fps, uniform or centres (as `run`).", rich_help_panel=FRAMES)
    ] = None,
    nframes: Annotated[
        int | None,
        typer.Option(min=1, help="Frame count for uniform / centres.", rich_help_panel=FRAMES),
    ] = None,
    fps: Annotated[
        float | None,
        typer.Option(help="Frames per second for --sampling fps.", rich_help_panel=FRAMES),
    ] = None,
    max_pixels: Annotated[
        int | None, typer.Option(help="Pixel budget per frame.", rich_help_panel=FRAMES)
    ] = None,
    total_pixels: Annotated[
        int | None, typer.Option(help="Pixel budget for the clip.", rich_help_panel=FRAMES)
    ] = None,
    factor: Annotated[
        int | None,
        typer.Option(help="Frame sides become multiples of this.", rich_help_panel=FRAMES),
    ] = None,
    prompt_file: Annotated[
        Path | None, typer.Option(help="Description prompt template.", rich_help_panel=FRAMES)
    ] = None,
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
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N clips.")] = None,
    cache: Annotated[Path | None, typer.Option(help="Cache folder.")] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(help="AutoDQ judge (else the offline EventSim proxy).", rich_help_panel=JUDGE),
    ] = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
    devices: Annotated[
        str | None, typer.Option(help="GPUs (0,1), cpu or cuda:N.", rich_help_panel=LOCAL)
    ] = None,
    dtype: Annotated[
        str | None, typer.Option(help="auto, bfloat16, float16 or float32.", rich_help_panel=LOCAL)
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, help="Requests generated together per device.", rich_help_panel=LOCAL),
    ] = None,
    trust_remote_code: Annotated[
        bool,
        typer.Option(
            "--trust-remote-code", help="Run the checkpoint's own code.", rich_help_panel=LOCAL
        ),
    ] = False,
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
    from videoeval.api_pairs import pairs

    with exit_codes():
        if backend == "hf":
            refuse_inapplicable(ctx, given_options(ctx) & SERVER_ONLY, set(), "--backend hf")
        request = _request(o)
        with progress(f"{benchmark} pairs", None) as advance:
            outcome = pairs(request, lambda row: advance(""))
    _print(outcome, out)
