from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from videoeval.outputs import write_report
from videoeval.schema import GroundingRow, MetricsReport


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


@dataclass(slots=True)
class _Event:
    sample_id: str
    note: str


class _Plain(BaseModel):
    sample_id: str
    note: str


@dataclass(slots=True)
class _Nested:
    sample_id: str
    inner: list[_Event]


def test_typed_rows_are_written_exactly_as_one_dump_per_row(tmp_path: Path) -> None:
    from pydantic import TypeAdapter

    from videoeval.outputs import write_jsonl

    hostile = ['"},{"sample_id":"x"', '},{"sample_id":', "line\nbreak", "café", "\\"]
    rows: list[object] = [
        GroundingRow(f"s{i}", "v", hostile[i % 5], ((0.0, 1e16),), None, hostile[(i + 1) % 5],
                     None, (0.5, 2.0), (0.0, 1e16), i / 7, "ok", True, hostile[(i + 2) % 5])
        for i in range(2345)
    ]  # fmt: skip
    rows[1500:1500] = [{"sample_id": "a dict between typed rows"}]
    rows[1700:1700] = [_Event("e1", "x"), _Nested("n1", [_Event("e2", "y"), _Event("e3", "z")])]
    rows[1800:1800] = [_Plain(sample_id="p", note=hostile[1])]  # typed, not a dataclass
    rows.append(_Event("last", hostile[0]))
    write_jsonl(tmp_path / "rows.jsonl", rows)
    expected = [
        json.dumps(row, ensure_ascii=False).encode()
        if isinstance(row, dict)
        else TypeAdapter(type(row)).dump_json(row)
        for row in rows
    ]
    assert (tmp_path / "rows.jsonl").read_bytes() == b"\n".join(expected) + b"\n"
