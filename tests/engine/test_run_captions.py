"""`videoeval run dream1k`: a model describes real clips, a judge scores the descriptions."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.parsing.literals import literal_eval

runner = CliRunner()
STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)


def model_and_judge(received, n):
    if received.images:  # the evaluated model, shown 16 frames
        assert received.images == 16
        return openai_reply("A man opens the door. He sits down.")
    match = STATEMENTS.search(received.prompt)
    if match:
        events = literal_eval(match.group(1))
        items = [{"event": e, "relationship": "entailment", "reason": "-"} for e in events]
        return openai_reply(json.dumps({"events": items}))
    return openai_reply(json.dumps({"events": ["a man opens the door", "a man sits down"]}))


def test_run_then_judge(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    annotations = tmp_path / "DREAM-1k.jsonl"
    with open(annotations, "w") as handle:
        for idx in (1, 2, 3):
            if idx != 3:  # clip 3 has no video
                write_video(videos / f"{idx}.mp4", frames=40, fps=20)
            row = {
                "messages": [{"role": "assistant", "content": [
                    {"type": "text", "text": "", "reference": "A man opens the door. He sits."}]}],
                "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
                "extra_info": {"events": ["A man opens the door."], "n_events": 1},
            }  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    with FakeServer(model_and_judge) as server:
        args = [
            "run", "dream1k", "-a", str(annotations), "--videos", str(videos),
            "--model", "vlm", "--base-url", server.base_url, "--sampling", "uniform",
            "--nframes", "16", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c"),
            "--judge-model", "judge", "--judge-base-url", server.base_url, "--backoff", "0.01",
        ]  # fmt: skip
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["protocol"] == "autodq" and metrics["metrics"]["F1"] == 100.0
    assert metrics["failures"] == {"video_error": 1} and metrics["n_scored"] == 2
    rows = [json.loads(x) for x in (tmp_path / "out" / "samples.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["ok", "ok", "video_error"]
    assert rows[0]["prediction"] == "A man opens the door. He sits down."
    run_json = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run_json["config"]["protocol"] == "autodq"
    assert run_json["config"]["frames"]["sampling_text"] == "16 frames, uniform"
