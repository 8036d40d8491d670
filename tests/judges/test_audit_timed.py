"""ActivityNet Captions audits: each timed GT event's text and span checked against frames."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app

runner = CliRunner()


def verdict(checks: list[tuple[bool, bool]]) -> str:
    return json.dumps({
        "frame_evidence": [{"timestamps": [0.5], "observation": "a frame counter"}],
        "gt": {"factual": 7, "completeness": 6, "temporal": 8},
        "events": [{"text_ok": t, "span_ok": s, "suggested_span": None if s else [0.5, 1.5]}
                   for t, s in checks],
        "errors_gt": [],
    })  # fmt: skip


def test_timed_audit(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v_a.mp4", frames=48, fps=24)
    write_video(videos / "v_b.mp4", frames=48, fps=24)
    annotations = tmp_path / "val_2.json"
    annotations.write_text(json.dumps({
        "v_a": {"duration": 2.0, "timestamps": [[0, 1], [1, 2]],
                "sentences": ["A person waves.", " The person sits."]},
        "v_b": {"duration": 2.0, "timestamps": [[0, 2]], "sentences": ["A ball rolls."]},
        "v_gone": {"duration": 5.0, "timestamps": [[0, 5]], "sentences": ["Nothing here."]},
    }), encoding="utf-8")  # fmt: skip
    calls: Counter[str] = Counter()

    def judge(received, n):
        assert received.images == 16
        if "A person waves." in received.prompt:
            assert "1. [0.0 - 1.0 s] A person waves." in received.prompt
            assert "2. [1.0 - 2.0 s] The person sits." in received.prompt
            return openai_reply(verdict([(True, True), (True, False)]))
        calls["b"] += 1
        if calls["b"] == 1:
            return openai_reply(verdict([(True, True), (True, True)]))  # wrong count: asked again
        return openai_reply(verdict([(True, True)]))

    with FakeServer(judge) as server:
        result = runner.invoke(
            app,
            ["audit", "activitynet-captions", "-a", str(annotations), "--videos", str(videos),
             "--judge-model", "vjudge", "--judge-base-url", server.base_url, "--runs", "2",
             "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
             "--export-clean", str(tmp_path / "clean")],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "metrics.json").read_text())
    m = report["metrics"]
    assert report["protocol"] == "timed" and report["failures"] == {"video_error": 1}
    assert (m["loose_rate"], m["consensus_rate"], m["tight_rate"]) == (50.0, 50.0, 0.0)
    assert (m["events_checked"], m["span_wrong_events"]) == (3.0, 1.0)
    assert m["span_wrong_rate"] == pytest.approx(100 / 3) and m["text_wrong_events"] == 0.0
    assert calls["b"] == 3  # two runs, one of them asked twice
    lines = (tmp_path / "clean" / "gt_marked.jsonl").read_text().splitlines()
    marked = {r["sample_id"]: r for r in map(json.loads, lines)}
    first, second = marked["v_a"]["events"]
    assert not first["span_wrong"] and first["suggested_span"] is None
    assert second["span_wrong"] and second["suggested_span"] == [0.5, 1.5]
    assert not second["text_wrong"] and marked["v_a"]["consensus_flagged"]
    subset = json.loads((tmp_path / "clean" / "clean_subset.json").read_text())
    assert subset["sample_ids"] == ["v_b"]
