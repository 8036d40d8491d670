"""What ``videoeval score`` does for captioning benchmarks (DREAM-1K, CaReBench)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from videoeval.benchmarks import get_benchmark
from videoeval.engine.cache import CallCache
from videoeval.engine.retry import RetryPolicy
from videoeval.judges.autodq import load_prompts
from videoeval.judges.client import JudgeClient
from videoeval.models.base import GenerationSettings
from videoeval.predictions.captions import read_caption_predictions
from videoeval.report.terminal import print_warnings
from videoeval.run_cli import cache_root, make_model
from videoeval.scoring.captions import (
    aspects_for,
    build_report,
    eventsim_report,
    judge_all,
    write_caption_outputs,
)


def judge_settings(temperature: str, seed: int | None, max_tokens: int) -> GenerationSettings:
    """``temperature`` is a number, or 'default' to leave it unset as the reference did."""
    if temperature == "default":
        return GenerationSettings(temperature=None, seed=seed, max_tokens=max_tokens)
    try:
        value = float(temperature)
    except ValueError:
        raise ValueError("--judge-temperature takes a number or 'default'") from None
    return GenerationSettings(temperature=value, seed=seed, max_tokens=max_tokens)


def score_captions_cli(
    benchmark_id: str,
    annotations: Path,
    predictions_path: Path,
    out: Path,
    judge: dict[str, Any],
    console: Console,
    err: Console,
) -> None:
    benchmark = get_benchmark(benchmark_id)
    loaded = benchmark.load(annotations)
    predictions = read_caption_predictions(predictions_path)
    settings = judge_settings(judge["temperature"], judge["seed"], judge["max_tokens"])
    model = make_model(
        judge["backend"], judge["model"], judge["base_url"], judge["api_key_env"],
        judge["timeout"], judge["concurrency"],
    )  # fmt: skip
    prompts = load_prompts(judge["prompt_dir"])
    cache = CallCache(cache_root(judge["cache"]) / "calls.sqlite")
    client = JudgeClient(
        model, cache, settings, RetryPolicy(attempts=judge["retries"], base_delay=judge["backoff"]),
        schema_attempts=judge["schema_attempts"], concurrency=judge["concurrency"],
    )  # fmt: skip
    aspects = aspects_for(benchmark.id)
    err.print(
        f"{len(loaded.samples)} clips, predictions read as {predictions.layout}; AutoDQ on "
        f"{' and '.join(aspects)} with judge {model.identity()['model']}",
        markup=False, highlight=False,
    )  # fmt: skip

    async def main():  # type: ignore[no-untyped-def]
        try:
            with Progress(
                TextColumn("[bold]judging"), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(), console=err,
            ) as progress:  # fmt: skip
                task = progress.add_task("clips", total=len(loaded.samples))
                return await judge_all(
                    loaded.samples, predictions, client, prompts, aspects, judge["samples"],
                    on_clip=lambda: progress.advance(task),
                )  # fmt: skip
        finally:
            await model.aclose()

    outcomes = asyncio.run(main())
    info = {
        **model.identity(),
        "settings": settings.model_dump(mode="json"),
        "temperature_setting": judge["temperature"],
        "samples_per_verdict": judge["samples"],
        "prompts_sha256": prompts.sha256,
        "prompt_sources": prompts.sources,
        "calls": client.stats.calls,
        "cached": client.stats.cached,
        "schema_retries": client.stats.schema_retries,
    }
    scores = build_report(benchmark.id, loaded.samples, predictions, outcomes, info)
    paths = write_caption_outputs(scores, out)
    report = scores.report
    table = Table(title=f"{benchmark.id} · AutoDQ · judge {info['model']}")
    table.add_column("category")
    names = [k for k in ("F1", "precision", "recall", "object_F1", "object_precision",
                         "object_recall") if k in report.metrics]  # fmt: skip
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("clips", justify="right")
    for category, values in sorted((report.by_category or {}).items()):
        n = int(values.get("n", values.get("object_n", 0)))
        table.add_row(category, *[f"{values.get(k, float('nan')):.1f}" for k in names], str(n))
    table.add_section()
    table.add_row("overall", *[f"{report.metrics[k]:.1f}" for k in names], str(report.n_scored))
    console.print(table)
    console.print(
        f"judge calls {client.stats.calls}, from cache {client.stats.cached}, schema retries "
        f"{client.stats.schema_retries}; failed clips: {report.failures or 'none'}",
        markup=False, highlight=False,
    )  # fmt: skip
    print_warnings(err, report)
    console.print("wrote " + ", ".join(str(p) for p in paths), markup=False, highlight=False)


def eventsim_cli(
    benchmark_id: str,
    annotations: Path,
    predictions_path: Path,
    out: Path,
    resamples: int,
    seed: int,
    console: Console,
    err: Console,
) -> None:
    loaded = get_benchmark(benchmark_id).load(annotations)
    predictions = read_caption_predictions(predictions_path)
    scores = eventsim_report(benchmark_id, loaded.samples, predictions, resamples, seed)
    report = scores.report
    table = Table(title=f"{benchmark_id} · EventSim (offline, not AutoDQ)")
    for column in ("category", "F1", "precision", "recall", "clips"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, values in sorted((report.by_category or {}).items()):
        table.add_row(
            category,
            *[f"{values[f'EventSim-{k}']:.1f}" for k in ("F1", "precision", "recall")],
            str(int(values["EventSim-n"])),
        )
    table.add_section()
    table.add_row(
        "overall",
        *[f"{report.metrics[f'EventSim-{k}']:.1f}" for k in ("F1", "precision", "recall")],
        str(report.n_scored),
    )
    console.print(table)
    print_warnings(err, report)
    paths = write_caption_outputs(scores, out)
    console.print("wrote " + ", ".join(str(p) for p in paths[:2]), markup=False, highlight=False)
