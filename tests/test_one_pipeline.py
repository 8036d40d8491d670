"""One path for every task: options that do not apply or are repeated are refused, a file is
scored only by the scorer of the task the user chose, and a run folder re-scores to the run's
own figures without a model call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from videoeval.api.score import ScoreRequest, score
from videoeval.cli import app
from videoeval.errors import UsageError

runner = CliRunner()
DENSE_GT = {"v_a": {"duration": 30.0, "timestamps": [[0, 10], [10, 20]],
                    "sentences": ["a man opens a door", "he sits down"]}}  # fmt: skip
ETBENCH_SAMPLE = {
    "task": "dvc", "source": "youcook2", "video": "a.mp4", "idx": 0, "tgt": [[0, 10]],
    "g": ["crack eggs"], "a": "0 - 10 seconds, crack eggs.",
}  # fmt: skip
DENSE_RESULTS = {"results": {"v_a": [{"timestamp": [0, 10], "sentence": "a man opens a door"}]}}


@pytest.fixture
def files(tmp_path: Path, write_json, write_jsonl) -> dict[str, Path]:
    return {
        "anet": write_json("val_1.json", DENSE_GT),
        "densevid": write_json("results.json", DENSE_RESULTS),
        "grounding": write_jsonl(
            "grounding.jsonl", [{"vid": "v_a", "query": "a man opens a door", "answer": "0 - 10"}]
        ),
        "answers": write_jsonl("answers.jsonl", [{"video_id": "v_a", "answer": "From 00 to 33."}]),
        "etbench_file": write_json("etbench.json", [ETBENCH_SAMPLE]),
        "out": tmp_path / "out",
    }


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        # dense captioning (P/R only: no Java) with grounding and judge options
        (["activitynet-captions", "-a", "anet", "-p", "densevid", "--no-language",
          "--durations", "anet", "--missing", "miss", "--judge-model", "x"],
         ["--durations", "--missing", "--judge-model"]),
        # grounding with dense options
        (["activitynet-captions", "-a", "anet", "-p", "grounding", "--soda-average", "corpus",
          "--reference", "anet"], ["--reference", "--soda-average"]),
        (["activitynet-captions", "-a", "anet", "-p", "grounding", "--no-language"],
         ["--no-language"]),
        # E.T. Bench: its file holds the GT
        (["etbench", "-p", "etbench_file", "-a", "etbench_file"], ["--annotations"]),
        (["etbench", "-p", "etbench_file", "--no-language"], ["--no-language"]),
    ],
)  # fmt: skip
def test_options_that_do_not_apply_are_refused(files, args, refused) -> None:
    result = invoke("score", *[files.get(a, a) for a in args], "-o", files["out"])
    assert result.exit_code == 2, result.output
    assert "does not apply" in result.output or "do not apply" in result.output
    for option in refused:
        assert option in result.output
    assert not (files["out"] / "metrics.json").exists()


@pytest.mark.parametrize(
    "repeated",
    [["-a", "anet", "-a", "anet"], ["--protocol", "timelens", "--protocol", "timechat"],
     ["-o", "out", "-o", "out"], ["--no-language", "--no-language"]],
)  # fmt: skip
def test_an_option_given_twice_is_refused(files, repeated) -> None:
    args = [files.get(a, a) for a in repeated]
    if "-a" not in repeated:
        args += ["-a", files["anet"]]
    result = invoke("score", "activitynet-captions", "-p", files["grounding"], *args)
    assert result.exit_code == 2 and "given twice" in result.output, result.output


def test_a_file_is_scored_only_by_the_scorer_of_the_chosen_protocol(files) -> None:
    # {video_id, answer} lines are dense-captioning answers: never grounding under vtimellm
    result = invoke("score", "activitynet-captions", "-a", files["anet"], "-p", files["answers"],
                    "--protocol", "vtimellm", "-o", files["out"])  # fmt: skip
    assert result.exit_code == 2 and "not a grounding one" in result.output, result.output
    densevid = invoke("score", "activitynet-captions", "-a", files["anet"], "-p",
                      files["densevid"], "--protocol", "timelens", "-o", files["out"])  # fmt: skip
    assert densevid.exit_code == 2 and "not a grounding one" in densevid.output
    grounding = invoke("score", "activitynet-captions", "-a", files["anet"], "-p",
                       files["grounding"], "--protocol", "densevid-2018")  # fmt: skip
    assert grounding.exit_code == 2 and "not a dense_captioning one" in grounding.output
    assert not (files["out"] / "metrics.json").exists()
    with pytest.raises(UsageError, match="youcook2 has no grounding view"):
        score(ScoreRequest("youcook2", predictions=files["grounding"], annotations=files["anet"],
                           protocol="timelens"))  # fmt: skip


def test_without_a_protocol_the_file_decides_and_says_so(files) -> None:
    result = invoke("score", "activitynet-captions", "-a", files["anet"], "-p", files["densevid"],
                    "--no-language", "-o", files["out"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "dense_captioning file" in result.output
    metrics = json.loads((files["out"] / "metrics.json").read_text())
    assert metrics["task"] == "dense_captioning" and metrics["protocol"] == "densevid-2018"
    assert metrics["protocol_config"]["junk"] == "densevid-2018"
    rows = [json.loads(x) for x in (files["out"] / "samples.jsonl").read_text().splitlines()]
    assert rows[0]["sample_id"] == "v_a" and rows[0]["predicted_events"][0][2]
    assert "precision" in metrics["ci95"]


def test_validate_reports_without_scoring(files) -> None:
    result = invoke("validate", "activitynet-captions", "-a", files["anet"], "-p",
                    files["densevid"], "--protocol", "densevid-2018")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "GT videos with predictions" in result.output
    grounding = invoke("validate", "activitynet-captions", "-a", files["anet"], "-p",
                       files["grounding"])  # fmt: skip
    assert grounding.exit_code == 0 and "GT queries with a prediction" in grounding.output


def test_list_names_every_task_and_view() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    for name in ("youcook2", "densevid-2019", "eventsim", "rejudge-neutral", "lmms-eval-hf"):
        assert name in result.output
