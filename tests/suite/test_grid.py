"""A suite that names Tarsier2's grid: each benchmark scored with the grid's protocol unless
the file says otherwise (a contrary protocol, or a judge-graded benchmark without a judge, is
refused before anything runs), and the report's grid places the models beside Tarsier2's rows,
with Short and Hallucination as its tables define them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.video.synth import write_video
from videoeval.errors import InputError
from videoeval.report.published import tables
from videoeval.suite.file import read_suite
from videoeval.suite.runner import run_suite


def _video(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_video(path, frames=30, fps=15)


def _files(root: Path) -> str:
    """MVBench, TVBench, TOMATO and EventHallusion fixtures in their official layouts, with
    their videos; the suite's [[benchmarks]] tables for them."""
    (root / "mvbench").mkdir()
    (root / "mvbench" / "action_sequence.json").write_text(json.dumps([
        {"video": "a.mp4", "question": "What happens first?",
         "candidates": ["he sits", "he stands"], "answer": "he stands"},
        {"video": "b.mp4", "question": "What happens last?",
         "candidates": ["he sits", "he stands"], "answer": "he sits"}]))  # fmt: skip
    for name in ("a", "b"):
        _video(root / "videos" / "action_sequence" / f"{name}.mp4")
    tv = {"messages": [
        {"role": "user", "content": [{"type": "video", "video": {"video_file": "<placeholder>"}},
                                     {"type": "text",
                                      "text": "Question: How many jumps?\n(A) one\n(B) two"}]},
        {"role": "assistant", "content": [{"type": "text", "text": " Answer: ("},
                                          {"type": "text", "text": "", "reference": "B"}]}],
        "dataset": "TVBench/Action Count", "task": "video/QA", "idx": 7,
        "vid": "action_count/c.mp4"}  # fmt: skip
    (root / "TVBench.jsonl").write_text(json.dumps(tv) + "\n")
    _video(root / "videos" / "action_count" / "c.mp4")
    (root / "tomato").mkdir()
    (root / "tomato" / "count.json").write_text(json.dumps({
        "1": {"question": "How many turns?", "options": ["1", "2", "3"], "answer": 2,
              "key": "d", "demonstration_type": "human"}}))  # fmt: skip
    _video(root / "videos" / "human" / "d.mp4")
    (root / "eh").mkdir()
    (root / "eh" / "entire_questions.json").write_text(json.dumps([
        {"id": "entire_001", "category": "sports", "event_info": {"caption": "a man jumps"},
         "questions": [{"question": "Does he jump?", "answer": "Yes."}]}]))  # fmt: skip
    _video(root / "videos" / "entire" / "entire_001.mp4")
    named = (("mvbench", "mvbench"), ("tvbench", "TVBench.jsonl"), ("tomato", "tomato"),
             ("eventhallusion", "eh"), ("eventhallusion-desc", "eh"))  # fmt: skip
    return "".join(
        f'\n[[benchmarks]]\nid = "{bid}"\nannotations = "{ann}"\nvideos = "videos"\n'
        for bid, ann in named
    )


def _server(received: Received, n: int) -> Reply:
    """The model answers every question with its second option ("B"), describes the video;
    the judge finds the description consistent."""
    if received.body["model"] == "judge":
        assert "a man jumps" in received.prompt and "He jumps twice." in received.prompt
        return openai_reply("Yes, it is.")
    if received.prompt == "Please describe this video in detail.":
        return openai_reply("He jumps twice.")
    if received.prompt.startswith("Does he jump?"):
        return openai_reply("Yes.")
    assert "\n(A) " in received.prompt and received.prompt.endswith("correct option only.")
    return openai_reply("B")


def _suite(root: Path, base_url: str, extra: str = "", judge: bool = True) -> Path:
    judged = f'\n[judge]\nmodel = "judge"\nbase_url = "{base_url}"\n' if judge else ""
    text = (f'[suite]\nname = "grid"\nout = "out"\ncache = "cache"\nbootstrap = 0\n'
            f'tables = ["tarsier2-grid"]\n{extra}\n[[models]]\nlabel = "mine"\nmodel = "m"\n'
            f'base_url = "{base_url}"\nmax_tokens = 16\n{_files(root)}{judged}')  # fmt: skip
    path = root / "suite.toml"
    path.write_text(text)
    return path


def test_the_grid_places_a_model_beside_tarsier2s_rows(tmp_path: Path) -> None:
    with FakeServer(_server) as server:
        suite = read_suite(_suite(tmp_path, server.base_url))
        protocols = {b.id: b.protocol for b in suite.benchmarks}
        assert protocols == {"mvbench": "tarsier-mc", "tvbench": "tarsier-mc", "tomato": "tomato",
                             "eventhallusion": "eventhallusion-yn",
                             "eventhallusion-desc": "eventhallusion-desc"}  # fmt: skip
        unfilled = suite.unfilled()[0]
        assert "DREAM-1K" in unfilled and "TemporalBench" in unfilled
        outcome = run_suite(suite)
    assert {p.status for p in outcome.pairs} == {"ok"}, [p.error for p in outcome.pairs]
    grid = list(csv.DictReader(io.StringIO(
        (tmp_path / "out" / "report" / "published-tarsier2-grid.csv").read_text())))  # fmt: skip
    ours = next(r for r in grid if r["source"] == "this report")
    # MVBench 1/2, TVBench 1/1, TOMATO 0/1 ("B" is "2", the gold is "3"): Short = 50
    assert float(ours["MVBench"]) == 50.0 and float(ours["TVBench"]) == 100.0
    assert float(ours["TOMATO"]) == 0.0 and float(ours["Short"]) == 50.0
    assert float(ours["Hallucination"]) == 100.0  # Y/N 1/1, description judged consistent
    assert ours["Long"] == "" and "no figure for" in ours["note"]
    published = [r for r in grid if r["source"] != "this report"]
    table = next(t for t in tables() if t.id == "tarsier2-grid")
    assert len(published) == len(table.rows) == 12
    tarsier2 = next(r for r in published if r["model"] == "Tarsier2-7B (Table 16)")
    assert round(float(tarsier2["Short"]), 1) == 56.1 and round(float(tarsier2["Long"]), 1) == 62.8
    board = (tmp_path / "out" / "report" / "leaderboard.md").read_text()
    assert "Tarsier2's evaluation grid" in board and "| 74.0 |" in board  # 73.95, half up


def test_a_contrary_protocol_or_a_missing_judge_is_refused(tmp_path: Path) -> None:
    path = _suite(tmp_path, "http://127.0.0.1:9/v1", judge=False)
    with pytest.raises(InputError, match=r"eventhallusion-desc.*a judge grades"):
        read_suite(path)
    text = path.read_text().replace('id = "mvbench"\n', 'id = "mvbench"\nprotocol = "mvbench"\n')
    path.write_text(text + '\n[judge]\nmodel = "judge"\n')
    with pytest.raises(InputError, match="not the one tarsier2-grid scores it with"):
        read_suite(path)
    path.write_text(text.replace('"tarsier2-grid"', '"tarsier2-grid", "no-such-table"'))
    with pytest.raises(InputError, match="unknown table 'no-such-table'"):
        read_suite(path)
