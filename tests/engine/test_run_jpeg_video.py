"""``run --video-mode jpeg-video``: the server gets exactly the frames the run recorded, in
order, as one video, with their source timing; options that do not fit the mode are refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.engine.conftest import ANSWERS, query_of
from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.models.test_openai_jpeg_video import video_part_frames
from tests.video.synth import read_counter
from videoeval.cli import app

runner = CliRunner()
# 50 frames at 25 fps, 2 fps rule -> frames 0, 16, 33, 49 (see test_run.py)
EXPECTED_INDICES = [0, 16, 33, 49]


def jpeg_video_script(received: Received, n: int) -> Reply:
    body = received.body
    frames = video_part_frames(body)
    assert [read_counter(f, 128) for f in frames] == EXPECTED_INDICES
    assert received.labels == []  # the processor writes the timestamps, not us
    timing = body["media_io_kwargs"]["video"]
    assert timing["frames_indices"] == EXPECTED_INDICES and timing["fps"] == 25.0
    assert timing["num_frames"] == -1 and timing["total_num_frames"] == 50
    return openai_reply(ANSWERS[query_of(received)])


def run_args(bench: dict[str, Path], server: FakeServer, out: str, *extra: str) -> list[str]:
    return [
        "run", "timelens-charades",
        "--annotations", str(bench["annotations"]), "--videos", str(bench["videos"]),
        "--model", "fake-vl", "--base-url", server.base_url,
        "--out", str(bench["root"] / out), "--cache", str(bench["root"] / "cache"),
        "--backoff", "0.01", *extra,
    ]  # fmt: skip


def test_a_run_sends_exactly_our_frames_as_one_video(bench) -> None:
    with FakeServer(jpeg_video_script) as server:
        result = runner.invoke(app, run_args(bench, server, "run", "--video-mode", "jpeg-video"))
        assert result.exit_code == 0, result.output
        assert len(server.received) == 4
    config = json.loads((bench["root"] / "run" / "run.json").read_text())["config"]
    assert config["frames"]["mode"] == "jpeg-video" and config["frames"]["labels"] == "none"
    metrics = json.loads((bench["root"] / "run" / "metrics.json").read_text())
    assert metrics["n_counted"] == 5 and metrics["metrics"]["R1@0.5"] == 40.0


def test_options_that_do_not_fit_the_mode_are_refused(bench) -> None:
    with FakeServer(jpeg_video_script) as server:
        labelled = run_args(bench, server, "a", "--video-mode", "jpeg-video", "--labels", "qwen3")
        result = runner.invoke(app, labelled)
        assert result.exit_code == 2 and "--labels qwen3 applies to" in result.output
        whole = run_args(bench, server, "b", "--video-mode", "video", "--labels", "per-frame")
        assert runner.invoke(app, whole).exit_code == 2
        # the server samples a whole file itself: frame options would be ignored, so refused
        for extra in (["--nframes", "8"], ["--max-pixels", "100000"], ["--preset", "tarsier"]):
            result = runner.invoke(app, run_args(bench, server, "w", "--video-mode", "video",
                                                 *extra))  # fmt: skip
            assert result.exit_code == 2 and "would be ignored" in result.output, result.output
        gemini = [*run_args(bench, server, "c", "--video-mode", "jpeg-video"),
                  "--backend", "gemini"]  # fmt: skip
        result = runner.invoke(app, gemini)
        assert result.exit_code == 2 and "Gemini takes" in result.output
        unknown = runner.invoke(app, run_args(bench, server, "d", "--video-mode", "clip"))
        assert unknown.exit_code == 2 and "jpeg-video" in unknown.output
        assert server.received == []


def test_a_preset_is_applied_recorded_and_shown(bench) -> None:
    from videoeval.report.load import load_run

    with FakeServer(jpeg_video_script) as server:
        result = runner.invoke(app, run_args(bench, server, "run", "--preset", "qwen3-vl"))
        assert result.exit_code == 0, result.output
        clash = runner.invoke(app, run_args(bench, server, "x", "--preset", "qwen3-vl",
                                            "--fps", "1"))  # fmt: skip
        assert clash.exit_code == 2 and "--preset qwen3-vl sets --fps" in clash.output
    frames = json.loads((bench["root"] / "run" / "run.json").read_text())["config"]["frames"]
    assert frames["preset"] == "qwen3-vl v1" and frames["mode"] == "jpeg-video"
    assert frames["budget"]["factor"] == 32 and frames["budget"]["total_pixels"] == 117964800
    metrics = json.loads((bench["root"] / "run" / "metrics.json").read_text())
    assert metrics["inputs"]["frame_preset"] == "qwen3-vl v1"
    assert load_run(bench["root"] / "run").model == "fake-vl (frames: qwen3-vl v1)"


def test_a_preset_file_of_ones_own_is_applied_and_recorded(bench) -> None:
    own = bench["root"] / "api.json"
    own.write_text(json.dumps({
        "name": "api-8", "version": 1, "summary": "8 uniform frames", "source": "my notes",
        "settings": {"sampling": "uniform", "nframes": 8, "video_mode": "frames"},
    }))  # fmt: skip

    def eight_images(received: Received, n: int) -> Reply:
        parts = [part for message in received.body["messages"]
                 if isinstance(message["content"], list) for part in message["content"]
                 if part.get("type") == "image_url"]  # fmt: skip
        assert len(parts) == 8  # the preset's frames really reach the model
        return openai_reply(ANSWERS[query_of(received)])

    with FakeServer(eight_images) as server:
        result = runner.invoke(app, run_args(bench, server, "own", "--preset", str(own)))
        assert result.exit_code == 0, result.output
        assert len(server.received) == 4
    frames = json.loads((bench["root"] / "own" / "run.json").read_text())["config"]["frames"]
    assert frames["preset"] == "api-8 v1 (file api.json)" and frames["sampling"]["nframes"] == 8
