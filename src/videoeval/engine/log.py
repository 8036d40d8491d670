"""The run's append-only log: one JSON line per finished sample, written whole and flushed.

A process killed mid-line leaves a torn last line; opening the log cuts it off, so appending
resumes on a line boundary and no finished sample is lost or repeated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from videoeval import jsonio
from videoeval.redaction import environment_secrets, redact


def read_log(
    path: Path, repair: bool = False, problems: list[str] | None = None
) -> list[dict[str, Any]]:
    """The whole lines of a log; ``repair`` also cuts a torn last line off the file. A line
    that is not one of ours (hand-edited: not JSON, no ``sample_id`` or ``status`` text) is
    left out and, with ``problems``, named there."""
    if not path.exists():
        return []
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if repair and end < len(data):  # a torn line from a killed run
        with open(path, "r+b") as handle:
            handle.truncate(end)
    rows = []
    for number, line in enumerate(data[:end].split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            row = jsonio.loads(line)
        except (ValueError, RecursionError):
            row = None  # cannot happen for whole lines we wrote; never fatal
        if isinstance(row, dict) and isinstance(row.get("sample_id"), str) and isinstance(
            row.get("status"), str
        ):  # fmt: skip
            rows.append(row)
        elif problems is not None:
            problems.append(f"{path.name}:{number}: not a line this run wrote: left out")
    return rows


class AppendLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = read_log(path, repair=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._secrets = environment_secrets()

    def append(self, row: dict[str, Any]) -> None:
        text = json.dumps(row, ensure_ascii=False)
        line = (redact(text, self._secrets) + "\n").encode("utf-8")
        os.write(self._fd, line)  # one write of a whole line with O_APPEND

    def close(self) -> None:
        os.close(self._fd)
