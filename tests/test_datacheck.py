"""``videoeval data check``: a validated copy is named by its checksum; another file passes only
when every view with a published count has it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import shared_file
from videoeval.cli import app
from videoeval.datacheck import check_file


def test_a_validated_copy_is_named() -> None:
    result = check_file("dream1k", shared_file("captions/DREAM-1k.jsonl"))
    assert result.ok and result.known_as == (
        "bytedance/tarsier @ 63de87a : data/annotations/DREAM-1k.jsonl"
    )
    assert [(v.task, v.samples, v.matches) for v in result.views] == [
        ("captioning", 1000, True), ("audit", 1000, True)]  # fmt: skip


def _timelens(path: Path, queries: int) -> Path:
    data = {f"v{i}": {"duration": 30.0, "spans": [[1.0, 5.0]], "queries": [f"q {i}"]}
            for i in range(queries)}  # fmt: skip
    path.write_text(json.dumps(data))
    return path


def test_the_published_count_decides_for_an_unknown_copy(tmp_path: Path) -> None:
    same = check_file("timelens-charades", _timelens(tmp_path / "a.json", 3363))
    assert same.ok and same.known_as is None and same.views[0].matches
    short = _timelens(tmp_path / "b.json", 3000)
    result = CliRunner().invoke(app, ["data", "check", "timelens-charades", str(short)])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "3,000" in said and "3,363" in said and "not the published test set" in said
    wrong = CliRunner().invoke(app, ["data", "check", "nope", str(short)])
    assert wrong.exit_code == 2 and "unknown benchmark 'nope'" in wrong.output
