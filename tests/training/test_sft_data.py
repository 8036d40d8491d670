"""SFT exports of reference descriptions."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.video.synth import write_video
from videoeval.cli import app


def test_captions_as_ms_swift_sft(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    annotations = tmp_path / "DREAM-1k.jsonl"
    with open(annotations, "w") as handle:
        for idx in (1, 2):
            if idx == 1:
                write_video(videos / "1.mp4", frames=20, fps=10)
            row = {"messages": [{"role": "assistant", "content": [
                       {"type": "text", "text": "", "reference": f"A man opens door {idx}."}]}],
                   "dataset": "DREAM/youtube", "idx": idx, "vid": idx}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    out = tmp_path / "sft.jsonl"
    args = ["sft-data", "dream1k", "-a", str(annotations), "--videos", str(videos),
            "-o", str(out), "--style", "ms-swift"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 left out" in result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 1
    assert rows[0]["messages"][0]["content"].startswith("<video>Describe")
    assert rows[0]["messages"][1] == {"role": "assistant", "content": "A man opens door 1."}
    assert rows[0]["videos"] == [str(videos / "1.mp4")]


def test_nframes_with_captions_is_refused(tmp_path: Path) -> None:
    annotations = tmp_path / "DREAM-1k.jsonl"
    annotations.write_text("")
    args = ["sft-data", "dream1k", "-a", str(annotations), "--videos", str(tmp_path),
            "-o", str(tmp_path / "x.jsonl"), "--nframes", "8"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--nframes does not apply to --kind captions" in result.output
