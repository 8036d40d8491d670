"""``videoeval audit``: check a benchmark's GT against the frames with a video-aware judge.

Every benchmark with an ``audit`` view can be audited; the view says how (descriptions judged
as a whole, ``gt-audit`` / ``two-sided``, or timed events one by one, ``timed``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from videoeval.benchmarks import BENCHMARKS
from videoeval.cli.common import command, console, exit_codes
from videoeval.cli.progress import progress
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.outputs import write_report

if TYPE_CHECKING:
    from videoeval.engine.runner import FrameProtocol
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.models.base import Model

AUDITABLE = tuple(b.id for b in BENCHMARKS.values() if "audit" in b.tasks)


@command("audit")
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
    runs: Annotated[
        int, typer.Option(min=1, help="Independent judge runs per clip (consensus).")
    ] = 4,
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
    nframes: Annotated[int | None, typer.Option(min=1, help="Frames for uniform / centres.")] = 16,
    fps: Annotated[float, typer.Option(help="Frames per second for --sampling fps.")] = 2.0,
    max_pixels: Annotated[int | None, typer.Option(help="Pixel budget per frame.")] = 448 * 448,
    labels: Annotated[str, typer.Option(help="'per-frame', 'qwen3' or 'none'.")] = "per-frame",
    temperature: Annotated[
        float,
        typer.Option(
            help="Judge temperature. Each run has its own seed (--seed + run): at "
            "temperature 0 a deterministic judge still gives K identical runs."
        ),
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of run 0; run k gets seed + k.")] = 0,
    concurrency: Annotated[int, typer.Option(min=1, help="Judge calls in flight.")] = 64,
    backoff: Annotated[float, typer.Option(help="Base of the backoff between retries, s.")] = 1.0,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N clips.")] = None,
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
    with exit_codes():
        if benchmark not in AUDITABLE:
            raise UsageError(f"audit covers {', '.join(AUDITABLE)}, not {benchmark!r}")
        _audit(locals())


@dataclass
class AuditInputs:
    samples: list[Any]
    mode: str
    prompt: str
    source: str
    sha: str
    frames: FrameProtocol


def _inputs(o: dict[str, Any]) -> AuditInputs:
    """Samples of the audit view, the judging mode and prompt, and the frames the judge sees."""
    from videoeval.engine.runner import FrameProtocol
    from videoeval.judges.video_judge import Mode, load_video_prompt
    from videoeval.video.resize import PixelBudget
    from videoeval.video.sampling import SamplingSpec

    view = BENCHMARKS[o["benchmark"]].view("audit")
    samples = view.load(o["annotations"]).samples
    if o["limit"]:
        samples = samples[: o["limit"]]
    mode: Mode = "two-sided" if o["candidates"] else "gt-audit"
    if view.default_protocol == "timed":  # timed events: text and span checked one by one
        if o["candidates"] or o["rejudge"]:
            raise UsageError(f"{o['benchmark']} audits check the GT's timed events only")
        mode = "timed"
    if o["rejudge"] is not None:
        from videoeval.judges.rejudge import load_rejudge_prompt

        prompt, sha = load_rejudge_prompt(o["prompt_file"])
        source = o["prompt_file"].name if o["prompt_file"] else "videoeval:video_rejudge.txt"
    else:
        prompt, source, sha = load_video_prompt(mode, o["prompt_file"])
    nframes = o["nframes"] if o["sampling"] != "fps" else None
    spec = SamplingSpec.model_validate({"kind": o["sampling"], "nframes": nframes, "fps": o["fps"]})
    budget = PixelBudget(max_pixels=o["max_pixels"]) if o["max_pixels"] else None
    frames = FrameProtocol(spec=spec, budget=budget, labels=o["labels"])
    return AuditInputs(samples, mode, prompt, source, sha, frames)


def _dry_run(o: dict[str, Any], inputs: AuditInputs) -> None:
    from videoeval.engine.runner import WorkItem
    from videoeval.runs import RunPlan, dry_run

    items = [WorkItem(s.sample_id, s.video_id, inputs.prompt) for s in inputs.samples]
    plan = RunPlan(o["benchmark"], "audit", inputs.samples, items, {})
    counts = dry_run(plan, o["videos"], inputs.frames)
    calls = counts["calls_at_most"] * o["runs"]
    tokens = counts["estimated_prompt_tokens"] * o["runs"]
    table = Table(title=f"audit dry run: {len(inputs.samples)} clips x {o['runs']} runs")
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


def _auditor(o: dict[str, Any], inputs: AuditInputs) -> tuple[Auditor, JudgeClient, Model]:
    from videoeval.engine.cache import CallCache
    from videoeval.engine.retry import RetryPolicy
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.models.base import GenerationSettings
    from videoeval.models.factory import cache_root, make_model
    from videoeval.predictions.captions import read_caption_predictions
    from videoeval.video.frames import FrameCache

    model = make_model(o["judge_backend"], o["judge_model"], o["judge_base_url"],
                       o["judge_api_key_env"], 300.0, o["concurrency"])  # fmt: skip
    if problem := model.check():
        raise EnvironmentProblem(f"the judge cannot be asked: {problem}")
    root = cache_root(o["cache"])
    settings = GenerationSettings(temperature=o["temperature"], max_tokens=2048)
    retry = RetryPolicy(base_delay=o["backoff"])
    client = JudgeClient(model, CallCache(root / "calls.sqlite"), settings, retry,
                         concurrency=o["concurrency"])  # fmt: skip
    candidates = read_caption_predictions(o["candidates"]).texts if o["candidates"] else None
    frame_cache = FrameCache(root / "frames")
    auditor = Auditor(client, inputs.prompt, inputs.mode, o["videos"], inputs.frames,  # type: ignore[arg-type]
                      frame_cache, o["runs"], candidates, seed=o["seed"])  # fmt: skip
    return auditor, client, model


def _audit(o: dict[str, Any]) -> None:
    from videoeval.scoring.audit import audit_report

    inputs = _inputs(o)
    if o["dry_run"]:
        _dry_run(o, inputs)
        return
    auditor, client, model = _auditor(o, inputs)
    if o["rejudge"] is not None:
        from videoeval.cli.rejudge import rejudge

        rejudge(
            o, inputs.samples, auditor, client, model, {"frames": inputs.frames.spec.describe()}
        )
        return

    async def main():  # type: ignore[no-untyped-def]
        try:
            with progress("auditing clips", len(inputs.samples)) as advance:
                return await auditor.audit_all(inputs.samples, lambda: advance(""))
        finally:
            await model.aclose()

    outcomes = asyncio.run(main())
    info = {
        **model.identity(), "settings": client.settings.model_dump(mode="json"),
        "prompt_sha256": inputs.sha, "prompt_source": inputs.source,
        "frames": inputs.frames.spec.describe(), "calls": client.stats.calls,
        "run_seeds": [auditor.run_seed(k) for k in range(o["runs"])],
        "cached": client.stats.cached, "schema_retries": client.stats.schema_retries,
    }  # fmt: skip
    report, rows = audit_report(o["benchmark"], outcomes, inputs.mode, o["runs"], info)  # type: ignore[arg-type]
    write_report(o["out"], report, samples=rows)
    _print_audit(o, inputs.mode, report, client)


def _print_audit(o: dict[str, Any], mode: str, report: Any, client: JudgeClient) -> None:
    title = f"{o['benchmark']} GT audit · {mode} · {o['runs']} runs · {o['judge_model']}"
    table = Table(title=title)
    for column in ("category", "clips", "loose %", "consensus %", "tight %"):
        table.add_column(column, justify="left" if column == "category" else "right")
    names = ("loose", "consensus", "tight")
    for category, values in (report.by_category or {}).items():
        rates = [f"{values[f'{k}_rate']:.1f}" for k in names]
        table.add_row(category, str(int(values["n"])), *rates)
    table.add_section()
    rates = [f"{report.metrics[f'{k}_rate']:.1f}" for k in names]
    table.add_row("all", str(report.n_scored), *rates)
    console.print(table)
    stats = client.stats
    console.print(
        f"judge calls {stats.calls}, cached {stats.cached}, schema retries "
        f"{stats.schema_retries}; not audited: {report.failures or 'none'}; wrote {o['out']}",
        markup=False,
        highlight=False,
    )
