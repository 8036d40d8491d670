"""``score --protocol joint`` with a scripted video-aware judge on a local server: the server
checks that the frames it receives lie inside the span it is asked about (their drawn frame
counters and their time labels), and answers from what the synthetic video shows when."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import read_counter, write_video
from videoeval.cli import app

FPS = 25
# What the synthetic video shows, and when (seconds).
SHOWN = {"red square": (0.0, 2.0), "blue circle": (2.0, 4.0), "green triangle": (0.0, 4.0)}
SPAN = re.compile(r"between ([\d.]+) and ([\d.]+) seconds")
EVENT = re.compile(r"Event: (.*)")
PAIR = re.compile(r"Reference: (.*)\nCandidate: (.*)")
asked_spans: list[tuple[float, float]] = []


def subject(text: str) -> str | None:
    return next((s for s in SHOWN if s in text), None)


def judge(received, n):  # type: ignore[no-untyped-def]
    prompt = received.prompt
    pair = PAIR.search(prompt)
    if pair:  # GT text against predicted text
        same = subject(pair.group(1)) == subject(pair.group(2))
        return openai_reply(json.dumps({"same": same, "reason": "-"}))
    start, end = map(float, SPAN.search(prompt).groups())
    asked_spans.append((start, end))
    parts = [p for m in received.body["messages"] for p in m["content"] if isinstance(p, dict)]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(urls) == 8 and len(received.labels) == 8
    for url, label in zip(urls, received.labels, strict=True):
        image = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
        index = read_counter(image.copy(), 128)
        assert start - 0.05 <= index / FPS <= end + 0.05, (index, start, end)  # inside the span
        assert abs(index / FPS - label) <= 0.051  # the label is that frame's time
    seen = subject(EVENT.search(prompt).group(1))
    shown = SHOWN.get(seen or "", (-1.0, -1.0))
    true = seen is not None and shown[0] - 0.05 <= start and end <= shown[1] + 0.05
    evidence = [{"timestamps": received.labels[:1], "observation": "shapes"}]
    return openai_reply(json.dumps({"frame_evidence": evidence, "true": true, "reason": "-"}))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return make_files(tmp_path)


def make_files(tmp_path: Path) -> dict[str, Path]:
    videos = tmp_path / "videos"
    videos.mkdir()
    for vid in ("v1", "v2"):
        write_video(videos / f"{vid}.mp4", frames=100, fps=FPS)
    gt = {vid: {"duration": 4.0, "timestamps": [[0, 2], [2, 4]],
                "sentences": ["a red square appears", "a blue circle rolls"]}
          for vid in ("v1", "v2")}  # fmt: skip
    annotations = tmp_path / "yc2_val.json"
    annotations.write_text(json.dumps(gt))
    predictions = {"results": {
        "v1": [{"timestamp": [0, 2], "sentence": "a red square appears"},  # right
               {"timestamp": [2, 4], "sentence": "a red square appears"},  # right time, wrong text
               {"timestamp": [0, 4], "sentence": "a green triangle sits still"}],  # true, not in GT
        "v2": [{"timestamp": [0, 0.5], "sentence": "a red square appears"},  # wrong time
               {"timestamp": [2, 4], "sentence": "a blue circle rolls"},  # right
               {"timestamp": [2, 4], "sentence": "a blue circle rolls"}],  # duplicate
    }}  # fmt: skip
    pred_path = tmp_path / "results.json"
    pred_path.write_text(json.dumps(predictions))
    return {"videos": videos, "annotations": annotations, "predictions": pred_path,
            "root": tmp_path}  # fmt: skip


def test_joint_figures_by_hand(files: dict[str, Path]) -> None:
    asked_spans.clear()
    out = files["root"] / "out"
    with FakeServer(judge) as server:
        args = ["score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
                "--protocol", "joint", "--videos", files["videos"], "--judge-model", "judge",
                "--judge-base-url", server.base_url, "--bootstrap", "50", "-o", out,
                "--cache", files["root"] / "cache"]  # fmt: skip
        result = CliRunner().invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        asked = len(server.received)
        assert 10 <= asked <= 12  # --dry-run's 12, less identical questions asked once
        again = CliRunner().invoke(app, [str(a) for a in args])
        assert again.exit_code == 0 and len(server.received) == asked  # all from the cache
    assert sorted(set(asked_spans)) == [(0.0, 0.5), (0.0, 2.0), (0.0, 4.0), (2.0, 4.0)]
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    # 6 predictions: true on frames: v1 red [0,2], v1 green, v2 blue, v2 blue (dup), and
    # v2 red [0,0.5] (the square is there then): 5 of 6
    assert metrics["what_precision"] == pytest.approx(500 / 6)
    # GT events covered at 0.5: v1 red (by the right one), v2 blue (once): 2 of 4
    assert metrics["what_when_recall@0.5"] == pytest.approx(50.0)
    p, r = 5 / 6, 0.5
    assert metrics["F1@0.5"] == pytest.approx(100 * 2 * p * r / (p + r))
    # against the GT text: v1's red [0,2] and one of v2's blue [2,4] match (v1's red at [2,4]
    # is not the blue circle): 2 matched, of 6 predictions and of 4 GT events
    assert metrics["gt_text_precision@0.5"] == pytest.approx(200 / 6)
    assert metrics["gt_text_recall@0.5"] == pytest.approx(50.0)
    rows = [json.loads(x) for x in (out / "judgements.jsonl").read_text().splitlines()]
    events = [r for r in rows if r["kind"] == "event"]
    assert len(events) == 6 and all(r["frame_evidence"] for r in events)
    assert sum(r["true"] for r in events) == 5
    judge_info = json.loads((out / "metrics.json").read_text())["judge"]
    # asked for "judge"; the server says "fake-vl" answered: that is what is recorded
    assert judge_info["model"] == "judge" and judge_info["served_models"] == ["fake-vl"]


def test_dry_run_prices_the_calls_and_asks_nothing(files: dict[str, Path]) -> None:
    with FakeServer(judge) as server:
        args = ["score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
                "--protocol", "joint", "--videos", files["videos"], "--judge-model", "judge",
                "--judge-base-url", server.base_url, "--dry-run"]  # fmt: skip
        result = CliRunner().invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        assert server.received == []
    # 6 predicted events; pairs with tIoU >= 0.3: v1 red[0,2]-red, red[2,4]-blue,
    # green[0,4]-both (0.5 each); v2 blue x2 - blue (red[0,0.5]-red is 0.25): 6 pairs
    counts = dict(re.findall(r"│ ([a-z ]+?)\s+│\s+(\d+) │", result.output))
    assert counts == {"videos": "2", "videos missing": "0", "event calls": "6",
                      "pair calls": "6", "judge calls": "12", "frames": "48"}  # fmt: skip


def test_joint_needs_videos_and_a_judge(files: dict[str, Path]) -> None:
    args = ["score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
            "--protocol", "joint", "--judge-model", "judge",
            "--judge-base-url", "http://127.0.0.1:9/v1"]  # fmt: skip
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2 and "give --videos" in result.output
    densevid = ["score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
                "--videos", files["videos"]]  # fmt: skip
    refused = CliRunner().invoke(app, [str(a) for a in densevid])
    assert refused.exit_code == 2 and "--videos" in refused.output


def test_the_frame_evidence_step_can_be_switched_off(files: dict[str, Path]) -> None:
    out = files["root"] / "plain"
    with FakeServer(judge) as server:
        args = ["score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
                "--protocol", "joint", "--videos", files["videos"], "--judge-model", "judge",
                "--judge-base-url", server.base_url, "--bootstrap", "0", "-o", out,
                "--cache", files["root"] / "cache2", "--no-frame-evidence"]  # fmt: skip
        result = CliRunner().invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        event_prompts = [r.prompt for r in server.received if "Event:" in r.prompt]
    assert event_prompts and not any("frame_evidence" in p for p in event_prompts)
    report = json.loads((out / "metrics.json").read_text())
    assert report["inputs"]["frame_evidence"] == "False"
    assert report["metrics"]["what_precision"] == pytest.approx(500 / 6)  # same judge, same calls
