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
from videoeval.predictions.captions import CaptionPredictions, read_caption_predictions
from videoeval.report.terminal import print_warnings
from videoeval.run_cli import cache_root, make_model
from videoeval.schema import CaptionSample
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
    samples = get_benchmark(benchmark_id).load(annotations).samples
    predictions = read_caption_predictions(predictions_path)
    judge_and_write(benchmark_id, samples, predictions, out, judge, console, err)


def judge_and_write(
    benchmark_id: str,
    samples: list[CaptionSample],
    predictions: CaptionPredictions,
    out: Path,
    judge: dict[str, Any],
    console: Console,
    err: Console,
) -> None:
    """AutoDQ with the judge described by ``judge`` (CLI options), then the outputs."""
    benchmark = get_benchmark(benchmark_id)
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
        f"{len(samples)} clips, predictions read as {predictions.layout}; AutoDQ on "
        f"{' and '.join(aspects)} with judge {model.identity()['model']}",
        markup=False, highlight=False,
    )  # fmt: skip

    async def main():  # type: ignore[no-untyped-def]
        try:
            with Progress(
                TextColumn("[bold]judging"), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(), console=err,
            ) as progress:  # fmt: skip
                task = progress.add_task("clips", total=len(samples))
                return await judge_all(
                    samples, predictions, client, prompts, aspects, judge["samples"],
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
    scores = build_report(benchmark.id, samples, predictions, outcomes, info)
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
    samples = get_benchmark(benchmark_id).load(annotations).samples
    predictions = read_caption_predictions(predictions_path)
    eventsim_and_write(benchmark_id, samples, predictions, out, resamples, seed, console, err)


def eventsim_and_write(
    benchmark_id: str,
    samples: list[CaptionSample],
    predictions: CaptionPredictions,
    out: Path,
    resamples: int,
    seed: int,
    console: Console,
    err: Console,
) -> None:
    scores = eventsim_report(benchmark_id, samples, predictions, resamples, seed)
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


def judge_or_eventsim(
    benchmark_id: str,
    samples: list[CaptionSample],
    predictions: CaptionPredictions,
    out: Path,
    console: Console,
    err: Console,
    judge_model: str | None,
    resamples: int = 1000,
    seed: int = 0,
    **judge: Any,
) -> None:
    """AutoDQ when a judge model is named, else the offline EventSim (said on screen)."""
    if judge_model is None:
        err.print(
            "no --judge-model: scoring with EventSim, an offline embedding metric (not AutoDQ); "
            "pass --judge-model/--judge-base-url for AutoDQ",
            markup=False,
            highlight=False,
        )
        eventsim_and_write(benchmark_id, samples, predictions, out, resamples, seed, console, err)
        return
    options = {
        "backend": "openai", "base_url": None, "api_key_env": None, "temperature": "0",
        "seed": None, "samples": 1, "concurrency": 32, "prompt_dir": None, "cache": None,
        "timeout": 120.0, "retries": 6, "backoff": 1.0, "schema_attempts": 3, "max_tokens": 1024,
    }  # fmt: skip
    renamed = {"judge_seed": "seed", "judge_samples": "samples"}  # free the names for the run's
    options.update({renamed.get(k, k): v for k, v in judge.items() if v is not None})
    options["model"] = judge_model
    judge_and_write(benchmark_id, samples, predictions, out, options, console, err)
