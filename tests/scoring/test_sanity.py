"""Files that do not belong together, and durations that cannot be true, are said, not scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from videoeval.cli import app
from videoeval.demo import GT_FILE, data_path

runner = CliRunner()


def test_predictions_of_another_benchmark_are_refused(tmp_path: Path) -> None:
    # QVHighlights qids are integers like Charades-STA's annotation ids: they match by chance
    gt = shared_file("timelens/legacy_qvhighlights_val_gt_univtg.jsonl")
    lines = [json.loads(x) for x in gt.read_text().splitlines()[:300]]
    predictions = tmp_path / "qvh_submission.jsonl"
    predictions.write_text("".join(
        json.dumps({"qid": d["qid"], "vid": d["vid"],
                    "pred_relevant_windows": [[0, 10, 0.9]]}) + "\n" for d in lines
    ))  # fmt: skip
    result = runner.invoke(app, ["score", "charades-sta", "-a", str(data_path(GT_FILE)),
                                 "-p", str(predictions), "-o", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "do not belong together" in result.output
    assert not (tmp_path / "o" / "metrics.json").exists()


@pytest.mark.parametrize("bad", ["NaN", -3, 0])
def test_durations_that_cannot_be_true_are_refused(tmp_path: Path, bad) -> None:
    durations = tmp_path / "durations.json"
    durations.write_text(f'{{"3MSZA": {json.dumps(bad) if bad != "NaN" else "NaN"}}}')
    result = runner.invoke(app, [
        "score", "charades-sta", "-a", str(data_path(GT_FILE)), "-p", str(data_path(GT_FILE)),
        "--durations", str(durations), "--protocol", "videomind", "-o", str(tmp_path / "o"),
    ])  # fmt: skip
    assert result.exit_code == 2 and "not positive numbers" in result.output, result.output


def test_partial_durations_and_spans_past_the_end_are_warned(tmp_path: Path) -> None:
    annotations = tmp_path / "charades_test.json"
    annotations.write_text(json.dumps({"annotations": [
        {"image_id": "A.mp4", "caption": "q0", "timestamp": [1.0, 4.0], "id": 0},
        {"image_id": "B.mp4", "caption": "q1", "timestamp": [1.0, 40.0], "id": 1},
        {"image_id": "C.mp4", "caption": "q2", "timestamp": [1.0, 2.0], "id": 1},
    ]}))  # fmt: skip
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "0", "answer": "1 - 4"}\n{"id": "1", "answer": "1 - 4"}\n')
    durations = tmp_path / "d.json"
    durations.write_text('{"A": 30, "B": 30}')
    result = runner.invoke(app, [
        "score", "charades-sta", "-a", str(annotations), "-p", str(predictions),
        "--durations", str(durations), "-o", str(tmp_path / "o"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    warnings = json.loads((tmp_path / "o" / "metrics.json").read_text())["warnings"]
    assert any("covers 2 of the 3 GT videos" in w for w in warnings)
    assert any("1 GT spans end past their video's duration" in w for w in warnings)
    assert any("GT ids appear more than once" in w for w in warnings)
