from __future__ import annotations

import json
from pathlib import Path

from videoeval.outputs import write_report
from videoeval.schema import MetricsReport


def test_write_report_writes_the_contract_and_each_row_file(tmp_path: Path) -> None:
    report = MetricsReport(
        benchmark="b", task="t", protocol="p", protocol_reference="r", n_total=2, n_scored=1,
        n_counted=2, metrics={"F1": 50.0}, ci95={}, failures={"parse_error": 1},
        failure_rule="x", inputs={"predictions": "café.json"}, videoeval_version="0",
    )  # fmt: skip
    rows = [{"video_id": "v1", "sentence": "un café"}, {"video_id": "v2"}]
    paths = write_report(tmp_path / "out", report, samples=rows, flips=iter([]))
    assert [p.name for p in paths] == ["metrics.json", "samples.jsonl", "flips.jsonl"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == report.model_dump(mode="json")
    lines = paths[1].read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == rows and "café" in lines[0]  # kept readable
    assert paths[2].read_text() == ""
