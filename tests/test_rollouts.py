"""``videoeval rollouts``: K answers per prompt, each scored by the evaluation's reward; prompts
selected by difficulty; the selected ones written as a GRPO prompt file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import QUOTED
from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.training.rollouts import gaussian_select

runner = CliRunner()
RIGHT = "The event happens in 0 - 1 seconds."
WRONG = "The event happens in 1.5 - 2 seconds."


def answer(received, n):  # type: ignore[no-untyped-def]
    """'easy' queries are always right, 'hard' never, 'half' on even seeds only; 'mute' ones
    get an answer no parser reads."""
    query = QUOTED.search(received.prompt).group(1)
    if "mute" in query:
        return openai_reply("I cannot tell.")
    seed = received.body["seed"]
    right = "easy" in query or ("half" in query and seed % 2 == 0)
    return openai_reply(RIGHT if right else WRONG)


@pytest.fixture
def bench(tmp_path: Path) -> tuple[Path, Path]:
    return make_rollout_bench(tmp_path)


def make_rollout_bench(tmp_path: Path) -> tuple[Path, Path]:
    videos = tmp_path / "videos"
    videos.mkdir()
    gt = {}
    for vid in ("v0", "v1"):
        write_video(videos / f"{vid}.mp4", frames=50, fps=25)
        # 6 s by the annotation (TimeLens's filter keeps videos of 5 to 500 s)
        queries = [f"{kind} {vid}" for kind in ("easy", "half", "hard", "mute")]
        gt[vid] = {"duration": 6.0, "spans": [[0.0, 1.0]] * 4, "queries": queries}
    annotations = tmp_path / "charades-timelens.json"
    annotations.write_text(json.dumps(gt))
    return videos, annotations


def invoke(bench, out: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    videos, annotations = bench
    return runner.invoke(app, ["rollouts", "timelens-charades", "-a", str(annotations),
                               "--videos", str(videos), "--model", "m", "--base-url", url,
                               "-o", str(out), "--cache", str(out.parent / "cache"),
                               *extra])  # fmt: skip


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_rewards_per_prompt_and_the_unsolved_ones_selected(bench, tmp_path: Path) -> None:
    out = tmp_path / "r"
    with FakeServer(answer) as server:
        result = invoke(bench, out, server.base_url, "--samples", "4", "--keep-below", "0.9")
        assert result.exit_code == 0, result.output
        assert len(server.received) == 32  # 8 prompts x 4 answers, each with its own seed
        assert len({r.body["seed"] for r in server.received}) == 4
        # TimeLens's own filter counts an unread answer as IoU 0: on request, so do we
        zero = invoke(bench, tmp_path / "z", server.base_url, "--samples", "4", "--keep-below",
                      "0.9", "--unparsed", "zero")  # fmt: skip
        assert zero.exit_code == 0 and len(server.received) == 32  # all from the cache
    difficulty = {p["query"]: p for p in lines(out / "difficulty.jsonl")}
    assert difficulty["easy v0"]["mean"] == 1.0 and difficulty["easy v0"]["variance"] == 0.0
    assert difficulty["half v1"]["mean"] == 0.5 and difficulty["half v1"]["variance"] == 0.25
    assert difficulty["hard v0"]["mean"] == 0.0 and difficulty["hard v0"]["solved_share"] == 0.0
    # an answer no parser reads is the model's format, not the task's difficulty
    assert difficulty["mute v0"]["mean"] is None and difficulty["mute v0"]["unparsed"] == 4
    assert {q for q, p in difficulty.items() if p["selected"]} == {
        "half v0", "half v1", "hard v0", "hard v1"}  # fmt: skip
    said = " ".join(result.output.split())
    assert "8 answers could not be read" in said and "2 prompts had no readable answer" in said
    rollouts = lines(out / "rollouts.jsonl")
    assert len(rollouts) == 32 and {r["reward"] for r in rollouts} == {0.0, 1.0}
    grpo = lines(out / "grpo_prompts.jsonl")
    assert len(grpo) == 4 and all(g["span"] == [0.0, 1.0] for g in grpo)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["selected"] == 4 and summary["histogram"][0] == 2  # the two hard prompts
    assert summary["reward"] == "timelens-train" and summary["unparsed_answers"] == 8
    chosen = {p["query"] for p in lines(tmp_path / "z" / "difficulty.jsonl") if p["selected"]}
    assert {"mute v0", "mute v1"} <= chosen
    shown = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "report")])
    assert shown.exit_code == 0, shown.output
    page = (tmp_path / "report" / "report.html").read_text()
    assert "rollouts</h3>" in page and "4 selected" in page and "half v1" in page


def test_min_spread_keeps_the_prompts_whose_rewards_differ(bench, tmp_path: Path) -> None:
    with FakeServer(answer) as server:
        result = invoke(bench, tmp_path / "s", server.base_url, "--samples", "4",
                        "--min-spread", "0.5")  # fmt: skip
        assert result.exit_code == 0, result.output
    chosen = {p["query"] for p in lines(tmp_path / "s" / "difficulty.jsonl") if p["selected"]}
    assert chosen == {"half v0", "half v1"}  # easy and hard: four equal rewards, no signal


def test_timelens_sampler_on_one_greedy_answer(bench, tmp_path: Path) -> None:
    with FakeServer(answer) as server:
        options = ["--samples", "1", "--temperature", "0", "--timelens-sampler",
                   "--target", "27"]  # fmt: skip
        result = invoke(bench, tmp_path / "t", server.base_url, *options)
        assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    # one duration bucket (0-30 s) of the 6 readable prompts: int(27 / 9) = 3 drawn
    assert summary["timelens_buckets"] == [{"bucket": "0-30 s", "prompts": 6, "drawn": 3}]
    assert summary["selected"] == 3 and "5d90c06" in summary["rule"]


def test_plain_gaussian_selection_is_seeded(bench, tmp_path: Path) -> None:
    with FakeServer(answer) as server:
        options = ["--samples", "1", "--temperature", "0", "--gaussian", "0.5", "0.2",
                   "--target", "3"]  # fmt: skip
        first = invoke(bench, tmp_path / "g1", server.base_url, *options)
        assert first.exit_code == 0, first.output
    chosen = [p["selected"] for p in lines(tmp_path / "g1" / "difficulty.jsonl")]
    assert sum(chosen) == 3
    means = [1.0, 0.5, 0.0] * 2
    assert gaussian_select(means, 3, 0.5, 0.2, 0) == gaussian_select(means, 3, 0.5, 0.2, 0)
    # weights exp(-0.5 ((iou - 0.5) / 0.2)^2): the 0.5 prompts are 22.8 times as likely
    picks = [gaussian_select(means, 1, 0.5, 0.2, seed) for seed in range(200)]
    share = sum(p <= {1, 4} for p in picks) / 200
    assert share > 0.85


def test_dry_run_prices_the_calls_and_asks_nothing(bench, tmp_path: Path) -> None:
    with FakeServer(answer) as server:
        result = invoke(bench, tmp_path / "d", server.base_url, "--samples", "4", "--dry-run")
        assert result.exit_code == 0, result.output
        assert server.received == []
    counts = dict(re.findall(r"│ ([a-z ]+?)\s+│\s+([\d,]+) │", result.output))
    assert counts["calls at most"] == "32" and counts["prompts"] == "8"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--samples", "4", "--temperature", "0"], "would ask one greedy answer"),
        (["--gaussian", "0.5", "0.2"], "give --target"),
        (["--target", "3"], "--target applies to --timelens-sampler"),
        (["--timelens-sampler", "--target", "3"], "one greedy answer per prompt"),
        (["--samples", "1", "--temperature", "0", "--min-spread", "0.5"], "--samples 2 or more"),
        (["--reward", "vibes"], "is not one of timelens-train"),
        (["--samples", "1", "--temperature", "0", "--style", "axolotl"], "--style takes"),
        (["--samples", "1", "--temperature", "0", "--top-p", "0.9"], "--top-p shapes sampling"),
    ],
)
def test_options_that_cannot_work_are_refused(bench, tmp_path: Path, extra, message) -> None:
    result = invoke(bench, tmp_path / "x", "http://127.0.0.1:9/v1", *extra)
    assert result.exit_code == 2 and message in result.output
