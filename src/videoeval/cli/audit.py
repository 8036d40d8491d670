"""``videoeval audit``: check a benchmark's GT against the frames with a video-aware judge.

Every benchmark with an ``audit`` view can be audited; the view says how (descriptions judged
as a whole, ``gt-audit`` / ``two-sided``, or timed events one by one, ``timed``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from videoeval.cli.common import (
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
)
from videoeval.cli.progress import progress
from videoeval.cli.rejudge import print_rejudge
from videoeval.cli.tables import print_warnings

if TYPE_CHECKING:  # the library loads when the command runs: `--help` starts without it
    from videoeval.api.audit import AuditOutcome, AuditRequest


@command("audit")
def audit_command(
    ctx: typer.Context,
    benchmark: Annotated[
        str, typer.Argument(help="A benchmark with an audit view (see `videoeval list`).")
    ],
    annotations: Annotated[Path, typer.Option("--annotations", "-a", help="The GT file.")],
    videos: Annotated[Path, typer.Option(help="Folder with <video id>.mp4.")],
    judge_model: Annotated[str, typer.Option(help="A multimodal judge model.")],
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
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
        float | None,
        typer.Option(
            help="Judge temperature. Default: 0 for one run; with --runs K > 1 the judge's own "
            "sampling default (not sent), so the K runs are independent judgements (at 0 a "
            "deterministic judge answers K times the same, and consensus equals loose)."
        ),
    ] = None,
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
    no_frame_evidence: Annotated[
        bool,
        typer.Option(
            "--no-frame-evidence",
            help="The judge judges without first listing what the frames show (the ablation; "
            "our prompts only).",
        ),
    ] = False,
    no_judge_schema: NoJudgeSchema = False,
    export_clean: Annotated[
        Path | None,
        typer.Option(
            help="Also write the GT with the errors marked (gt_marked.jsonl), the clean subset "
            "(clean_subset.json, for `score --subset`) and a manifest into this folder."
        ),
    ] = None,
) -> None:
    """Audit GT descriptions with a judge that sees the frames, K runs per clip.

    Reports loose (an error in any run), consensus (in every run) and tight (factual score <= 5
    in every run) rates, per category, with each clip's errors and their frame evidence.
    """
    options = dict(locals())
    options.pop("ctx")
    from videoeval.api.audit import AuditRequest
    from videoeval.api.audit import audit as run_audit

    price = options.pop("price_per_million_tokens")
    options["frame_evidence"] = not options.pop("no_frame_evidence")
    options["judge_schema"] = not options.pop("no_judge_schema")
    dry = options.pop("dry_run")
    with exit_codes():
        # the other sampling's frame option would be dropped without a word
        unused = {"nframes"} if sampling == "fps" else {"fps"}
        refuse_inapplicable(ctx, given_options(ctx) & unused, set(), f"--sampling {sampling}")
        if rejudge is not None:
            refuse_inapplicable(ctx, given_options(ctx) & {"export_clean", "no_frame_evidence"},
                                set(), "--rejudge")  # fmt: skip
        if prompt_file is not None:
            refuse_inapplicable(ctx, given_options(ctx) & {"no_frame_evidence"}, set(),
                                "--prompt-file (your prompt decides its own steps)")  # fmt: skip
        request = AuditRequest(**options)
        if dry:
            _dry_run(request, price)
            return
        label = "re-judging clips" if rejudge is not None else "auditing clips"
        with progress(label, None) as advance:
            outcome = run_audit(request, on_clip=lambda: advance(""))
    if rejudge is not None:
        print_rejudge(request, outcome.report.metrics)
    else:
        _print_audit(request, outcome)


def _dry_run(request: AuditRequest, price_per_million_tokens: float | None) -> None:
    from videoeval.api.audit import audit_plan
    from videoeval.engine.run_folder import RunPlan, dry_run
    from videoeval.engine.runner import WorkItem

    inputs = audit_plan(request)
    items = [WorkItem(s.sample_id, s.video_id, inputs.prompt) for s in inputs.samples]
    plan = RunPlan(request.benchmark, "audit", inputs.samples, items, {})
    counts = dry_run(plan, request.videos, inputs.frames)
    calls = counts["calls_at_most"] * request.runs
    tokens = counts["estimated_prompt_tokens"] * request.runs
    table = Table(title=f"audit dry run: {len(inputs.samples)} clips x {request.runs} runs")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in (
        ("judge calls", calls),
        ("frames per run", counts["frames"]),
        ("estimated input tokens", tokens),
        ("videos missing", counts["videos_missing"]),
    ):
        table.add_row(name, f"{value:,}")
    if price_per_million_tokens is not None:
        cost = tokens / 1e6 * price_per_million_tokens
        table.add_row("estimated input cost", f"{cost:,.2f}")
    console.print(table)


def _print_audit(request: AuditRequest, outcome: AuditOutcome) -> None:
    report = outcome.report
    title = (f"{request.benchmark} GT audit · {report.protocol} · {request.runs} runs · "
             f"{request.judge_model}")  # fmt: skip
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
    print_warnings(err, report)
    judge = report.judge or {}
    console.print(
        f"judge calls {judge.get('calls')}, cached {judge.get('cached')}, schema retries "
        f"{judge.get('schema_retries')}; not audited: {report.failures or 'none'}; "
        f"wrote {request.out}",
        markup=False,
        highlight=False,
    )
