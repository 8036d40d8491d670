"""``report --subset``: each run's score and rank on every sample and on an audit's clean
subset, side by side: cleaning the GT can reorder models."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from videoeval.cli import app

runner = CliRunner()


def test_ranks_on_all_samples_and_on_the_clean_subset(tmp_path: Path) -> None:
    gt = {f"v{i}": {"duration": 10.0, "spans": [[0.0, 4.0]], "queries": [f"q{i}"]}
          for i in range(4)}  # fmt: skip
    annotations = tmp_path / "charades-timelens.json"
    annotations.write_text(json.dumps(gt))
    # model a is right on v0, v1, v2 and wrong on v3; model b is right on v3 and half on v0
    answers = {"a": ["0 - 4", "0 - 4", "0 - 4", "8 - 9"], "b": ["0 - 2", "8 - 9", "8 - 9", "0 - 4"]}
    for name, texts in answers.items():
        rows = [{"vid": f"v{i}", "query": f"q{i}", "answer": f"The event happens in {t} seconds."}
                for i, t in enumerate(texts)]  # fmt: skip
        predictions = tmp_path / f"{name}.jsonl"
        predictions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        result = runner.invoke(app, ["score", "timelens-charades", "-a", str(annotations), "-p",
                                     str(predictions), "-o", str(tmp_path / name),
                                     "--model-name", name])  # fmt: skip
        assert result.exit_code == 0, result.output
    subset = tmp_path / "clean_subset.json"
    subset.write_text(json.dumps({"sample_ids": ["v0", "v3"]}))  # v1, v2: GT found wrong
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(tmp_path / "a"), str(tmp_path / "b"),
                                 "--subset", str(subset), "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    md = (out / "leaderboard.md").read_text()
    table = md.split("## Original and clean GT")[1]
    lines = {line.split("|")[1].strip(): line for line in table.splitlines() if "| a " in line
             or "| b " in line}  # fmt: skip
    # a: all 75.00, clean 50.00; b: all 37.50, clean 75.00: the clean GT reverses the ranks
    assert "75.00 (n=4) | 1 | 50.00 (n=2) | 2" in lines["a"]
    assert "37.50 (n=4) | 2 | 75.00 (n=2) | 1" in lines["b"]
    assert "Original and clean GT" in (out / "report.html").read_text()
