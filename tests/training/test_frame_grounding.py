"""Tarsier2's ``<frame: i-j>`` event-grounded captions: read, written, and mapped to seconds
through the recorded frame list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.training.frame_grounding import (
    frames_to_seconds,
    parse_frame_grounded,
    seconds_to_frames,
    write_frame_grounded,
)

# The example of the Tarsier2 report's Figure 4 (16 frames), shortened.
FIGURE_4 = ("<frame: 1-3> A woman stands in a dimly lit room. <frame: 4-13> The camera shifts "
            "to show her from the front. < frame: 14-16 > Her hand turns the dial.")  # fmt: skip
TIMES = [i * 0.5 for i in range(16)]  # 16 frames, one every 0.5 s, of an 8 s clip


def test_the_report_example_reads_and_writes_back() -> None:
    events = parse_frame_grounded(FIGURE_4)
    assert [(i, j) for i, j, _ in events] == [(1, 3), (4, 13), (14, 16)]
    assert events[2][2] == "Her hand turns the dial."
    again = parse_frame_grounded(write_frame_grounded(events))
    assert again == events


def test_frames_map_to_seconds_and_back() -> None:
    spans = frames_to_seconds(parse_frame_grounded(FIGURE_4), TIMES, duration=8.0)
    # frames 1-3 cover 0.0 until frame 4 (1.5 s); the last event runs to the video's end
    assert [(s, e) for s, e, _ in spans] == [(0.0, 1.5), (1.5, 6.5), (6.5, 8.0)]
    assert seconds_to_frames(spans, TIMES) == parse_frame_grounded(FIGURE_4)
    # one frame still has a length; an event between two frames names the nearest
    assert frames_to_seconds([(5, 5, "x")], TIMES, 8.0) == [(2.0, 2.5, "x")]
    assert seconds_to_frames([(2.1, 2.2, "y")], TIMES) == [(5, 5, "y")]


def test_bad_ranges_are_refused() -> None:
    with pytest.raises(ValueError, match="bad frame range"):
        parse_frame_grounded("<frame: 5-2> backwards")
    with pytest.raises(ValueError, match="names frame 17 of 16"):
        frames_to_seconds([(15, 17, "x")], TIMES, 8.0)
    assert parse_frame_grounded("no markers at all") == []


def test_sft_data_writes_grounded_captions_over_the_sampled_frames(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v1.mp4", frames=64, fps=16)  # 4 s; 16 uniform frames: 0, 4, 8, ...
    gt = {"v1": {"duration": 4.0, "timestamps": [[0, 1], [1, 4]],
                 "sentences": ["crack the eggs", "whisk them"]}}  # fmt: skip
    annotations = tmp_path / "yc2_val.json"
    annotations.write_text(json.dumps(gt))
    out = tmp_path / "sft.jsonl"
    result = CliRunner().invoke(app, ["sft-data", "youcook2", "-a", str(annotations),
                                      "--videos", str(videos), "-o", str(out),
                                      "--kind", "frame-grounded"])  # fmt: skip
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text())
    answer = row["messages"][1]["content"][0]["text"]
    times = row["frame_times"]
    assert len(times) == 16
    events = parse_frame_grounded(answer)
    assert [e[2] for e in events] == ["crack the eggs", "whisk them"]
    back = frames_to_seconds(events, times, 4.0)
    assert back[0][0] == 0.0 and back[1][1] == 4.0  # the GT's ends, at frame resolution
    assert all(abs(a[1] - 1.0) <= 0.25 for a in back[:1])
