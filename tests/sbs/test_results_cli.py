"""`videoeval sbs create` and `sbs results` on the command line, the video-aware judge's
agreement with the people (through a local judge server that sees the frames), and the load
bench's run: 250 items x 3 annotators against a served study, every judgement stored."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.sbs.helpers import MINE, write_clips
from videoeval.cli import app
from videoeval.sbs.store import annotator_of, next_item, open_study, submit

ROOT = Path(__file__).resolve().parents[2]
CHOICE = ("overall", "accuracy", "completeness", "hallucination")


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


def _verdict(mine_is_reference: bool) -> str:
    good, poor = {"factual": 8, "completeness": 8, "temporal": 8}, {"factual": 4,
                                                                   "completeness": 5,
                                                                   "temporal": 6}  # fmt: skip
    error = [{"claim": "water", "frames_show": "sand", "timestamps": [0.0], "severity": "minor"}]
    return json.dumps({
        "frame_evidence": [{"timestamps": [0.0], "observation": "a man and a dog"}],
        "gt": good if mine_is_reference else poor,
        "candidate": poor if mine_is_reference else good,
        "errors_gt": [] if mine_is_reference else error,
        "errors_candidate": error if mine_is_reference else [],
    })  # fmt: skip


def judge(received: Received, n: int) -> Reply:
    assert received.images >= 4  # a judge that sees the clip
    reference = received.prompt.split("Reference description:\n", 1)[1].split("\n", 1)[0]
    return openai_reply(_verdict(reference.startswith(MINE[:10])))


def test_create_judge_and_results_from_the_command_line(tmp_path: Path) -> None:
    files = write_clips(tmp_path, n=6, video_clips=6)
    study = tmp_path / "study.sqlite"
    made = invoke("sbs", "create", files["mine"], files["theirs"], "--label", "mine", "--label",
                  "theirs", "-b", "dream1k", "-a", files["annotations"], "--videos",
                  files["videos"], "--annotator", "ana", "--annotator", "ben", "--overlap", "2",
                  "-o", study)  # fmt: skip
    assert made.exit_code == 0, made.output
    links = dict(line.split("\t") for line in study.with_suffix(".links.txt").read_text()
                 .splitlines())  # fmt: skip
    assert (study.with_suffix(".links.txt").stat().st_mode & 0o777) == 0o600
    empty = invoke("sbs", "results", study)
    assert empty.exit_code == 1 and "no judgement yet" in empty.output
    db = open_study(study)
    for name, link in links.items():  # ana prefers mine everywhere; ben picks theirs once
        me = annotator_of(db, link.rsplit("/", 1)[-1])
        assert me is not None
        count = 0
        while (item := next_item(db, me)) is not None:
            mine_left = item.left.startswith(MINE[:10])
            want_mine = not (name == "ben" and count == 0)
            said = "left" if want_mine == mine_left else "right"
            submit(db, me, item.key, dict.fromkeys(CHOICE, said), "")
            count += 1
    db.close()
    with FakeServer(judge) as server:
        args = ("sbs", "results", study, "--judge-model", "judge", "--judge-base-url",
                server.base_url, "--cache", tmp_path / "cache", "--bootstrap", "200")  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        asked = len(server.received)
        assert asked == 6 and invoke(*args).exit_code == 0
        assert len(server.received) == asked  # cached: asked once
    figures = json.loads((tmp_path / "study" / "results" / "metrics.json").read_text())
    overall = figures["comparisons"][0]["criteria"]["overall"]
    assert (overall["win"], overall["loss"]) == (11, 1)
    judged = figures["judge_agreement"]
    # the judge prefers mine on every item; the people's majority is mine on 5, a tie on 1
    assert judged["items"] == 6 and judged["overall"]["agreement"] == pytest.approx(500 / 6)
    assert judged["hallucination"]["agreement"] == pytest.approx(500 / 6)
    page = (tmp_path / "study" / "results" / "report.html").read_text()
    assert "Automatic figures of the same systems" in page and "mine" in page
    assert "advantage" in result.output and "+83.3%" in result.output


def test_the_load_bench_stores_every_judgement() -> None:
    spec = importlib.util.spec_from_file_location("sbs_load", ROOT / "bench" / "sbs_load.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.run_load(250, 3)
    assert figures["judgements stored"] == figures["judgements expected"] == 750
    assert re.match(r"\d", str(figures["page p95 ms"]))
