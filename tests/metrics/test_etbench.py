"""E.T. Bench: the answer parser's reference outputs, the scale factor of F1, Sim."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from videoeval.cli import app
from videoeval.metrics.etbench import parse_answer
from videoeval.scoring.etbench import score_group

runner = CliRunner()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [  # outputs of the reference's own functions (run on a copy of them)
        ("The video shows: 0 - 5 seconds, a man walks in. 5 - 10 seconds, he sits.",
         ([[0.0, 5.0], [5.0, 10.0]], ["the video shows:", "a man walks in."])),
        ("0 - 5 seconds, boil water. 10 - 50 seconds, crack eggs.",
         ([[0.0, 5.0], [10.0, 50.0]], ["boil water. 1", "0 , crack eggs."])),
        ("1. 0 - 5 seconds, pour the milk. 2. 5 - 9 seconds, stir it.",
         ([[0.0, 5.0], [5.0, 9.0]], ["pour the milk. 2.", "stir it."])),
        ("0.0 - 5.2 seconds, A man walks in.  5.2 - 10.0 seconds, He sits down.",
         ([[0.0, 5.2], [5.2, 10.0]], ["a man walks in.", "he sits down."])),
        ("Starting time: 3s Ending time: 8s Description: a cat jumps",
         ([[3.0, 8.0]], ["a cat jumps"])),
        ("start time 3, end time 8, a cat jumps", None),
        ("At 12 seconds, a man walks in. At 30 seconds, he sits down.",
         ([[12.0, 52.0]], ["a man walks in."])),
        ("9 - 4 seconds, reversed.", ([[4.0, 9.0]], ["reversed."])),
        ("No events.", None),
    ],
)  # fmt: skip
def test_parser_reproduces_the_reference(answer: str, expected) -> None:
    assert parse_answer(answer) == expected


class _Unit:
    """Embeds every sentence to the same unit vector: similarity 1 for any pair."""

    def encode(self, sentences):  # type: ignore[no-untyped-def]
        import numpy as np

        out = np.zeros((len(sentences), 3), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def test_failed_answers_scale_f1_but_not_sim() -> None:
    gt = {"tgt": [[0, 10], [10, 20]], "g": ["a man walks in", "he sits down"]}
    samples = [
        {
            "video": "v1",
            "a": "0 - 10 seconds, a man walks in. 10 - 20 seconds, he sits down.",
            **gt,
        },
        {"video": "v2", "a": "I cannot tell.", **gt},
    ]
    out = score_group(samples, _Unit(), lambda s: s, seed=0)
    assert out["failed"] == 1 and out["scale"] == 0.5
    # v1 alone: P = R = 1 at every threshold, both scaled by 0.5 -> F1 0.5
    assert out["F1"] == pytest.approx(0.5) and out["F1@0.7"] == pytest.approx(0.5)
    assert out["Sim"] == pytest.approx(1.0)  # not scaled


@pytest.mark.skipif(shutil.which("java") is None, reason="Sim tokenises with Java")
def test_cli_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    pytest.importorskip("tokenizers", reason="the offline encoder is not installed")
    samples = [
        {"task": "dvc", "source": "youcook2", "video": "a.mp4", "idx": 0,
         "tgt": [[0, 10], [10, 20]], "g": ["crack the eggs", "whisk the eggs"],
         "a": "0 - 10 seconds, crack the eggs. 10 - 20 seconds, whisk the eggs."},
        {"task": "slc", "source": "coin", "video": "b.mp4", "idx": 1,
         "tgt": [[0, 30]], "g": ["remove the wheel"], "a": "no timestamps here"},
        {"task": "tvg", "source": "x", "video": "c.mp4", "idx": 2, "a": "1 - 2"},
    ]  # fmt: skip
    path = tmp_path / "etbench.json"
    path.write_text(json.dumps(samples), encoding="utf-8")
    result = runner.invoke(app, ["score", "etbench", "-p", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["metrics"]["DVC_F1"] == pytest.approx(100.0)
    assert metrics["metrics"]["DVC_Sim"] == pytest.approx(100.0, abs=1e-3)  # identical captions
    assert metrics["metrics"]["SLC_F1"] == 0.0 and metrics["failures"] == {"parse_error": 1}


def test_other_benchmarks_still_need_their_gt_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "dream1k", "-p", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 2 and "--annotations" in result.output
