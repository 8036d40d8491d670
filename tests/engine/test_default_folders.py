"""Without ``--out``, a run goes to a folder named by its benchmark, model and settings: the
same command resumes its own folder, other settings get another (never "differs in ...")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.fake_servers import FakeServer
from videoeval.cli import app


def test_runs_without_out_never_share_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bench = make_bench(tmp_path)
    monkeypatch.chdir(tmp_path)
    prompt = tmp_path / "mine.txt"
    prompt.write_text('Where is "{query}"? Answer: The event happens in <s> - <e> seconds.')

    def run(server, *extra):  # type: ignore[no-untyped-def]
        args = ["run", "timelens-charades", "-a", bench["annotations"], "--videos",
                bench["videos"], "--model", "fake-vl", "--base-url", server.base_url,
                "--cache", tmp_path / "cache", "--max-tokens", "64", *extra]  # fmt: skip
        result = CliRunner().invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        return result

    with FakeServer(answer_script) as server:
        first = run(server)
        asked = len(server.received)
        run(server)  # the same command: its own folder, resumed, nothing asked
        assert len(server.received) == asked
        labelled = run(server, "--prompt-file", prompt, "--label", "mine@step-2")  # another folder
    folders = sorted(p.name for p in (tmp_path / "videoeval-out" / "run").iterdir())
    assert len(folders) == 2 and all(f.startswith("timelens-charades-fake-vl-") for f in folders)
    assert "run folder: videoeval-out/run/timelens-charades-fake-vl-" in first.output
    models = set()
    for folder in folders:
        metrics = tmp_path / "videoeval-out" / "run" / folder / "metrics.json"
        models.add(json.loads(metrics.read_text())["model"])
    assert models == {"fake-vl", "mine@step-2"} and "mine@step-2" in labelled.output


def test_scores_of_two_files_never_share_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from videoeval.demo import GT_FILE, PRED_FILE, data_path

    monkeypatch.chdir(tmp_path)
    other = tmp_path / "mine.json"
    other.write_bytes(data_path(PRED_FILE).read_bytes())
    for predictions in (data_path(PRED_FILE), other):
        result = CliRunner().invoke(app, ["score", "charades-sta", "-a", str(data_path(GT_FILE)),
                                          "-p", str(predictions), "--bootstrap", "0"])  # fmt: skip
        assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "videoeval-out" / "score").iterdir())
    assert folders == ["charades-sta-timechat-charades_sta_example_pred_timechat",
                       "charades-sta-timechat-mine"]  # fmt: skip
