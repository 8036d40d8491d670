"""A key a server echoes in a 200 reply, or that an answer or a prediction file holds, never
reaches a results file, a log, the terminal or a report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.engine.test_failures import run
from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.scoring.test_joint_protocol import make_files
from videoeval.cli import app

runner = CliRunner()
SECRET = "sk-live-0123456789abcdef"


def _everything_written(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_a_key_echoed_in_a_200_reply_is_never_written_or_printed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SERVER_KEY", SECRET)
    bench = make_bench(tmp_path)

    def echo(received: Received, n: int) -> Reply:
        key = received.headers.get("authorization", "").removeprefix("Bearer ")
        if "door" in received.prompt:  # a 200 without choices, quoting the key
            return Reply(body={"error": {"message": f"quota exceeded for key {key}"}})
        if "dog" in received.prompt:  # an answer that repeats it
            return openai_reply(f"The event happens in 1 - 2 seconds. (key {key})")
        return answer_script(received, n)

    with FakeServer(echo) as server:
        result = run(bench, server.base_url, "out", "--api-key-env", "SERVER_KEY")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    written = _everything_written(bench["root"] / "out")
    assert SECRET not in written and "[redacted]" in written


def test_joint_judgements_never_hold_the_judge_key(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JUDGE_KEY", SECRET)
    files = make_files(tmp_path)

    def echo(received: Received, n: int) -> Reply:
        return Reply(body={"error": "bad key " + received.headers.get("authorization", "")})

    out = tmp_path / "out"
    with FakeServer(echo) as server:
        result = runner.invoke(app, [str(a) for a in [
            "score", "youcook2", "-a", files["annotations"], "-p", files["predictions"],
            "--protocol", "joint", "--videos", files["videos"], "--judge-model", "j",
            "--judge-base-url", server.base_url, "--judge-api-key-env", "JUDGE_KEY",
            "--judge-backoff", "0.01", "-o", out, "--cache", tmp_path / "cache"]])  # fmt: skip
    assert result.exit_code == 1 and SECRET not in result.output
    assert SECRET not in _everything_written(out)


def test_a_key_inside_a_scored_answer_never_reaches_the_report(tmp_path: Path, monkeypatch):
    from videoeval.demo import GT_FILE, data_path

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    first = json.loads(data_path(GT_FILE).read_text())["annotations"][0]
    predictions = tmp_path / "p.jsonl"
    line = {"vid": first["image_id"], "query": first["caption"],
            "answer": f"0 - 5 seconds; my key is {SECRET}"}  # fmt: skip
    predictions.write_text(json.dumps(line) + "\n")
    out = tmp_path / "scored"
    scored = runner.invoke(app, ["score", "charades-sta", "-a", str(data_path(GT_FILE)),
                                 "-p", str(predictions), "-o", str(out)])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    report = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    assert SECRET not in _everything_written(out) + _everything_written(tmp_path / "report")
