from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, flaky_script
from tests.fake_servers import FakeServer, openai_reply
from videoeval.cli import app

runner = CliRunner()


def run_cli(bench: dict[str, Path], server: FakeServer, out: str, *extra: str):
    args = [
        "run", "timelens-charades",
        "--annotations", str(bench["annotations"]),
        "--videos", str(bench["videos"]),
        "--model", "fake-vl",
        "--base-url", server.base_url,
        "--out", str(bench["root"] / out),
        "--cache", str(bench["root"] / "cache"),
        "--max-tokens", "64",
        "--backoff", "0.01",
        "--concurrency", "3",
        *extra,
    ]  # fmt: skip
    return runner.invoke(app, args)


def metrics(bench: dict[str, Path], out: str) -> dict:
    return json.loads((bench["root"] / out / "metrics.json").read_text())


def test_run_scores_caches_and_resumes(bench) -> None:
    with FakeServer(answer_script) as server:
        first = run_cli(bench, server, "run1")
        assert first.exit_code == 0, first.output
        assert len(server.received) == 4  # the missing video is never sent
        m = metrics(bench, "run1")
        assert m["benchmark"] == "timelens-charades" and m["protocol"] == "timelens"
        assert m["n_counted"] == 5 and m["failures"] == {"parse_error": 1, "video_error": 1}
        # IoUs: 1 (door), 0 (no answer), 1/3 (dog: [1,2] vs [0.5,1.5]), 1 (cup, rounded [0,1]
        # vs [0.2,0.8]: 0.6), 0 (missing video)
        assert m["metrics"]["R1@0.5"] == 2 * 100 / 5
        assert m["metrics"]["mIoU"] == pytest.approx((1 + 0 + 1 / 3 + 0.6 + 0) * 100 / 5)

        again = run_cli(bench, server, "run1")
        assert again.exit_code == 0, again.output
        assert len(server.received) == 4  # resumed: nothing asked again
        assert "5 already done" in again.output  # the video error is final too
        assert metrics(bench, "run1")["metrics"] == m["metrics"]

        fresh = run_cli(bench, server, "run2")  # new folder, same cache
        assert fresh.exit_code == 0, fresh.output
        assert len(server.received) == 4
        assert "4 from cache" in fresh.output
    rows = [
        json.loads(x) for x in (bench["root"] / "run1" / "samples.jsonl").read_text().splitlines()
    ]
    assert len(rows) == 5 and len({r["sample_id"] for r in rows}) == 5
    run_json = json.loads((bench["root"] / "run1" / "run.json").read_text())
    config = run_json["config"]
    assert config["frames"]["sampling_text"].startswith("2 fps")
    assert config["model"] == {"backend": "openai", "model": "fake-vl"}  # not where it was served
    assert run_json["server"] == server.base_url
    assert len(config["prompt"]["sha256"]) == 64 and "versions" in run_json
    responses = (bench["root"] / "run1" / "responses.jsonl").read_text().splitlines()
    first_row = json.loads(responses[0])
    assert first_row["frames"]["indices"] == [0, 16, 33, 49]


def test_retries_failures_and_rerun_of_failed_samples(bench) -> None:
    calls: dict[str, int] = {}
    with FakeServer(flaky_script(calls)) as server:
        result = run_cli(bench, server, "run")
        assert result.exit_code == 0, result.output
        m = metrics(bench, "run")
        assert m["failures"] == {"model_error": 1, "video_error": 1}
        assert calls == {
            "a person opens the door": 1, "the dog runs away": 3, "a cup falls": 2,
            "someone sits down": 1,
        }  # fmt: skip
        assert "2 failed" in result.output
        rerun = run_cli(bench, server, "run")  # only the model error is asked again
        assert rerun.exit_code == 0, rerun.output
        assert calls["someone sits down"] == 2 and calls["the dog runs away"] == 3


def test_a_folder_made_with_another_config_is_refused(bench) -> None:
    with FakeServer(answer_script) as server:
        assert run_cli(bench, server, "run").exit_code == 0
        other = run_cli(bench, server, "run", "--fps", "4")
    assert other.exit_code == 2
    assert "another configuration" in other.output and "frames" in other.output


def test_dry_run_calls_nothing(bench) -> None:
    with FakeServer(answer_script) as server:
        result = run_cli(bench, server, "run", "--dry-run")
    assert result.exit_code == 0, result.output
    assert server.received == []
    assert "frames" in result.output and "16" in result.output  # 4 queries with video x 4
    assert "videos missing" in result.output


def test_the_api_key_is_never_written(bench, monkeypatch) -> None:
    secret = "sk-live-DO-NOT-LEAK-4242"
    monkeypatch.setenv("VE_KEY", secret)

    def check_key(received, n):
        assert received.headers["authorization"] == f"Bearer {secret}"
        return answer_script(received, n)

    with FakeServer(check_key) as server:
        result = run_cli(bench, server, "run", "--api-key-env", "VE_KEY")
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    for path in bench["root"].rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_prompt_file_is_used_and_checked(bench, tmp_path: Path) -> None:
    good = tmp_path / "official.txt"
    good.write_text('Official wording. Query: "{query}". Answer in seconds.', encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("no placeholder here", encoding="utf-8")
    with FakeServer(lambda r, n: openai_reply("0 - 1")) as server:
        assert run_cli(bench, server, "run", "--prompt-file", str(good)).exit_code == 0
        assert all(r.prompt.startswith("Official wording.") for r in server.received)
        refused = run_cli(bench, server, "other", "--prompt-file", str(bad))
    assert refused.exit_code == 2 and "query" in refused.output
