from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from videoeval.cli import app
from videoeval.predictions.dense import events_from_answer, is_dense_answers, read_dense_answers

runner = CliRunner()


def test_a_json_list_in_the_answer_wins() -> None:
    answer = 'Events:\n```json\n[{"timestamp": [0, 4.5], "sentence": "A man waves."},' \
        ' {"start": 5, "end": 9, "caption": "He sits."}]\n```'  # fmt: skip
    events = events_from_answer(answer)
    assert events is not None
    assert [(e.start, e.end, e.sentence) for e in events] == [
        (0.0, 4.5, "A man waves."),
        (5.0, 9.0, "He sits."),
    ]


def test_text_answers_follow_the_etbench_rules() -> None:
    events = events_from_answer("0 - 10 seconds, a man opens the door. 12 - 20 seconds, he sits.")
    assert events is not None and [(e.start, e.end) for e in events] == [(0, 10), (12, 20)]
    assert events[0].sentence.startswith("a man opens the door")
    assert events_from_answer("I cannot tell what happens.") is None
    assert events_from_answer('[{"oops": 1}]') is None  # a broken list, and no time in the text


def test_layout_detection_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(
        '{"vid": "v1", "answer": "0 - 10 seconds, a dog runs."}\n'
        "not json\n"
        '{"vid": "v2", "answer": "no idea"}\n\n',
        encoding="utf-8",
    )
    assert is_dense_answers(path)
    grounding = tmp_path / "simple.jsonl"
    grounding.write_text('{"vid": "v1", "query": "a dog", "answer": "0 - 3"}\n')
    assert not is_dense_answers(grounding)
    read = read_dense_answers(path)
    assert list(read.captions) == ["v1"] and read.unparsed == {"v2"}
    assert any(p.startswith("line 2") for p in read.problems)


def test_cli_scores_raw_answers_and_counts_parse_errors(tmp_path: Path) -> None:
    refs = tmp_path / "val_1.json"
    refs.write_text(json.dumps({
        "v1": {"duration": 30, "timestamps": [[0, 10], [10, 20]], "sentences": ["a", "b"]},
        "v2": {"duration": 30, "timestamps": [[0, 30]], "sentences": ["c"]},
        "v3": {"duration": 30, "timestamps": [[0, 5]], "sentences": ["d"]},
    }))  # fmt: skip
    answers = tmp_path / "answers.jsonl"
    answers.write_text(
        '{"video_id": "v1", "answer": "0.0 - 10.0 seconds, a man opens a door."}\n'
        '{"video_id": "v2", "answer": "Sorry, I cannot watch videos."}\n',
        encoding="utf-8",
    )
    args = ["-a", str(refs), "-p", str(answers), "--no-language", "-o", str(tmp_path / "o")]
    result = runner.invoke(app, ["score", "activitynet-captions", *args])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["failures"] == {"missing_prediction": 1, "parse_error": 1}
    assert metrics["n_scored"] == 1 and metrics["n_total"] == 3
    assert metrics["metrics"]["P@0.5"] == pytest.approx(100 / 3)  # v1 perfect, v2 and v3 zero
    rows = [json.loads(x) for x in (tmp_path / "o" / "samples.jsonl").read_text().splitlines()]
    assert {r["video_id"]: r["status"] for r in rows} == {
        "v1": "ok", "v2": "parse_error", "v3": "missing_prediction",
    }  # fmt: skip
