"""Adding a protocol, and a task type, takes one file each (plus its test): the toy modules
beside this test hold everything, and ``videoeval.score`` scores through them."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

import videoeval
from tests.api import toy_protocol, toy_task
from videoeval import ScoreRequest, ScoringOptions
from videoeval.benchmarks import BENCHMARKS
from videoeval.demo import GT_FILE, PRED_FILE, data_path
from videoeval.errors import UsageError
from videoeval.protocols import REGISTRY, load_function
from videoeval.protocols.tasks import TASKS
from videoeval.report.load import load_run


def _files(*objects: object) -> set[str]:
    return {inspect.getsourcefile(o) or "" for o in objects}  # type: ignore[arg-type]


def test_a_protocol_in_one_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    info = toy_protocol.PROTOCOL
    monkeypatch.setitem(REGISTRY, info.name, info)
    pieces = _files(load_function(info.scorer), type(info.config), info.row)
    assert pieces == {toy_protocol.__file__}  # one file, and this test: 2 files touched
    outcome = videoeval.score(ScoreRequest(
        "charades-sta", predictions=str(data_path(PRED_FILE)),
        annotations=str(data_path(GT_FILE)), protocol="toy-hit-rate",
        scoring=ScoringOptions(bootstrap=100),
    ))  # fmt: skip
    report = outcome.report
    hits = sum(row.hit for row in outcome.rows)
    assert report.metrics["hit_rate"] == pytest.approx(100 * hits / 3720)
    assert report.protocol_config == {"iou": 0.5} and "hit_rate" in report.ci95
    assert report.n_scored + report.failures["missing_prediction"] == 3720 >= 500 > report.n_scored
    outcome.write(tmp_path / "out")
    rows = load_run(tmp_path / "out").rows  # read back through its own row type
    assert isinstance(rows[0], toy_protocol.HitRow) and sum(r.hit for r in rows) == hits


def test_a_task_type_in_one_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(TASKS, toy_task.TASK.name, toy_task.TASK)
    monkeypatch.setitem(REGISTRY, toy_task.PROTOCOL.name, toy_task.PROTOCOL)
    monkeypatch.setitem(BENCHMARKS, toy_task.BENCHMARK.id, toy_task.BENCHMARK)
    info = toy_task.PROTOCOL
    pieces = _files(load_function(info.scorer), type(info.config), info.row,
                    toy_task.BENCHMARK.views[0].load)  # fmt: skip
    assert pieces == {toy_task.__file__}  # one file, and this test: 2 files touched
    gt, answers = tmp_path / "counts.json", tmp_path / "answers.json"
    gt.write_text(json.dumps({"a": 3, "b": 5, "c": 2, "d": 7}))
    answers.write_text(json.dumps({"a": 3, "b": 4, "c": 2}))
    outcome = videoeval.score(ScoreRequest("toy-counts", predictions=answers, annotations=gt))
    assert outcome.report.metrics == {"exact": 50.0}
    assert outcome.report.task == "counting" and outcome.report.failures == {
        "missing_prediction": 1
    }
    # its options are checked like any protocol's
    with pytest.raises(UsageError, match="--durations does not apply"):
        grounding = videoeval.GroundingOptions(durations=gt)
        videoeval.score(ScoreRequest("toy-counts", predictions=answers, annotations=gt,
                                     grounding=grounding))  # fmt: skip
