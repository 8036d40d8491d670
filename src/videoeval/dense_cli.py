"""What ``videoeval score activitynet-captions`` does with a densevid results file."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from videoeval.metrics.dense import JunkRule
from videoeval.metrics.soda import SodaAverage
from videoeval.outputs import write_report
from videoeval.predictions.dense import read_dense_predictions
from videoeval.report.terminal import print_warnings
from videoeval.scoring.dense import read_references, score_dense


def score_dense_cli(
    references: list[Path],
    predictions: Path,
    out: Path,
    language: bool,
    junk: str,
    seed: int,
    console: Console,
    err: Console,
    soda_missing: str = "drop",
    soda_average: str = "videos",
) -> None:
    if soda_missing not in ("drop", "zero"):
        raise ValueError("--soda-missing takes drop (the reference) or zero")
    if soda_average not in ("videos", "corpus"):
        raise ValueError("--soda-average takes videos (fujiso/SODA v1.1, PDVC) or corpus (older)")
    if junk not in ("densevid-2018", "densevid-2019"):
        raise ValueError("--junk takes densevid-2018 or densevid-2019")
    loaded = [read_references(path) for path in references]
    refs = [r for r, _ in loaded]
    preds = read_dense_predictions(predictions)
    rule: JunkRule = "densevid-2018" if junk == "densevid-2018" else "densevid-2019"
    average: SodaAverage = "videos" if soda_average == "videos" else "corpus"
    report, rows = score_dense(refs, preds, language=language, junk=rule, seed=seed,
                               soda_missing=soda_missing, soda_average=average)  # fmt: skip
    report.warnings.extend(p for _, problems in loaded for p in problems[:20])
    report.inputs["references"] = ", ".join(p.name for p in references)
    write_report(out, report, samples=rows)
    table = Table(title=f"activitynet-captions dense captioning · {report.protocol}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.metrics.items():
        table.add_row(name, f"{value:.2f}")
    console.print(table)
    print_warnings(err, report)
    console.print(f"wrote {out}/metrics.json and samples.jsonl", markup=False, highlight=False)


def score_etbench_cli(
    predictions: Path, out: Path, seed: int, console: Console, err: Console
) -> None:
    from videoeval.scoring.etbench import score_etbench

    report, rows = score_etbench(predictions, seed)
    write_report(out, report, samples=rows)
    table = Table(title="E.T. Bench DVC / SLC")
    for column in ("task/source", "F1", "Sim", "failed / total"):
        table.add_column(column, justify="left" if column == "task/source" else "right")
    for row in rows:
        table.add_row(
            f"{row['task']}/{row['source']}",
            f"{100 * row['F1']:.1f}",
            f"{100 * row['Sim']:.1f}",
            f"{int(row['failed'])} / {int(row['total'])}",
        )
    table.add_section()
    for name, value in report.metrics.items():
        table.add_row(name, f"{value:.1f}", "", "")
    console.print(table)
    console.print(f"wrote {out}/metrics.json", markup=False, highlight=False)
