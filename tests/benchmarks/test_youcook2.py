"""YouCook2: the benchmark added as one module. Its real val file loads, a densevid results file
scores under the dense protocols, and `run` drives a model on its dense view end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.video.synth import write_video
from videoeval.api import DenseOptions, ScoreRequest, ScoringOptions, score
from videoeval.benchmarks import get_benchmark
from videoeval.cli import app

runner = CliRunner()


def test_real_validation_file_loads_as_timed_clips() -> None:
    benchmark = get_benchmark("youcook2")
    assert benchmark.tasks == ("dense_captioning", "audit")
    samples = benchmark.view("dense_captioning").load(shared_file("captions/youcook2_val.json"))
    assert len(samples.samples) == 457 and samples.skipped == []
    first = samples.samples[0]
    assert first.timed_events and first.timed_events[0][2]


def test_gt_as_predictions_scores_full_detection(tmp_path: Path) -> None:
    gt_path = shared_file("captions/youcook2_val.json")
    gt = json.loads(gt_path.read_text())
    results = {
        vid: [{"timestamp": t, "sentence": s}
              for t, s in zip(entry["timestamps"], entry["sentences"], strict=True)]
        for vid, entry in list(gt.items())[:50]
    }  # fmt: skip
    predictions = tmp_path / "results.json"
    predictions.write_text(json.dumps({"results": results}))
    outcome = score(ScoreRequest("youcook2", predictions=predictions, annotations=gt_path,
                                 dense=DenseOptions(language=False),
                                 scoring=ScoringOptions(bootstrap=0)))  # fmt: skip
    report = outcome.report
    assert report.benchmark == "youcook2" and report.protocol == "densevid-2018"
    assert report.n_total == 457 and report.failures == {"missing_prediction": 407}
    # the 50 videos given their own GT: every event found at every threshold
    assert report.metrics["P@0.9"] == pytest.approx(100 * 50 / 457)
    assert report.metrics["R@0.9"] == pytest.approx(100 * 50 / 457)


ANSWER = "0 - 1 seconds, crack the eggs.\n1 - 2 seconds, whisk the eggs."


def dense_model(received: Received, n: int) -> Reply:
    assert received.images == 4, received.images  # 2 fps over 2 s
    assert "one event per line" in received.prompt, received.prompt
    assert "{" not in received.prompt
    return openai_reply(ANSWER if n % 2 == 0 else "I cannot tell the times.")


def test_run_drives_the_dense_view(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    gt = {}
    for vid, size in (("v1", (128, 72)), ("v2", (96, 64))):  # different pixels: two calls
        write_video(videos / f"{vid}.mp4", frames=50, fps=25, size=size)
        gt[vid] = {"duration": 2.0, "timestamps": [[0, 1], [1, 2]],
                   "sentences": ["crack the eggs", "whisk the eggs"]}  # fmt: skip
    annotations = tmp_path / "yc2_val.json"
    annotations.write_text(json.dumps(gt))
    out = tmp_path / "run"
    with FakeServer(dense_model) as server:
        args = ["run", "youcook2", "-a", annotations, "--videos", videos, "--model", "m",
                "--base-url", server.base_url, "-o", out, "--cache", tmp_path / "cache",
                "--concurrency", "1", "--no-language", "--backoff", "0.01"]  # fmt: skip
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        assert len(server.received) == 2
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "dense_captioning" and metrics["protocol"] == "densevid-2018"
    assert metrics["failures"] == {"parse_error": 1} and metrics["model"] == "m"
    assert metrics["metrics"]["precision"] == pytest.approx(50.0)
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["ok", "parse_error"]
    events = rows[0]["predicted_events"]  # the text as the model wrote it
    assert events == [[0.0, 1.0, "crack the eggs."], [1.0, 2.0, "whisk the eggs."]]
