"""``videoeval run``: a model on a benchmark view, resumable, then scored like ``score``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from videoeval.cli.common import (
    DENSE,
    FRAMES,
    JUDGE,
    LOCAL,
    SERVER,
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    NoJudgeSchema,
    command,
    console,
    err,
    exit_codes,
    given_options,
    refuse_inapplicable,
    say,
)
from videoeval.cli.progress import progress
from videoeval.cli.score import print_outcome

if TYPE_CHECKING:
    from videoeval.api.run import RunRequest


def _dry_run(plan: Any, o: dict[str, Any], frames: Any) -> None:
    from videoeval.engine.run_folder import dry_run

    counts = dry_run(plan, o["videos"], frames)
    table = Table(title=f"dry run: {plan.benchmark_id}, {frames.spec.describe()}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    console.print(table)


def request_of(ctx: typer.Context, o: dict[str, Any]) -> RunRequest:
    """The command's options as the library's typed request."""
    from videoeval.api.run import RunRequest
    from videoeval.cli.groups import GROUPED, groups, run_groups

    given = given_options(ctx)
    values = {**o, "judge_concurrency": o["concurrency"], "judge_backoff": o["backoff"]}
    # --cache and --videos are the run's own (the judge shares them)
    grouped = {n for names in GROUPED.values() for n in names} - {"cache", "videos"}
    scoring = groups(ctx, values, given & grouped)
    return RunRequest(
        o["benchmark"], o["annotations"], o["videos"], out=o["out"], protocol=o["protocol"],
        limit=o["limit"], label=o["label"], **run_groups(o), dense=scoring["dense"],
        judge=scoring["judge"],
    )  # fmt: skip


SERVER_ONLY = {"base_url", "api_key_env", "timeout", "concurrency", "cache_by_server"}


def _run(ctx: typer.Context, o: dict[str, Any]) -> None:
    from dataclasses import replace

    from videoeval.api.run import default_folder, prepare, run
    from videoeval.engine.comparable import comparability

    if o["backend"] == "hf":
        refuse_inapplicable(ctx, given_options(ctx) & SERVER_ONLY, set(), "--backend hf")
    request = request_of(ctx, o)
    prepared = prepare(request)
    if request.out is None:
        request = replace(request, out=default_folder(request, prepared))
    if (note := comparability(request.benchmark, prepared.plan.config)) is not None:
        err.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
    if o["dry_run"]:
        _dry_run(prepared.plan, o, prepared.frames)
        return
    failures = 0
    with progress(request.benchmark, len(prepared.plan.items)) as advance:

        def on_row(row: dict[str, Any]) -> None:
            nonlocal failures
            failures += row["status"] != "ok"
            advance(f"{failures} failed" if failures else "")

        result = run(request, on_row, prepared)
    stats = result.stats
    say(
        f"{stats.total} queries: {stats.resumed} already done, {stats.cached} from cache, "
        f"{stats.called} called ({stats.retries} retries); statuses: {dict(stats.statuses)}"
    )
    if stats.cache_problem:
        err.print(f"warning: the call cache could not be written ({stats.cache_problem}); "
                  "the answers are kept in responses.jsonl", markup=False)  # fmt: skip
    print_outcome(result.outcome)
    say(f"run folder: {request.out}")


@command("run")
def run_command(
    ctx: typer.Context,
    benchmark: Annotated[str, typer.Argument(help="Benchmark id (see `videoeval list`).")],
    annotations: Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4 (or .mkv/.webm/...).")],
    model: Annotated[
        str,
        typer.Option(
            help="Model name as the server knows it; with --backend hf, a checkpoint folder "
            "(or a hub id already in the local cache).",
            rich_help_panel=SERVER,
        ),
    ],
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Server URL, e.g. http://localhost:8000/v1 for vLLM (Gemini: default API).",
            rich_help_panel=SERVER,
        ),
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            help="'openai' (any OpenAI-compatible server), 'gemini', or 'hf' (run a local "
            "checkpoint with transformers: pip install 'videoeval[hf]').",
            rich_help_panel=SERVER,
        ),
    ] = "openai",
    cache_by_server: Annotated[
        bool,
        typer.Option(
            "--cache-by-server",
            help="Key the cache and the run by the server's address too (default: backend and "
            "model name only, so a server moved to another port re-asks nothing).",
            rich_help_panel=SERVER,
        ),
    ] = False,
    api_key_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding the API key.", rich_help_panel=SERVER),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Run folder; re-running resumes it (default: videoeval-out/run/"
            "<benchmark>-<model>-<settings hash>, so other settings never meet this run's "
            "answers and the same command resumes).",
        ),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option(
            help="Scoring protocol; it also picks the view (e.g. densevid-2018: dense captioning)."
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="Frame preset of a model family: qwen2.5-vl, qwen3-vl, timelens-7b, "
            "timelens-8b, tarsier, tarsier2, marlin-2b, carebench "
            "(`videoeval list` shows what each sets and its source), or a JSON file of your "
            "own: {name, version, summary, source, settings}. Sets the frame options "
            "below; giving one of those too is refused.",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    sampling: Annotated[
        str | None,
        typer.Option(
            help="'fps' (qwen-vl-utils rule; default), 'uniform' (Tarsier) or 'centres' "
            "(CaReBench).",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    fps: Annotated[
        float | None,
        typer.Option(
            help="Frames per second for --sampling fps (and whole-video mode); default 2.",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    min_frames: Annotated[
        int | None,
        typer.Option(
            min=1, help="Fewest frames for --sampling fps (default 4).", rich_help_panel=FRAMES
        ),
    ] = None,
    max_frames: Annotated[
        int | None,
        typer.Option(
            min=1, help="Most frames for --sampling fps (default 768).", rich_help_panel=FRAMES
        ),
    ] = None,
    nframes: Annotated[
        int | None,
        typer.Option(min=1, help="Frame count for uniform / centres.", rich_help_panel=FRAMES),
    ] = None,
    max_pixels: Annotated[
        int | None,
        typer.Option(help="Pixel budget per frame (enables resizing).", rich_help_panel=FRAMES),
    ] = None,
    min_pixels: Annotated[
        int | None,
        typer.Option(
            help="Smallest frame area when resizing (default 128 x factor x factor).",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    total_pixels: Annotated[
        int | None, typer.Option(help="Pixel budget for the whole clip.", rich_help_panel=FRAMES)
    ] = None,
    factor: Annotated[
        int | None,
        typer.Option(
            help="Frame sides become multiples of this (28 Qwen2.5-VL, the default; 32 Qwen3-VL).",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option(
            help="Time labels before frames: 'per-frame' (default in frames mode), 'qwen3' or "
            "'none'.",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    video_mode: Annotated[
        str | None,
        typer.Option(
            help="'frames' (our frames as images), 'jpeg-video' (our frames as one video with "
            "their source timing: vLLM's video/jpeg) or 'video' (send the file; the server "
            "samples at --fps). Default: frames.",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    prompt_file: Annotated[
        Path | None,
        typer.Option(
            help="Prompt template (grounding: with {query}), e.g. the official text.",
            rich_help_panel=FRAMES,
        ),
    ] = None,
    system_file: Annotated[
        Path | None, typer.Option(help="System prompt text.", rich_help_panel=FRAMES)
    ] = None,
    temperature: Annotated[
        float, typer.Option(help="Sampling temperature (0 = greedy).", rich_help_panel=SERVER)
    ] = 0.0,
    top_p: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Nucleus sampling (default: the model's).",
            rich_help_panel=SERVER,
        ),
    ] = None,
    max_tokens: Annotated[
        int, typer.Option(min=1, help="Most new tokens per answer.", rich_help_panel=SERVER)
    ] = 512,
    seed: Annotated[
        int | None, typer.Option(help="Seed passed to the server.", rich_help_panel=SERVER)
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Requests in flight at once.", rich_help_panel=SERVER)
    ] = 16,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.001,
            help="Total seconds a request may take before it is given up and retried.",
            rich_help_panel=SERVER,
        ),
    ] = 120.0,
    retries: Annotated[
        int,
        typer.Option(
            min=1, help="Attempts per request (429/5xx/timeouts).", rich_help_panel=SERVER
        ),
    ] = 6,
    backoff: Annotated[
        float,
        typer.Option(
            help="Base of the exponential backoff between attempts, seconds.",
            rich_help_panel=SERVER,
        ),
    ] = 1.0,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N samples.")] = None,
    label: Annotated[
        str | None,
        typer.Option(
            help="The name reports and tables give this model (default: --model), e.g. "
            "mine@step-1500."
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(help="Cache folder (default ~/.cache/videoeval or $VIDEOEVAL_CACHE)."),
    ] = None,
    revision: Annotated[
        str | None,
        typer.Option(
            help="Name of this checkpoint of --model (a training step, a commit): part of every "
            "cache key, so a retrained checkpoint served under the same name is asked anew "
            "(with --backend hf and a hub id: the hub revision to load).",
            rich_help_panel=SERVER,
        ),
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Ask every call again, whatever the cache holds, and replace the cached replies.",
            rich_help_panel=SERVER,
        ),
    ] = False,
    frame_cache_gb: Annotated[
        float,
        typer.Option(
            min=0,
            help="Most gigabytes of decoded frames kept in the cache; the "
            "oldest go first after a run.",
        ),
    ] = 20.0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count calls, frames and tokens; call nothing.")
    ] = False,
    judge_model: Annotated[
        str | None,
        typer.Option(
            help="Captioning: AutoDQ judge model (else offline EventSim).", rich_help_panel=JUDGE
        ),
    ] = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            help="Dense captioning: another reference file (val_2 beside val_1).",
            rich_help_panel=DENSE,
        ),
    ] = None,
    no_language: Annotated[
        bool,
        typer.Option(
            "--no-language",
            help="Dense captioning: P/R only (no Java needed).",
            rich_help_panel=DENSE,
        ),
    ] = False,
    judge_temperature: Annotated[
        str,
        typer.Option(
            help="Judge temperature, or 'default' to leave it unset.", rich_help_panel=JUDGE
        ),
    ] = "0",
    no_judge_schema: NoJudgeSchema = False,
    devices: Annotated[
        str | None,
        typer.Option(
            help="GPUs to use, one model copy each: 0 or 0,1,2,3; or cpu, cuda:N (default: the "
            "first GPU, else the CPU).",
            rich_help_panel=LOCAL,
        ),
    ] = None,
    dtype: Annotated[
        str | None,
        typer.Option(
            help="Weights' dtype: auto (the checkpoint's; default), bfloat16, float16, float32.",
            rich_help_panel=LOCAL,
        ),
    ] = None,
    attn_implementation: Annotated[
        str | None,
        typer.Option(
            help="transformers attention: sdpa, flash_attention_2, eager (default: its own).",
            rich_help_panel=LOCAL,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Greedy requests generated together on each device (default 4).",
            rich_help_panel=LOCAL,
        ),
    ] = None,
    trust_remote_code: Annotated[
        bool,
        typer.Option(
            "--trust-remote-code",
            help="Run the checkpoint's own Python code (some processors need it, e.g. "
            "TimeLens-7B's); only for checkpoints you trust.",
            rich_help_panel=LOCAL,
        ),
    ] = False,
) -> None:
    """Run a model on a benchmark, then score its answers exactly as `videoeval score` does.

    Grounding, captioning and dense-captioning views are run (`--protocol` picks the view:
    `--protocol densevid-2018` runs ActivityNet Captions as dense captioning). Every call is
    cached by content; re-running the same command into the same --out resumes where it
    stopped. Writes OUT/run.json, OUT/responses.jsonl, OUT/samples.jsonl, OUT/metrics.json.

    Example (vLLM serving Qwen3-VL):\n
      videoeval run timelens-charades -a charades-timelens.json --videos videos/charades
      --model Qwen/Qwen3-VL-8B-Instruct --base-url http://localhost:8000/v1
      --preset qwen3-vl

    Example (a local checkpoint; the preset follows its model_type):\n
      videoeval run timelens-charades -a charades-timelens.json --videos videos/charades
      --backend hf --model ./checkpoints/my-qwen3-vl --devices 0,1
    """
    options = dict(locals())
    with exit_codes():
        _run(ctx, options)
