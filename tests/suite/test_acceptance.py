"""The suite the issue asks for: 3 models x (TimeLens-Bench's 3 splits + DREAM-1K judged by
AutoDQ + YouCook2 dense captioning) against one fake server that plays every model and the
judge; killed with SIGKILL mid-suite and run again, it ends with the rows of an uninterrupted
suite, and its leaderboard places the models among Table 1's rows, whose Avg is the source's."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.parsing.literals import literal_eval
from videoeval.report.published import tables

pytestmark = pytest.mark.cost(10)

SPLITS = ("timelens-charades", "timelens-activitynet", "timelens-qvhighlights")
MODELS = ("m-good", "m-half", "m-poor")
QUOTED = re.compile(r'"(.*)"')
STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)
FULL = "A man opens the door. He sits down."


def everyone(received: Received, n: int) -> Reply:
    """The three models and the judge, told apart by the model name the request carries."""
    model, prompt = received.body["model"], received.prompt
    if model == "judge":
        if match := STATEMENTS.search(prompt):
            events = literal_eval(match.group(1))
            said = [{"event": e, "relationship": "entailment", "reason": "-"} for e in events]
            reply = openai_reply(json.dumps({"events": said}))
        else:
            reply = openai_reply(json.dumps({"events": ["a man opens the door"]}))
    else:
        assert received.images > 0, "a model asked without frames"
        if "one event per line" in prompt:
            end = {"m-good": 1, "m-half": 2, "m-poor": 2}[model]
            reply = openai_reply(f"0 - {end} seconds, crack the eggs.")
        elif match := QUOTED.search(prompt):
            # m-good right on every query, m-half on the door, m-poor on none
            door = "door" in match.group(1)
            right = model == "m-good" or (model == "m-half" and door)
            start = (0 if door else 1) if right else (1 if door else 0)
            reply = openai_reply(f"The event happens in {start} - {start + 1} seconds.")
        else:
            reply = openai_reply(FULL if model == "m-good" else "He sits down.")
    reply.delay = 0.05
    return reply


def write_data(root: Path) -> None:
    (root / "videos").mkdir()
    for vid in ("v0", "v1"):
        write_video(root / "videos" / f"{vid}.mp4", frames=50, fps=25)
    for split in SPLITS:
        gt = {vid: {"duration": 2.0, "spans": [[0.0, 1.0], [1.0, 2.0]],
                    "queries": [f"the door opens in {vid} ({split})", f"a cup falls in {vid}"]}
              for vid in ("v0", "v1")}  # fmt: skip
        (root / f"{split}.json").write_text(json.dumps(gt))
    with open(root / "DREAM-1k.jsonl", "w") as handle:
        for idx, vid in enumerate(("v0", "v1"), 1):
            (root / "videos" / f"{idx}.mp4").write_bytes(
                (root / "videos" / f"{vid}.mp4").read_bytes()
            )
            row = {"messages": [{"role": "assistant", "content": [
                       {"type": "text", "text": "", "reference": FULL}]}],
                   "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
                   "extra_info": {"events": ["A man opens the door."], "n_events": 1}}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    gt = {
        vid: {
            "duration": 2.0,
            "timestamps": [[0, 1], [1, 2]],
            "sentences": ["crack the eggs", "whisk the eggs"],
        }
        for vid in ("v0", "v1")
    }
    (root / "yc2_val.json").write_text(json.dumps(gt))


def write_suite(root: Path, url: str, out: str) -> Path:
    models = "".join(f'\n[[models]]\nlabel = "{m}"\nmodel = "{m}"\nbase_url = "{url}"\n'
                     f"max_tokens = 64\nconcurrency = 2\n" for m in MODELS)  # fmt: skip
    benchmarks = "".join(f'\n[[benchmarks]]\nid = "{s}"\nannotations = "{s}.json"\n'
                         'videos = "videos"\n' for s in SPLITS)  # fmt: skip
    benchmarks += (
        '\n[[benchmarks]]\nid = "dream1k"\nannotations = "DREAM-1k.jsonl"\n'
        'videos = "videos"\n\n[[benchmarks]]\nid = "youcook2"\n'
        'annotations = "yc2_val.json"\nvideos = "videos"\nlanguage = false\n'
    )
    text = (f'[suite]\nname = "acceptance"\nout = "{out}"\ncache = "cache-{out}"\nbootstrap = 20\n'
            f'{models}{benchmarks}\n[judge]\nmodel = "judge"\nbase_url = "{url}"\n')  # fmt: skip
    path = root / f"{out}.toml"
    path.write_text(text)
    return path


def samples(out: Path) -> dict[str, list[str]]:
    return {str(p.relative_to(out)): sorted(p.read_text().splitlines())
            for p in sorted((out / "runs").glob("*/*/samples.jsonl"))}  # fmt: skip


def test_three_models_five_benchmarks_killed_and_resumed(tmp_path: Path) -> None:
    write_data(tmp_path)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with FakeServer(everyone) as server:
        whole = CliRunner().invoke(app, ["suite", str(write_suite(tmp_path, server.base_url,
                                                                  "whole"))])  # fmt: skip
        assert whole.exit_code == 0, whole.output
        command = [sys.executable, "-m", "videoeval", "suite",
                   str(write_suite(tmp_path, server.base_url, "killed"))]  # fmt: skip
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        second = tmp_path / "killed" / "runs" / "m-half"
        deadline = time.monotonic() + 60
        while not second.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        killed = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert killed, "the suite ended before the kill: the test did not interrupt it"
        assert not (tmp_path / "killed" / "suite.json").exists()
        again = subprocess.run(command, env=env, capture_output=True, timeout=240)
        assert again.returncode == 0, again.stderr.decode()[-3000:]
    record = json.loads((tmp_path / "killed" / "suite.json").read_text())
    assert len(record["pairs"]) == 15 and {p["status"] for p in record["pairs"]} == {"ok"}
    assert samples(tmp_path / "killed") == samples(tmp_path / "whole")
    assert len(samples(tmp_path / "whole")) == 15
    # the leaderboard: Table 1's published rows with the source's Avg, our three models among them
    table = next(t for t in tables() if t.id == "timelens-bench")
    with open(tmp_path / "killed" / "report" / "published-timelens-bench.csv") as handle:
        rows = {r["model"]: r for r in csv.DictReader(handle)}
    for published in table.rows:
        assert round(float(rows[published.model]["Avg"]), 1) == published.printed["Avg"]
    ours = {m: float(rows[m]["Avg"]) for m in MODELS}
    assert ours["m-good"] > ours["m-half"] > ours["m-poor"]
    assert [rows[m]["source"] for m in MODELS] == ["this report"] * 3
    board = (tmp_path / "killed" / "report" / "leaderboard.md").read_text()
    assert "Tarsier2" in board  # DREAM-1K's published table too
    for metrics in (tmp_path / "killed" / "runs").glob("*/youcook2/metrics.json"):
        assert json.loads(metrics.read_text())["protocol"] == "densevid-2018"
