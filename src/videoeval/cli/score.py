"""``videoeval score``: score a prediction file, or re-score a run folder, on one benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from videoeval.cli.common import (
    DENSE,
    GROUNDING,
    JUDGE,
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    NoJudgeSchema,
    command,
    console,
    err,
    exit_codes,
    given_options,
    print_counts,
    say,
)
from videoeval.cli.progress import progress
from videoeval.cli.tables import category_table, metrics_table, print_warnings

if TYPE_CHECKING:  # the library loads when a command runs: `--help` starts without it
    from videoeval.api.score import ScoreOutcome, ScoreRequest


def print_outcome(outcome: ScoreOutcome) -> None:
    from videoeval.report.headlines import headline_names

    report = outcome.report
    if report.by_category:
        names = list(outcome.protocol.category_columns) or [
            n for n in headline_names(report.protocol, report.task) if n in report.metrics
        ]
        console.print(category_table(report, names, f"{report.benchmark} · {report.protocol}"))
    console.print(metrics_table(report, outcome.layout))
    print_warnings(err, report)


def _score_with_progress(request: ScoreRequest) -> ScoreOutcome:
    from videoeval.api import score

    if request.judge is None:
        if not err.is_terminal:
            return score(request)
        # A spinner, so a long run (dense captioning's Java metrics: about a minute on
        # ActivityNet val_1 + val_2) is visibly working; nothing is drawn in logs.
        with err.status(f"scoring {request.benchmark}", spinner="dots"):
            return score(request)
    with progress("judging clips", None) as advance:
        return score(request, lambda: advance(""))


@command("score")
def score_command(
    ctx: typer.Context,
    benchmark: Annotated[str, typer.Argument(help="Benchmark id (see `videoeval list`).")],
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", "-p", help="Your prediction file; its layout is detected."),
    ] = None,
    annotations: Annotated[
        Path | None,
        typer.Option("--annotations", "-a", help="The benchmark's GT file (etbench: none)."),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option(
            help="Scoring protocol; it also picks the task (grounding, dense ...). "
            "Default: the benchmark's, or the one the file's layout calls for."
        ),
    ] = None,
    from_run: Annotated[
        Path | None,
        typer.Option(
            help="Re-score a `videoeval run` folder (its responses.jsonl): no model "
            "call. Give -a too; --protocol may differ from the run's."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where metrics.json and samples.jsonl go "
            "(default videoeval-out/score/<benchmark>-<protocol>-<predictions file or run "
            "folder name>: two files never share a folder).",
        ),
    ] = None,
    model_name: Annotated[
        str | None, typer.Option(help="The evaluated model's name, for reports.")
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap resamples for 95% CIs (0: none).")
    ] = 1000,
    seed: Annotated[
        int, typer.Option(help="Seed of the bootstrap (and of random junk strings).")
    ] = 0,
    bootstrap_method: Annotated[
        str,
        typer.Option(
            help="How continuous values (an IoU, a score) are resampled: poisson (Poisson(1) "
            "weights, summed while the file is read; the classical draw below 10,000 values), "
            "percentile-blocked (in cache-sized blocks; the classical draw below 750,000) or "
            "percentile (the classical draw). 0/1 values are drawn as the exact binomial."
        ),
    ] = "poisson",
    durations: Annotated[
        Path | None,
        typer.Option(
            help="Video durations (JSON {vid: s} or CSV id,length).", rich_help_panel=GROUNDING
        ),
    ] = None,
    missing: Annotated[
        str | None,
        typer.Option(
            help="GT queries without prediction: 'exclude' from N or count as 'miss'. "
            "Default: the protocol's rule.",
            rich_help_panel=GROUNDING,
        ),
    ] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            help="AutoDQ judge model (without it: the offline EventSim).", rich_help_panel=JUDGE
        ),
    ] = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
    judge_temperature: Annotated[
        str,
        typer.Option(
            help="A number, or 'default' to leave it unset (the reference).", rich_help_panel=JUDGE
        ),
    ] = "0",
    judge_seed: Annotated[
        int | None, typer.Option(help="Seed passed to the judge.", rich_help_panel=JUDGE)
    ] = None,
    judge_samples: Annotated[
        int, typer.Option(min=1, help="Judge each event K times (majority).", rich_help_panel=JUDGE)
    ] = 1,
    judge_concurrency: Annotated[
        int, typer.Option(min=1, help="Judge calls in flight.", rich_help_panel=JUDGE)
    ] = 32,
    judge_backoff: Annotated[
        float, typer.Option(help="Base of the backoff between retries, s.", rich_help_panel=JUDGE)
    ] = 1.0,
    prompt_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder with autodq_*.txt prompts (the official ones).", rich_help_panel=JUDGE
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(help="Cache folder (default ~/.cache/videoeval).", rich_help_panel=JUDGE),
    ] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(help="Another reference file (val_2 beside val_1).", rich_help_panel=DENSE),
    ] = None,
    no_language: Annotated[
        bool,
        typer.Option("--no-language", help="P/R only (no Java needed).", rich_help_panel=DENSE),
    ] = False,
    soda_missing: Annotated[
        str,
        typer.Option(
            help="'drop' GT videos without predictions (reference) or 'zero'.",
            rich_help_panel=DENSE,
        ),
    ] = "drop",
    soda_average: Annotated[
        str,
        typer.Option(
            help="'videos' = mean of per-video P, R, F1 (fujiso/SODA @ 9cb3e2c, "
            "PDVC) or 'corpus' = totals, one F1 (@ 356ec65).",
            rich_help_panel=DENSE,
        ),
    ] = "videos",
    subset: Annotated[
        Path | None,
        typer.Option(
            help="Score only these clips: `audit --export-clean`'s clean_subset.json, or a "
            "JSON list of ids (a sample is kept when its id or its video id is listed)."
        ),
    ] = None,
    videos: Annotated[
        Path | None,
        typer.Option(
            help="joint: the videos (the judge sees each predicted event's frames).",
            rich_help_panel=JUDGE,
        ),
    ] = None,
    judge_frames: Annotated[
        int,
        typer.Option(
            min=1,
            help="joint: frames per predicted event, uniform in its span.",
            rich_help_panel=JUDGE,
        ),
    ] = 8,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="joint: count the judge calls and frames; ask nothing.",
            rich_help_panel=JUDGE,
        ),
    ] = False,
    no_frame_evidence: Annotated[
        bool,
        typer.Option(
            "--no-frame-evidence",
            help="joint: the judge decides without listing what the frames show first "
            "(the ablation).",
            rich_help_panel=JUDGE,
        ),
    ] = False,
    no_judge_schema: NoJudgeSchema = False,
) -> None:
    """Score an existing prediction file (or re-score a run folder) against a benchmark's GT.

    The protocol decides the task: a grounding file is never scored as dense captioning, nor
    the other way round. Options that do not apply to the protocol's task are refused.
    Writes OUT/metrics.json and OUT/samples.jsonl (one row per scored query, clip or video).

    Examples:\n
      videoeval score charades-sta -a charades_test.json -p fmt_result.json --protocol timechat\n
      videoeval score activitynet-captions -a val_1.json --reference val_2.json -p results.json\n
      videoeval score timelens-charades -a charades-timelens.json --from-run runs/qwen3
    """
    values = dict(locals())
    from videoeval.api.score import ScoreRequest, price, resolve
    from videoeval.cli.groups import groups
    from videoeval.engine.lock import folder_lock
    from videoeval.errors import NothingToScoreError, UsageError
    from videoeval.options import ScoringOptions
    from videoeval.outputs import write_causes

    with exit_codes():
        if bootstrap == 0 and "bootstrap_method" in given_options(ctx):
            raise UsageError("--bootstrap-method does not apply to --bootstrap 0 (no intervals)")
        request = ScoreRequest(
            benchmark=benchmark, predictions=predictions, annotations=annotations,
            protocol=protocol, from_run=from_run, subset=subset, model_name=model_name,
            scoring=ScoringOptions(bootstrap, seed, bootstrap_method),
            **groups(ctx, values, given_options(ctx)),
        )  # fmt: skip
        if dry_run:
            print_counts(f"dry run: {benchmark}, protocol {protocol or '-'}", price(request))
            return
        resolved = resolve(request)
        if resolved.note:
            err.print(resolved.note, markup=False, highlight=False, soft_wrap=True)
        source = predictions or from_run
        stem = f"-{source.stem}" if source is not None else ""
        folder = out or Path("videoeval-out/score") / f"{benchmark}-{resolved.protocol.name}{stem}"
        # One writer per folder: two scorings into one folder would leave one's metrics.json
        # beside the other's samples.jsonl.
        with folder_lock(folder):
            try:
                outcome = _score_with_progress(request)
            except NothingToScoreError as exc:
                written = write_causes(folder, exc.rows, exc.files)
                if written:
                    exc.args = (f"{exc} (each sample's cause: {written[0]})",)
                raise
            paths = outcome.write(folder)
    err.print(f"predictions read as [bold]{outcome.layout}[/bold] layout", highlight=False)
    print_outcome(outcome)
    say("wrote " + ", ".join(str(p) for p in paths))
