"""Re-judging AutoDQ's misses with the frames: the accounting, pinned by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.parsing.literals import literal_eval

runner = CliRunner()
STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)
VERDICTS = [  # (clip, side, event, text-only label)
    ("1", "recall", "E1", "entailment"), ("1", "recall", "E2", "neutral"),
    ("1", "precision", "P1", "entailment"), ("1", "precision", "P2", "neutral"),
    ("1", "precision", "P3", "contradiction"),
    ("2", "recall", "E3", "neutral"), ("2", "precision", "P4", "neutral"),
]  # fmt: skip
WITH_FRAMES = {"E2": "contradiction", "P2": "entailment", "P3": "neutral", "E3": "entailment",
               "P4": "entailment"}  # fmt: skip


def judge(received, n):
    assert received.images == 16
    events = literal_eval(STATEMENTS.search(received.prompt).group(1))
    assert "E1" not in events and "P1" not in events  # entailed events never reach the frames
    items = [{"event": e, "relationship": WITH_FRAMES[e], "timestamps": [0.5], "reason": "seen"}
             for e in events]  # fmt: skip
    return openai_reply(json.dumps({"events": items}))


def test_rejudge_accounting(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    annotations = tmp_path / "DREAM-1k.jsonl"
    with open(annotations, "w") as handle:
        for idx in (1, 2):
            write_video(videos / f"{idx}.mp4", frames=32, fps=16)
            row = {"messages": [{"role": "assistant", "content": [
                       {"type": "text", "text": "", "reference": f"Reference {idx}."}]}],
                   "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
                   "extra_info": {"events": []}}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    autodq = tmp_path / "autodq"
    autodq.mkdir()
    (autodq / "verdicts.jsonl").write_text(
        "".join(
            json.dumps({"clip": c, "side": s, "aspect": "events", "event": e, "label": lab}) + "\n"
            for c, s, e, lab in VERDICTS
        ),
        encoding="utf-8",
    )
    with FakeServer(judge) as server:
        result = runner.invoke(
            app,
            ["audit", "dream1k", "-a", str(annotations), "--videos", str(videos),
             "--judge-model", "vjudge", "--judge-base-url", server.base_url,
             "--rejudge", str(autodq), "--out", str(tmp_path / "out"),
             "--cache", str(tmp_path / "cache")],
        )  # fmt: skip
        assert len(server.received) == 2  # one call per clip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "metrics.json").read_text())
    m = report["metrics"]
    # two clips: the bootstrap intervals span the per-clip values and hold the point figure
    low, high = report["ci95"]["F1_video"]
    assert low <= 62.5 <= high and set(report["ci95"]) >= {"F1_text", "recall_video"}
    # text only: clip 1 R 1/2, P 1/3; clip 2 R 0, P 0 -> R .25, P 1/6, F1 .2
    # with frames: E2 is a GT error (dropped), P2 and P4 credited -> clip 1 R 1/1, P 2/3;
    # clip 2 R 0/1, P 1/1 -> R .5, P 5/6, F1 .625
    assert (m["recall_text"], m["F1_text"]) == (pytest.approx(25.0), pytest.approx(20.0))
    assert m["precision_text"] == pytest.approx(100 / 6)
    assert (m["recall_video"], m["precision_video"]) == (
        pytest.approx(50.0),
        pytest.approx(250 / 3),
    )
    assert m["F1_video"] == pytest.approx(62.5)
    assert (m["flipped_precision_events"], m["dropped_gt_events"]) == (2.0, 1.0)
    assert m["frames_share_of_events"] == pytest.approx(500 / 7)
    flips = [json.loads(x) for x in (tmp_path / "out" / "flips.jsonl").read_text().splitlines()]
    assert sorted(f["event"] for f in flips) == ["E2", "P2", "P4"]
    lines = (tmp_path / "out" / "side_by_side.jsonl").read_text().splitlines()
    pairs = {p["event"]: p for p in map(json.loads, lines)}
    assert len(pairs) == 7
    assert (pairs["P3"]["text_label"], pairs["P3"]["video_label"]) == ("contradiction", "neutral")
    assert pairs["E1"]["video_label"] is None  # entailed by the text judge: never needed frames
