"""Writing a scored run: metrics.json (the contract) and its JSONL row files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from videoeval.schema import MetricsReport


def write_metrics(path: Path, report: MetricsReport) -> None:
    path.write_text(
        json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    """One JSON object per line; typed rows (dataclasses) go through pydantic, fast."""
    adapters: dict[type, TypeAdapter[Any]] = {}
    tmp = path.with_suffix(path.suffix + ".tmp")
    lines: list[bytes] = []
    with open(tmp, "wb") as handle:
        for row in rows:
            if isinstance(row, Mapping):
                lines.append(json.dumps(row, ensure_ascii=False).encode())
            else:
                adapter = adapters.get(type(row)) or adapters.setdefault(
                    type(row), TypeAdapter(type(row))
                )
                lines.append(adapter.dump_json(row))
            if len(lines) == 1000:  # one write per thousand rows
                handle.write(b"\n".join(lines) + b"\n")
                lines.clear()
        if lines:
            handle.write(b"\n".join(lines) + b"\n")
    tmp.replace(path)


def write_report(out: Path, report: MetricsReport, **row_files: Iterable[Any]) -> list[Path]:
    """``out/metrics.json`` and one ``out/<name>.jsonl`` per keyword (``samples=rows``)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "metrics.json"]
    write_metrics(paths[0], report)
    for name, rows in row_files.items():
        paths.append(out / f"{name}.jsonl")
        write_jsonl(paths[-1], rows)
    return paths
