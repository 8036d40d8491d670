"""`videoeval run etbench`: each sample's own question is asked with its own video, and the
answers are scored by E.T. Bench's rules as if they had been written into `a`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app

runner = CliRunner()
QUESTIONS = {
    "a": "Localize the steps of making an omelette, with their times.",
    "b": "Find every step of changing a tyre, with its times.",
}


def model(received: Received, n: int) -> Reply:
    assert received.images == 4
    if received.prompt == QUESTIONS["a"]:
        return openai_reply("0 - 1 seconds, crack the eggs. 1 - 2 seconds, whisk the eggs.")
    assert received.prompt == QUESTIONS["b"], received.prompt
    return openai_reply("I cannot tell.")


@pytest.mark.skipif(shutil.which("java") is None, reason="E.T. Bench's Sim tokenises with Java")
def test_run_asks_each_sample_its_question(tmp_path: Path) -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    pytest.importorskip("tokenizers", reason="the offline encoder is not installed")
    videos = tmp_path / "videos"
    (videos / "yc").mkdir(parents=True)
    write_video(videos / "yc" / "a.mp4", frames=50, fps=25, size=(128, 72))
    write_video(videos / "yc" / "b.mp4", frames=50, fps=25, size=(96, 64))
    samples = [
        {"task": "dvc", "source": "youcook2", "video": "yc/a.mp4", "idx": 0, "q": QUESTIONS["a"],
         "tgt": [[0, 1], [1, 2]], "g": ["crack the eggs", "whisk the eggs"]},
        {"task": "slc", "source": "coin", "video": "yc/b.mp4", "idx": 1, "q": QUESTIONS["b"],
         "tgt": [[0, 2]], "g": ["remove the wheel"]},
    ]  # fmt: skip
    annotations = tmp_path / "etbench_txt_v1.0.json"
    annotations.write_text(json.dumps(samples))
    out = tmp_path / "run"
    with FakeServer(model) as server:
        args = ["run", "etbench", "-a", annotations, "--videos", videos, "--model", "m",
                "--base-url", server.base_url, "-o", out,
                "--cache", tmp_path / "cache"]  # fmt: skip
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        assert len(server.received) == 2
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["protocol"] == "etbench" and metrics["failures"] == {"parse_error": 1}
    assert metrics["metrics"]["DVC_F1"] == pytest.approx(100.0)
    assert metrics["metrics"]["SLC_F1"] == 0.0
    prompt_file = tmp_path / "p.txt"
    prompt_file.write_text("x")
    refused = runner.invoke(app, [str(a) for a in [*args, "--prompt-file", prompt_file]])
    assert refused.exit_code == 2 and "its own question" in refused.output


def test_run_the_grounding_tasks(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    (videos / "ch").mkdir(parents=True)
    write_video(videos / "ch" / "a.mp4", frames=50, fps=25, size=(128, 72))
    write_video(videos / "ch" / "b.mp4", frames=50, fps=25, size=(96, 64))
    samples = [
        {"task": "tvg", "source": "charades", "video": "ch/a.mp4", "idx": 0,
         "q": "When does the door open?", "tgt": [0, 1]},
        {"task": "vhd", "source": "qvh", "video": "ch/b.mp4", "idx": 1,
         "q": "When is the highlight?", "tgt": [[1, 2]]},
        {"task": "dvc", "source": "youcook2", "video": "ch/a.mp4", "idx": 2, "q": "Steps?",
         "tgt": [[0, 1]], "g": ["x"]},  # not a grounding task: not asked
    ]  # fmt: skip
    annotations = tmp_path / "etbench_txt_v1.0.json"
    annotations.write_text(json.dumps(samples))

    def grounding(received: Received, n: int) -> Reply:
        assert received.images == 4 and received.prompt.startswith("When")
        door = "door" in received.prompt
        return openai_reply("The door opens at 0 - 1 seconds." if door else "At 1.5 seconds.")

    with FakeServer(grounding) as server:
        args = ["run", "etbench", "-a", annotations, "--videos", videos, "--model", "m",
                "--base-url", server.base_url, "-o", tmp_path / "run", "--protocol",
                "etbench-grounding", "--cache", tmp_path / "cache"]  # fmt: skip
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        assert len(server.received) == 2
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["protocol"] == "etbench-grounding" and metrics["task"] == "localization"
    assert metrics["metrics"]["TVG"] == 100.0 and metrics["metrics"]["VHD"] == 100.0
