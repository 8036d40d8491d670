"""The leaderboard across runs, and paired bootstrap differences between two runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from videoeval.report.headlines import headline_metrics
from videoeval.report.load import RunData


def headline_names(runs: Sequence[RunData]) -> list[str]:
    """The union of the runs' headline figures (each run's protocol decides its own)."""
    names: list[str] = []
    for run in runs:
        for name in headline_metrics(run.report):
            if name not in names:
                names.append(name)
    return names


def task_sections(runs: Sequence[RunData]) -> list[dict[str, Any]]:
    """One leaderboard per task, each with its own columns (a grounding table has no AutoDQ
    column), in the order the tasks are registered."""
    from videoeval.protocols.tasks import TASKS

    order = {name: k for k, name in enumerate(TASKS)}
    tasks = sorted({run.report.task for run in runs}, key=lambda t: (order.get(t, 99), t))
    sections = []
    for task in tasks:
        mine = [run for run in runs if run.report.task == task]
        title = TASKS[task].title if task in TASKS else task
        sections.append({"task": task, "title": title, "metric_names": headline_names(mine),
                         "runs": leaderboard_rows(mine)})  # fmt: skip
    return sections


def leaderboard_rows(runs: Sequence[RunData]) -> list[dict[str, Any]]:
    rows = []
    for run in runs:
        r = run.report
        rows.append(
            {
                "run": run.name,
                "model": run.model,
                "benchmark": r.benchmark,
                "protocol": r.protocol,
                "metrics": {k: r.metrics[k] for k in headline_names([run])},
                "ci95": {k: list(v) for k, v in r.ci95.items()},
                "n": r.n_counted,
                "n_total": r.n_total,
                "failures": r.failures,
            }
        )
    return rows


def md_cell(value: Any) -> str:
    """A value as one Markdown table cell: a "|" would start another cell, a new line another
    row, and raw HTML would run in a viewer that renders it."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown(runs: Sequence[RunData]) -> str:
    names = headline_names(runs)
    header = ["run", "model", "benchmark", "protocol", *names, "N", "failures"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in leaderboard_rows(runs):
        cells = []
        for name in names:
            value = row["metrics"].get(name)
            ci = row["ci95"].get(name)
            text = "-" if value is None else f"{value:.2f}"
            if value is not None and ci:
                text += f" [{ci[0]:.1f}, {ci[1]:.1f}]"
            cells.append(text)
        failures = ", ".join(f"{k} {v}" for k, v in row["failures"].items()) or "none"
        named = [row["run"], row["model"], row["benchmark"], row["protocol"]]
        lines.append(
            "| " + " | ".join(md_cell(v) for v in named) + " | "
            + " | ".join(cells)
            + f" | {row['n']} | {md_cell(failures)} |"
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def _per_sample(run: RunData) -> dict[str, float]:
    """Each row's own score (IoU, per-clip or per-video F1: the row type's ``measure``)."""
    out = {}
    for row in run.rows:
        value = row.unit_score()
        if value is not None:
            out[str(row.sample_id)] = float(value)
    return out


def _measure(run: RunData) -> str | None:
    return type(run.rows[0]).measure if run.rows else None


def paired_difference(
    a: RunData, b: RunData, resamples: int = 2000, seed: int = 0
) -> dict[str, Any] | None:
    """Mean per-sample score of ``a`` minus ``b`` on their shared samples (IoU for grounding,
    per-clip F1 for captions), with a paired percentile bootstrap 95% CI, in points."""
    if _measure(a) is None or _measure(a) != _measure(b):
        return None
    # only the same figure of the same benchmark is compared: two protocols read the same
    # answers differently, and their per-sample scores are not one measure
    if a.report.benchmark != b.report.benchmark or a.report.protocol != b.report.protocol:
        return None
    left, right = _per_sample(a), _per_sample(b)
    shared = sorted(set(left) & set(right))
    if len(shared) < 2:
        return None
    diff = np.asarray([left[s] - right[s] for s in shared]) * 100
    rng = np.random.default_rng(seed)
    reps = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    low, high = np.quantile(reps, [0.025, 0.975])
    return {
        "a": a.name,
        "b": b.name,
        "measure": _measure(a),
        "shared": len(shared),
        "difference": float(diff.mean()),
        "ci95": [float(low), float(high)],
    }


def _in_subset(row: Any, ids: set[str]) -> bool:
    return str(row.sample_id) in ids or str(row.video_id) in ids


def clean_ranks(runs: Sequence[RunData], ids: set[str]) -> list[dict[str, Any]]:
    """Each run's mean per-sample score (IoU for grounding, per-clip or per-video F1 for
    captions) on all its samples and on the clean subset, with its rank among the runs of its
    benchmark on each (1 = best): does cleaning the GT reorder the models?"""
    entries: list[dict[str, Any]] = []
    for run in runs:
        scores = _per_sample(run)
        if not scores:
            continue
        in_subset = {str(r.sample_id) for r in run.rows if _in_subset(r, ids)}
        clean = [v for k, v in scores.items() if k in in_subset]
        entries.append({
            "run": run.name, "model": run.model, "benchmark": run.report.benchmark,
            "all": 100 * float(np.mean(list(scores.values()))), "n_all": len(scores),
            "clean": 100 * float(np.mean(clean)) if clean else None, "n_clean": len(clean),
        })  # fmt: skip
    for key in ("all", "clean"):
        for bench in {e["benchmark"] for e in entries}:
            group = sorted((e for e in entries if e["benchmark"] == bench and e[key] is not None),
                           key=lambda e: -float(e[key] or 0))  # fmt: skip
            for rank, e in enumerate(group, 1):
                e[f"rank_{key}"] = rank
    return entries


def clean_markdown(entries: Sequence[dict[str, Any]]) -> str:
    lines = ["| run | model | benchmark | all samples | rank | clean subset | rank |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for e in entries:
        clean = "-" if e["clean"] is None else f"{e['clean']:.2f} (n={e['n_clean']})"
        lines.append(f"| {md_cell(e['run'])} | {md_cell(e['model'])} | "
                     f"{md_cell(e['benchmark'])} | {e['all']:.2f} "
                     f"(n={e['n_all']}) | {e.get('rank_all', '-')} | {clean} | "
                     f"{e.get('rank_clean', '-')} |")  # fmt: skip
    return "\n".join(lines) + "\n"
