"""Options shared by the commands that ask a policy model for training data (``pairs``,
``rollouts``): declared once, turned into the run engine's ``RunRequest`` in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from videoeval.cli.common import (
    EXECUTOR_FLAGS,
    FRAMES,
    LOCAL,
    SERVER,
    given_options,
    refuse_inapplicable,
)

FRAME_OPTIONS = ("preset", "sampling", "nframes", "fps", "max_pixels", "total_pixels", "factor")
SERVER_ONLY = {"base_url", "api_key_env", "timeout", "concurrency", "cache_by_server"}
"""Flags of a served model: refused with ``--backend hf`` (a command without some of them
never sees them given)."""
LOCAL_FLAGS = ("devices", "dtype", "batch_size", "trust_remote_code")

Annotations = Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")]
Videos = Annotated[Path, typer.Option(help="Folder with <video id>.mp4 (or .mkv/...).")]
PolicyModel = Annotated[
    str,
    typer.Option(help="The policy model (server name, or a checkpoint with --backend hf).",
                 rich_help_panel=SERVER),
]  # fmt: skip
BaseUrl = Annotated[str | None, typer.Option(help="Server URL.", rich_help_panel=SERVER)]
Backend = Annotated[str, typer.Option(help="'openai', 'gemini' or 'hf'.", rich_help_panel=SERVER)]
ApiKeyEnv = Annotated[
    str | None, typer.Option(help="Variable holding the API key.", rich_help_panel=SERVER)
]
MaxTokens = Annotated[
    int, typer.Option(min=1, help="Most new tokens per answer.", rich_help_panel=SERVER)
]
Concurrency = Annotated[
    int, typer.Option(min=1, help="Requests in flight at once (servers).", rich_help_panel=SERVER)
]
Sampling = Annotated[
    str | None, typer.Option(help="fps, uniform or centres (as `run`).", rich_help_panel=FRAMES)
]
Nframes = Annotated[
    int | None,
    typer.Option(min=1, help="Frame count for uniform / centres.", rich_help_panel=FRAMES),
]
Fps = Annotated[
    float | None, typer.Option(help="Frames per second for --sampling fps.", rich_help_panel=FRAMES)
]
MaxPixels = Annotated[
    int | None, typer.Option(help="Pixel budget per frame.", rich_help_panel=FRAMES)
]
TotalPixels = Annotated[
    int | None, typer.Option(help="Pixel budget for the clip.", rich_help_panel=FRAMES)
]
Factor = Annotated[
    int | None, typer.Option(help="Frame sides become multiples of this.", rich_help_panel=FRAMES)
]
PromptFile = Annotated[
    Path | None, typer.Option(help="Prompt template (default: the evaluation's).",
                              rich_help_panel=FRAMES),
]  # fmt: skip
Limit = Annotated[int | None, typer.Option(min=1, help="Only the first N samples.")]
Cache = Annotated[Path | None, typer.Option(help="Cache folder.")]
Revision = Annotated[
    str | None,
    typer.Option(
        help="Name of this checkpoint of --model (a step, a commit): part of every cache key, "
        "so a retrained checkpoint served under the same name is asked anew.",
        rich_help_panel=SERVER,
    ),
]
Refresh = Annotated[
    bool,
    typer.Option("--refresh", help="Ask every call again and replace the cached replies.",
                 rich_help_panel=SERVER),
]  # fmt: skip
Devices = Annotated[
    str | None, typer.Option(help="GPUs (0,1), cpu or cuda:N.", rich_help_panel=LOCAL)
]
Dtype = Annotated[
    str | None, typer.Option(help="auto, bfloat16, float16 or float32.", rich_help_panel=LOCAL)
]
BatchSize = Annotated[
    int | None,
    typer.Option(min=1, help="Requests generated together per device.", rich_help_panel=LOCAL),
]
TrustRemoteCode = Annotated[
    bool,
    typer.Option("--trust-remote-code", help="Run the checkpoint's own code.",
                 rich_help_panel=LOCAL),
]  # fmt: skip


def refuse_what_does_not_apply(ctx: typer.Context, o: dict[str, Any]) -> None:
    """Server flags with ``--backend hf``, executor flags with ``--dry-run``: said, not
    dropped (every command that asks a policy model)."""
    if o["backend"] == "hf":
        refuse_inapplicable(ctx, given_options(ctx) & SERVER_ONLY, set(), "--backend hf")
    if o.get("dry_run"):
        where = given_options(ctx) & EXECUTOR_FLAGS
        refuse_inapplicable(ctx, where, set(), "--dry-run (nothing is asked)")


def run_request(ctx: typer.Context, o: dict[str, Any], default_preset: str | None = None) -> Any:
    """The policy's ``RunRequest``; server options with ``--backend hf`` are refused.
    ``default_preset`` applies when no frame option is given."""
    from videoeval.api.run import RunRequest
    from videoeval.cli.groups import judge_of
    from videoeval.options import (
        CacheOptions,
        ExecutorOptions,
        FrameOptions,
        GenerationOptions,
        LocalModelOptions,
        ModelOptions,
    )

    refuse_what_does_not_apply(ctx, o)
    frames: dict[str, Any] = {k: o.get(k) for k in FRAME_OPTIONS}
    if default_preset and all(v is None for v in frames.values()):
        frames["preset"] = default_preset
    local = None
    if o["backend"] == "hf" or any(o.get(k) not in (None, False) for k in LOCAL_FLAGS):
        local = LocalModelOptions(devices=o["devices"], dtype=o["dtype"],
                                  batch_size=o["batch_size"],
                                  trust_remote_code=o["trust_remote_code"])  # fmt: skip
    return RunRequest(
        o["benchmark"], o["annotations"], o["videos"],
        ModelOptions(o["model"], o["backend"], o["base_url"], o["api_key_env"],
                     revision=o.get("revision"), concurrency=o["concurrency"],
                     refresh=bool(o.get("refresh"))),
        out=o["out"], protocol=o.get("protocol"), limit=o.get("limit"),
        frames=FrameOptions(**frames),
        generation=GenerationOptions(prompt_file=o["prompt_file"],
                                     temperature=o.get("temperature", 0.0), top_p=o.get("top_p"),
                                     max_tokens=o["max_tokens"]),
        cache=CacheOptions(o["cache"]), local=local, judge=judge_of(o),
        executor=ExecutorOptions(o.get("executor", "local"), o.get("ray_address")),
    )  # fmt: skip
