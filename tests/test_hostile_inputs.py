"""Inputs that used to end in a traceback end in a one-line message and exit code 2 (bad
input) or 3 (environment), or are counted and left out."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from videoeval.cli import app
from videoeval.demo import GT_FILE, data_path

runner = CliRunner()


def score(*args: object):
    return runner.invoke(app, ["score", *[str(a) for a in args]])


def test_deeply_nested_and_huge_numbers_in_prediction_files(tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    result = score("charades-sta", "-a", data_path(GT_FILE), "-p", nested, "-o", tmp_path / "o")
    assert result.exit_code == 2 and "error:" in result.output, result.output
    huge = tmp_path / "huge.jsonl"
    huge.write_text(
        json.dumps({"id": "0", "span": [1, int("9" * 400)]}) + "\n"
        + json.dumps({"id": "1", "answer": "0 - 5"}) + "\n"
    )  # fmt: skip
    ok = score("charades-sta", "-a", data_path(GT_FILE), "-p", huge, "-o", tmp_path / "o2")
    assert ok.exit_code == 0, ok.output
    rows = [json.loads(x) for x in (tmp_path / "o2" / "samples.jsonl").read_text().splitlines()]
    assert next(r for r in rows if r["sample_id"] == "0")["status"] == "invalid_span"


def test_a_broken_etbench_sample_is_left_out_not_fatal(tmp_path: Path) -> None:
    samples = [
        {"task": "dvc", "source": "youcook2", "video": "a.mp4", "idx": 0, "tgt": [[0, 10]],
         "g": ["crack eggs"], "a": "0 - 10 seconds, crack eggs."},
        {"task": "dvc", "source": "youcook2", "idx": 1, "a": "0 - 10 seconds, x."},  # no GT
    ]  # fmt: skip
    path = tmp_path / "etbench.json"
    path.write_text(json.dumps(samples))
    from videoeval.scoring.etbench import read_etbench

    skipped: list[str] = []
    groups = read_etbench(path, skipped)
    assert sum(len(g) for g in groups.values()) == 1 and "no video" in skipped[0]


def test_a_damaged_run_json_and_cache_are_messages(tmp_path: Path) -> None:
    from videoeval.engine.cache import CallCache
    from videoeval.errors import EnvironmentProblem

    cache = tmp_path / "calls.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    try:
        CallCache(cache)
    except EnvironmentProblem as exc:
        assert "cannot be used" in str(exc)
    else:
        raise AssertionError("a damaged cache must be refused with a message")
