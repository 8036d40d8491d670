"""Data that does not belong, or is not what it claims, is refused or said, never scored as if it
were fine (issue: wrong data passes)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.engine.test_failures import run
from tests.fake_servers import FakeServer
from tests.scoring.helpers import row, sample, spans
from tests.scoring.helpers import run as score_run
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.demo import GT_FILE, PRED_FILE, data_path
from videoeval.engine.lock import folder_lock
from videoeval.predictions.grounding import read_predictions
from videoeval.scoring.dense import read_references
from videoeval.scoring.grounding_scorer import read_durations, score_files
from videoeval.video.frames import FrameCache, sample_video
from videoeval.video.sampling import SamplingSpec

runner = CliRunner()
SCORE = ["score", "charades-sta", "-a", str(data_path(GT_FILE)), "-p", str(data_path(PRED_FILE))]


def test_a_subset_of_another_benchmark_is_refused(tmp_path: Path) -> None:
    subset = tmp_path / "clean_subset.json"
    subset.write_text(json.dumps({"benchmark": "carebench", "sample_ids": ["0", "1"]}))
    result = runner.invoke(app, [*SCORE, "--subset", str(subset), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "a subset of carebench, not of charades-sta" in result.output


def test_a_run_without_the_annotation_checksum_is_not_rescored(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        assert run(bench, server.base_url, "out").exit_code == 0
    run_json = bench["root"] / "out" / "run.json"
    record = json.loads(run_json.read_text())
    del record["config"]["annotations_sha256"]
    run_json.write_text(json.dumps(record))
    result = runner.invoke(app, ["score", "timelens-charades", "-a", str(bench["annotations"]),
                                 "--from-run", str(bench["root"] / "out")])  # fmt: skip
    assert result.exit_code == 2 and "records no checksum" in result.output


def test_two_scorings_into_one_folder_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with folder_lock(out):
        result = runner.invoke(app, [*SCORE, "-o", str(out)])
    assert result.exit_code == 2 and "in use by another videoeval process" in result.output
    assert not (out / "metrics.json").exists()


def test_lmms_eval_keys_with_no_usable_gt_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "inference_results_temporal_grounding_charades_x.json"
    path.write_text(json.dumps({"v.mp4>>>a>>>[1e999, 2.0]": "1 - 2",
                                "v.mp4>>>b>>>[5.0, 2.0]": "1 - 2",
                                "v.mp4>>>c>>>[1.0, 2.0]": "1 - 2"}))  # fmt: skip
    read = read_predictions(path)
    assert [p.query for p in read.predictions] == ["c"]
    assert len(read.skipped) == 2 and all("finite, ordered" in s for s in read.skipped)


def test_nan_in_a_videomind_pred_is_not_ok() -> None:
    from dataclasses import replace

    result = score_run("charades-sta", "videomind", [sample("a", (2, 5), duration=30)],
                       [replace(spans("a", (math.nan, 5)), postprocessed=True)])  # fmt: skip
    assert row(result, "a").status == "invalid_span" and row(result, "a").iou == 0.0


def test_reversed_and_zero_length_gt_windows_are_said() -> None:
    result = score_run("charades-sta", "timechat",
                       [sample("a", (5, 2)), sample("b", (3, 3)), sample("c", (1, 4))],
                       [spans("a", (2, 5)), spans("b", (3, 3)), spans("c", (1, 4))])  # fmt: skip
    assert any("2 GT queries have a reversed, zero-length" in w for w in result.report.warnings)


def test_a_null_caption_in_dense_gt_is_one_event_left_out(tmp_path: Path) -> None:
    path = tmp_path / "val_1.json"
    path.write_text(json.dumps({"v": {"duration": 9, "timestamps": [[0, 1], [2, 3], [5, 4]],
                                      "sentences": ["a man runs", None, "he stops"]}}))  # fmt: skip
    refs, problems = read_references(path)
    assert [c.sentence for c in refs["v"]] == ["a man runs", "he stops"]
    assert any("is None, not text" in p for p in problems)
    assert any("1 GT events are reversed" in p for p in problems)


def test_a_tampered_frame_cache_entry_is_decoded_again(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    write_video(video, frames=20, fps=10)
    cache = FrameCache(tmp_path / "frames")
    spec = SamplingSpec(kind="uniform", nframes=4)
    first = sample_video(video, spec, cache=cache)
    entry = next((tmp_path / "frames").glob("*/*.pixels"))
    entry.write_bytes(np.zeros_like(first.frames).tobytes())  # another program wrote over it
    again = sample_video(video, spec, cache=cache)
    assert not again.from_cache and np.array_equal(again.frames, first.frames)
    assert sample_video(video, spec, cache=cache).from_cache  # stored right once more


def test_a_byte_order_mark_spoils_neither_a_jsonl_nor_a_csv(tmp_path: Path) -> None:
    gt = data_path(GT_FILE)
    first = json.loads(gt.read_text())["annotations"][0]
    line = {"vid": first["image_id"], "query": first["caption"], "answer": "0 - 5"}
    path = tmp_path / "p.jsonl"
    path.write_text("\ufeff" + json.dumps(line) + "\n", encoding="utf-8")
    assert len(read_predictions(path).predictions) == 1
    csv = tmp_path / "Charades_v1_test.csv"
    csv.write_text("\ufeffid,length\nAB12C,30.5\n", encoding="utf-8")
    assert read_durations(csv) == {"AB12C": 30.5}
    assert score_files("charades-sta", gt, path, "timechat", resamples=0).report.n_counted == 1


def test_validate_makes_the_checks_score_makes(tmp_path: Path) -> None:
    qvh = tmp_path / "qvh.jsonl"  # QVHighlights qids 0..11 are Charades-STA ids too
    qvh.write_text("".join(json.dumps({"qid": i, "vid": f"other_{i}", "pred_relevant_windows":
                                       [[0, 5, 1.0]]}) + "\n" for i in range(12)))  # fmt: skip
    result = runner.invoke(app, ["validate", "charades-sta", "-a", str(data_path(GT_FILE)),
                                 "-p", str(qvh)])  # fmt: skip
    assert result.exit_code == 2 and "do not belong together" in result.output


@pytest.mark.parametrize("events", [[(47.6, 95.6, "late")], [(0.0, 1.0, "on time")]])
def test_sft_rows_leave_out_events_past_the_video_end(tmp_path: Path, events) -> None:
    from videoeval.training.sft_data import sft_rows

    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v.mp4", frames=40, fps=10)
    gt = tmp_path / "yc2_val.json"
    gt.write_text(json.dumps({"v": {"duration": 4.0, "timestamps": [list(e[:2]) for e in events],
                                    "sentences": [e[2] for e in events]}}))  # fmt: skip
    skipped: list[str] = []
    rows = list(sft_rows("youcook2", gt, videos, "trl", "frame-grounded", skipped=skipped))
    if events[0][0] > 4:
        assert rows == [] and "start after the video's end" in skipped[0]
    else:
        assert len(rows) == 1 and not skipped
