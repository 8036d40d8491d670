"""Run folders for report tests: real grounding scores, and small caption / audit folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from videoeval.benchmarks import get_benchmark
from videoeval.demo import GT_FILE, PRED_FILE, data_path
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols.grounding import PROTOCOLS
from videoeval.schema import MetricsReport
from videoeval.scoring.grounding_scorer import score_predictions, write_outputs


def _report(**fields) -> MetricsReport:
    base = dict(protocol_reference="test", failure_rule="test", inputs={}, ci95={},
                failures={}, videoeval_version="test")  # fmt: skip
    return MetricsReport(**{**base, **fields})


@pytest.fixture(scope="module")
def run_folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    samples = get_benchmark("charades-sta").load(data_path(GT_FILE)).samples
    predictions = read_predictions(data_path(PRED_FILE))
    folders = {}
    for name in ("timelens", "videomind"):
        result = score_predictions("charades-sta", samples, predictions, PROTOCOLS[name],
                                   resamples=100)  # fmt: skip
        folders[name] = root / f"grounding-{name}"
        write_outputs(result, folders[name])
    captions = root / "autodq"
    captions.mkdir()
    (captions / "metrics.json").write_text(_report(
        benchmark="dream1k", task="captioning", protocol="autodq", n_total=2, n_scored=2,
        n_counted=2, metrics={"F1": 52.5, "precision": 37.5, "recall": 87.5},
        ci95={"F1": (40.0, 60.0)},
        by_category={"youtube": {"F1": 52.5, "precision": 37.5, "recall": 87.5, "n": 2.0}},
    ).model_dump_json())  # fmt: skip
    rows = [
        {"sample_id": "1", "category": "youtube", "status": "ok", "recall": 1.0,
         "precision": 0.5, "prediction": "a man runs", "reference": "A man walks.",
         "note": "decoded from /home/someone/private/videos/1.mp4 fine"},
        {"sample_id": "2", "category": "youtube", "status": "ok", "recall": 0.75,
         "precision": 0.25, "prediction": "a dog", "reference": "A cat."},
    ]  # fmt: skip
    (captions / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (captions / "verdicts.jsonl").write_text(json.dumps(
        {"clip": "1", "side": "precision", "event": "a man runs", "label": "neutral",
         "reason": "not stated"}) + "\n")  # fmt: skip
    audit = root / "audit"
    audit.mkdir()
    (audit / "metrics.json").write_text(_report(
        benchmark="dream1k", task="audit", protocol="gt-audit", n_total=2,
        n_scored=2, n_counted=2, inputs={"runs": 2},
        metrics={"loose_rate": 50.0, "consensus_rate": 50.0, "tight_rate": 0.0},
        by_category={"youtube": {"n": 2.0, "loose_rate": 50.0, "consensus_rate": 50.0,
                                 "tight_rate": 0.0}},
        judge={"model": "vjudge", "prompt_sha256": "ab" * 32},
    ).model_dump_json())  # fmt: skip
    audit_rows = [
        {"sample_id": "1", "video_id": "1", "category": "youtube", "status": "ok",
         "reference": "A man walks.", "flagged_runs": 2, "major_runs": 0,
         "runs": [{"run": 0, "errors_gt": [{"claim": "walks", "frames_show": "runs",
                                            "timestamps": [1.0], "severity": "minor"}]}]},
        {"sample_id": "2", "video_id": "2", "category": "youtube", "status": "ok",
         "reference": "A cat.", "flagged_runs": 0, "major_runs": 0, "runs": []},
    ]  # fmt: skip
    (audit / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in audit_rows))
    folders.update(captions=captions, audit=audit)
    return folders
