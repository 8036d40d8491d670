"""``videoeval build``: a scripted teacher writes timed captions for generated videos, a
scripted auditor flags one event in one of its runs; exactly that event is dropped, and the
result is a densevid file that ``videoeval score`` reads."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app

runner = CliRunner()
TEACHER = "0 - 1 seconds, a red square appears\n1 - 2 seconds, a blue circle rolls"


def first_width(body: dict) -> int:
    part = next(p for m in body["messages"] for p in m["content"]
                if isinstance(p, dict) and p["type"] == "image_url")  # fmt: skip
    data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
    return Image.open(io.BytesIO(data)).width


def scripted(received, n):  # type: ignore[no-untyped-def]
    prompt = received.prompt
    if "An auditor who checked" in prompt:  # the teacher again, with the auditor's notes
        assert (
            "1 - 2 seconds, a blue circle rolls (auditor: wrong time; the frames suggest "
            "1.5 - 2 seconds)" in prompt
        )
        return openai_reply("1.5 - 2 seconds, a blue circle rolls")
    if "Events (start - end seconds" not in prompt:  # the teacher, shown the video's frames
        assert received.images == 4
        return openai_reply(TEACHER)
    assert received.images == 16  # the auditor sees the frames too
    if "1. [1.5 - 2.0 s] a blue circle rolls" in prompt:  # the rewrite: right this time
        return openai_reply(json.dumps({
            "frame_evidence": [{"timestamps": [1.6], "observation": "a circle"}],
            "gt": {"factual": 9, "completeness": 9, "temporal": 9},
            "events": [{"text_ok": True, "span_ok": True}], "errors_gt": []}))  # fmt: skip
    assert "1. [0.0 - 1.0 s] a red square appears" in prompt
    assert "2. [1.0 - 2.0 s] a blue circle rolls" in prompt
    # run 1 (seed 1) finds the blue circle's span wrong on the narrow video only
    wrong = received.body["seed"] == 1 and first_width(received.body) == 96
    checks = [{"text_ok": True, "span_ok": True},
              {"text_ok": True, "span_ok": not wrong,
               "suggested_span": [1.5, 2.0] if wrong else None}]  # fmt: skip
    return openai_reply(json.dumps({
        "frame_evidence": [{"timestamps": [0.0], "observation": "shapes"}],
        "gt": {"factual": 8, "completeness": 8, "temporal": 8}, "events": checks,
        "errors_gt": []}))  # fmt: skip


def test_build_keeps_only_events_every_run_finds_right(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v1.mp4", frames=50, fps=25, size=(128, 72))
    write_video(videos / "v2.mp4", frames=50, fps=25, size=(96, 64))
    out = tmp_path / "built"
    with FakeServer(scripted) as server:
        args = ["build", "--videos", videos, "--model", "teacher", "--base-url",
                server.base_url, "--judge-model", "auditor", "--judge-base-url",
                server.base_url, "--runs", "2", "-o", out,
                "--cache", tmp_path / "cache"]  # fmt: skip
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        asked = len(server.received)
        assert asked == 2 + 2 * 2  # two teacher answers, two audit runs per video
        again = runner.invoke(app, [str(a) for a in args])
        assert again.exit_code == 0 and len(server.received) == asked  # resumed, cached
    dense = json.loads((out / "dense.json").read_text())
    assert dense["v1"]["sentences"] == ["a red square appears", "a blue circle rolls"]
    assert dense["v2"]["sentences"] == ["a red square appears"]  # the flagged event is gone
    assert dense["v2"]["timestamps"] == [[0.0, 1.0]] and dense["v2"]["duration"] == 2.0
    trail = [json.loads(x) for x in (out / "audit_trail.jsonl").read_text().splitlines()]
    dropped = [t for t in trail if not t["kept"]]
    assert len(trail) == 4 and len(dropped) == 1 and dropped[0]["video_id"] == "v2"
    assert dropped[0]["runs"][1]["suggested_span"] == [1.5, 2.0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["events"], manifest["events_kept"], manifest["runs"]) == (4, 3, 2)
    assert manifest["videos_unanswered"] == manifest["videos_without_events"] == []
    # the built file is a dense benchmark: its own events as predictions score full precision
    predictions = {"results": {vid: [{"timestamp": ts, "sentence": s} for ts, s in
                                     zip(v["timestamps"], v["sentences"], strict=True)]
                               for vid, v in dense.items()}}  # fmt: skip
    pred_path = tmp_path / "self.json"
    pred_path.write_text(json.dumps(predictions))
    scored = runner.invoke(app, ["score", "activitynet-captions", "-a", str(out / "dense.json"),
                                 "-p", str(pred_path), "--no-language",
                                 "-o", str(tmp_path / "scored")])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    metrics = json.loads((tmp_path / "scored" / "metrics.json").read_text())
    assert metrics["metrics"]["precision"] == 100.0 and metrics["n_total"] == 2


def test_repair_sends_flagged_events_back_and_keeps_the_rewrite_that_passes(
    tmp_path: Path,
) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v2.mp4", frames=50, fps=25, size=(96, 64))
    out = tmp_path / "built"
    with FakeServer(scripted) as server:
        args = ["build", "--videos", videos, "--model", "teacher", "--base-url",
                server.base_url, "--judge-model", "auditor", "--judge-base-url",
                server.base_url, "--runs", "2", "-o", out, "--repair",
                "--cache", tmp_path / "cache"]  # fmt: skip
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
    dense = json.loads((out / "dense.json").read_text())
    assert dense["v2"]["timestamps"] == [[0.0, 1.0], [1.5, 2.0]]
    assert dense["v2"]["sentences"] == ["a red square appears", "a blue circle rolls"]
    trail = [json.loads(x) for x in (out / "audit_trail.jsonl").read_text().splitlines()]
    assert [(t["pass"], t["kept"]) for t in trail] == [
        ("first", True), ("first", False), ("repair", True)]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["events_repaired"] == 1 and manifest["events_kept"] == 2


def test_a_teacher_answer_without_events_is_named(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v1.mp4", frames=50, fps=25, size=(128, 72))
    write_video(videos / "v3.mp4", frames=50, fps=25, size=(64, 48))

    def script(received, n):  # type: ignore[no-untyped-def]
        if "Events (start - end seconds" not in received.prompt and first_width(
                received.body) == 64:  # fmt: skip
            return openai_reply("I cannot tell what happens.")
        return scripted(received, n)

    out = tmp_path / "built"
    with FakeServer(script) as server:
        args = ["build", "--videos", videos, "--model", "teacher", "--base-url",
                server.base_url, "--judge-model", "auditor", "--judge-base-url",
                server.base_url, "-o", out, "--cache", tmp_path / "cache"]  # fmt: skip
        result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["videos_without_events"] == ["v3"] and manifest["videos_kept"] == 1
    assert "no readable event" in result.output
