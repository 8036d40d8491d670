"""A clip list of one's own is a benchmark for the training commands: its captioning,
grounding and dense views feed pairs, rollouts, grpo-data and sft-data (grounding rows as
TimeLens trains, dense events as text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.benchmarks import get_benchmark
from videoeval.cli import app

runner = CliRunner()
CLIPS = [
    {"video": "a.mp4", "caption": "A man opens the door. He sits down.", "duration": 6.0,
     "events": [[0.0, 1.0, "a man opens the door"], [1.0, 2.0, "he sits down"]],
     "queries": [{"query": "a man opens the door", "span": [0.0, 1.0]},
                 {"query": "he sits down", "span": [1.0, 2.0]}]},
    {"video": "sub/b.mp4", "id": "clip-b", "caption": "A dog runs.", "duration": 6.0,
     "queries": [{"query": "a dog runs", "span": [0.5, 1.5]}]},
    {"video": "c.mp4"},  # nothing but a video: every view leaves it out, and says so
]  # fmt: skip


@pytest.fixture
def clips(tmp_path: Path) -> tuple[Path, Path]:
    videos = tmp_path / "videos"
    (videos / "sub").mkdir(parents=True)
    write_video(videos / "a.mp4", frames=50, fps=25)
    write_video(videos / "sub" / "b.mp4", frames=50, fps=25)
    write_video(videos / "c.mp4", frames=50, fps=25)
    path = tmp_path / "clips.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CLIPS))
    return videos, path


def test_each_view_reads_what_it_needs(clips) -> None:
    _, path = clips
    views = {v.task: v.load(path) for v in get_benchmark("clips").views}
    assert [s.sample_id for s in views["captioning"].samples] == ["a", "clip-b"]
    assert [s.sample_id for s in views["grounding"].samples] == ["a#0", "a#1", "clip-b#0"]
    assert views["grounding"].samples[2].video_id == "sub/b"
    assert [s.sample_id for s in views["dense_captioning"].samples] == ["a"]
    assert all(any("c.mp4" not in x or "no" in x for x in v.skipped) for v in views.values())


def test_sft_grounding_rows_answer_as_timelens_trains(clips, tmp_path: Path) -> None:
    videos, path = clips
    out = tmp_path / "sft.jsonl"
    result = runner.invoke(app, ["sft-data", "clips", "-a", str(path), "--videos", str(videos),
                                 "--kind", "grounding", "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    answers = [r["messages"][1]["content"][0]["text"] for r in rows]
    # TencentARC/TimeLens @ 5d90c06 training/data/grounding.py::_format_response
    assert answers == ["The event happens in 0.0 - 1.0 seconds.",
                       "The event happens in 1.0 - 2.0 seconds.",
                       "The event happens in 0.5 - 1.5 seconds."]  # fmt: skip
    prompt = rows[0]["messages"][0]["content"][1]["text"]
    assert "a man opens the door" in prompt  # the evaluation's grounding prompt


def test_sft_dense_text_rows(clips, tmp_path: Path) -> None:
    videos, path = clips
    out = tmp_path / "dense.jsonl"
    args = ["sft-data", "clips", "-a", str(path), "--videos", str(videos), "--kind",
            "dense-text", "--style", "ms-swift", "-o", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert row["messages"][1]["content"] == (
        "0.0 - 1.0 seconds, a man opens the door\n1.0 - 2.0 seconds, he sits down"
    )


def test_rollouts_and_pairs_run_on_a_clip_list(clips, tmp_path: Path) -> None:
    videos, path = clips

    def policy(received, n):  # type: ignore[no-untyped-def]
        if "Describe" in received.prompt:
            return openai_reply("A man opens the door. He sits down.")
        return openai_reply("The event happens in 0 - 1 seconds.")

    with FakeServer(policy) as server:
        common = ["-a", str(path), "--videos", str(videos), "--model", "m", "--base-url",
                  server.base_url, "--cache", str(tmp_path / "c")]  # fmt: skip
        rolled = runner.invoke(app, ["rollouts", "clips", *common, "--samples", "1",
                                     "--temperature", "0", "-o", str(tmp_path / "r")])  # fmt: skip
        assert rolled.exit_code == 0, rolled.output
        paired = runner.invoke(app, ["pairs", "clips", *common, "-o", str(tmp_path / "p")])
        assert paired.exit_code == 0, paired.output
    rewards = {r["sample_id"]: r["reward"] for r in map(
        json.loads, (tmp_path / "r" / "rollouts.jsonl").read_text().splitlines())}  # fmt: skip
    assert rewards == {"a#0": 1.0, "a#1": 0.0, "clip-b#0": 0.5 / 1.5}
    made = [json.loads(x) for x in (tmp_path / "p" / "pairs.jsonl").read_text().splitlines()]
    assert [p["sample_id"] for p in made] == ["a", "clip-b"]
