"""``videoeval run --backend hf``: tiny random-weight checkpoints generate end to end on real
H.264 videos, for grounding, captions and dense captions; batches, several devices and kill -9 +
resume lose and repeat nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import QUERIES
from tests.models.tiny_vlm import build_checkpoint
from tests.video.synth import write_video
from videoeval.cli import app

pytestmark = pytest.mark.cost(25)

runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def _local_stack() -> None:
    # imported by the first test, not at collection: seconds that every test worker would pay
    pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ckpt")
    return {f: build_checkpoint(f, root / f) for f in ("qwen2.5-vl", "qwen3-vl")}


def grounding_bench(root: Path, per_video: int = 2) -> tuple[Path, Path]:
    videos = root / "videos"
    videos.mkdir()
    for vid in ("v0", "v1", "v2"):
        write_video(videos / f"{vid}.mp4", frames=50, fps=25)
    gt = {vid: {"duration": 2.0, "spans": [[0.0, 1.0]] * per_video,
                "queries": [f"event {vid} {i}" for i in range(per_video)]}
          for vid in ("v0", "v1", "v2")}  # fmt: skip
    gt["vmissing"] = {"duration": 2.0, "spans": [[0.0, 1.0]], "queries": ["no such video"]}
    annotations = root / "charades-timelens.json"
    annotations.write_text(json.dumps(gt), encoding="utf-8")
    return videos, annotations


def rows(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args])


def test_grounding_runs_end_to_end_and_records_the_local_model(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    videos, annotations = grounding_bench(tmp_path)
    out = tmp_path / "out"
    result = invoke("run", "timelens-charades", "-a", annotations, "--videos", videos,
                    "--backend", "hf", "--model", checkpoints["qwen3-vl"], "--devices", "cpu",
                    "--max-tokens", "12", "-o", out, "--cache", tmp_path / "cache")  # fmt: skip
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    model = run["config"]["model"]
    assert model["backend"] == "hf" and model["model"] == "qwen3-vl" and model["checkpoint"]
    versions = run["versions"]  # the stack that shaped the local model's inputs
    assert versions["torch"] and versions["transformers"] and versions["qwen-vl-utils"]
    frames = run["config"]["frames"]
    assert frames["preset"] == "qwen3-vl v1" and frames["mode"] == "pixels"
    assert frames["labels"] == "none" and frames["budget"]["factor"] == 32
    got = rows(out)
    assert len(got) == len(QUERIES["v0"]) * 0 + 7  # 3 videos x 2 queries + the missing video
    statuses = [r["status"] for r in got]
    assert statuses.count("video_error") == 1
    responses = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines()]
    answered = [r for r in responses if r["status"] == "ok"]
    assert len(answered) == 6 and all(r["response"]["completion_tokens"] >= 1 for r in answered)
    assert all(r["frames"]["indices"] == [0, 16, 33, 49] for r in answered)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["inputs"]["frame_preset"] == "qwen3-vl v1"
    # Asked again into a new folder: every answer comes from the cache, the same text.
    again = invoke("run", "timelens-charades", "-a", annotations, "--videos", videos,
                   "--backend", "hf", "--model", checkpoints["qwen3-vl"], "--devices", "cpu",
                   "--max-tokens", "12", "-o", tmp_path / "again",
                   "--cache", tmp_path / "cache")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "6 from cache" in again.output
    assert [r.get("answer") for r in rows(tmp_path / "again")] == [r.get("answer") for r in got]


def test_batches_and_two_devices_give_the_answers_one_at_a_time_gives(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    videos, annotations = grounding_bench(tmp_path, per_video=3)
    answers = {}
    for name, extra in (("single", ["--batch-size", "1"]),
                        ("batched", ["--batch-size", "4", "--devices", "cpu,cpu"])):  # fmt: skip
        out = tmp_path / name
        result = invoke("run", "timelens-charades", "-a", annotations, "--videos", videos,
                        "--backend", "hf", "--model", checkpoints["qwen2.5-vl"],
                        "--max-tokens", "8", "-o", out, "--cache", tmp_path / f"c-{name}",
                        "--dtype", "float32", *extra)  # fmt: skip
        assert result.exit_code == 0, result.output
        got = rows(out)
        assert len({r["sample_id"] for r in got}) == len(got) == 10
        answers[name] = {r["sample_id"]: r.get("answer") for r in got}
    assert answers["batched"] == answers["single"]


def test_captions_and_dense_captions_run(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    dream = tmp_path / "DREAM-1k.jsonl"
    dense = {}
    with open(dream, "w") as handle:
        for idx in (1, 2):
            write_video(videos / f"{idx}.mp4", frames=40, fps=20)
            row = {"messages": [{"role": "assistant", "content": [
                       {"type": "text", "text": "", "reference": "A man opens the door."}]}],
                   "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
                   "extra_info": {"events": ["A man opens the door."], "n_events": 1}}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
            dense[str(idx)] = {"duration": 2.0, "timestamps": [[0, 1], [1, 2]],
                               "sentences": ["crack the eggs", "whisk the eggs"]}  # fmt: skip
    yc2 = tmp_path / "yc2_val.json"
    yc2.write_text(json.dumps(dense))
    common = ["--videos", videos, "--backend", "hf", "--model", checkpoints["qwen2.5-vl"],
              "--max-tokens", "16", "--cache", tmp_path / "cache"]  # fmt: skip
    captions = invoke("run", "dream1k", "-a", dream, *common, "-o", tmp_path / "cap",
                      "--preset", "tarsier")  # fmt: skip
    assert captions.exit_code == 0, captions.output
    cap_rows = rows(tmp_path / "cap")
    assert len(cap_rows) == 2 and all(r["status"] != "video_error" for r in cap_rows)
    cap_run = json.loads((tmp_path / "cap" / "run.json").read_text())
    assert cap_run["config"]["frames"]["preset"] == "tarsier v1"
    assert cap_run["config"]["frames"]["budget"] is None  # the processor sizes these frames
    dense_run = invoke("run", "youcook2", "-a", yc2, *common, "-o", tmp_path / "dense",
                       "--no-language")  # fmt: skip
    assert dense_run.exit_code == 0, dense_run.output
    metrics = json.loads((tmp_path / "dense" / "metrics.json").read_text())
    assert metrics["task"] == "dense_captioning" and metrics["n_total"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:9/v1"], "--base-url"),
        (["--concurrency", "4"], "--concurrency"),
        (["--video-mode", "frames"], "no --video-mode"),
        (["--labels", "per-frame"], "--labels per-frame"),
        (["--devices", "gpu0"], "--devices takes"),
        (["--dtype", "int3"], "--dtype takes"),
    ],
)
def test_options_that_do_not_apply_to_a_local_model_are_refused(
    checkpoints: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    videos, annotations = grounding_bench(tmp_path)
    result = invoke("run", "timelens-charades", "-a", annotations, "--videos", videos,
                    "--backend", "hf", "--model", checkpoints["qwen3-vl"], *args,
                    "-o", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.parametrize("option", [["--devices", "0"], ["--trust-remote-code"]])
def test_local_options_with_a_server_backend_are_refused(tmp_path: Path, option) -> None:
    videos, annotations = grounding_bench(tmp_path)
    result = invoke("run", "timelens-charades", "-a", annotations, "--videos", videos,
                    "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
                    *option, "-o", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 2 and f"{option[0]} apply to --backend hf only" in result.output


def test_a_checkpoint_that_cannot_load_stops_before_asking(tmp_path: Path) -> None:
    videos, annotations = grounding_bench(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "qwen3_vl"}')
    result = invoke("run", "timelens-charades", "-a", annotations, "--videos", videos,
                    "--backend", "hf", "--model", broken, "--devices", "cpu",
                    "-o", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "cannot load" in result.output and "nothing was asked" in result.output


def test_kill_minus_nine_then_resume_loses_and_repeats_nothing(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    videos, annotations = grounding_bench(tmp_path, per_video=8)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    def command(out: Path, cache: Path) -> list[str]:
        return [sys.executable, "-m", "videoeval", "run", "timelens-charades", "-a",
                str(annotations), "--videos", str(videos), "--backend", "hf", "--model",
                str(checkpoints["qwen2.5-vl"]), "--devices", "cpu", "--batch-size", "2",
                "--max-tokens", "24", "--dtype", "float32", "-o", str(out),
                "--cache", str(cache)]  # fmt: skip

    # The uninterrupted run in this process, which has torch loaded already (a process's start
    # takes seconds); the killed run and its resume are processes of their own.
    whole = invoke(*command(tmp_path / "whole", tmp_path / "c0")[3:])
    assert whole.exit_code == 0, whole.output
    expected = sorted(json.dumps(r, sort_keys=True) for r in rows(tmp_path / "whole"))
    out, cache = tmp_path / "killed", tmp_path / "c1"
    proc = subprocess.Popen(command(out, cache), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    log = out / "responses.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    was_running = proc.poll() is None
    proc.kill()
    proc.wait()
    resumed = subprocess.run(command(out, cache), env=env, capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    assert sorted(json.dumps(r, sort_keys=True) for r in rows(out)) == expected
    responses = [json.loads(x) for x in log.read_text().splitlines()]
    assert len({r["sample_id"] for r in responses}) == len(responses) == 25
    assert was_running, "the run finished before it could be killed: nothing was tested"


def test_pairs_run_a_local_policy_on_clean_and_corrupted_frames(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    dream = tmp_path / "DREAM-1k.jsonl"
    with open(dream, "w") as handle:
        for idx in (1, 2):
            write_video(videos / f"{idx}.mp4", frames=48, fps=16)
            row = {"messages": [{"role": "assistant", "content": [
                       {"type": "text", "text": "", "reference": "A man opens the door."}]}],
                   "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
                   "extra_info": {"events": ["A man opens the door."], "n_events": 1}}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    out = tmp_path / "pairs"
    result = invoke("pairs", "dream1k", "-a", dream, "--videos", videos, "--backend", "hf",
                    "--model", checkpoints["qwen2.5-vl"], "--devices", "cpu",
                    "--max-tokens", "8", "-o", out, "--cache", tmp_path / "cache")  # fmt: skip
    assert result.exit_code == 0, result.output
    responses = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines()]
    assert len(responses) == 4 and all(r["status"] == "ok" for r in responses)
    negatives = [r for r in responses if r["sample_id"].endswith("#b")]
    assert all(r["frames"]["corruption"]["corruption"] for r in negatives)
    clean = [r["frames"]["indices"] for r in responses if r["sample_id"].endswith("#a")]
    assert clean[0] == [round(i * 47 / 15) for i in range(16)]  # tarsier: 16 uniform frames
    assert len((out / "pairs.jsonl").read_text().splitlines()) == 2
