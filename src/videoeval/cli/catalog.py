"""``videoeval demo`` (the offline first run) and ``videoeval list`` (every benchmark, view
and protocol, with the reference each protocol follows)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from videoeval.cli.common import command, console, say

TASK_TITLES = {
    "grounding": "grounding protocols",
    "captioning": "captioning protocols",
    "dense_captioning": "dense-captioning protocols",
    "audit": "audit protocols (videoeval audit)",
}


@command("demo")
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where each protocol's outputs go.")
    ] = Path("videoeval-out/demo"),
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
) -> None:
    """Score TimeChat's published Charades-STA example predictions under every protocol.

    Offline and self-contained: the GT (3720 queries) and the 500 predictions ship with the
    package. Shows what moves the numbers: the protocols' reading of the answers, or N.
    """
    from videoeval.demo import run_demo
    from videoeval.report.html import write_report
    from videoeval.report.load import load_run

    rows = run_demo(out, resamples=bootstrap)
    names = ["R1@0.3", "R1@0.5", "R1@0.7", "mIoU"]
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
    say(_what_moves(rows, names))
    html_path, _ = write_report(
        [load_run(row.out_dir) for row in rows],
        out / "report",
        f"Charades-STA: one file, {len(rows)} ways to score it",
    )
    say(f"report: {html_path}")
    console.print(
        f"per-protocol metrics.json and samples.jsonl under {escape(str(out))}/", highlight=False
    )


def _what_moves(rows: list[Any], names: list[str]) -> str:
    """Where the differences in the table come from: the protocols' reading of the answers
    (rows with the same N) or the denominator (rows with another N)."""
    by_n: dict[int, list[Any]] = {}
    for row in rows:
        by_n.setdefault(row.result.report.n_counted, []).append(row.result.report)
    within = max(
        (max(vals) - min(vals) for reports in by_n.values() for name in names
         if len(vals := [r.metrics[name] for r in reports if name in r.metrics]) > 1),
        default=0.0,
    )  # fmt: skip
    text = (f"With the same N, the protocols' figures differ by at most {within:.2f} points "
            "here (this file holds spans, which every protocol reads alike; on text answers "
            "their parsers differ).")  # fmt: skip
    if len(by_n) > 1:
        small, large = min(by_n), max(by_n)
        a, b = by_n[small][0].metrics[names[0]], by_n[large][0].metrics[names[0]]
        text += (f" What moves the numbers is N: {small} answered queries or all {large} GT "
                 f"queries (moment-detr, or --missing miss) turns {names[0]} {a:.2f} into "
                 f"{b:.2f}.")  # fmt: skip
    return text


@command("list")
def list_() -> None:
    """List benchmarks (with their views) and every protocol, with its reference."""
    from videoeval.benchmarks import BENCHMARKS
    from videoeval.protocols import REGISTRY
    from videoeval.video.presets import PRESETS

    bench = Table(title="benchmarks", show_lines=True)
    for col in ("id", "views (task: default protocol)", "annotation file"):
        bench.add_column(col)
    for b in BENCHMARKS.values():
        views = "\n".join(f"{v.task}: {v.default_protocol}" for v in b.views)
        bench.add_row(b.id, views, b.annotation_hint)
    console.print(bench)
    for task, title in TASK_TITLES.items():
        table = Table(title=title, show_lines=True)
        table.add_column("name")
        table.add_column("what it does")
        table.add_column("follows")
        for p in REGISTRY.values():
            if p.task == task:
                table.add_row(p.name, escape(p.description), escape(p.reference))
        console.print(table)
    presets = Table(title="frame presets (run --preset NAME)", show_lines=True)
    for col in ("name", "frames", "sets", "follows"):
        presets.add_column(col, overflow="fold")
    for preset in PRESETS.values():
        sets = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in preset.settings.items())
        presets.add_row(preset.label, escape(preset.summary), sets, escape(preset.source))
    console.print(presets)
    console.print(
        "dense captioning: --soda-average videos (default; fujiso/SODA@9cb3e2c, what PDVC runs)"
        " or corpus (fujiso/SODA@356ec65 / 22671b3) picks the SODA_c aggregation.",
        highlight=False,
    )
