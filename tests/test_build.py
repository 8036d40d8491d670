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


def test_the_teacher_lists_its_evidence_first_and_can_be_told_not_to(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v1.mp4", frames=50, fps=25, size=(128, 72))
    teacher_prompts: list[str] = []

    def script(received, n):  # type: ignore[no-untyped-def]
        if "Events (start - end seconds" in received.prompt:
            return scripted(received, n)
        teacher_prompts.append(received.prompt)
        if "frame_evidence" in received.prompt:  # the evidence-first reply, as JSON
            return openai_reply(json.dumps({
                "frame_evidence": [{"timestamps": [0.5], "observation": "a red square"}],
                "events": [{"start": 0, "end": 1, "event": "a red square appears"},
                           {"start": 1, "end": 2, "event": "a blue circle rolls"}]}))  # fmt: skip
        return openai_reply(TEACHER)

    with FakeServer(script) as server:
        for folder, extra in (("with", []), ("without", ["--no-frame-evidence"])):
            args = ["build", "--videos", videos, "--model", "teacher", "--base-url",
                    server.base_url, "--judge-model", "auditor", "--judge-base-url",
                    server.base_url, "-o", tmp_path / folder, "--cache", tmp_path / "cache",
                    *extra]  # fmt: skip
            result = runner.invoke(app, [str(a) for a in args])
            assert result.exit_code == 0, result.output
    assert "First list what you can actually see" in teacher_prompts[0]
    assert "First list" not in teacher_prompts[1]
    for folder in ("with", "without"):
        dense = json.loads((tmp_path / folder / "dense.json").read_text())
        assert dense["v1"]["sentences"] == ["a red square appears", "a blue circle rolls"]
        manifest = json.loads((tmp_path / folder / "manifest.json").read_text())
        assert manifest["teacher"]["frame_evidence"] is (folder == "with")


def test_recaptioning_keeps_what_no_run_faults_and_writes_the_original_control(
    tmp_path: Path,
) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "a.mp4", frames=50, fps=25, size=(128, 72))
    write_video(videos / "b.mp4", frames=50, fps=25, size=(96, 64))
    clips = tmp_path / "clips.jsonl"
    clips.write_text("".join(json.dumps(c) + "\n" for c in [
        {"video": "a.mp4", "id": "clip-a", "caption": "the original label of a"},
        {"video": "b.mp4", "id": "clip-b", "caption": "the original label of b"}]))  # fmt: skip

    def script(received, n):  # type: ignore[no-untyped-def]
        if "Description to check" in received.prompt:  # the auditor
            faulty = "green dragon" in received.prompt and received.body["seed"] == 1
            errors = [{"claim": "a green dragon", "frames_show": "shapes", "timestamps": [0.5],
                       "severity": "major"}] if faulty else []  # fmt: skip
            return openai_reply(json.dumps({
                "frame_evidence": [{"timestamps": [0.0], "observation": "shapes"}],
                "gt": {"factual": 4 if faulty else 9, "completeness": 8, "temporal": 8},
                "errors_gt": errors}))  # fmt: skip
        caption = "A red square appears, then a blue circle rolls."
        if first_width(received.body) == 128:  # video a: a description run 1 faults
            caption = "A green dragon flies."
        return openai_reply(json.dumps({"frame_evidence": [{"timestamps": [0.0],
                                                            "observation": "shapes"}],
                                        "caption": caption}))  # fmt: skip

    out = tmp_path / "recap"
    with FakeServer(script) as server:
        result = runner.invoke(app, [str(a) for a in [
            "build", "--kind", "detailed", "--clips", clips, "--videos", videos, "--model",
            "teacher", "--base-url", server.base_url, "--judge-model", "auditor",
            "--judge-base-url", server.base_url, "--runs", "2", "-o", out,
            "--cache", tmp_path / "cache"]])  # fmt: skip
        assert result.exit_code == 0, result.output
    captions = [json.loads(x) for x in (out / "captions.jsonl").read_text().splitlines()]
    original = [json.loads(x) for x in (out / "original.jsonl").read_text().splitlines()]
    kept = {c["id"] for c in captions}
    assert kept == {"clip-b"} and {o["id"] for o in original} == kept  # the control
    assert all(o["caption"].startswith("the original label") for o in original)
    trail = [json.loads(x) for x in (out / "audit_trail.jsonl").read_text().splitlines()]
    assert all(t["kept"] == ("dragon" not in t["caption"]) for t in trail)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "detailed" and manifest["captions_kept"] == len(kept)


def test_build_dry_run_asks_nothing(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v1.mp4", frames=50, fps=25, size=(128, 72))
    with FakeServer(scripted) as server:
        result = runner.invoke(app, [str(a) for a in [
            "build", "--videos", videos, "--model", "teacher", "--base-url", server.base_url,
            "--judge-model", "auditor", "--judge-base-url", server.base_url, "--runs", "3",
            "--dry-run"]])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert server.received == []
    assert "auditor calls at most" in result.output and "│ 3 │" in result.output.replace(
        " ", "").replace("│3│", "│ 3 │")  # fmt: skip
