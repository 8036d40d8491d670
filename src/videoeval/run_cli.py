"""What ``videoeval run`` does between parsing its options and printing its table."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from videoeval.benchmarks.base import read_text
from videoeval.engine.cache import CallCache
from videoeval.engine.retry import RetryPolicy
from videoeval.engine.runner import Engine, FrameProtocol
from videoeval.models.base import GenerationSettings, Model
from videoeval.prompts.templates import PromptTemplate, load_template
from videoeval.prompts.video_labels import LABEL_TEMPLATES
from videoeval.report.terminal import print_warnings, score_table
from videoeval.runs import RunPlan, run_sync
from videoeval.video.frames import FrameCache
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec


def run_inputs(
    sampling: str,
    fps: float,
    min_frames: int,
    max_frames: int | None,
    nframes: int | None,
    max_pixels: int | None,
    min_pixels: int,
    total_pixels: int | None,
    factor: int,
    labels: str,
    video_mode: str,
    prompt_file: Path | None,
    system_file: Path | None,
    temperature: float,
    max_tokens: int,
    seed: int | None,
    task: str = "grounding",
) -> tuple[FrameProtocol, GenerationSettings, str | None, PromptTemplate]:
    """Validate the run options into the typed pieces the engine takes."""
    if labels not in LABEL_TEMPLATES:
        raise ValueError(f"--labels takes one of {', '.join(LABEL_TEMPLATES)}")
    if video_mode not in ("frames", "video"):
        raise ValueError("--video-mode takes 'frames' or 'video'")
    try:
        spec = SamplingSpec.model_validate(
            {
                "kind": sampling,
                "fps": fps,
                "min_frames": min_frames,
                "max_frames": max_frames,
                "nframes": nframes,
            }
        )
    except ValueError as exc:  # pydantic's message names the field
        raise ValueError(f"sampling options: {exc}") from None
    budget = None
    if max_pixels is not None or total_pixels is not None:
        budget = PixelBudget(
            factor=factor,
            min_pixels=min_pixels,
            max_pixels=max_pixels or 768 * factor * factor,
            total_pixels=total_pixels,
        )
    frames = FrameProtocol(spec=spec, budget=budget, labels=labels, mode=video_mode)  # type: ignore[arg-type]
    settings = GenerationSettings(temperature=temperature, max_tokens=max_tokens, seed=seed)
    system = read_text(system_file) if system_file else None
    if task == "captioning":
        template = load_template(prompt_file, "captioning_default.txt", set())
    else:
        template = load_template(prompt_file, "grounding_default.txt", {"query"})
    return frames, settings, system, template


def make_model(
    backend: str,
    model: str,
    base_url: str | None,
    api_key_env: str | None,
    timeout: float,
    concurrency: int,
) -> Model:
    if backend == "openai":
        from videoeval.models.openai_compatible import OpenAICompatible

        if not base_url:
            raise ValueError("--base-url is needed for an OpenAI-compatible server")
        return OpenAICompatible(model, base_url, api_key_env, timeout, concurrency)
    if backend == "gemini":
        from videoeval.models.gemini import Gemini

        return Gemini(model, base_url, api_key_env or "GEMINI_API_KEY", timeout, concurrency)
    raise ValueError("--backend takes 'openai' or 'gemini'")


def cache_root(cache_dir: Path | None) -> Path:
    if cache_dir is not None:
        return cache_dir
    return Path(os.environ.get("VIDEOEVAL_CACHE") or Path.home() / ".cache" / "videoeval")


def execute_with_progress(
    plan: RunPlan,
    frames: FrameProtocol,
    settings: GenerationSettings,
    system: str | None,
    model: Model,
    videos: Path,
    out: Path,
    cache_dir: Path | None,
    concurrency: int,
    retry: RetryPolicy,
    console: Console,
    err: Console,
) -> None:
    root = cache_root(cache_dir)
    engine = Engine(
        model,
        CallCache(root / "calls.sqlite"),
        FrameCache(root / "frames"),
        videos,
        frames,
        settings,
        system,
        concurrency,
        retry=retry,
    )
    failures = 0
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[failed]}"),
    )
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(plan.benchmark_id, total=len(plan.items), rate="", failed="")
        started = time.perf_counter()

        def on_row(row: dict[str, Any]) -> None:
            nonlocal failures
            failures += row["status"] != "ok"
            done = progress.tasks[0].completed + 1
            rate = done / max(time.perf_counter() - started, 1e-9)
            failed = f"{failures} failed" if failures else ""
            progress.update(task, advance=1, rate=f"{rate:.1f}/s", failed=failed)

        stats, result = run_sync(plan, engine, out, on_row)
        progress.update(task, completed=len(plan.items))
    console.print(
        f"{stats.total} queries: {stats.resumed} already done, {stats.cached} from cache, "
        f"{stats.called} called ({stats.retries} retries); statuses: {dict(stats.statuses)}",
        markup=False,
        highlight=False,
    )
    if result is not None:
        console.print(score_table(result.report, "videoeval run"))
        print_warnings(err, result.report)
    console.print(f"run folder: {out}", markup=False, highlight=False)
