"""``videoeval sbs create | serve | results``: blind human side-by-side studies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from videoeval.cli.common import (
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    app,
    console,
    err,
    exit_codes,
    say,
)

sbs_app = typer.Typer(
    help="Blind side-by-side studies: people compare two systems' descriptions of each clip.",
    no_args_is_help=True,
)
app.add_typer(sbs_app, name="sbs")


@sbs_app.command("create")
def create(
    sources: Annotated[
        list[Path],
        typer.Argument(help="Two or more run folders or caption answer files of the benchmark."),
    ],
    benchmark: Annotated[str, typer.Option("--benchmark", "-b", help="The benchmark id.")],
    annotations: Annotated[
        Path, typer.Option("--annotations", "-a", help="Its annotation file (categories, ids).")
    ],
    videos: Annotated[Path, typer.Option(help="The folder of its videos (served to annotators).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The study file to make (.sqlite).")],
    annotator: Annotated[
        list[str], typer.Option("--annotator", help="An annotator's name; repeat for each.")
    ],
    label: Annotated[
        list[str] | None,
        typer.Option(help="A name per source, in order (default: the run's model)."),
    ] = None,
    per_category: Annotated[
        int | None,
        typer.Option(help="Items per category (stratified, seeded); default every sample."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many samples (seeded).")] = None,
    overlap: Annotated[
        int,
        typer.Option(
            help="How many annotators judge each item (2 or more gives agreement figures)."
        ),
    ] = 1,
    gold: Annotated[
        Path | None,
        typer.Option(
            help="JSONL of gold items {sample_id, better, worse}: shown to every annotator."
        ),
    ] = None,
    criterion: Annotated[
        list[str] | None,
        typer.Option(
            help="The criteria (default: overall, accuracy, completeness, hallucination)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Sampling and left/right seed.")] = 0,
) -> None:
    """Make a study: a stratified sample of the benchmark's clips, each compared between every
    pair of the sources, sides drawn per annotator and item, and a private link per annotator
    (shown once, also written beside the study with owner-only permissions).

    Example:\\n
      videoeval sbs create runs/mine runs/gpt-4o -b dream1k -a DREAM-1k.jsonl --videos
      videos/dream1k --per-category 50 --annotator ana --annotator ben --overlap 2 -o sbs.sqlite
    """
    from videoeval.errors import UsageError
    from videoeval.sbs.create import DEFAULT_CRITERIA, create_study, read_source

    with exit_codes():
        if label and len(label) != len(sources):
            raise UsageError(f"give one --label per source ({len(sources)}), or none")
        if per_category is not None and limit is not None:
            raise UsageError("give --per-category or --limit, not both")
        found = [read_source(p, label[k] if label else None) for k, p in enumerate(sources)]
        made = create_study(out, benchmark, annotations, videos, found, list(annotator),
                            overlap, per_category, limit, seed, gold,
                            tuple(criterion) if criterion else DEFAULT_CRITERIA)  # fmt: skip
    tokens = out.with_suffix(".links.txt")
    tokens.write_text("".join(f"{n}\t{link}\n" for n, link in made.links.items()), "utf-8")
    os.chmod(tokens, 0o600)
    say(f"study {made.path}: {made.items} items ({', '.join(made.systems)}), {made.gold} gold")
    for name, count in made.missing.items():
        if count:
            say(f"{name}: {count} samples without a description were left out")
    say(f"annotator links (append to the server's address; also in {tokens}):")
    for name, link in made.links.items():
        say(f"  {name}: {link}")


@sbs_app.command("serve")
def serve(
    study: Annotated[Path, typer.Argument(help="The study file.")],
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: the LAN).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
) -> None:
    """Serve the study to its annotators: each opens http://HOST:PORT/a/<token> (their link),
    sees the clip and the two descriptions with their sources hidden, and judges with the mouse
    or the keys 1 / 2 / 3, r, Enter. Judgements are stored as they are submitted; stop with
    Ctrl-C and serve again to resume."""
    from videoeval.sbs.server import serve as run_server
    from videoeval.sbs.store import open_study

    with exit_codes():
        open_study(study).close()
        say(f"serving {study} on http://{host}:{port}/a/<token> (Ctrl-C stops)")
        run_server(study, host, port)


@sbs_app.command("results")
def results(
    study: Annotated[Path, typer.Argument(help="The study file.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for the results files.")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Resamples of items for the intervals.")] = 2000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    judge_model: Annotated[
        str | None,
        typer.Option(help="Also ask the video-aware judge on the same pairs and compare."),
    ] = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
    cache: Annotated[Path | None, typer.Option(help="The judge's call and frame cache.")] = None,
) -> None:
    """Win / tie / loss and the advantage rate (win - loss) of each pair of systems, with a
    bootstrap interval over items, per criterion and category; agreement between annotators;
    gold accuracy; position bias; with --judge-model, how often our video-aware judge agrees
    with the people on the same pairs."""
    from videoeval.api.sync import run_sync
    from videoeval.errors import UsageError
    from videoeval.options import JudgeOptions
    from videoeval.sbs.report import write_results
    from videoeval.sbs.results import read_judgements, study_results
    from videoeval.sbs.store import open_study

    with exit_codes():
        given = [judge_base_url, judge_api_key_env, cache]
        if judge_model is None and any(v is not None for v in given):
            raise UsageError("--judge-base-url, --judge-api-key-env and --cache apply only with "
                             "--judge-model")  # fmt: skip
        db = open_study(study)
        try:
            figures = study_results(db, bootstrap, seed)
            if not figures["judgements"]:
                from videoeval.errors import NothingToScoreError

                raise NothingToScoreError(f"{study} holds no judgement yet")
            if judge_model is not None:
                from videoeval.sbs.judged import human_judge_agreement, judge_items

                options = JudgeOptions(judge_model, judge_backend, judge_base_url,
                                       judge_api_key_env, cache=cache)  # fmt: skip
                verdicts, info = run_sync(judge_items(db, options, seed=seed))
                figures["judge"] = info
                figures["judge_agreement"] = human_judge_agreement(
                    read_judgements(db), verdicts, figures["criteria"]
                )
        finally:
            db.close()
        files = write_results(figures, out or study.with_suffix("") / "results")
    for row in figures["comparisons"]:
        first = row["criteria"][figures["criteria"][0]]
        console.print(f"{row['system']} vs {row['versus']} ({figures['criteria'][0]}): "
                      f"{first['win']} / {first['tie']} / {first['loss']}, advantage "
                      f"{first['advantage']:+.1f}%", markup=False)  # fmt: skip
    bias = figures["position_bias"]
    if bias["p_value"] < 0.05:
        err.print(f"left wins {bias['left']}, right {bias['right']}: p = {bias['p_value']:.3f}, "
                  "a position bias", markup=False)  # fmt: skip
    say(f"wrote {', '.join(str(f) for f in files)}")
