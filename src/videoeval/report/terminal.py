"""Short terminal tables for score and demo runs."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from videoeval.schema import MetricsReport


def _cell(report: MetricsReport, name: str) -> str:
    if name not in report.metrics:
        return "-"
    value = report.metrics[name]
    if name in report.ci95:
        low, high = report.ci95[name]
        return f"{value:.2f} [{low:.1f}, {high:.1f}]"
    return f"{value:.2f}"


def metric_names(reports: Sequence[MetricsReport]) -> list[str]:
    names: list[str] = []
    for report in reports:
        names.extend(n for n in report.metrics if n not in names)
    return names


def score_table(report: MetricsReport, layout: str) -> Table:
    table = Table(
        title=f"{report.benchmark} · protocol {report.protocol} · predictions: {layout}",
        caption="95% bootstrap CI in brackets",
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name in report.metrics:
        table.add_row(name, _cell(report, name))
    failures = ", ".join(f"{k} {v}" for k, v in report.failures.items()) or "none"
    table.add_section()
    table.add_row("N counted / queries", f"{report.n_counted} / {report.n_total}")
    table.add_row("scored normally", str(report.n_scored))
    table.add_row("failures", failures)
    return table


def print_warnings(console: Console, report: MetricsReport) -> None:
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
