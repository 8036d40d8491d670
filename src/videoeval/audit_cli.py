"""``videoeval audit``: check a benchmark's GT descriptions against the frames."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from videoeval.benchmarks import BENCHMARKS
from videoeval.errors import NothingToScoreError, VideoevalError
from videoeval.outputs import write_report

console = Console()
err = Console(stderr=True)
AUDITABLE = ("dream1k", "carebench", "activitynet-captions")


def audit(
    benchmark: Annotated[str, typer.Argument(help=f"One of: {', '.join(AUDITABLE)}.")],
    annotations: Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4.")],
    judge_model: Annotated[str, typer.Option(help="A multimodal judge model.")],
    judge_base_url: Annotated[str | None, typer.Option(help="The judge's URL.")] = None,
    judge_backend: Annotated[str, typer.Option(help="'openai' or 'gemini'.")] = "openai",
    judge_api_key_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the judge's key.")
    ] = None,
    runs: Annotated[int, typer.Option(help="Independent judge runs per clip (consensus).")] = 4,
    candidates: Annotated[
        Path | None,
        typer.Option(help="A model's descriptions: judge GT and candidate together (two-sided)."),
    ] = None,
    rejudge: Annotated[
        Path | None,
        typer.Option(
            help="An AutoDQ scoring folder: re-judge its non-entailed events with the frames "
            "(rejudge-neutral; also the escalation path)."
        ),
    ] = None,
    prompt_file: Annotated[Path | None, typer.Option(help="Your own judge prompt.")] = None,
    sampling: Annotated[str, typer.Option(help="'uniform', 'centres' or 'fps'.")] = "uniform",
    nframes: Annotated[int | None, typer.Option(help="Frames for uniform / centres.")] = 16,
    fps: Annotated[float, typer.Option(help="Frames per second for --sampling fps.")] = 2.0,
    max_pixels: Annotated[int | None, typer.Option(help="Pixel budget per frame.")] = 448 * 448,
    labels: Annotated[str, typer.Option(help="'per-frame', 'qwen3' or 'none'.")] = "per-frame",
    temperature: Annotated[
        float, typer.Option(help="Judge temperature; runs differ by their cache keys and seeds.")
    ] = 0.0,
    concurrency: Annotated[int, typer.Option(help="Judge calls in flight.")] = 64,
    backoff: Annotated[float, typer.Option(help="Base of the backoff between retries, s.")] = 1.0,
    limit: Annotated[int | None, typer.Option(help="Only the first N clips.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "videoeval-out/audit"
    ),
    cache: Annotated[Path | None, typer.Option(help="Cache folder.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count calls, frames and tokens; call nothing.")
    ] = False,
    price_per_million_tokens: Annotated[
        float | None, typer.Option(help="With --dry-run: input price, to estimate the cost.")
    ] = None,
) -> None:
    """Audit GT descriptions with a judge that sees the frames, K runs per clip.

    Reports loose (an error in any run), consensus (in every run) and tight (factual score <= 5
    in every run) rates, per category, with each clip's errors and their frame evidence.
    """
    if benchmark not in AUDITABLE:
        console.print(f"[red]error:[/red] audit covers {', '.join(AUDITABLE)}")
        raise typer.Exit(2)
    try:
        _audit(locals())
    except NothingToScoreError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except (VideoevalError, ValueError) as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _audit(o: dict[str, Any]) -> None:
    from videoeval.engine.cache import CallCache
    from videoeval.engine.retry import RetryPolicy
    from videoeval.engine.runner import FrameProtocol
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.judges.video_judge import Mode, load_video_prompt
    from videoeval.models.base import GenerationSettings
    from videoeval.predictions.captions import read_caption_predictions
    from videoeval.run_cli import cache_root, make_model
    from videoeval.runs import RunPlan, dry_run
    from videoeval.scoring.audit import audit_report
    from videoeval.video.frames import FrameCache
    from videoeval.video.resize import PixelBudget
    from videoeval.video.sampling import SamplingSpec

    if o["benchmark"] == "activitynet-captions":  # timed events: text and span checked
        from videoeval.benchmarks.activitynet_captions import load_timed

        samples = load_timed(o["annotations"]).samples
    else:
        samples = BENCHMARKS[o["benchmark"]].load(o["annotations"]).samples
    if o["limit"]:
        samples = samples[: o["limit"]]
    mode: Mode = "two-sided" if o["candidates"] else "gt-audit"
    if o["benchmark"] == "activitynet-captions":
        if o["candidates"] or o["rejudge"]:
            raise ValueError("activitynet-captions audits check the GT's timed events only")
        mode = "timed"
    if o["rejudge"] is not None:
        from videoeval.judges.rejudge import load_rejudge_prompt

        prompt, sha = load_rejudge_prompt(o["prompt_file"])
        source = o["prompt_file"].name if o["prompt_file"] else "videoeval:video_rejudge.txt"
    else:
        prompt, source, sha = load_video_prompt(mode, o["prompt_file"])
    spec = SamplingSpec.model_validate(
        {
            "kind": o["sampling"],
            "nframes": o["nframes"] if o["sampling"] != "fps" else None,
            "fps": o["fps"],
        }
    )
    budget = PixelBudget(max_pixels=o["max_pixels"]) if o["max_pixels"] else None
    frames = FrameProtocol(spec=spec, budget=budget, labels=o["labels"])
    if o["dry_run"]:
        from videoeval.engine.runner import WorkItem

        items = [WorkItem(s.sample_id, s.video_id, prompt) for s in samples]
        counts = dry_run(RunPlan(o["benchmark"], "audit", samples, items, {}), o["videos"], frames)
        calls = counts["calls_at_most"] * o["runs"]
        tokens = counts["estimated_prompt_tokens"] * o["runs"]
        table = Table(title=f"audit dry run: {len(samples)} clips x {o['runs']} runs")
        table.add_column("what")
        table.add_column("count", justify="right")
        for name, value in (
            ("judge calls", calls),
            ("frames per run", counts["frames"]),
            ("estimated input tokens", tokens),
            ("videos missing", counts["videos_missing"]),
        ):
            table.add_row(name, f"{value:,}")
        if o["price_per_million_tokens"] is not None:
            cost = tokens / 1e6 * o["price_per_million_tokens"]
            table.add_row("estimated input cost", f"{cost:,.2f}")
        console.print(table)
        return
    model = make_model(
        o["judge_backend"],
        o["judge_model"],
        o["judge_base_url"],
        o["judge_api_key_env"],
        300.0,
        o["concurrency"],
    )
    root = cache_root(o["cache"])
    settings = GenerationSettings(temperature=o["temperature"], max_tokens=2048)
    client = JudgeClient(
        model,
        CallCache(root / "calls.sqlite"),
        settings,
        RetryPolicy(base_delay=o["backoff"]),
        concurrency=o["concurrency"],
    )
    candidates = read_caption_predictions(o["candidates"]).texts if o["candidates"] else None
    auditor = Auditor(
        client,
        prompt,
        mode,
        o["videos"],
        frames,
        FrameCache(root / "frames"),
        o["runs"],
        candidates,
    )

    async def main():  # type: ignore[no-untyped-def]
        try:
            with Progress(
                TextColumn("[bold]auditing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
            ) as progress:
                task = progress.add_task("clips", total=len(samples))
                return await auditor.audit_all(samples, lambda: progress.advance(task))
        finally:
            await model.aclose()

    if o["rejudge"] is not None:
        _rejudge(o, samples, auditor, client, model, sha_info={"frames": spec.describe()})
        return
    outcomes = asyncio.run(main())
    info = {
        **model.identity(),
        "settings": settings.model_dump(mode="json"),
        "prompt_sha256": sha,
        "prompt_source": source,
        "frames": spec.describe(),
        "calls": client.stats.calls,
        "cached": client.stats.cached,
        "schema_retries": client.stats.schema_retries,
    }
    report, rows = audit_report(o["benchmark"], outcomes, mode, o["runs"], info)
    out = o["out"]
    write_report(out, report, samples=rows)
    table = Table(
        title=f"{o['benchmark']} GT audit · {mode} · {o['runs']} runs · {o['judge_model']}"
    )
    for column in ("category", "clips", "loose %", "consensus %", "tight %"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, values in (report.by_category or {}).items():
        table.add_row(
            category,
            str(int(values["n"])),
            *[f"{values[f'{k}_rate']:.1f}" for k in ("loose", "consensus", "tight")],
        )
    table.add_section()
    table.add_row(
        "all",
        str(report.n_scored),
        *[f"{report.metrics[f'{k}_rate']:.1f}" for k in ("loose", "consensus", "tight")],
    )
    console.print(table)
    console.print(
        f"judge calls {client.stats.calls}, cached {client.stats.cached}, schema retries "
        f"{client.stats.schema_retries}; not audited: {report.failures or 'none'}; wrote {out}",
        markup=False,
        highlight=False,
    )


def _rejudge(o: dict[str, Any], samples, auditor, client, model, sha_info) -> None:  # type: ignore[no-untyped-def]
    from videoeval import __version__
    from videoeval.judges.rejudge import read_autodq_verdicts, rejudge_clip, summarise
    from videoeval.schema import MetricsReport

    verdicts = read_autodq_verdicts(o["rejudge"])
    chosen = [s for s in samples if s.sample_id in verdicts]
    if not chosen:
        raise NothingToScoreError(f"{o['rejudge']}/verdicts.jsonl names none of the clips")

    async def main():  # type: ignore[no-untyped-def]
        try:
            with Progress(
                TextColumn("[bold]re-judging"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
            ) as progress:
                task = progress.add_task("clips", total=len(chosen))

                async def one(sample):  # type: ignore[no-untyped-def]
                    result = await rejudge_clip(
                        auditor, auditor.prompt, sample, verdicts[sample.sample_id]
                    )
                    progress.advance(task)
                    return result

                return await asyncio.gather(*(one(s) for s in chosen))
        finally:
            await model.aclose()

    results = list(asyncio.run(main()))
    metrics = summarise(results)
    failures: dict[str, int] = {}
    for r in results:
        if r.status != "ok":
            failures[r.status] = failures.get(r.status, 0) + 1
    report = MetricsReport(
        benchmark=o["benchmark"],
        task="audit",
        protocol="video-judge/rejudge-neutral",
        protocol_reference="AutoDQ verdicts other than entailment re-judged with the frames",
        n_total=len(chosen),
        n_scored=len(chosen) - sum(failures.values()),
        n_counted=len(chosen) - sum(failures.values()),
        metrics=metrics,
        ci95={},
        failures=failures,
        failure_rule="clips whose frames or judge failed keep out of both sides",
        inputs={"autodq_folder": o["rejudge"].name},
        judge={
            **model.identity(),
            **sha_info,
            "calls": client.stats.calls,
            "cached": client.stats.cached,
        },
        videoeval_version=__version__,
    )
    rows = [
        {
            "sample_id": r.sample.sample_id,
            "category": r.sample.category,
            "status": r.status,
            "note": r.note,
            "text_recall": r.text_recall,
            "text_precision": r.text_precision,
            "video_recall": r.video_recall,
            "video_precision": r.video_precision,
            "rejudged": r.rejudged,
            "flips": len(r.flips),
        }
        for r in results
    ]
    out = o["out"]
    write_report(
        out,
        report,
        flips=(flip for r in results for flip in r.flips),
        side_by_side=(pair for r in results for pair in r.side_by_side),
        samples=rows,
    )
    table = Table(title=f"{o['benchmark']}: AutoDQ re-judged with frames ({o['judge_model']})")
    for column in ("", "F1", "precision", "recall"):
        table.add_column(column, justify="right" if column else "left")
    for side in ("text", "video"):
        table.add_row(
            f"{side}-only" if side == "text" else "with frames",
            *[f"{metrics[f'{k}_{side}']:.1f}" for k in ("F1", "precision", "recall")],
        )
    console.print(table)
    console.print(
        f"{int(metrics['flipped_precision_events'])} predicted events credited, "
        f"{int(metrics['dropped_gt_events'])} GT events found wrong; frames were needed for "
        f"{metrics['frames_share_of_events']:.1f}% of the events; wrote {out}",
        markup=False,
        highlight=False,
    )
