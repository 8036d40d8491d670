"""A run folder is a prediction layout of its own: `score --from-run` re-scores it, under any
protocol of the run's task, without a model call."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.engine.conftest import answer_script
from tests.fake_servers import FakeServer
from videoeval.cli import app

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_score_from_run_asks_nothing_and_equals_the_run(bench) -> None:
    out = bench["root"] / "run"
    with FakeServer(answer_script) as server:
        result = invoke("run", "timelens-charades", "-a", bench["annotations"], "--videos",
                        bench["videos"], "--model", "fake-vl", "--base-url", server.base_url,
                        "-o", out, "--cache", bench["root"] / "cache", "--max-tokens", "64",
                        "--backoff", "0.01", "--concurrency", "3")  # fmt: skip
        assert result.exit_code == 0, result.output
        # not a terminal (a batch job's log): progress comes as plain lines on stderr
        assert "timelens-charades: 5/5 (" in result.output
        calls = len(server.received)
        rescored = invoke("score", "timelens-charades", "-a", bench["annotations"],
                          "--from-run", out, "-o", bench["root"] / "again")  # fmt: skip
        assert rescored.exit_code == 0, rescored.output
        assert len(server.received) == calls  # no model call
        other = invoke("score", "timelens-charades", "-a", bench["annotations"], "--from-run",
                       out, "--protocol", "lmms-eval", "-o", bench["root"] / "other")  # fmt: skip
        assert other.exit_code == 0, other.output
    run_metrics = json.loads((out / "metrics.json").read_text())
    again = json.loads((bench["root"] / "again" / "metrics.json").read_text())
    for key in ("metrics", "ci95", "n_total", "n_counted", "failures", "protocol", "model"):
        assert again[key] == run_metrics[key], key
    assert again["model"] == "fake-vl"
    assert json.loads((bench["root"] / "other" / "metrics.json").read_text())["protocol"] == (
        "lmms-eval"
    )
    wrong = invoke("score", "timelens-charades", "-a", bench["root"] / "other" / "metrics.json",
                   "--from-run", out)  # fmt: skip
    assert wrong.exit_code == 2 and "SHA-256" in wrong.output


def test_the_library_run_gives_the_command_figures(bench) -> None:
    from videoeval import CacheOptions, GenerationOptions, ModelOptions, RunRequest, run

    with FakeServer(answer_script) as server:
        cli = invoke("run", "timelens-charades", "-a", bench["annotations"], "--videos",
                     bench["videos"], "--model", "fake-vl", "--base-url", server.base_url,
                     "-o", bench["root"] / "cli", "--cache", bench["root"] / "cache",
                     "--max-tokens", "64")  # fmt: skip
        assert cli.exit_code == 0, cli.output
        rows: list[dict] = []
        result = run(
            RunRequest("timelens-charades", bench["annotations"], bench["videos"],
                       ModelOptions("fake-vl", base_url=server.base_url),
                       out=bench["root"] / "lib", cache=CacheOptions(bench["root"] / "cache"),
                       generation=GenerationOptions(max_tokens=64)),
            on_row=rows.append,
        )  # fmt: skip
    assert len(rows) == 5 and result.stats.cached == 4  # the command's calls, from the cache
    cli_metrics = json.loads((bench["root"] / "cli" / "metrics.json").read_text())["metrics"]
    assert result.outcome.report.metrics == cli_metrics
