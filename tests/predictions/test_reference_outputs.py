"""The files lmms-eval, VideoMind and VTimeLLM write are read as they are, and score what their
own scorers print (figures derived by hand from those scorers' rules)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from videoeval.benchmarks import get_benchmark
from videoeval.cli import app
from videoeval.demo import GT_FILE, data_path
from videoeval.predictions.grounding import read_predictions
from videoeval.scoring.grounding_scorer import score_files

runner = CliRunner()


def _charades(n: int):
    return get_benchmark("charades-sta").load(data_path(GT_FILE)).samples[:n]


def _f16(value: float) -> float:
    return float(np.float16(value))


def test_lmms_eval_submission_scores_against_its_float16_keys(write_json) -> None:
    samples = _charades(4)
    keys = [
        f"{s.video_id}.mp4>>>{s.query}>>>{[_f16(s.windows[0][0]), _f16(s.windows[0][1])]}"
        for s in samples
    ]
    (s0, e0), (s1, e1) = ((_f16(w) for w in s.windows[0]) for s in samples[:2])
    answers = [
        f"The event happens in {s0} - {e0} seconds.",  # exactly the key's span
        f"It happens from {e1} to {s1} seconds.",  # "to" -> "-", reversed -> swapped: IoU 1
        "I cannot see it.",  # no span: IoU 0, a bad prediction
        "0 - 0.5 and 1 - 2",  # two spans in one sentence: kept only the first
    ]
    path = write_json(
        "inference_results_temporal_grounding_charades_x.json",
        dict(zip(keys, answers, strict=True)),
    )
    file = read_predictions(path)
    assert file.layout == "lmms-eval-submission"
    assert file.predictions[0].gt_hint == (s0, e0)
    result = score_files("charades-sta", data_path(GT_FILE), path, "lmms-eval", resamples=0)
    w3 = samples[3].windows[0]
    iou3 = max(min(0.5, _f16(w3[1])) - max(0.0, _f16(w3[0])), 0) / (
        max(0.5, _f16(w3[1])) - min(0.0, _f16(w3[0]))
    )
    m = result.report.metrics
    assert result.report.n_counted == 4
    assert m["R1@0.5"] == pytest.approx(2 * 100 / 4)
    assert m["mIoU"] == pytest.approx((1 + 1 + 0 + iou3) * 100 / 4)


VIDEO_ROOT = "data/charades_sta/videos_3fps_480_noaudio"


def _videomind_entries(samples) -> list[dict]:
    a, b, c = samples
    return [
        {  # top-1 exact; as written by infer_auto.py (already rounded)
            "source": "charades_sta",
            "video_path": f"{VIDEO_ROOT}/{a.video_id}.mp4",
            "query": a.query.rstrip("."),
            "span": [list(a.windows[0])],
            "pred": [list(a.windows[0]), [0.0, 1.0]],
            "conf": [0.9, 0.1],
            "grounder_success": True,
        },
        {  # reversed top-1 left by the joint roll: IoU 0, but its 2nd row hits for R3 / R5
            "source": "charades_sta",
            "video_path": f"{VIDEO_ROOT}/{b.video_id}.mp4",
            "query": b.query,
            "span": [list(b.windows[0])],
            "pred": [[b.windows[0][1], b.windows[0][0] - 1], list(b.windows[0])],
            "conf": [0.8, 0.7],
            "grounder_success": True,
        },
        {  # the grounder failed: [0, duration] is scored and the sample is counted as failed
            "source": "charades_sta",
            "video_path": f"{VIDEO_ROOT}/{c.video_id}.mp4",
            "query": c.query,
            "span": [list(c.windows[0])],
            "pred": [[0, 1000.0]],
            "conf": [0],
            "grounder_success": False,
        },
    ]


def _check_videomind(result) -> None:
    m = result.report.metrics
    assert result.report.n_counted == 3 and result.report.failures["parse_error"] == 1
    assert m["R1@0.3"] == m["R1@0.7"] == float(f"{1 / 3 * 100:.2f}")
    assert m["R3@0.7"] == m["R5@0.7"] == float(f"{2 / 3 * 100:.2f}")


def test_videomind_output_json_is_scored_as_eval_auto_does(write_json) -> None:
    samples = _charades(3)
    path = write_json("output.json", _videomind_entries(samples))
    assert read_predictions(path).layout == "videomind-output"
    _check_videomind(
        score_files("charades-sta", data_path(GT_FILE), path, "videomind", resamples=0)
    )


def test_videomind_chunk_folder(tmp_path: Path) -> None:
    entries = _videomind_entries(_charades(3))
    folder = tmp_path / "pred"
    folder.mkdir()
    (folder / "output_0.json").write_text(json.dumps(entries[:2]))
    (folder / "output_1.json").write_text(json.dumps(entries[2:]))
    (folder / "metrics.log").write_text("not read")
    _check_videomind(
        score_files("charades-sta", data_path(GT_FILE), folder, "videomind", resamples=0)
    )


def test_vtimellm_eval_log_scores_as_metric_py(tmp_path: Path, write_json, write_jsonl) -> None:
    annotations = write_json(
        "val_2.json",
        {"v_a": {"duration": 100.0, "timestamps": [[10, 20], [30, 60]],
                 "sentences": ["A man runs.", " He jumps high."]},
         "v_b": {"duration": 50.0, "timestamps": [[0, 25]], "sentences": ["A dog barks."]}},
    )  # fmt: skip
    log = write_jsonl(
        "log.txt",
        [
            {"video_id": "v_a", "task": "captioning", "query_id": 0, "answer": "[]"},
            {"video_id": "v_a", "task": "grounding", "query_id": 0, "answer": "From 10 to 24.",
             "info": {"sentence_id": 0, "iou": 0.71}},
            {"video_id": "v_a", "task": "grounding", "query_id": 0, "answer": "From 30 to 60.",
             "info": {"sentence_id": 1, "iou": 1.0}},
            {"video_id": "v_b", "task": "grounding", "query_id": 0, "answer": "I do not know.",
             "info": {"sentence_id": 0, "iou": 0}},
        ],
    )  # fmt: skip
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["score", "activitynet-captions", "-a", str(annotations), "-p", str(log),
         "--protocol", "vtimellm", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "vtimellm-log" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "grounding"
    ious = [0.71, 1.0, 0]  # the log's own info.iou values, which metric.py averages
    expected = {
        "R1@0.3": sum(i >= 0.3 for i in ious) / 3 * 100,
        "R1@0.5": sum(i >= 0.5 for i in ious) / 3 * 100,
        "R1@0.7": sum(i >= 0.7 for i in ious) / 3 * 100,
        "mIoU": sum(ious) / 3 * 100,
    }
    assert metrics["metrics"] == expected
    assert any("captioning line" in w for w in metrics["warnings"])
