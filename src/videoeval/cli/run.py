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
    Executor,
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    NoJudgeSchema,
    RayAddress,
    command,
    console,
    err,
    exit_codes,
    given_options,
    say,
)
from videoeval.cli.policy_options import refuse_what_does_not_apply
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


def each_benchmark(o: dict[str, Any]) -> list[dict[str, Any]]:
    """`run a,b,c` (or `run a b c`): one set of options per benchmark, each with its own
    annotation file (`-a` given once per benchmark, in order) and videos (one folder for all,
    or one per benchmark); with --out, each benchmark runs in OUT/<benchmark>."""
    from videoeval.errors import UsageError

    names = [n.strip() for given in o["benchmark"] for n in given.split(",") if n.strip()]
    if not names:
        raise UsageError("name a benchmark (see `videoeval list benchmarks`)")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise UsageError(f"{', '.join(twice)} named twice: each benchmark runs once")
    annotations, videos = o["annotations"], o["videos"]
    if len(annotations) != len(names):
        raise UsageError(
            f"{len(names)} benchmark(s) but {len(annotations)} annotation file(s): give -a once "
            f"per benchmark, in the same order ({', '.join(names)})"
        )
    if len(videos) not in (1, len(names)):
        raise UsageError(
            f"{len(names)} benchmarks but {len(videos)} --videos: give one folder for all of "
            "them or one per benchmark, in the same order"
        )
    several = len(names) > 1
    return [
        {**o, "benchmark": name, "annotations": annotations[i],
         "videos": videos[i if len(videos) > 1 else 0],
         "out": o["out"] / name if several and o["out"] is not None else o["out"]}
        for i, name in enumerate(names)
    ]  # fmt: skip


def _run(ctx: typer.Context, options: dict[str, Any]) -> None:
    from dataclasses import replace

    from videoeval.api.run import default_folder, prepare
    from videoeval.engine.comparable import comparability
    from videoeval.errors import UsageError

    refuse_what_does_not_apply(ctx, options)
    # every benchmark's request is checked and planned before any is asked
    work = []
    for o in each_benchmark(options):
        request = request_of(ctx, o)
        prepared = prepare(request)
        if request.out is None:
            request = replace(request, out=default_folder(request, prepared))
        if (note := comparability(request.benchmark, prepared.plan.config)) is not None:
            err.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
        work.append((o, request, prepared))
    tasks = {prepared.view.task for *_, prepared in work if prepared.view is not None}
    if options["prompt_file"] is not None and len(tasks) > 1:
        # one prompt for views of different tasks would ask some of them the wrong question
        raise UsageError(f"--prompt-file is one prompt, but these benchmarks run "
                         f"{' and '.join(sorted(tasks))} views: run them apart")  # fmt: skip
    if options["dry_run"]:
        for o, _, prepared in work:
            _dry_run(prepared.plan, o, prepared.frames)
        return
    if len(work) == 1:
        _run_one(*work[0][1:])
        return
    _run_several([(request, prepared) for _, request, prepared in work])


def _run_one(request: RunRequest, prepared: Any) -> Any:
    from videoeval.api.run import run

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
    return result


def _run_several(work: list[tuple[RunRequest, Any]]) -> None:
    """One benchmark after the other; one that fails is said and the others go on (exit 1 at
    the end, 3 when none finished), as a suite does."""
    from videoeval.errors import VideoevalError
    from videoeval.report.headlines import headline_metrics

    table = Table(title=f"{len(work)} benchmarks")
    for name in ("benchmark", "status", "figures", "run folder"):
        table.add_column(name)
    failed = 0
    for request, prepared in work:
        say(f"== {request.benchmark} ==")
        try:
            result = _run_one(request, prepared)
        except VideoevalError as exc:
            failed += 1
            err.print(f"{request.benchmark}: {exc}", markup=False, highlight=False)
            table.add_row(request.benchmark, "failed", str(exc)[:80], str(request.out))
            continue
        report = result.outcome.report
        figures = ", ".join(f"{m} {report.metrics[m]:.2f}" for m in headline_metrics(report)[:4])
        table.add_row(request.benchmark, "ok", figures, str(request.out))
    console.print(table)
    if failed:
        raise typer.Exit(3 if failed == len(work) else 1)


@command("run")
def run_command(
    ctx: typer.Context,
    benchmark: Annotated[
        list[str],
        typer.Argument(
            help="Benchmark id (see `videoeval list`); several as a,b,c or a b c, each with "
            "its own -a."
        ),
    ],
    annotations: Annotated[
        list[Path],
        typer.Option("--annotations", "-a", help="The GT file (once per benchmark, in order)."),
    ],
    videos: Annotated[
        list[Path],
        typer.Option(
            help="Folder with <video id>.mp4 (or .mkv/.webm/...): one for all benchmarks, or "
            "one per benchmark in order."
        ),
    ],
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
            "answers and the same command resumes); with several benchmarks, OUT/<benchmark>.",
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
    executor: Executor = "local",
    ray_address: RayAddress = None,
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

    Example (TimeLens-Bench's three splits, one after the other):\n
      videoeval run timelens-charades,timelens-activitynet,timelens-qvhighlights
      -a charades.json -a activitynet.json -a qvhighlights.json
      --videos videos/charades --videos videos/activitynet --videos videos/qvhighlights
      --model Qwen/Qwen3-VL-8B-Instruct --base-url http://localhost:8000/v1 --preset timelens-8b

    Example (a local checkpoint; the preset follows its model_type):\n
      videoeval run timelens-charades -a charades-timelens.json --videos videos/charades
      --backend hf --model ./checkpoints/my-qwen3-vl --devices 0,1
    """
    options = dict(locals())
    with exit_codes():
        _run(ctx, options)
