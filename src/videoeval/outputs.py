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
    blocks: list[bytes] = []  # lines, each block one or several joined by newlines
    held = 0  # the lines in ``blocks``
    typed: list[Any] = []
    kind: type | None = None  # the type of the rows in ``typed``
    secrets = environment_secrets()  # a key echoed into an answer is never written
    with open(tmp, "wb") as handle:
        for row in rows:
            if type(row) is kind:  # the usual case: the next row of a run of one type
                typed.append(row)
            else:
                if isinstance(row, RecordRow):
                    row = row.to_record()
                if typed:
                    blocks.append(_typed_block(typed))
                    held += len(typed)
                    typed.clear()
                if isinstance(row, Mapping):
                    kind = None
                    blocks.append(json.dumps(row, ensure_ascii=False).encode())
                    held += 1
                else:
                    kind = type(row)
                    typed.append(row)
            if len(typed) == 1000:
                blocks.append(_typed_block(typed))
                held += len(typed)
                typed.clear()
            if held >= 1000:  # one write per thousand rows
                handle.write(redact_bytes(b"\n".join(blocks) + b"\n", secrets))
                blocks.clear()
                held = 0
        if typed:
            blocks.append(_typed_block(typed))
        if blocks:
            handle.write(redact_bytes(b"\n".join(blocks) + b"\n", secrets))
    tmp.replace(path)


@functools.cache
def _adapters(kind: type) -> tuple[TypeAdapter[Any], TypeAdapter[Any] | None, bytes]:
    """One row's adapter and, for a dataclass, a list's adapter and how each row after the
    first starts in the list's JSON (``},{"<first field>":``); other types go row by row."""
    if not dataclasses.is_dataclass(kind) or not dataclasses.fields(kind):
        return TypeAdapter(kind), None, b""
    first = dataclasses.fields(kind)[0].name
    return TypeAdapter(kind), TypeAdapter(list[kind]), b'},{"' + first.encode() + b'":'  # type: ignore[valid-type]


def _typed_block(rows: list[Any]) -> bytes:
    """The rows (all of one dataclass type) as JSON lines joined by newlines. The list is
    dumped in one call and cut where each row begins: a string's quotes are escaped inside
    JSON, so the cut mark can only occur inside a value that nests a row of the same first
    field; the count then differs and each row is dumped on its own."""
    kind: Any = type(rows[0])
    one, many, mark = _adapters(kind)
    if many is not None:
        data = many.dump_json(rows)[1:-1]
        if data.count(mark) == len(rows) - 1:
            return data.replace(mark, b"}\n" + mark[2:])  # mark[2:] is {"<first field>":
    return b"\n".join(one.dump_json(row) for row in rows)


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
