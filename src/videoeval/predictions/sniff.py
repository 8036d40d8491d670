"""Which tasks a prediction file could belong to, from a cheap look at its start.

Used to choose a benchmark's view when no protocol is named, and to refuse a file of one task
given to another task's scorer (a grounding file is never scored as dense captioning)."""

from __future__ import annotations

from pathlib import Path

from videoeval import jsonio
from videoeval.predictions.dense import is_dense_answers

_HEAD = 65536


def _head(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(_HEAD)
    except (OSError, IsADirectoryError):
        return ""


def _first_record(head: str) -> object:
    line = head.lstrip().split("\n", 1)[0]
    try:
        return jsonio.loads(line)
    except (ValueError, RecursionError):
        return None


def tasks_of_file(path: Path) -> set[str]:
    """``{"grounding"}``, ``{"dense_captioning"}``, both when the start fits both, or an empty
    set when the start tells nothing (the task's own reader then decides)."""
    from videoeval.predictions.grounding import detect_record

    if path.is_dir():
        return {"grounding"}  # a folder of VideoMind output chunks
    head = _head(path)
    stripped = head.lstrip()
    tasks: set[str] = set()
    if stripped.startswith("{") and '"results"' in stripped[:4096]:
        tasks.add("dense_captioning")  # a densevid results file
    elif is_dense_answers(path):
        tasks.add("dense_captioning")
    record = _first_record(head)
    if isinstance(record, dict) and detect_record(record):
        tasks.add("grounding")
    elif not tasks and stripped[:1] in ("[", "{"):
        tasks.add("grounding")  # JSON documents: TimeChat, lmms-eval, VideoMind layouts
    return tasks
