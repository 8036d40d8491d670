"""The library as a notebook or an async service uses it: awaited inside a running event loop,
given paths as strings, and refusing what the command line refuses, in the same words."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import videoeval
from tests.engine.conftest import answer_script, make_bench
from tests.fake_servers import FakeServer
from videoeval import (
    CacheOptions,
    DenseOptions,
    GenerationOptions,
    GroundingOptions,
    JointOptions,
    JudgeOptions,
    ModelOptions,
    RunRequest,
    ScoreRequest,
    ScoringOptions,
)
from videoeval.cli import app
from videoeval.demo import GT_FILE, PRED_FILE, data_path
from videoeval.errors import UsageError

GT, PRED = str(data_path(GT_FILE)), str(data_path(PRED_FILE))


def test_score_is_awaited_inside_a_running_loop_and_called_from_one() -> None:
    request = ScoreRequest("charades-sta", predictions=PRED, annotations=GT, protocol="timechat",
                           scoring=ScoringOptions(bootstrap=50))  # fmt: skip

    async def notebook_cell() -> tuple[dict[str, float], dict[str, float]]:
        awaited = await videoeval.score_async(request)
        called = videoeval.score(request)  # the sync entry, from inside the loop
        return awaited.report.metrics, called.report.metrics

    awaited, called = asyncio.run(notebook_cell())
    assert awaited == called and awaited["R1@0.5"] == pytest.approx(3.4)


def test_run_is_awaited_inside_a_running_loop(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        request = RunRequest("timelens-charades", str(bench["annotations"]), bench["videos"],
                             ModelOptions("fake-vl", base_url=server.base_url),
                             out=tmp_path / "run", cache=CacheOptions(str(tmp_path / "cache")),
                             generation=GenerationOptions(max_tokens=64))  # fmt: skip

        async def service() -> videoeval.RunOutcome:
            return await videoeval.run_async(request)

        outcome = asyncio.run(service())
        assert outcome.stats.called == 4 == len(server.received)  # one video is missing
    assert (tmp_path / "run" / "metrics.json").exists()
    assert outcome.outcome.report.n_total == 5


# (library request, the same on the command line)
REFUSED = [
    (
        ScoreRequest("charades-sta", predictions=PRED, annotations=GT, protocol="timechat",
                     dense=DenseOptions(soda_missing="zero", references=("/nonexistent",)),
                     joint=JointOptions(frames_per_event=3)),
        ["--protocol", "timechat", "--soda-missing", "zero", "--judge-frames", "3",
         "--reference", "/nonexistent"],
    ),
    (
        ScoreRequest("charades-sta", predictions=PRED, annotations=GT,
                     judge=JudgeOptions(model="gpt"), grounding=GroundingOptions(missing="miss")),
        ["--judge-model", "gpt", "--missing", "miss"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("request_", "flags"), REFUSED)
def test_the_library_refuses_what_the_command_refuses_in_its_words(request_, flags) -> None:
    with pytest.raises(UsageError) as refused:
        videoeval.score(request_)
    cli = CliRunner().invoke(app, ["score", "charades-sta", "-a", GT, "-p", PRED, *flags])
    assert cli.exit_code == 2
    said = " ".join(cli.output.split())
    assert said == f"error: {refused.value}", (said, str(refused.value))


def test_a_path_may_be_a_string(tmp_path: Path) -> None:
    outcome = videoeval.score(ScoreRequest("charades-sta", predictions=PRED, annotations=GT,
                                           grounding=GroundingOptions(missing="miss")))  # fmt: skip
    written = outcome.write(str(tmp_path / "out"))
    assert json.loads(written[0].read_text())["inputs"]["missing_rule"] == "miss"
    assert outcome.report.protocol_config["missing"] == "miss"  # the config the scorer read
