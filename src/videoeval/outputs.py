"""Writing a scored run: metrics.json (the contract) and its JSONL row files."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from videoeval.redaction import environment_secrets, redact, redact_bytes
from videoeval.schema import MetricsReport, RecordRow


def write_metrics(path: Path, report: MetricsReport) -> None:
    text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    path.write_text(redact(text), encoding="utf-8")


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    """One JSON object per line; typed rows go through pydantic, dataclasses a thousand at a
    time (the same bytes as one call per row, in a third less time)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    lines: list[bytes] = []
    typed: list[Any] = []
    secrets = environment_secrets()  # a key echoed into an answer is never written
    with open(tmp, "wb") as handle:
        for row in rows:
            if isinstance(row, RecordRow):
                row = row.to_record()
            if isinstance(row, Mapping):
                lines.extend(_typed_lines(typed))
                typed.clear()
                lines.append(json.dumps(row, ensure_ascii=False).encode())
            else:
                if typed and type(typed[0]) is not type(row):
                    lines.extend(_typed_lines(typed))
                    typed.clear()
                typed.append(row)
                if len(typed) == 1000:
                    lines.extend(_typed_lines(typed))
                    typed.clear()
            if len(lines) >= 1000:  # one write per thousand rows
                handle.write(redact_bytes(b"\n".join(lines) + b"\n", secrets))
                lines.clear()
        lines.extend(_typed_lines(typed))
        if lines:
            handle.write(redact_bytes(b"\n".join(lines) + b"\n", secrets))
    tmp.replace(path)


@functools.cache
def _adapters(kind: type) -> tuple[TypeAdapter[Any], TypeAdapter[Any] | None, bytes]:
    """One row's adapter and, for a dataclass, a list's adapter and how each row after the
    first starts in the list's JSON (``},{"<first field>":``); other types go row by row."""
    if not dataclasses.is_dataclass(kind) or not dataclasses.fields(kind):
        return TypeAdapter(kind), None, b""
    first = dataclasses.fields(kind)[0].name
    return TypeAdapter(kind), TypeAdapter(list[kind]), b'},{"' + first.encode() + b'":'  # type: ignore[valid-type]


def _typed_lines(rows: list[Any]) -> list[bytes]:
    """The rows (all of one dataclass type) as JSON lines. The list is dumped in one call and
    cut where each row begins: a string's quotes are escaped inside JSON, so the cut mark can
    only occur inside a value that nests a row of the same first field; the count then differs
    and each row is dumped on its own."""
    if not rows:
        return []
    kind: Any = type(rows[0])
    one, many, mark = _adapters(kind)
    parts = many.dump_json(rows)[1:-1].split(mark) if many is not None else []
    if len(parts) != len(rows):
        return [one.dump_json(row) for row in rows]
    head = mark[2:]  # {"<first field>":
    if len(parts) == 1:
        return parts
    return [parts[0] + b"}", *(head + part + b"}" for part in parts[1:-1]), head + parts[-1]]


def write_report(out: Path, report: MetricsReport, **row_files: Iterable[Any]) -> list[Path]:
    """``out/metrics.json`` and one ``out/<name>.jsonl`` per keyword (``samples=rows``)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "metrics.json"]
    write_metrics(paths[0], report)
    for name, rows in row_files.items():
        paths.append(out / f"{name}.jsonl")
        write_jsonl(paths[-1], rows)
    return paths


def write_causes(out: Path, rows: list[Any], files: Mapping[str, list[Any]]) -> list[Path]:
    """Without figures: ``out/samples.jsonl`` (each sample with the status and note that say
    why it was not scored) and the further row files; a metrics.json of an earlier scoring
    in ``out`` is removed, so no stale figure sits beside these rows."""
    if not rows:
        return []
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").unlink(missing_ok=True)
    paths = [out / "samples.jsonl"]
    write_jsonl(paths[0], rows)
    for name, more in files.items():
        paths.append(out / f"{name}.jsonl")
        write_jsonl(paths[-1], more)
    return paths
