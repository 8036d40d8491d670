"""``videoeval grpo-data``: a grounding benchmark as a GRPO prompt file for TRL or ms-swift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from videoeval.cli.common import command, exit_codes, given_options, refuse_inapplicable, say


@command("grpo-data")
def grpo_data_command(
    benchmark: Annotated[str, typer.Argument(help="A benchmark with a grounding view.")],
    annotations: Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4 (or .mkv/...).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSONL file to write.")],
    style: Annotated[str, typer.Option(help="'trl' or 'ms-swift'.")] = "trl",
    prompt_file: Annotated[
        Path | None,
        typer.Option(help="Prompt template with {query} (default: the evaluation's prompt)."),
    ] = None,
) -> None:
    """Write one GRPO prompt per grounding query: the prompt the evaluation asks, the video, and
    the GT `span` and `duration` columns that videoeval's rewards read.

    Train with the rewards that score as evaluation does:\n
      TRL: from videoeval.training.rewards import trl_reward;
      GRPOTrainer(..., reward_funcs=[trl_reward("iou", "timelens-train"), trl_reward("format")])\n
      ms-swift: --external_plugins <videoeval/training/swift_plugin.py>
      --reward_funcs videoeval_iou videoeval_format
    """
    from videoeval.training.grpo_data import write_grpo_file

    with exit_codes():
        export = write_grpo_file(benchmark, annotations, videos, style, out, prompt_file)  # type: ignore[arg-type]
    say(f"{export.written} prompts written to {out} (prompt {export.prompt_source}, "
        f"sha256 {export.prompt_sha256[:12]})")  # fmt: skip
    if export.without_video:
        say(f"{len(export.without_video)} queries left out: no video in {videos} "
            f"(first: {export.without_video[0]})")  # fmt: skip


@command("sft-data")
def sft_data_command(
    ctx: typer.Context,
    benchmark: Annotated[
        str, typer.Argument(help="A benchmark with the kind's view, or 'clips' (your clip list).")
    ],
    annotations: Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4 (or .mkv/...).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSONL file to write.")],
    kind: Annotated[
        str,
        typer.Option(
            help="'captions' (reference descriptions), 'frame-grounded' (timed events as "
            "Tarsier2's <frame: i-j> captions), 'grounding' (each query answered as TimeLens "
            "trains: 'The event happens in s - e seconds.') or 'dense-text' (timed events as "
            "'s - e seconds, event' lines)."
        ),
    ] = "captions",
    style: Annotated[str, typer.Option(help="'trl' or 'ms-swift'.")] = "trl",
    nframes: Annotated[
        int, typer.Option(min=1, help="frame-grounded: uniform frames the ranges count.")
    ] = 16,
    prompt_file: Annotated[Path | None, typer.Option(help="Prompt template.")] = None,
) -> None:
    """Write a benchmark's ground truth as supervised fine-tuning data: detailed captions, or
    timed events as event-grounded captions over the clip's sampled frames (`<frame: i-j>`,
    1-based, with the frames' times beside them)."""
    from videoeval.training.sft_data import sft_rows, write_sft_file
    from videoeval.video.sampling import SamplingSpec

    skipped: list[str] = []
    with exit_codes():
        if kind != "frame-grounded":  # only frame ranges count frames
            refuse_inapplicable(ctx, given_options(ctx) & {"nframes"}, set(), f"--kind {kind}")
        spec = SamplingSpec(kind="uniform", nframes=nframes)
        rows = sft_rows(benchmark, annotations, videos, style, kind, spec, prompt_file,  # type: ignore[arg-type]
                        skipped)  # fmt: skip
        written = write_sft_file(out, rows)
    say(f"{written} examples written to {out}")
    if skipped:
        say(f"{len(skipped)} left out (first: {skipped[0]})")
