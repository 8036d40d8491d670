"""The embedded default: TimeChat's published example predictions on Charades-STA, scored under
every grounding protocol side by side. Offline, no arguments, both files ship with the package."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from videoeval.benchmarks import get_benchmark
from videoeval.gcpause import paused_gc
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols.grounding import PROTOCOLS
from videoeval.scoring.grounding_scorer import ScoreResult, score_predictions, write_outputs

GT_FILE = "charades_sta_test_timechat.json"
PRED_FILE = "charades_sta_example_pred_timechat.json"


@dataclass
class DemoRow:
    label: str
    result: ScoreResult
    out_dir: Path


def data_path(name: str) -> Path:
    return Path(str(resources.files("videoeval") / "data" / name))


@paused_gc()
def run_demo(out_dir: Path, resamples: int = 1000) -> list[DemoRow]:
    benchmark = get_benchmark("charades-sta")
    gt_path, pred_path = data_path(GT_FILE), data_path(PRED_FILE)
    loaded = benchmark.load(gt_path)
    predictions = read_predictions(pred_path)
    variants: list[tuple[str, str, str | None]] = [(name, name, None) for name in PROTOCOLS]
    # The denominator alone: the same protocol with the queries TimeChat never answered.
    variants.append(("timechat, all GT", "timechat", "miss"))
    rows = []
    for label, name, missing in variants:
        result = score_predictions(
            benchmark.id,
            loaded.samples,
            predictions,
            PROTOCOLS[name],
            missing=missing,
            resamples=resamples,
            inputs={"annotations": GT_FILE, "predictions": PRED_FILE, "durations": None},
        )
        target = out_dir / (name if missing is None else f"{name}-missing-{missing}")
        write_outputs(result, target)
        rows.append(DemoRow(label, result, target))
    return rows
