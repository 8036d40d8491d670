"""A run folder's report shows the frames the model saw (from responses.jsonl) when --videos
is given."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.fake_servers import FakeServer
from tests.report.test_report import embedded
from videoeval.cli import app
from videoeval.report.html import write_report
from videoeval.report.load import load_run


def test_frames_of_a_run_folder_become_thumbnails(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        args = ["run", "timelens-charades", "-a", bench["annotations"], "--videos",
                bench["videos"], "--model", "fake-vl", "--base-url", server.base_url,
                "-o", tmp_path / "run", "--cache", tmp_path / "cache",
                "--max-tokens", "64"]  # fmt: skip
        assert CliRunner().invoke(app, [str(a) for a in args]).exit_code == 0
    run = load_run(tmp_path / "run")
    assert len(run.frames) == 4  # the samples whose video exists
    html, _ = write_report([run], tmp_path / "report", videos=bench["videos"])
    with_thumbs = [s for s in embedded(html)["samples"] if s["thumbs"]]
    assert len(with_thumbs) == 4 and len(with_thumbs[0]["thumbs"]) == 4  # the 4 frames sent
    assert any((tmp_path / "report" / "thumbs").iterdir())
