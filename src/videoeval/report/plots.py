"""Plots as PNG bytes (matplotlib, no display): what a person looks at first."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from videoeval.report.load import RunData
from videoeval.schema import AutoDQRow, EventSimRow, GroundingRow


def new_figure() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.subplots(figsize=(6.4, 3.4), dpi=100)


def to_png(plt: Any, fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def grounding_plots(runs: Sequence[RunData]) -> dict[str, bytes]:
    runs = [r for r in runs if r.rows and isinstance(r.rows[0], GroundingRow)]
    if not runs:
        return {}
    plt, (fig, ax) = new_figure()
    for run in runs:
        # answered queries only: a run's misses (no span, a failed call) would pile up at IoU 0
        # and flatten every other bar; they are counted in the legend instead
        counted = [r for r in run.rows if r.unit_score() is not None]
        ious = [r.iou for r in counted if r.status == "ok"]
        misses = len(counted) - len(ious)
        ax.hist(ious, bins=20, range=(0, 1), histtype="step", linewidth=1.5,
                label=f"{run.name} ({len(ious)} answered, {misses} misses)")  # fmt: skip
    ax.set_xlabel("IoU of the scored span (answered queries)")
    ax.set_ylabel("queries")
    ax.legend(fontsize=7)
    hist = to_png(plt, fig)
    plt, (fig, ax) = new_figure()
    taus = np.linspace(0.05, 0.95, 19)
    for run in runs:
        values = np.asarray([r.unit_score() for r in run.rows if r.unit_score() is not None])
        if len(values):
            ax.plot(
                taus, [100 * float((values >= t).mean()) for t in taus], marker=".", label=run.name
            )
    ax.set_xlabel("IoU threshold tau")
    ax.set_ylabel("R1@tau (%)")
    ax.legend(fontsize=7)
    return {"IoU of answered queries": hist, "R1 at every threshold": to_png(plt, fig)}


def _category_ci(rows: list[Any], category: str, seed: int = 0) -> tuple[float, float]:
    pairs = np.asarray(
        [(r.recall, r.precision) for r in rows
         if r.category == category and r.recall is not None and r.precision is not None]
    )  # fmt: skip
    if len(pairs) < 2:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = pairs[rng.integers(0, len(pairs), size=(500, len(pairs)))].mean(axis=1)
    total = means.sum(axis=1)
    f1 = np.divide(2 * means[:, 0] * means[:, 1], total, out=np.zeros(len(total)), where=total > 0)
    low, high = np.quantile(100 * f1, [0.025, 0.975])
    return float(low), float(high)


def caption_plots(runs: Sequence[RunData]) -> dict[str, bytes]:
    captions = (AutoDQRow, EventSimRow)
    runs = [r for r in runs
            if r.rows and isinstance(r.rows[0], captions) and r.report.by_category]  # fmt: skip
    if not runs:
        return {}
    plt, (fig, ax) = new_figure()
    categories = sorted({c for r in runs for c in r.report.by_category or {}})
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        key = "F1" if "F1" in run.report.metrics else "EventSim-F1"
        values = [(run.report.by_category or {}).get(c, {}).get(key, 0.0) for c in categories]
        cis = [_category_ci(run.rows, c) for c in categories]
        errors = np.asarray([[max(v - lo, 0), max(hi - v, 0)] if lo == lo else [0, 0]
                             for v, (lo, hi) in zip(values, cis, strict=True)]).T  # fmt: skip
        x = np.arange(len(categories)) + i * width
        ax.bar(x, values, width, yerr=errors, capsize=3, label=f"{run.name} ({key})")
    ax.set_xticks(np.arange(len(categories)) + width * (len(runs) - 1) / 2)
    ax.set_xticklabels(categories, rotation=20, fontsize=7)
    ax.set_ylabel("F1 (%)")
    ax.legend(fontsize=7)
    return {"F1 per category (95% CI)": to_png(plt, fig)}


def dense_plots(runs: Sequence[RunData]) -> dict[str, bytes]:
    """Detection precision and recall at each tIoU threshold (densevid), per run."""
    runs = [r for r in runs if "P@0.5" in r.report.metrics]
    if not runs:
        return {}
    plt, (fig, ax) = new_figure()
    for run in runs:
        taus = sorted(float(k[2:]) for k in run.report.metrics if k.startswith("P@"))
        for side, style in (("P", "-"), ("R", "--")):
            values = [run.report.metrics[f"{side}@{t:g}"] for t in taus]
            ax.plot(taus, values, style, marker=".", label=f"{run.name} {side}")
    ax.set_xlabel("tIoU threshold")
    ax.set_ylabel("precision / recall (%)")
    ax.legend(fontsize=7)
    return {"dense captioning: precision and recall by tIoU": to_png(plt, fig)}


def audit_plots(runs: Sequence[RunData]) -> dict[str, bytes]:
    runs = [r for r in runs if "loose_rate" in r.report.metrics]
    if not runs:
        return {}
    out = {}
    for run in runs:
        plt, (fig, ax) = new_figure()
        categories = sorted(run.report.by_category or {})
        for i, name in enumerate(("loose", "consensus", "tight")):
            values = [(run.report.by_category or {})[c][f"{name}_rate"] for c in categories]
            ax.bar(np.arange(len(categories)) + i * 0.27, values, 0.27, label=name)
        ax.set_xticks(np.arange(len(categories)) + 0.27)
        ax.set_xticklabels(categories, rotation=20, fontsize=7)
        ax.set_ylabel("clips with GT errors (%)")
        ax.legend(fontsize=7)
        out[f"{run.name}: audit error rates"] = to_png(plt, fig)
        runs_flagged = [getattr(r, "flagged_runs", 0) or 0 for r in run.rows if r.status == "ok"]
        if runs_flagged:
            plt, (fig, ax) = new_figure()
            k = int(run.report.inputs.get("runs") or max(runs_flagged) or 1)
            ax.hist(runs_flagged, bins=np.arange(k + 2) - 0.5, rwidth=0.8)
            ax.set_xlabel(f"runs (of {k}) that flagged the clip")
            ax.set_ylabel("clips")
            out[f"{run.name}: judge agreement"] = to_png(plt, fig)
    return out
