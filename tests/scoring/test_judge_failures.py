"""A judge that never answers usably ends the command with exit 1 and its cause, each sample's
status written, no figure; one bad video or an event past the video's end is one bad row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Reply, openai_reply
from tests.judges.test_autodq import make_files as make_autodq_files
from tests.scoring.test_joint_protocol import judge as joint_judge
from tests.scoring.test_joint_protocol import make_files as make_joint_files
from tests.test_build import TEACHER, first_width
from tests.video.synth import write_video
from videoeval.cli import app

runner = CliRunner()


@pytest.fixture
def joint_files(tmp_path: Path) -> dict[str, Path]:
    return make_joint_files(tmp_path)


@pytest.fixture
def autodq_files(tmp_path: Path) -> dict[str, Path]:
    return make_autodq_files(tmp_path)


def _null_content(received, n):  # type: ignore[no-untyped-def]
    return Reply(body={"choices": [{"message": {"role": "assistant", "content": None}}]})


def _prose(received, n):  # type: ignore[no-untyped-def]
    return openai_reply("I would rather describe it in words.")


def _joint(files: dict[str, Path], server: FakeServer, out: Path, *extra: str):
    args = ["score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
            "--protocol", "joint", "--videos", files["videos"], "--judge-model", "judge",
            "--judge-base-url", server.base_url, "--bootstrap", "0", "-o", out,
            "--cache", files["root"] / "cache", "--judge-backoff", "0.01", *extra]  # fmt: skip
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("script", [_null_content, _prose])
def test_joint_with_every_judge_call_failing_exits_1_with_the_cause(joint_files, script) -> None:
    out = joint_files["root"] / "out"
    out.mkdir()
    (out / "metrics.json").write_text("{}")  # a stale figure from an earlier scoring
    with FakeServer(script) as server:
        result = _joint(joint_files, server, out)
    assert result.exit_code == 1, result.output
    assert "not one of the 12 judgements could be made" in result.output
    assert ("not text" in result.output) or ("broke the schema" in result.output)
    assert not (out / "metrics.json").exists()
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["judge_error", "judge_error"]
    assert len((out / "judgements.jsonl").read_text().splitlines()) == 12


def test_joint_records_a_truncated_video_and_an_event_past_the_end(joint_files) -> None:
    (joint_files["videos"] / "v2.mp4").write_bytes(
        (joint_files["videos"] / "v2.mp4").read_bytes()[:2000]
    )  # truncated
    predictions = json.loads(joint_files["predictions"].read_text())
    predictions["results"]["v1"].append({"timestamp": [47.6, 95.6], "sentence": "a red square"})
    joint_files["predictions"].write_text(json.dumps(predictions))
    out = joint_files["root"] / "out"
    with FakeServer(joint_judge) as server:
        result = _joint(joint_files, server, out)
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (out / "judgements.jsonl").read_text().splitlines()]
    events = {(r["video_id"], r["predicted"]): r for r in rows if r["kind"] == "event"}
    assert {r["status"] for k, r in events.items() if k[0] == "v2"} == {"video_error"}
    past = events[("v1", 3)]
    assert past["status"] == "invalid_span" and "after the video's end" in past["note"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["failures"]["video_error"] == 3 and metrics["failures"]["invalid_span"] == 1


def test_autodq_with_a_judge_that_never_fits_the_schema_says_why(autodq_files) -> None:
    out = autodq_files["root"] / "out"
    with FakeServer(_prose) as server:
        result = runner.invoke(app, [
            "score", "dream1k", "-a", str(autodq_files["annotations"]),
            "-p", str(autodq_files["predictions"]), "-o", str(out),
            "--cache", str(autodq_files["root"] / "cache"), "--judge-model", "j",
            "--judge-base-url", server.base_url, "--judge-backoff", "0.01"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "no clip of dream1k could be scored ({'judge_error': 4" in result.output
    assert "broke the schema" in result.output and "samples.jsonl" in result.output
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["judge_error"] * 4 + ["missing_prediction"]
    assert all("broke the schema" in r["note"] for r in rows[:4])


def test_build_with_every_auditor_call_failing_exits_1(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v1.mp4", frames=50, fps=25, size=(128, 72))

    def script(received, n):  # type: ignore[no-untyped-def]
        if "Events (start - end seconds" not in received.prompt:
            return openai_reply(TEACHER + "\n500 - 900 seconds, a ghost appears")
        return openai_reply("no JSON today")

    out = tmp_path / "built"
    with FakeServer(script) as server:
        result = runner.invoke(app, [str(a) for a in [
            "build", "--videos", videos, "--model", "teacher", "--base-url", server.base_url,
            "--judge-model", "auditor", "--judge-base-url", server.base_url, "--runs", "2",
            "-o", out, "--cache", tmp_path / "cache"]])  # fmt: skip
        audited = [r for r in server.received if "Events (start - end seconds" in r.prompt]
    assert result.exit_code == 1, result.output
    assert "the auditor could check none of the 1 videos' events" in result.output
    assert "broke the schema" in result.output
    assert json.loads((out / "dense.json").read_text()) == {}
    trail = [json.loads(x) for x in (out / "audit_trail.jsonl").read_text().splitlines()]
    ghost = [t for t in trail if t["text"] == "a ghost appears"]
    assert ghost and ghost[0]["audit_status"] == "invalid_span"  # never sent to the auditor
    assert all("ghost" not in r.prompt for r in audited)
    assert first_width  # the shared helper of the build tests
