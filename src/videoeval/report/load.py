"""Reading run folders back: metrics.json plus the per-sample files beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from videoeval import jsonio
from videoeval.benchmarks.base import read_text, text_lines
from videoeval.errors import InputError
from videoeval.schema import MetricsReport


@dataclass
class RunData:
    name: str
    report: MetricsReport
    rows: list[Any]
    """samples.jsonl read through the protocol's row type (``schema.py``)."""
    model: str
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    side_by_side: list[dict[str, Any]] = field(default_factory=list)
    frames: dict[str, Any] = field(default_factory=dict)
    """A run folder's frames per sample (responses.jsonl): what the model saw."""


def row_type(protocol: str) -> Any:
    """The row type of a protocol's samples.jsonl (a protocol this version does not know:
    rows kept as written)."""
    from videoeval.protocols import REGISTRY
    from videoeval.schema import OtherRow

    info = REGISTRY.get(protocol)
    return info.row if info is not None else OtherRow


def typed_rows(records: list[dict[str, Any]], protocol: str) -> list[Any]:
    """The records as rows of the protocol's type; a record that does not fit the type (a
    hand-edited line) is left out: the report shows what it can read."""
    kind = row_type(protocol)
    rows = []
    for record in records:
        try:
            rows.append(kind.from_record(record))
        except (TypeError, ValueError):
            continue
    return rows


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL file; a line that is not a JSON object is left out (a report shows
    what it can read)."""
    if not path.exists():
        return []
    rows = []
    for line in text_lines(read_text(path)):
        if not line.strip():
            continue
        try:
            row = jsonio.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _run_model(run_json: Path) -> str:
    """The model a run folder's run.json names (``-`` when it says nothing readable)."""
    try:
        record = json.loads(read_text(run_json))
    except (ValueError, RecursionError, InputError):
        return "-"
    config = record.get("config") if isinstance(record, dict) else None
    model = config.get("model") if isinstance(config, dict) else None
    name = model.get("model") if isinstance(model, dict) else None
    return str(name) if name else "-"


def _audits(protocol: str) -> bool:
    from videoeval.protocols import AUDIT, REGISTRY

    info = REGISTRY.get(protocol)
    return info is not None and info.takes(AUDIT)


def load_run(folder: Path) -> RunData:
    metrics_path = folder / "metrics.json"
    if not metrics_path.exists():
        raise InputError(folder, "holds no metrics.json: not a videoeval output folder")
    try:
        report = MetricsReport.model_validate_json(read_text(metrics_path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "the file"
        raise InputError(
            metrics_path, f"not a metrics.json this version reads ({where}: {first['msg']})"
        ) from None
    model = report.model or "-"
    run_json = folder / "run.json"
    if report.model:
        pass
    elif run_json.exists():
        model = _run_model(run_json)
    elif report.judge and _audits(report.protocol):
        model = f"judge {report.judge.get('model', '-')}"
    if preset := report.inputs.get("frame_preset"):
        model = f"{model} (frames: {preset})"
    return RunData(
        name=folder.name,
        report=report,
        rows=typed_rows(jsonl_rows(folder / "samples.jsonl"), report.protocol),
        model=str(model),
        verdicts=jsonl_rows(folder / "verdicts.jsonl"),
        side_by_side=jsonl_rows(folder / "side_by_side.jsonl"),
        frames={
            str(r.get("sample_id")): r["frames"]
            for r in jsonl_rows(folder / "responses.jsonl")
            if isinstance(r.get("frames"), dict)
        },
    )
