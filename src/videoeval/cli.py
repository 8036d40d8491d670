"""The ``videoeval`` command line: demo, score, list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from videoeval import __version__
from videoeval.benchmarks import BENCHMARKS
from videoeval.errors import NothingToScoreError, VideoevalError
from videoeval.protocols.grounding import PROTOCOLS

app = typer.Typer(
    name="videoeval",
    help=(
        "Evaluate video language models on what happened and when.\n\n"
        "Start with `videoeval demo` (offline, no arguments), then `videoeval score` on your own "
        "prediction files. `videoeval list` shows every benchmark and protocol."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"videoeval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False)
    return typer.Exit(code)


@app.command()
def score(
    benchmark: Annotated[str, typer.Argument(help=f"Benchmark id: {', '.join(BENCHMARKS)}.")],
    annotations: Annotated[
        Path, typer.Option("--annotations", "-a", help="The benchmark's GT file.")
    ],
    predictions: Annotated[
        Path,
        typer.Option("--predictions", "-p", help="Your prediction file; its layout is detected."),
    ],
    protocol: Annotated[
        str | None,
        typer.Option(
            help=(
                f"Scoring protocol: {', '.join(PROTOCOLS)}. Default: the benchmark's official "
                "one (see `videoeval list`)."
            )
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where metrics.json and samples.jsonl go.")
    ] = Path("videoeval-out/score"),
    durations: Annotated[
        Path | None,
        typer.Option(
            help="Video durations (JSON {vid: s} or CSV id,length) for files without them."
        ),
    ] = None,
    missing: Annotated[
        str | None,
        typer.Option(
            help=(
                "GT queries without prediction: 'exclude' them from N or count each as a "
                "'miss'. Default: the protocol's rule."
            )
        ),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the 95% CIs (0 = none).")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
) -> None:
    """Score an existing prediction file against a benchmark's ground truth.

    Writes OUT/metrics.json (metrics, CIs, failures, protocol) and OUT/samples.jsonl (one row per
    query: raw answer, parsed span, scored span, IoU, status).

    Example:\n
      videoeval score charades-sta -a charades_test.json -p fmt_result.json --protocol timechat
    """
    from videoeval.report.terminal import print_warnings, score_table
    from videoeval.scoring.score import score_files, write_outputs

    if benchmark not in BENCHMARKS:
        raise _fail(f"unknown benchmark {benchmark!r}; known: {', '.join(BENCHMARKS)}", 2)
    if protocol is not None and protocol not in PROTOCOLS:
        raise _fail(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}", 2)
    if missing not in (None, "exclude", "miss"):
        raise _fail("--missing takes 'exclude' or 'miss'", 2)
    try:
        result = score_files(
            benchmark, annotations, predictions, protocol, durations, missing, bootstrap, seed
        )
    except NothingToScoreError as exc:
        raise _fail(str(exc), 1) from None
    except VideoevalError as exc:
        raise _fail(str(exc), 2) from None
    err.print(f"predictions read as [bold]{result.layout}[/bold] layout", highlight=False)
    metrics_path, samples_path = write_outputs(result, out)
    console.print(score_table(result.report, result.layout))
    print_warnings(err, result.report)
    console.print(
        f"wrote {escape(str(metrics_path))} and {escape(str(samples_path))}", highlight=False
    )


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where each protocol's outputs go.")
    ] = Path("videoeval-out/demo"),
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
) -> None:
    """Score TimeChat's published Charades-STA example predictions under every protocol.

    Offline and self-contained: the GT (3720 queries) and the 500 predictions ship with the
    package. Shows how much the scoring protocol alone moves the numbers.
    """
    from videoeval.demo import run_demo
    from videoeval.report.terminal import metric_names

    rows = run_demo(out, resamples=bootstrap)
    headline = ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU")
    names = [n for n in metric_names([r.result.report for r in rows]) if n in headline]
    table = Table(
        title="Charades-STA, TimeChat's 500 example predictions (280 empty), by protocol",
        caption="same predictions, same GT: only the scoring protocol differs",
    )
    table.add_column("protocol")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("N", justify="right")
    for row in rows:
        report = row.result.report
        cells = [f"{report.metrics[n]:.2f}" if n in report.metrics else "-" for n in names]
        table.add_row(row.label, *cells, str(report.n_counted))
    console.print(table)
    console.print(
        "'-': the reference reports no such metric. Charades-STA files carry no durations, so "
        "videomind cannot give empty answers its [0, duration] fallback (pass --durations to "
        "`score`).",
        highlight=False,
    )
    spread = {
        n: [r.result.report.metrics[n] for r in rows if n in r.result.report.metrics] for n in names
    }
    moves = ", ".join(f"{n} {max(v) - min(v):.2f}" for n, v in spread.items() if len(v) > 1)
    console.print(f"protocol alone moves the numbers by (max - min, points): {moves}")
    console.print(
        f"per-protocol metrics.json and samples.jsonl under {escape(str(out))}/", highlight=False
    )


@app.command("list")
def list_() -> None:
    """List benchmarks and protocols, with each protocol's reference implementation."""
    bench = Table(title="benchmarks")
    for col in ("id", "task", "default protocol", "annotation file"):
        bench.add_column(col)
    for b in BENCHMARKS.values():
        bench.add_row(b.id, b.task, b.default_protocol, b.annotation_hint)
    console.print(bench)
    prot = Table(title="grounding protocols", show_lines=True)
    prot.add_column("name")
    prot.add_column("what it does")
    prot.add_column("follows")
    for p in PROTOCOLS.values():
        prot.add_row(p.name, escape(p.description), escape(p.reference))
    console.print(prot)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
