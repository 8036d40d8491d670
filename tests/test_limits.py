"""One number or one file cannot ask for unbounded work: each limit refuses with the variable
that raises it, and a model answer longer than an answer can be is recorded, not scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.engine.test_failures import run
from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.demo import GT_FILE, PRED_FILE, data_path
from videoeval.video.frames import sample_video
from videoeval.video.sampling import SamplingSpec

runner = CliRunner()


@pytest.fixture
def bench(tmp_path: Path) -> dict[str, Path]:
    return make_bench(tmp_path)


def test_a_billion_frames_are_refused_before_anything_is_read(bench: dict[str, Path]) -> None:
    for extra in (["--sampling", "uniform", "--nframes", "1000000000"],
                  ["--max-frames", "1000000000"]):  # fmt: skip
        result = run(bench, "http://127.0.0.1:9/v1", "out", *extra, "--dry-run")
        assert result.exit_code == 2, result.output
        assert "VIDEOEVAL_MAX_FRAMES" in " ".join(result.output.split())


def test_judge_frames_and_bootstrap_are_bounded(monkeypatch) -> None:
    args = ["score", "charades-sta", "-a", str(data_path(GT_FILE)),
            "-p", str(data_path(PRED_FILE))]  # fmt: skip
    result = runner.invoke(app, [*args, "--bootstrap", "100000000"])
    assert result.exit_code == 2 and "VIDEOEVAL_MAX_BOOTSTRAP" in " ".join(result.output.split())
    monkeypatch.setenv("VIDEOEVAL_MAX_BOOTSTRAP", "200000000")
    from videoeval.api import JointOptions, ScoreRequest, ScoringOptions, resolve

    gt, pred = data_path(GT_FILE), data_path(PRED_FILE)
    resolve(
        ScoreRequest(
            "charades-sta",
            annotations=gt,
            predictions=pred,
            scoring=ScoringOptions(bootstrap=10**8),
        )
    )
    with pytest.raises(Exception, match="VIDEOEVAL_MAX_FRAMES"):
        resolve(ScoreRequest("youcook2", annotations=data_path(GT_FILE), protocol="joint",
                             joint=JointOptions(frames_per_event=10**9)))  # fmt: skip


def test_frames_larger_than_the_pixel_limit_are_scaled_down_and_say_so(
    tmp_path: Path, monkeypatch
) -> None:
    video = tmp_path / "big.mp4"
    write_video(video, frames=10, fps=10, size=(320, 240))
    monkeypatch.setenv("VIDEOEVAL_MAX_FRAME_PIXELS", str(160 * 120))
    sampled = sample_video(video, SamplingSpec(kind="uniform", nframes=2))
    assert sampled.frames.shape[1:3] == (120, 160)
    assert any("scaled to 160x120" in w for w in sampled.warnings)


def test_an_input_file_past_the_size_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "p.jsonl"
    line = json.dumps({"vid": "x", "query": "q", "answer": "1 - 2"}) + "\n"
    big.write_text(line * (2 * 2**20 // len(line) + 1))
    monkeypatch.setenv("VIDEOEVAL_MAX_INPUT_MB", "1")
    result = runner.invoke(app, ["score", "charades-sta", "-a", str(data_path(GT_FILE)),
                                 "-p", str(big)])  # fmt: skip
    assert result.exit_code == 2 and "VIDEOEVAL_MAX_INPUT_MB" in " ".join(result.output.split())


def test_an_answer_longer_than_an_answer_can_be_is_recorded_not_scored(
    bench: dict[str, Path], monkeypatch
) -> None:
    monkeypatch.setenv("VIDEOEVAL_MAX_ANSWER_CHARS", "1000")

    def flood(received, n):  # type: ignore[no-untyped-def]
        if "dog" in received.prompt:
            return openai_reply("The event happens in 0.5 - 1.5 seconds. " + "x" * 5000)
        return answer_script(received, n)

    with FakeServer(flood, models=["fake-vl"]) as server:
        first = run(bench, server.base_url, "out")
        assert first.exit_code == 0, first.output
        asked = len(server.received)
        again = run(bench, server.base_url, "out")
        assert again.exit_code == 0 and len(server.received) == asked  # final: not re-asked
    rows = [json.loads(x) for x in (bench["root"] / "out" / "responses.jsonl").read_text()
            .splitlines()]  # fmt: skip
    long = [r for r in rows if r["status"] == "answer_too_long"]
    assert len(long) == 1 and len(long[0]["answer"]) == 1000
    metrics = json.loads((bench["root"] / "out" / "metrics.json").read_text())
    assert metrics["failures"]["answer_too_long"] == 1
