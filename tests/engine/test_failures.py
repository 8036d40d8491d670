"""A dead or wrong server is surfaced at once with a non-zero exit and its cause; a run never
writes figures when no sample got an answer; secrets never reach the run folder."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from typer.testing import CliRunner

from tests.engine.conftest import answer_script
from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from videoeval.cli import app

runner = CliRunner()


def run(bench: dict[str, Path], base_url: str, out: str, *extra: str):
    args = [
        "run", "timelens-charades", "-a", str(bench["annotations"]),
        "--videos", str(bench["videos"]), "--model", "fake-vl", "--base-url", base_url,
        "--out", str(bench["root"] / out), "--cache", str(bench["root"] / "cache"),
        "--backoff", "0.01", "--retries", "2", "--concurrency", "1", "--max-tokens", "64",
        *extra,
    ]  # fmt: skip
    return runner.invoke(app, args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_dead_server_is_reported_before_anything_is_asked(bench) -> None:
    result = run(bench, f"http://127.0.0.1:{free_port()}/v1", "dead")
    assert result.exit_code == 3, result.output
    assert "cannot reach" in result.output and "nothing was asked" in result.output
    assert not (bench["root"] / "dead" / "metrics.json").exists()


def test_a_server_without_the_model_is_reported(bench) -> None:
    with FakeServer(answer_script, models=["other-model"]) as server:
        result = run(bench, server.base_url, "wrong")
        assert result.exit_code == 3 and "does not serve model 'fake-vl'" in result.output
        assert "other-model" in result.output and server.received == []


def test_a_run_stops_when_every_sample_fails_to_reach_the_model(bench, tmp_path) -> None:
    # GET /models is missing (404: cannot tell), every request is a 404: the wrong endpoint
    with FakeServer(lambda r, n: Reply(status=404, body={"error": "no route"})) as server:
        result = run(bench, server.base_url, "stopped")
    assert result.exit_code == 3, result.output
    assert "no sample got an answer" in result.output and "HTTP 404" in result.output
    assert not (bench["root"] / "stopped" / "metrics.json").exists()


def test_without_any_answer_there_are_no_figures(bench) -> None:
    with FakeServer(lambda r, n: Reply(status=400, body={"error": "bad request"})) as server:
        result = run(bench, server.base_url, "none")
    assert result.exit_code == 3 and "no sample got an answer" in result.output
    assert "HTTP 400" in result.output
    assert not (bench["root"] / "none" / "metrics.json").exists()


def test_a_missing_videos_folder_is_an_input_error(bench) -> None:
    with FakeServer(answer_script) as server:
        args = ["--videos", str(bench["root"] / "nowhere")]
        result = runner.invoke(app, [
            "run", "timelens-charades", "-a", str(bench["annotations"]), *args,
            "--model", "fake-vl", "--base-url", server.base_url,
            "--out", str(bench["root"] / "x"), "--cache", str(bench["root"] / "cache"),
        ])  # fmt: skip
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_an_echoed_key_and_url_credentials_are_never_stored(bench, monkeypatch) -> None:
    secret = "sk-very-secret-value-123"
    monkeypatch.setenv("FAKE_KEY", secret)

    def echo(received: Received, n: int) -> Reply:
        if n == 0:  # a server that quotes the request's credentials in its error
            auth = received.headers.get("authorization", "")
            return Reply(status=400, body={"error": f"invalid header {auth}"})
        return answer_script(received, n)

    with FakeServer(echo) as server:
        result = run(bench, server.base_url, "secret", "--api-key-env", "FAKE_KEY")
        assert result.exit_code == 0, result.output
        # credentials in the URL: used for the requests, never written down
        url = server.base_url.replace("http://", "http://user:hunter2@")
        with_user = run(bench, url, "userinfo", "--api-key-env", "FAKE_KEY")
        assert with_user.exit_code == 0, with_user.output
    for folder in ("secret", "userinfo"):
        for path in (bench["root"] / folder).iterdir():
            text = path.read_text()
            assert secret not in text and "hunter2" not in text, path
    lines = (bench["root"] / "secret" / "responses.jsonl").read_text().splitlines()
    assert any("Bearer [redacted]" in str(json.loads(x).get("error")) for x in lines)


def test_a_reply_without_text_is_a_model_error_and_asked_again(bench) -> None:
    def null_content(received: Received, n: int) -> Reply:
        reply = openai_reply("")
        reply.body["choices"][0]["message"]["content"] = None
        return reply

    with FakeServer(null_content) as server:
        first = run(bench, server.base_url, "null")
        assert first.exit_code == 3 and "not text" in first.output
        asked = len(server.received)
    with FakeServer(answer_script) as server:
        again = run(bench, server.base_url, "null")
        assert again.exit_code == 0, again.output
        assert len(server.received) == asked  # nothing was cached: every sample asked again


def test_two_runs_cannot_write_one_folder(bench) -> None:
    from videoeval.engine.lock import folder_lock

    with FakeServer(answer_script) as server, folder_lock(bench["root"] / "busy"):
        result = run(bench, server.base_url, "busy")
        assert result.exit_code == 2 and "in use by another videoeval process" in result.output
        assert server.received == []
