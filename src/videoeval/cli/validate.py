"""``videoeval validate``: check that files belong together before scoring them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from videoeval.cli.common import command, console, err, exit_codes, given_options


@command("validate")
def validate_command(
    ctx: typer.Context,
    benchmark: Annotated[str, typer.Argument(help="Benchmark id (see `videoeval list`).")],
    annotations: Annotated[
        Path | None, typer.Option("--annotations", "-a", help="The benchmark's GT file.")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", "-p", help="A prediction file to check.")
    ] = None,
    protocol: Annotated[
        str | None, typer.Option(help="The protocol you will score with (it picks the task).")
    ] = None,
    reference: Annotated[
        list[Path] | None, typer.Option(help="Dense captioning: another reference file.")
    ] = None,
    durations: Annotated[
        Path | None,
        typer.Option(help="Grounding: video durations (JSON {vid: s} or CSV id,length)."),
    ] = None,
) -> None:
    """Read the annotations (and predictions) as `score` would, join them, and report skipped
    lines, unmatched ids and unreadable answers, without scoring anything."""
    values = dict(locals())
    from videoeval.api.score import ScoreRequest
    from videoeval.api.validate import validate
    from videoeval.cli.groups import groups

    with exit_codes():
        result = validate(
            ScoreRequest(benchmark=benchmark, predictions=predictions, annotations=annotations,
                         protocol=protocol, **groups(ctx, values, given_options(ctx)))
        )  # fmt: skip
    table = Table(title=f"{benchmark} · {result.view} · protocol {result.protocol}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, value in result.counts:
        table.add_row(what, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    for problem in result.problems:
        err.print(f"[yellow]note:[/yellow] {escape(problem)}", highlight=False, markup=True)
