"""GRPO prompt files: the evaluation's prompt per query, the video, the GT span; the rewards
read them back and score the GT itself as a perfect answer."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.training.rewards import trl_reward

runner = CliRunner()


def bench(tmp_path: Path) -> tuple[Path, Path]:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v0.mp4", frames=20, fps=10)
    gt = {"v0": {"duration": 2.0, "spans": [[0.0, 1.0], [0.5, 2.0]],
                 "queries": ["a door opens", "a man sits"]},
          "v9": {"duration": 2.0, "spans": [[0.0, 1.0]], "queries": ["not filmed"]}}  # fmt: skip
    annotations = tmp_path / "charades-timelens.json"
    annotations.write_text(json.dumps(gt))
    return videos, annotations


def test_trl_and_ms_swift_files(tmp_path: Path) -> None:
    videos, annotations = bench(tmp_path)
    for style in ("trl", "ms-swift"):
        out = tmp_path / f"{style}.jsonl"
        result = runner.invoke(app, ["grpo-data", "timelens-charades", "-a", str(annotations),
                                     "--videos", str(videos), "-o", str(out),
                                     "--style", style])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "2 prompts written" in result.output and "1 queries left out" in result.output
        rows = [json.loads(x) for x in out.read_text().splitlines()]
        assert [r["span"] for r in rows] == [[0.0, 1.0], [0.5, 2.0]]
        assert all(r["duration"] == 2.0 for r in rows)
        if style == "trl":
            parts = rows[0]["prompt"][0]["content"]
            assert parts[0] == {"type": "video", "video": str(videos / "v0.mp4")}
            assert '"a door opens"' in parts[1]["text"]
            columns = {k: [r[k] for r in rows] for k in ("span", "duration")}
            answers = ["The event happens in 0 - 1 seconds.", "From 0.5 to 2 seconds."]
            # timelens rounds 0.5 half-to-even to 0: [0, 2] against [0.5, 2] is 0.75
            assert trl_reward("iou", "timelens-eval")(answers, **columns) == [1.0, 0.75]
        else:
            assert rows[0]["videos"] == [str(videos / "v0.mp4")]
            assert rows[0]["messages"][0]["content"].startswith("<video>")


def test_a_bad_style_is_refused(tmp_path: Path) -> None:
    videos, annotations = bench(tmp_path)
    result = runner.invoke(app, ["grpo-data", "timelens-charades", "-a", str(annotations),
                                 "--videos", str(videos), "-o", str(tmp_path / "x.jsonl"),
                                 "--style", "axolotl"])  # fmt: skip
    assert result.exit_code == 2 and "--style takes one of trl, ms-swift" in result.output
