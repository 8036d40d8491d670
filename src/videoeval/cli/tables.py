"""The terminal table of a scored outcome, by task: the headline figures the protocol defines,
per category where the task has categories, counts and failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # the command line starts without the schema and its pydantic models
    from videoeval.schema import MetricsReport


def _cell(report: MetricsReport, name: str, digits: int = 2) -> str:
    if name not in report.metrics:
        return "-"
    value = report.metrics[name]
    if name in report.ci95:
        low, high = report.ci95[name]
        return f"{value:.{digits}f} [{low:.1f}, {high:.1f}]"
    return f"{value:.{digits}f}"


def metrics_table(report: MetricsReport, layout: str, every_metric: bool = False) -> Table:
    """Headline metrics (all of them with ``every_metric``), N and failures."""
    model = f" · {report.model}" if report.model else ""
    table = Table(
        title=f"{report.benchmark} · protocol {report.protocol}{model} · predictions: {layout}",
        caption="95% bootstrap CI in brackets; every figure is in metrics.json",
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    from videoeval.report.headlines import headline_metrics

    names = list(report.metrics) if every_metric else headline_metrics(report)
    for name in names:
        table.add_row(name, _cell(report, name))
    failures = ", ".join(f"{k} {v}" for k, v in report.failures.items()) or "none"
    table.add_section()
    table.add_row("N counted / total", f"{report.n_counted} / {report.n_total}")
    table.add_row("scored normally", str(report.n_scored))
    table.add_row("failures", failures)
    return table


def category_table(report: MetricsReport, names: list[str], title: str) -> Table:
    """One row per category (captions: DREAM-1K categories; E.T. Bench: task/source)."""
    table = Table(title=title)
    table.add_column("category")
    for name in names:
        table.add_column(name, justify="right")
    for category, values in sorted((report.by_category or {}).items()):
        table.add_row(category, *[f"{values[n]:.1f}" if n in values else "-" for n in names])
    table.add_section()
    table.add_row("overall", *[_cell(report, n, 1) for n in names])
    return table


def print_warnings(console: Console, report: MetricsReport) -> None:
    from videoeval.redaction import redact

    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(redact(warning))}", highlight=False)
