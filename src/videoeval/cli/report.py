"""``videoeval report``: leaderboard, plots and a per-sample viewer for run folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from videoeval.cli.common import command, exit_codes, say


@command("report")
def report(
    runs: Annotated[
        list[Path],
        typer.Argument(help="Folders written by score, run, suite, audit, pairs or rollouts."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where report.html goes.")] = Path(
        "videoeval-out/report"
    ),
    title: Annotated[str, typer.Option(help="Page title.")] = "videoeval report",
    videos: Annotated[
        Path | None,
        typer.Option(help="Video folder: adds frame thumbnails to samples that record frames."),
    ] = None,
    subset: Annotated[
        Path | None,
        typer.Option(
            help="An audit's clean_subset.json: adds each run's score and rank on the clean "
            "subset beside those on every sample."
        ),
    ] = None,
) -> None:
    """Write OUT/report.html (self-contained: open it in any browser, no server) and
    OUT/leaderboard.md.

    The page holds a sortable leaderboard with CIs, paired bootstrap differences between runs of
    the same benchmark, plots (IoU histogram and R1@tau for grounding, per-category F1 for
    captions, audit error rates and judge agreement), and every sample with filters.
    """
    from videoeval.report.html import write_report
    from videoeval.report.load import load_run
    from videoeval.report.training_data import load_training_folder

    with exit_codes():
        loaded, training = [], []
        for folder in runs:
            made = None if (folder / "metrics.json").exists() else load_training_folder(folder)
            if made is not None:
                training.append(made)
            else:
                loaded.append(load_run(folder))
        ids = None
        if subset is not None:
            from videoeval.scoring.audit_export import read_subset

            ids = read_subset(subset)
        html_path, md_path = write_report(loaded, out, title, videos, ids, training)
    say(f"wrote {html_path} and {md_path}")
