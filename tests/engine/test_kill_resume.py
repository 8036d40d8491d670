"""kill -9 at random moments, then the same command again: samples.jsonl must hold exactly the
rows of an uninterrupted run, none lost, none duplicated."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_servers import FakeServer, Reply, openai_reply
from tests.video.synth import write_video

pytestmark = pytest.mark.cost(15)

TRIALS = 4


def make_bench(root: Path, queries: int = 24) -> tuple[Path, Path]:
    videos = root / "videos"
    videos.mkdir()
    for vid in ("a", "b", "c"):
        write_video(videos / f"{vid}.mp4", frames=30, fps=15)
    bench = {
        vid: {
            "duration": 2.0,
            "spans": [[i % 2, 1 + i % 2] for i in range(queries // 3)],
            "queries": [f"event {vid}{i}" for i in range(queries // 3)],
        }
        for vid in ("a", "b", "c")
    }
    annotations = root / "charades-timelens.json"
    annotations.write_text(json.dumps(bench), encoding="utf-8")
    return videos, annotations


def answer(received, n) -> Reply:
    digits = sum(ord(c) for c in received.prompt) % 3
    reply = openai_reply(f"The event happens in {digits} - {digits + 1} seconds.")
    reply.delay = 0.1  # a run lasts ~2 s, so most kills land mid-run
    return reply


def command(videos: Path, annotations: Path, out: Path, cache: Path, url: str) -> list[str]:
    return [
        sys.executable, "-m", "videoeval", "run", "timelens-charades",
        "--annotations", str(annotations), "--videos", str(videos), "--model", "m",
        "--base-url", url, "--out", str(out), "--cache", str(cache), "--concurrency", "3",
    ]  # fmt: skip


def rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]


def test_kill_minus_nine_then_resume_loses_and_repeats_nothing(tmp_path: Path) -> None:
    videos, annotations = make_bench(tmp_path)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    rng = random.Random(20261121)
    with FakeServer(answer) as server:
        url = server.base_url
        whole = tmp_path / "whole"
        done = subprocess.run(
            command(videos, annotations, whole, tmp_path / "cache-whole", url),
            env=env, capture_output=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        expected = rows(whole)
        assert len(expected) == 24
        killed_mid_run = 0
        for trial in range(TRIALS):
            out, cache = tmp_path / f"t{trial}", tmp_path / f"cache{trial}"
            cmd = command(videos, annotations, out, cache, url)
            proc = subprocess.Popen(
                cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.2, 1.8))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed_mid_run += 1
            proc.wait(timeout=30)
            log = out / "responses.jsonl"
            before = log.read_text().count("\n") if log.exists() else 0
            again = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
            assert again.returncode == 0, again.stderr.decode()[-2000:]
            assert rows(out) == expected, f"trial {trial}"
            lines = [json.loads(x) for x in log.read_text().splitlines()]
            ids = [r["sample_id"] for r in lines]
            assert len(ids) == len(set(ids)) == 24, f"trial {trial}: duplicated or lost rows"
            assert before <= 24
    assert killed_mid_run >= 3  # the trials really did interrupt runs
