"""Messages that teach: a parse error says which rule did not read the answer (and which other
parser would), --help keeps square brackets, Ctrl-C says what is kept, a refused resume names
the setting, and the report's Markdown, notes and numbers survive what files hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.engine.test_failures import run
from tests.fake_servers import FakeServer
from tests.scoring.helpers import answer, row, sample
from tests.scoring.helpers import run as score_run
from videoeval.cli import app
from videoeval.models.http import retry_after_seconds
from videoeval.report.html import write_report
from videoeval.report.load import load_run

runner = CliRunner()


def test_a_parse_error_names_the_rule_and_the_parser_that_would_read_it() -> None:
    said = "The event happens from 0.9 to 4.4 seconds."
    result = score_run("charades-sta", "timechat", [sample("a"), sample("b")],
                       [answer("a", said), answer("b", "2 - 4")])  # fmt: skip
    assert "no span the timechat parser reads" in row(result, "a").note
    (warning,) = [w for w in result.report.warnings if "hold no span" in w]
    assert warning.startswith("1 answers hold no span the timechat parser reads")
    assert "the timelens parser reads 1 of the first 1" in warning


def test_help_keeps_square_brackets() -> None:
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "250"})
    assert "pip install 'videoeval[hf]'" in result.output
    grpo = runner.invoke(app, ["grpo-data", "--help"], env={"COLUMNS": "250"})
    assert "reward_funcs=[" in grpo.output


def test_ctrl_c_exits_130_saying_what_is_kept(monkeypatch) -> None:
    import videoeval.api

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(videoeval.api, "score", interrupted)
    from videoeval.demo import GT_FILE, PRED_FILE, data_path

    result = runner.invoke(app, ["score", "charades-sta", "-a", str(data_path(GT_FILE)),
                                 "-p", str(data_path(PRED_FILE))])  # fmt: skip
    assert result.exit_code == 130 and "interrupted" in result.output
    assert "resumes" in " ".join(result.output.split())


def test_a_refused_resume_names_the_setting_and_both_values(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        assert run(bench, server.base_url, "out").exit_code == 0
        again = run(bench, server.base_url, "out", "--temperature", "0.5")
    said = " ".join(again.output.split())
    assert again.exit_code == 2 and "settings.temperature: 0.0 in the folder, 0.5 now" in said


def test_a_retry_after_that_is_no_time_is_ignored() -> None:
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "soon-ish"})) is None
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "nan"})) is None
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "2"})) == 2.0


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    from videoeval.demo import GT_FILE, data_path

    first = json.loads(data_path(GT_FILE).read_text())["annotations"][0]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"vid": first["image_id"], "query": first["caption"],
                                       "answer": "0 - 5"}) + "\n")  # fmt: skip
    out = tmp_path / "scored"
    result = runner.invoke(app, ["score", "charades-sta", "-a", str(data_path(GT_FILE)), "-p",
                                 str(predictions), "-o", str(out), "--model-name",
                                 "a|b <script>alert(1)</script>"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_the_leaderboard_cells_hold_pipes_and_tags_as_text(scored: Path, tmp_path: Path) -> None:
    _, md = write_report([load_run(scored)], tmp_path / "report")
    line = next(x for x in md.read_text().splitlines() if "alert" in x)
    assert "a\\|b &lt;script&gt;" in line and "<script>" not in line
    header = next(x for x in md.read_text().splitlines() if x.startswith("| run"))
    assert len(re.findall(r"(?<!\\)\|", line)) == header.count("|")  # the row keeps its cells


def test_nan_in_a_third_party_metrics_file_and_local_paths_are_made_safe(
    scored: Path, tmp_path: Path
) -> None:
    metrics = json.loads((scored / "metrics.json").read_text())
    metrics["metrics"]["R1@0.5"] = float("nan")
    (scored / "metrics.json").write_text(json.dumps(metrics))  # Python writes NaN
    rows = [json.loads(x) for x in (scored / "samples.jsonl").read_text().splitlines()]
    rows[0]["note"] = "cannot open /home/someone/private/videos/v1.mp4 or C:\\Users\\x\\v.mp4"
    (scored / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    page, _ = write_report([load_run(scored)], tmp_path / "report")
    text = page.read_text()
    data = text.split('<script type="application/json" id="data">', 1)[1].split("</script>")[0]
    json.loads(data)  # strict JSON: no NaN literal the page's JavaScript would choke on
    assert "/home/someone" not in text and "Users" not in text and "v1.mp4" in text
