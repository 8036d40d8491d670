"""``videoeval data check``: is an annotation file the benchmark's published test set?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from videoeval.cli.common import app, console, exit_codes, say

data_app = typer.Typer(help="Check benchmark data files.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("check")
def check(
    benchmark: Annotated[str, typer.Argument(help="Benchmark id (see `videoeval list`).")],
    file: Annotated[Path, typer.Argument(help="The annotation file to check.")],
    task: Annotated[str | None, typer.Option(help="Only this view of the benchmark.")] = None,
) -> None:
    """Say whether FILE is the benchmark's published test set: its SHA-256 against the copies
    videoeval was validated on, and each view's sample count against the published one.
    Exits 1 when neither holds (scores on it would not compare with the published tables)."""
    from videoeval.datacheck import check_file

    with exit_codes():
        result = check_file(benchmark, file, task)
    table = Table(title=f"{result.benchmark}: {result.file}")
    for column in ("view", "samples", "skipped", "published", "verdict"):
        table.add_column(column)
    for view in result.views:
        verdict = {True: "matches", False: "differs", None: "no published count"}[view.matches]
        table.add_row(view.task, "-" if view.samples is None else f"{view.samples:,}",
                      str(view.skipped), " or ".join(f"{n:,}" for n in view.published) or "-",
                      view.problem or verdict)  # fmt: skip
    console.print(table)
    if result.known_as:
        say(f"sha256 {result.sha256}: the validated copy {result.known_as}")
    else:
        say(f"sha256 {result.sha256}: not a copy videoeval was validated on")
    if not result.ok:
        say("not the published test set: figures on it do not compare with published tables")
        raise typer.Exit(1)
