"""``run <dense benchmark> --protocol joint --judge-model ...``: the model is asked for timed
events, then each is judged on its own frames, end to end against one local server playing both
(the policy and the judge, told apart by the model asked); and the report of such a run reads
its rows (counts, not event lists) without a script error."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.report.test_browser import page_factory  # noqa: F401
from tests.report.test_report import embedded
from tests.scoring.test_joint_protocol import judge, make_files
from videoeval.cli import app
from videoeval.report.html import write_report
from videoeval.report.load import load_run

ANSWER = [{"timestamp": [0, 2], "sentence": "a red square appears"},
          {"timestamp": [0, 4], "sentence": "a green triangle sits still"}]  # fmt: skip


def policy_or_judge(received, n):  # type: ignore[no-untyped-def]
    if received.body["model"] != "policy":
        return judge(received, n)
    assert received.images >= 4  # the whole clip, as the run's frame options say
    return openai_reply(json.dumps(ANSWER))


def run_joint(tmp_path: Path, base_url: str, out: Path):  # type: ignore[no-untyped-def]
    files = make_files(tmp_path)
    args = ["run", "youcook2", "-a", files["annotations"], "--videos", files["videos"],
            "--model", "policy", "--base-url", base_url, "--protocol", "joint",
            "--judge-model", "judge", "--judge-base-url", base_url, "-o", out,
            "--cache", tmp_path / "cache", "--concurrency", "1"]  # fmt: skip
    return CliRunner().invoke(app, [str(a) for a in args])


def test_run_with_the_joint_protocol_asks_then_judges(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with FakeServer(policy_or_judge) as server:
        result = run_joint(tmp_path, server.base_url, out)
        assert result.exit_code == 0, result.output
        asked = [r.body["model"] for r in server.received]
    # the two clips show the same frames: the second is answered from the cache; the judge is
    # asked about each predicted event (2 a clip) and each overlapping (GT, predicted) pair
    assert asked.count("policy") == 1 and 3 <= asked.count("judge") <= 10
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["protocol"] == "joint" and metrics["task"] == "dense_captioning"
    assert metrics["inputs"]["videos"] == "videos"  # the run's own videos
    assert metrics["protocol_config"]["frames_per_event"] == 8
    # each clip: the red square on [0, 2] and the green triangle on [0, 4] are on the frames
    assert metrics["metrics"]["what_precision"] == 100.0
    judgements = [json.loads(x) for x in (out / "judgements.jsonl").read_text().splitlines()]
    assert sum(r["kind"] == "event" for r in judgements) == 4
    html, _ = write_report([load_run(out)], tmp_path / "report")
    samples = embedded(html)["samples"]
    assert [s["view"] for s in samples] == ["text", "text"]
    assert samples[0]["details"] == "2 GT events, 2 predicted, 2 true on the frames"


def test_a_joint_run_report_in_chromium(tmp_path: Path, page_factory) -> None:  # noqa: F811
    out = tmp_path / "run"
    with FakeServer(policy_or_judge) as server:
        assert run_joint(tmp_path, server.base_url, out).exit_code == 0
    html, _ = write_report([load_run(out)], tmp_path / "report")
    page = page_factory.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(html.as_uri())
    page.wait_for_selector("#samples .card")
    assert errors == [] and page.inner_text("#count") == "2 of 2 samples"
    assert "true on the frames" in page.locator("#samples .card").first.inner_text()
