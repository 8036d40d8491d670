from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from videoeval.cli import app
from videoeval.metrics.event_similarity import split_events
from videoeval.metrics.sentence_encoder import EncoderUnavailable, MiniLMEncoder

runner = CliRunner()


def test_split_events() -> None:
    text = "A man opens the door, then he sits down. The dog barks and then runs away!"
    assert split_events(text) == [
        "A man opens the door",
        "he sits down",
        "The dog barks",
        "runs away",
    ]
    assert split_events("") == [] and split_events("...") == []


def test_offline_score_on_real_dream_clips(tmp_path: Path) -> None:
    try:
        MiniLMEncoder()
    except EncoderUnavailable as exc:
        pytest.skip(f"offline encoder not installed: {exc}")
    source = shared_file("captions/DREAM-1k.jsonl")
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    chosen = rows[:6] + rows[600:606]  # two categories
    annotations = tmp_path / "dream.jsonl"
    annotations.write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    perfect = tmp_path / "perfect.jsonl"
    perfect.write_text(
        "".join(
            json.dumps({"idx": r["idx"], "prediction": ". ".join(r["extra_info"]["events"])}) + "\n"
            for r in chosen[:-1]  # the last clip has no prediction
        ),
        encoding="utf-8",
    )
    base = ["score", "dream1k", "-a", str(annotations)]
    result = runner.invoke(app, [*base, "-p", str(perfect), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "not AutoDQ" in result.output
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["protocol"] == "eventsim"
    assert metrics["metrics"]["EventSim-F1"] == pytest.approx(100.0)
    assert metrics["failures"] == {"missing_prediction": 1} and metrics["n_scored"] == 11
    unrelated = tmp_path / "unrelated.jsonl"
    unrelated.write_text(
        "".join(
            json.dumps({"idx": r["idx"], "prediction": "The stock market closed higher today."})
            + "\n"
            for r in chosen
        ),
        encoding="utf-8",
    )
    low = runner.invoke(app, [*base, "-p", str(unrelated), "-o", str(tmp_path / "u")])
    assert low.exit_code == 0, low.output
    low_metrics = json.loads((tmp_path / "u" / "metrics.json").read_text())["metrics"]
    assert low_metrics["EventSim-F1"] < 20
