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


LISTS = ("benchmarks", "protocols", "presets", "tables")


def catalog(task: str | None = None, benchmark: str | None = None) -> dict[str, list[Any]]:
    """Everything ``list`` shows, as plain data (``--json``), filtered by task or benchmark."""
    from videoeval.benchmarks import BENCHMARKS, get_benchmark
    from videoeval.errors import UsageError
    from videoeval.protocols import REGISTRY
    from videoeval.protocols.tasks import task_of
    from videoeval.report.published import tables
    from videoeval.video.presets import PRESETS

    tasks: set[str] | None = None
    chosen = list(BENCHMARKS.values())
    if benchmark is not None:
        try:
            chosen = [get_benchmark(benchmark)]
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        tasks = set(chosen[0].tasks)
    if task is not None:
        task_of(task)  # an unknown task is refused, naming the known ones
        tasks = {task} if tasks is None else tasks & {task}
        chosen = [b for b in chosen if task in b.tasks]
    views = [
        {"id": b.id, "title": b.title, "views": [
            {"task": v.task, "default_protocol": v.default_protocol,
             "annotations": v.annotation_hint} for v in b.views
            if tasks is None or v.task in tasks]}
        for b in chosen
    ]  # fmt: skip
    protocols = [
        {"name": p.name, "task": p.task, "title": p.title, "reference": p.reference,
         "description": p.description, "options": sorted(p.options),
         "config": p.config_record()}
        for p in REGISTRY.values() if tasks is None or p.task in tasks
    ]  # fmt: skip
    presets = [{"name": p.label, "summary": p.summary, "settings": p.settings,
                "source": p.source} for p in PRESETS.values()]  # fmt: skip
    ids = {b.id for b in chosen}
    published = [
        {"id": t.id, "title": t.title, "source": t.source,
         "protocol": ", ".join(dict.fromkeys(c.protocol or t.protocol for c in t.columns)),
         "columns": [c.label for c in t.columns], "rows": len(t.rows)}
        for t in tables() if any(c.benchmark in ids for c in t.columns)
    ]  # fmt: skip
    return {"benchmarks": views, "protocols": protocols, "presets": presets,
            "tables": published}  # fmt: skip


@command("list")
def list_(
    what: Annotated[
        str | None,
        typer.Argument(help="Only this part: benchmarks, protocols, presets or tables."),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(help="Only this task: grounding, captioning, dense_captioning, audit."),
    ] = None,
    benchmark: Annotated[
        str | None, typer.Option(help="Only this benchmark, its protocols and tables.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """List benchmarks (with their views), every protocol with the reference it follows, the
    frame presets, and the published tables runs are placed among.

    Examples:\n
      videoeval list protocols --task grounding\n
      videoeval list --benchmark dream1k --json
    """
    import json

    from videoeval.cli.common import exit_codes
    from videoeval.errors import UsageError

    with exit_codes():
        if what is not None and what not in LISTS:
            raise UsageError(f"list takes {', '.join(LISTS)}, not {what!r}")
        data = catalog(task, benchmark)
        if what is not None:
            data = {what: data[what]}
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    _print_catalog(data)


def _print_catalog(data: dict[str, list[Any]]) -> None:
    from videoeval.protocols.tasks import TASKS

    if "benchmarks" in data:
        bench = Table(title="benchmarks", show_lines=True)
        for col in ("id", "views (task: default protocol)", "annotation file"):
            bench.add_column(col)
        for b in data["benchmarks"]:
            views = "\n".join(f"{v['task']}: {v['default_protocol']}" for v in b["views"])
            hints = sorted({v["annotations"] for v in b["views"]})
            bench.add_row(b["id"], views, escape("; ".join(hints)))
        console.print(bench)
    if "protocols" in data:
        for task in TASKS.values():
            mine = [p for p in data["protocols"] if p["task"] == task.name]
            if not mine:
                continue
            table = Table(title=TASK_TITLES.get(task.name, f"{task.title} protocols"),
                          show_lines=True)  # fmt: skip
            table.add_column("name")
            table.add_column("what it does")
            table.add_column("follows")
            for p in mine:
                table.add_row(p["name"], escape(p["description"]), escape(p["reference"]))
            console.print(table)
    if "presets" in data:
        presets = Table(title="frame presets (run --preset NAME)", show_lines=True)
        for col in ("name", "frames", "sets", "follows"):
            presets.add_column(col, overflow="fold")
        for p in data["presets"]:
            sets = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in p["settings"].items())
            presets.add_row(p["name"], escape(p["summary"]), sets, escape(p["source"]))
        console.print(presets)
    if data.get("tables"):
        tables = Table(title="published tables (report places runs among their rows)")
        for col in ("id", "source", "protocol", "rows"):
            tables.add_column(col)
        for t in data["tables"]:
            tables.add_row(t["id"], escape(t["source"]), t["protocol"], str(t["rows"]))
        console.print(tables)
    if "protocols" in data:
        console.print(
            "dense captioning: --soda-average videos (default; fujiso/SODA@9cb3e2c, what PDVC "
            "runs) or corpus (fujiso/SODA@356ec65 / 22671b3) picks the SODA_c aggregation.",
            highlight=False,
        )
