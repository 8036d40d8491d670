"""Checkpoint sweeps: each benchmark's headline figures by training step, with their 95% CIs,
one table per (series, benchmark)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from videoeval.report.headlines import headline_metrics
from videoeval.report.leaderboard import md_cell
from videoeval.report.load import RunData


def sweep_tables(runs: Sequence[RunData], steps: Mapping[str, Any]) -> tuple[str, str]:
    """Markdown (one table per series and benchmark, rows by step) and CSV (one row per
    checkpoint, benchmark and figure)."""
    groups: dict[tuple[str, str], list[tuple[int, RunData]]] = {}
    for run in runs:
        model = steps.get(run.report.model or "")
        if model is None:
            continue
        groups.setdefault((model.series, run.report.benchmark), []).append((model.step, run))
    lines: list[str] = ["# Checkpoint sweeps", ""]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["series", "benchmark", "step", "metric", "value", "ci_low", "ci_high"])
    for (series, benchmark), members in sorted(groups.items()):
        members.sort(key=lambda m: m[0])
        names = headline_metrics(members[0][1].report)[:6]
        header = "| step | " + " | ".join(names) + " |"
        lines += [f"## {md_cell(series)} on {benchmark}", "", header, "|---|" * (len(names) + 1)]
        for step, run in members:
            cells = []
            for name in names:
                value = run.report.metrics.get(name)
                ci = run.report.ci95.get(name)
                text = "-" if value is None else f"{value:.2f}"
                if value is not None and ci:
                    text += f" [{ci[0]:.1f}, {ci[1]:.1f}]"
                cells.append(text)
                writer.writerow([series, benchmark, step, name, value,
                                 ci[0] if ci else "", ci[1] if ci else ""])  # fmt: skip
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines), buffer.getvalue()
