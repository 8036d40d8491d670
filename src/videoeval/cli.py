"""The ``videoeval`` command line: demo, score, list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from videoeval import __version__
from videoeval.benchmarks import BENCHMARKS
from videoeval.errors import NothingToScoreError, VideoevalError
from videoeval.protocols.grounding import PROTOCOLS

app = typer.Typer(
    name="videoeval",
    help=(
        "Evaluate video language models on what happened and when.\n\n"
        "Start with `videoeval demo` (offline, no arguments), then `videoeval score` on your own "
        "prediction files. `videoeval list` shows every benchmark and protocol."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"videoeval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False)
    return typer.Exit(code)


@app.command()
def score(
    benchmark: Annotated[str, typer.Argument(help=f"Benchmark id: {', '.join(BENCHMARKS)}.")],
    predictions: Annotated[
        Path,
        typer.Option("--predictions", "-p", help="Your prediction file; its layout is detected."),
    ],
    annotations: Annotated[
        Path | None,
        typer.Option("--annotations", "-a", help="The benchmark's GT file (etbench: not needed)."),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option(
            help=(
                f"Scoring protocol: {', '.join(PROTOCOLS)}. Default: the benchmark's official "
                "one (see `videoeval list`)."
            )
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where metrics.json and samples.jsonl go.")
    ] = Path("videoeval-out/score"),
    durations: Annotated[
        Path | None,
        typer.Option(
            help="Video durations (JSON {vid: s} or CSV id,length) for files without them."
        ),
    ] = None,
    missing: Annotated[
        str | None,
        typer.Option(
            help=(
                "GT queries without prediction: 'exclude' them from N or count each as a "
                "'miss'. Default: the protocol's rule."
            )
        ),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the 95% CIs (0 = none).")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    judge_model: Annotated[
        str | None, typer.Option(help="Captioning: the judge model (AutoDQ), e.g. gpt-4o-mini.")
    ] = None,
    judge_base_url: Annotated[
        str | None, typer.Option(help="Captioning: the judge's OpenAI-compatible URL.")
    ] = None,
    judge_backend: Annotated[
        str, typer.Option(help="Captioning: 'openai' or 'gemini'.")
    ] = "openai",
    judge_api_key_env: Annotated[
        str | None, typer.Option(help="Captioning: environment variable holding the judge's key.")
    ] = None,
    judge_temperature: Annotated[
        str, typer.Option(help="Captioning: a number, or 'default' to leave it unset (reference).")
    ] = "0",
    judge_seed: Annotated[
        int | None, typer.Option(help="Captioning: seed passed to the judge.")
    ] = None,
    judge_samples: Annotated[
        int, typer.Option(help="Captioning: judge each event K times, majority label.")
    ] = 1,
    judge_concurrency: Annotated[int, typer.Option(help="Captioning: judge calls in flight.")] = 32,
    judge_backoff: Annotated[
        float, typer.Option(help="Captioning: base of the backoff between judge retries, s.")
    ] = 1.0,
    prompt_dir: Annotated[
        Path | None,
        typer.Option(help="Captioning: folder with autodq_*.txt prompts (e.g. the official ones)."),
    ] = None,
    cache: Annotated[
        Path | None, typer.Option(help="Cache folder (default ~/.cache/videoeval).")
    ] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(help="Dense captioning: another reference file (val_2 beside val_1)."),
    ] = None,
    junk: Annotated[
        str, typer.Option(help="Dense captioning: densevid-2018 (fixed) or -2019 (random) junk.")
    ] = "densevid-2018",
    no_language: Annotated[
        bool, typer.Option("--no-language", help="Dense captioning: P/R only (no Java needed).")
    ] = False,
    soda_missing: Annotated[
        str,
        typer.Option(help="SODA_c: 'drop' GT videos without predictions (reference) or 'zero'."),
    ] = "drop",
    soda_average: Annotated[
        str,
        typer.Option(
            help=(
                "SODA_c: 'videos' = P, R, F1 per video, then the mean (fujiso/SODA @ 9cb3e2c, "
                "v1.1, what PDVC runs) or 'corpus' = totals, one F1 (fujiso/SODA @ 356ec65)."
            )
        ),
    ] = "videos",
) -> None:
    """Score an existing prediction file against a benchmark's ground truth.

    Writes OUT/metrics.json (metrics, CIs, failures, protocol) and OUT/samples.jsonl (one row per
    query: raw answer, parsed span, scored span, IoU, status).

    Example:\n
      videoeval score charades-sta -a charades_test.json -p fmt_result.json --protocol timechat
    """
    from videoeval.report.terminal import print_warnings, score_table
    from videoeval.scoring.score import score_files, write_outputs

    if benchmark not in BENCHMARKS:
        raise _fail(f"unknown benchmark {benchmark!r}; known: {', '.join(BENCHMARKS)}", 2)
    if benchmark == "etbench":
        from videoeval.dense_cli import score_etbench_cli

        try:
            score_etbench_cli(predictions, out, seed, console, err)
        except NothingToScoreError as exc:
            raise _fail(str(exc), 1) from None
        except (VideoevalError, ValueError) as exc:
            raise _fail(str(exc), 2) from None
        return
    if annotations is None:
        raise _fail(f"{benchmark} needs its GT file: --annotations / -a", 2)
    if (
        benchmark == "activitynet-captions"
        and protocol not in PROTOCOLS  # a grounding protocol asks for the grounding scorer
        and (_is_densevid(predictions) or is_dense_answers(predictions))
    ):
        from videoeval.dense_cli import score_dense_cli

        try:
            score_dense_cli(
                [annotations, *(reference or [])], predictions, out, not no_language, junk,
                seed, console, err, soda_missing, soda_average,
            )  # fmt: skip
        except NothingToScoreError as exc:
            raise _fail(str(exc), 1) from None
        except (VideoevalError, ValueError) as exc:
            raise _fail(str(exc), 2) from None
        return
    if BENCHMARKS[benchmark].task == "captioning":
        from videoeval.caption_cli import judge_or_eventsim
        from videoeval.predictions.captions import read_caption_predictions

        try:
            judge_or_eventsim(
                benchmark,
                BENCHMARKS[benchmark].load(annotations).samples,
                read_caption_predictions(predictions),
                out,
                console,
                err,
                judge_model,
                bootstrap,
                seed,
                base_url=judge_base_url,
                backend=judge_backend,
                api_key_env=judge_api_key_env,
                temperature=judge_temperature,
                judge_seed=judge_seed,
                judge_samples=judge_samples,
                concurrency=judge_concurrency,
                prompt_dir=prompt_dir,
                cache=cache,
                backoff=judge_backoff,
            )
        except NothingToScoreError as exc:
            raise _fail(str(exc), 1) from None
        except (VideoevalError, ValueError) as exc:
            raise _fail(str(exc), 2) from None
        return
    if protocol is not None and protocol not in PROTOCOLS:
        raise _fail(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}", 2)
    if missing not in (None, "exclude", "miss"):
        raise _fail("--missing takes 'exclude' or 'miss'", 2)
    try:
        result = score_files(
            benchmark, annotations, predictions, protocol, durations, missing, bootstrap, seed
        )
    except NothingToScoreError as exc:
        raise _fail(str(exc), 1) from None
    except VideoevalError as exc:
        raise _fail(str(exc), 2) from None
    err.print(f"predictions read as [bold]{result.layout}[/bold] layout", highlight=False)
    metrics_path, samples_path = write_outputs(result, out)
    console.print(score_table(result.report, result.layout))
    print_warnings(err, result.report)
    console.print(
        f"wrote {escape(str(metrics_path))} and {escape(str(samples_path))}", highlight=False
    )


@app.command()
def run(
    benchmark: Annotated[str, typer.Argument(help=f"Benchmark id: {', '.join(BENCHMARKS)}.")],
    annotations: Annotated[
        Path, typer.Option("--annotations", "-a", help="The benchmark's GT file.")
    ],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4 (or .mkv/.webm/...).")],
    model: Annotated[str, typer.Option(help="Model name as the server knows it.")],
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Server URL, e.g. http://localhost:8000/v1 for vLLM (Gemini: default API)."
        ),
    ] = None,
    backend: Annotated[
        str, typer.Option(help="'openai' (any OpenAI-compatible server) or 'gemini'.")
    ] = "openai",
    api_key_env: Annotated[
        str | None, typer.Option(help="Name of the environment variable holding the API key.")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Run folder; re-running resumes it.")
    ] = Path("videoeval-out/run"),
    protocol: Annotated[
        str | None, typer.Option(help="Scoring protocol (default: the benchmark's).")
    ] = None,
    sampling: Annotated[
        str,
        typer.Option(
            help="'fps' (qwen-vl-utils rule), 'uniform' (Tarsier) or 'centres' (CaReBench)."
        ),
    ] = "fps",
    fps: Annotated[
        float, typer.Option(help="Frames per second for --sampling fps (and whole-video mode).")
    ] = 2.0,
    min_frames: Annotated[int, typer.Option(help="Fewest frames for --sampling fps.")] = 4,
    max_frames: Annotated[
        int | None, typer.Option(help="Most frames for --sampling fps (default 768).")
    ] = None,
    nframes: Annotated[int | None, typer.Option(help="Frame count for uniform / centres.")] = None,
    max_pixels: Annotated[
        int | None, typer.Option(help="Pixel budget per frame (enables resizing).")
    ] = None,
    min_pixels: Annotated[int, typer.Option(help="Smallest frame area when resizing.")] = 128
    * 28
    * 28,
    total_pixels: Annotated[
        int | None, typer.Option(help="Pixel budget for the whole clip.")
    ] = None,
    factor: Annotated[
        int, typer.Option(help="Frame sides become multiples of this (28 Qwen2.5-VL, 32 Qwen3-VL).")
    ] = 28,
    labels: Annotated[
        str, typer.Option(help="Time labels before frames: 'per-frame', 'qwen3' or 'none'.")
    ] = "per-frame",
    video_mode: Annotated[
        str,
        typer.Option(
            help="'frames' (we sample) or 'video' (send the file; the server samples at --fps)."
        ),
    ] = "frames",
    prompt_file: Annotated[
        Path | None, typer.Option(help="Prompt template with {query}, e.g. the official text.")
    ] = None,
    system_file: Annotated[Path | None, typer.Option(help="System prompt text.")] = None,
    temperature: Annotated[float, typer.Option(help="Sampling temperature (0 = greedy).")] = 0.0,
    max_tokens: Annotated[int, typer.Option(help="Most new tokens per answer.")] = 512,
    seed: Annotated[int | None, typer.Option(help="Seed passed to the server.")] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = 16,
    timeout: Annotated[
        float, typer.Option(help="Seconds before a request is given up and retried.")
    ] = 120.0,
    retries: Annotated[int, typer.Option(help="Attempts per request (429/5xx/timeouts).")] = 6,
    backoff: Annotated[
        float, typer.Option(help="Base of the exponential backoff between attempts, seconds.")
    ] = 1.0,
    limit: Annotated[int | None, typer.Option(help="Only the first N queries.")] = None,
    cache: Annotated[
        Path | None,
        typer.Option(help="Cache folder (default ~/.cache/videoeval or $VIDEOEVAL_CACHE)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count calls, frames and tokens; call nothing.")
    ] = False,
    judge_model: Annotated[
        str | None, typer.Option(help="Captioning: AutoDQ judge model (else offline EventSim).")
    ] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Captioning: the judge's URL.")] = None,
    judge_backend: Annotated[
        str, typer.Option(help="Captioning: 'openai' or 'gemini'.")
    ] = "openai",
    judge_api_key_env: Annotated[
        str | None, typer.Option(help="Captioning: environment variable with the judge's key.")
    ] = None,
    judge_temperature: Annotated[
        str, typer.Option(help="Captioning: judge temperature, or 'default' to leave it unset.")
    ] = "0",
) -> None:
    """Run a model on a benchmark, then score its answers like `videoeval score`.

    Every call is cached by content; re-running the same command into the same --out resumes
    where it stopped. Writes OUT/run.json, OUT/responses.jsonl, OUT/samples.jsonl, OUT/metrics.json.

    Example (vLLM serving Qwen3-VL):\n
      videoeval run timelens-charades -a charades-timelens.json --videos videos/charades
      --model Qwen/Qwen3-VL-8B-Instruct --base-url http://localhost:8000/v1
      --labels qwen3 --factor 32
    """
    from videoeval.engine.retry import RetryPolicy
    from videoeval.run_cli import execute_with_progress, make_model, run_inputs
    from videoeval.runs import RunMismatchError, plan_run, prepare_folder
    from videoeval.runs import dry_run as plan_dry_run

    if benchmark not in BENCHMARKS:
        raise _fail(f"unknown benchmark {benchmark!r}; known: {', '.join(BENCHMARKS)}", 2)
    task = BENCHMARKS[benchmark].task
    if task not in ("grounding", "captioning"):
        raise _fail(f"`run` drives grounding and captioning benchmarks, not {benchmark}", 2)
    try:
        frames, settings, system, template = run_inputs(
            sampling,
            fps,
            min_frames,
            max_frames,
            nframes,
            max_pixels,
            min_pixels,
            total_pixels,
            factor,
            labels,
            video_mode,
            prompt_file,
            system_file,
            temperature,
            max_tokens,
            seed,
            task,
        )
        backend_model = make_model(backend, model, base_url, api_key_env, timeout, concurrency)
        plan = plan_run(
            benchmark,
            annotations,
            protocol,
            template,
            backend_model,
            frames,
            settings,
            system,
            limit,
        )
    except (VideoevalError, ValueError) as exc:
        raise _fail(str(exc), 2) from None
    if dry_run:
        counts = plan_dry_run(plan, videos, frames)
        table = Table(title=f"dry run: {benchmark}, {frames.spec.describe()}")
        table.add_column("what")
        table.add_column("count", justify="right")
        for name, value in counts.items():
            table.add_row(name.replace("_", " "), f"{value:,}")
        console.print(table)
        return
    try:
        prepare_folder(out, plan)
    except RunMismatchError as exc:
        raise _fail(str(exc), 2) from None
    execute_with_progress(
        plan,
        frames,
        settings,
        system,
        backend_model,
        videos,
        out,
        cache,
        concurrency,
        RetryPolicy(attempts=retries, base_delay=backoff),
        console,
        err,
    )
    if task == "captioning":
        from videoeval.caption_cli import judge_or_eventsim
        from videoeval.engine.log import read_log
        from videoeval.runs import caption_predictions_from_log

        predictions = caption_predictions_from_log(read_log(out / "responses.jsonl"))
        try:
            judge_or_eventsim(
                benchmark,
                plan.samples,
                predictions,
                out,
                console,
                err,
                judge_model,
                base_url=judge_base_url,
                backend=judge_backend,
                api_key_env=judge_api_key_env,
                temperature=judge_temperature,
                concurrency=concurrency,
                cache=cache,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
            )
        except NothingToScoreError as exc:
            raise _fail(str(exc), 1) from None
        except (VideoevalError, ValueError) as exc:
            raise _fail(str(exc), 2) from None


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where each protocol's outputs go.")
    ] = Path("videoeval-out/demo"),
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
) -> None:
    """Score TimeChat's published Charades-STA example predictions under every protocol.

    Offline and self-contained: the GT (3720 queries) and the 500 predictions ship with the
    package. Shows how much the scoring protocol alone moves the numbers.
    """
    from videoeval.demo import run_demo
    from videoeval.report.terminal import metric_names

    rows = run_demo(out, resamples=bootstrap)
    headline = ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU")
    names = [n for n in metric_names([r.result.report for r in rows]) if n in headline]
    table = Table(
        title="Charades-STA, TimeChat's 500 example predictions (280 empty), by protocol",
        caption="same predictions, same GT: only the scoring protocol differs",
    )
    table.add_column("protocol")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("N", justify="right")
    for row in rows:
        report = row.result.report
        cells = [f"{report.metrics[n]:.2f}" if n in report.metrics else "-" for n in names]
        table.add_row(row.label, *cells, str(report.n_counted))
    console.print(table)
    console.print(
        "'-': the reference reports no such metric. Charades-STA files carry no durations, so "
        "videomind cannot give empty answers its [0, duration] fallback (pass --durations to "
        "`score`).",
        highlight=False,
    )
    spread = {
        n: [r.result.report.metrics[n] for r in rows if n in r.result.report.metrics] for n in names
    }
    moves = ", ".join(f"{n} {max(v) - min(v):.2f}" for n, v in spread.items() if len(v) > 1)
    console.print(f"protocol alone moves the numbers by (max - min, points): {moves}")
    from videoeval.report.html import write_report
    from videoeval.report.load import load_run

    html_path, _ = write_report(
        [load_run(row.out_dir) for row in rows],
        out / "report",
        "Charades-STA: one file, six protocols",
    )
    console.print(f"report: {html_path}", markup=False, highlight=False)
    console.print(
        f"per-protocol metrics.json and samples.jsonl under {escape(str(out))}/", highlight=False
    )


@app.command("list")
def list_() -> None:
    """List benchmarks and protocols, with each protocol's reference implementation."""
    bench = Table(title="benchmarks")
    for col in ("id", "task", "default protocol", "annotation file"):
        bench.add_column(col)
    for b in BENCHMARKS.values():
        bench.add_row(b.id, b.task, b.default_protocol, b.annotation_hint)
    console.print(bench)
    prot = Table(title="grounding protocols", show_lines=True)
    prot.add_column("name")
    prot.add_column("what it does")
    prot.add_column("follows")
    for p in PROTOCOLS.values():
        prot.add_row(p.name, escape(p.description), escape(p.reference))
    console.print(prot)
    from videoeval.metrics.soda import SODA_AVERAGES

    dense = Table(title="dense-captioning conventions (activitynet-captions)", show_lines=True)
    dense.add_column("option")
    dense.add_column("what it does")
    for name, text in SODA_AVERAGES.items():
        default = " (default)" if name == "videos" else ""
        dense.add_row(f"--soda-average {name}{default}", escape(text))
    dense.add_row(
        "--junk densevid-2018 (default)", "unmatched predictions paired with a fixed string"
    )
    dense.add_row("--junk densevid-2019", "a random 10-20 letter string, seeded and recorded")
    console.print(dense)


from videoeval.audit_cli import audit  # noqa: E402 - registered here, defined with its helpers
from videoeval.report_cli import report  # noqa: E402

app.command("audit")(audit)
app.command("report")(report)


def is_dense_answers(path: Path) -> bool:
    from videoeval.predictions.dense import is_dense_answers as check

    return check(path)


def _is_densevid(path: Path) -> bool:
    """A densevid results file starts with a JSON object holding "results"."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith("{") and '"results"' in head


def main() -> None:
    app()


if __name__ == "__main__":
    main()
