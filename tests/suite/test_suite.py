"""``videoeval suite``: every (model, benchmark) pair through the run engine, resumable, one
report with the published tables and a checkpoint sweep; a failing pair is said, not fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.fake_servers import FakeServer
from tests.report.test_browser import page_factory  # noqa: F401
from videoeval.cli import app

pytestmark = pytest.mark.cost(10)

SPLITS = ("timelens-charades", "timelens-activitynet", "timelens-qvhighlights")


def write_suite(tmp_path: Path, base_url: str, extra: str = "") -> Path:
    bench = make_bench(tmp_path)
    benchmarks = "".join(
        f'\n[[benchmarks]]\nid = "{split}"\nannotations = "{bench["annotations"].name}"\n'
        f'videos = "videos"\n'
        for split in SPLITS
    )
    text = f'''
[suite]
name = "two models, three splits"
out = "out"
cache = "cache"
bootstrap = 50

[[models]]
label = "served"
model = "fake-vl"
base_url = "{base_url}"
max_tokens = 64

[[models]]
label = "mine"
model = "ckpt-{{step}}"
base_url = "{base_url}"
max_tokens = 64
steps = [100, 200]
{benchmarks}{extra}'''
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_a_suite_runs_every_pair_resumes_and_reports(tmp_path: Path) -> None:
    with FakeServer(answer_script) as server:
        suite = write_suite(tmp_path, server.base_url)
        checked = invoke("suite", suite, "--check")
        assert checked.exit_code == 0 and "3 models x 3 benchmarks" in checked.output
        priced = invoke("suite", suite, "--dry-run")
        assert priced.exit_code == 0 and len(server.received) == 0
        result = invoke("suite", suite)
        assert result.exit_code == 0, result.output
        asked = len(server.received)
        again = invoke("suite", suite)  # every pair resumes its own folder: nothing asked
        assert again.exit_code == 0 and len(server.received) == asked
    out = tmp_path / "out"
    record = json.loads((out / "suite.json").read_text())
    assert len(record["pairs"]) == 9 and {p["status"] for p in record["pairs"]} == {"ok"}
    assert (out / "runs" / "mine@200" / "timelens-qvhighlights" / "metrics.json").exists()
    board = (out / "report" / "leaderboard.md").read_text()
    assert "## Beside the published tables" in board
    for label in ("served", "mine@100", "mine@200"):
        assert f"| {label} |" in board
    sweep = (out / "sweep.md").read_text()
    assert "## mine on timelens-charades" in sweep and "| 100 |" in sweep and "| 200 |" in sweep
    assert "mine,timelens-qvhighlights,200,R1@0.3" in (out / "sweep.csv").read_text()
    page = (out / "report" / "report.html").read_text()
    for split in SPLITS:  # the sweep drawn too, one plot per benchmark
        assert f'alt="mine on {split}: figures by step"' in page
    assert 'alt="served on' not in page  # a model without steps is no sweep


def test_a_failing_pair_is_said_and_the_others_go_on(tmp_path: Path) -> None:
    extra = (
        '\n[[benchmarks]]\nid = "charades-sta"\nannotations = "missing.txt"\nvideos = "videos"\n'
    )
    with FakeServer(answer_script) as server:
        result = invoke("suite", write_suite(tmp_path, server.base_url, extra))
    assert result.exit_code == 1, result.output
    record = json.loads((tmp_path / "out" / "suite.json").read_text())
    failed = [p for p in record["pairs"] if p["status"] != "ok"]
    assert len(failed) == 3 and all("missing.txt" in p["error"] for p in failed)
    assert (tmp_path / "out" / "report" / "report.html").exists()


def test_a_misspelt_key_is_refused_with_its_place(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "http://127.0.0.1:9", '\n[judge]\nmodel = "j"\ntemprature = 1\n')
    result = invoke("suite", suite, "--check")
    assert result.exit_code == 2
    assert "[judge]: temprature is not a key this version reads" in " ".join(result.output.split())


def test_a_suite_report_in_chromium(tmp_path: Path, page_factory) -> None:  # noqa: F811
    with FakeServer(answer_script) as server:
        assert invoke("suite", write_suite(tmp_path, server.base_url)).exit_code == 0
    page = page_factory.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((tmp_path / "out" / "report" / "report.html").as_uri())
    page.wait_for_selector("#samples .card")
    assert errors == []
    assert page.locator("#leaderboards tbody tr").count() == 9  # 3 models x 3 splits
    published = page.locator("table.published")
    assert published.count() == 1 and published.locator("tr.ours").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
