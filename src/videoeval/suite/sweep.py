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


def sweep_groups(
    runs: Sequence[RunData], steps: Mapping[str, Any]
) -> dict[tuple[str, str], list[tuple[int, RunData]]]:
    """(series, benchmark) -> its checkpoints' runs, by step."""
    groups: dict[tuple[str, str], list[tuple[int, RunData]]] = {}
    for run in runs:
        model = steps.get(run.report.model or "")
        if model is None:
            continue
        groups.setdefault((model.series, run.report.benchmark), []).append((model.step, run))
    for members in groups.values():
        members.sort(key=lambda m: m[0])
    return dict(sorted(groups.items()))


def sweep_plots(runs: Sequence[RunData], steps: Mapping[str, Any]) -> dict[str, bytes]:
    """One plot per series and benchmark: each headline figure against the step, its 95% CI
    as a band (a single checkpoint is a point with its error bar)."""
    from videoeval.report.plots import new_figure, to_png

    plots = {}
    for (series, benchmark), members in sweep_groups(runs, steps).items():
        plt, (fig, ax) = new_figure()
        xs = [step for step, _ in members]
        for name in headline_metrics(members[0][1].report)[:4]:
            points = [(step, run.report.metrics[name], run.report.ci95.get(name))
                      for step, run in members if name in run.report.metrics]  # fmt: skip
            if not points:
                continue
            line = ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
            bands = [(x, ci) for x, _, ci in points if ci]
            if bands:
                ax.fill_between([x for x, _ in bands], [ci[0] for _, ci in bands],
                                [ci[1] for _, ci in bands], color=line[0].get_color(),
                                alpha=0.15)  # fmt: skip
        ax.set_xticks(xs)
        ax.set_xlabel("training step")
        ax.set_ylabel("score (95% CI shaded)")
        ax.set_title(f"{series} on {benchmark}", fontsize=9)
        ax.legend(fontsize=7)
        plots[f"{series} on {benchmark}: figures by step"] = to_png(plt, fig)
    return plots


def sweep_tables(runs: Sequence[RunData], steps: Mapping[str, Any]) -> tuple[str, str]:
    """Markdown (one table per series and benchmark, rows by step) and CSV (one row per
    checkpoint, benchmark and figure)."""
    groups = sweep_groups(runs, steps)
    lines: list[str] = ["# Checkpoint sweeps", ""]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["series", "benchmark", "step", "metric", "value", "ci_low", "ci_high"])
    for (series, benchmark), members in groups.items():
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
